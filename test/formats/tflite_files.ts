// TensorFlow Lite files written here with the flatbuffers package's Builder, field by field at the
// vtable slots the official schemas give (TensorFlow's schema.fbs; TF Lite Support's
// metadata_schema.fbs, counted by hand from its declarations so that the reader's own schema is not
// what checks itself), with metadata and packed files as TF Lite Support's MetadataPopulator
// writes them (a zip appended to the model).
import { Builder } from 'flatbuffers';
import { zipSync } from 'fflate';

export interface TinyMetadata {
  name?: string;
  author?: string;
  license?: string;
  /** NormalizationOptions of the input: per-channel (or one) mean and std in pixel units. */
  mean?: number[];
  std?: number[];
  /** The output's TENSOR_AXIS_LABELS file: its name, and its text packed in the zip (absent: not packed). */
  labels?: { file: string; text?: string };
  /** Offsets in the zip from the file's start (older Python zipfile) instead of the archive's. */
  absoluteOffsets?: boolean;
  /** The metadata flatbuffer's bytes as given (a damaged one). */
  raw?: Uint8Array;
}

/** ModelMetadata with one subgraph: an image input (RGB, NormalizationOptions) and an output with a label file. */
function metadataBuffer(m: TinyMetadata): Uint8Array {
  const b = new Builder(256);
  const s = (v: string) => b.createString(v);
  const offs = (a: number[]) => { b.startVector(4, a.length, 4); for (const v of [...a].reverse()) b.addOffset(v); return b.endVector(); };
  const f32 = (a: number[]) => { b.startVector(4, a.length, 4); for (const v of [...a].reverse()) b.addFloat32(v); return b.endVector(); };
  // NormalizationOptions { mean 0, std 1 }; ProcessUnit { options_type 0 (1 = NormalizationOptions), options 1 }.
  const units: number[] = [];
  if (m.mean || m.std) {
    const mean = f32(m.mean ?? [0]), std = f32(m.std ?? [1]);
    b.startObject(2); b.addFieldOffset(0, mean, 0); b.addFieldOffset(1, std, 0); const norm = b.endObject();
    b.startObject(2); b.addFieldInt8(0, 1, 0); b.addFieldOffset(1, norm, 0); units.push(b.endObject());
  }
  // ImageProperties { color_space 0 (1 = RGB) }; Content { content_properties_type 0 (2 = ImageProperties), content_properties 1 }.
  b.startObject(2); b.addFieldInt8(0, 1, 0); const image = b.endObject();
  b.startObject(3); b.addFieldInt8(0, 2, 0); b.addFieldOffset(1, image, 0); const content = b.endObject();
  // TensorMetadata { name 0, description 1, dimension_names 2, content 3, process_units 4, stats 5, associated_files 6 }.
  const inName = s('image'), unitsVec = offs(units);
  b.startObject(7); b.addFieldOffset(0, inName, 0); b.addFieldOffset(3, content, 0); b.addFieldOffset(4, unitsVec, 0); const input = b.endObject();
  // AssociatedFile { name 0, description 1, type 2 (2 = TENSOR_AXIS_LABELS), locale 3 }.
  const files: number[] = [];
  if (m.labels) {
    const fname = s(m.labels.file), desc = s('Labels for the categories the model segments.');
    b.startObject(4); b.addFieldOffset(0, fname, 0); b.addFieldOffset(1, desc, 0); b.addFieldInt8(2, 2, 0); files.push(b.endObject());
  }
  const outName = s('segmentation_masks'), filesVec = offs(files);
  b.startObject(7); b.addFieldOffset(0, outName, 0); b.addFieldOffset(6, filesVec, 0); const output = b.endObject();
  // SubGraphMetadata { name 0, description 1, input_tensor_metadata 2, output_tensor_metadata 3 }.
  const ins = offs([input]), outs = offs([output]);
  b.startObject(4); b.addFieldOffset(2, ins, 0); b.addFieldOffset(3, outs, 0); const sub = b.endObject();
  // ModelMetadata { name 0, description 1, version 2, subgraph_metadata 3, author 4, license 5 }.
  const name = s(m.name ?? ''), version = s('v1'), subs = offs([sub]), author = s(m.author ?? ''), license = s(m.license ?? '');
  b.startObject(8); b.addFieldOffset(0, name, 0); b.addFieldOffset(2, version, 0); b.addFieldOffset(3, subs, 0); b.addFieldOffset(4, author, 0); b.addFieldOffset(5, license, 0);
  b.finish(b.endObject(), 'M001');
  return b.asUint8Array();
}

/** A zip appended to `model`, with its offsets rewritten from the file's start when asked. */
function appendZip(model: Uint8Array, files: Record<string, Uint8Array>, absolute: boolean): Uint8Array {
  const zip = zipSync(files, { level: 0 });
  const out = new Uint8Array(model.length + zip.length);
  out.set(model); out.set(zip, model.length);
  if (absolute) {
    const v = new DataView(out.buffer);
    const end = out.length - 22; // no archive comment
    const count = v.getUint16(end + 10, true);
    let cd = model.length + v.getUint32(end + 16, true);
    v.setUint32(end + 16, cd, true);
    for (let i = 0; i < count; i++) {
      v.setUint32(cd + 42, v.getUint32(cd + 42, true) + model.length, true);
      cd += 46 + v.getUint16(cd + 28, true) + v.getUint16(cd + 30, true) + v.getUint16(cd + 32, true);
    }
  }
  return out;
}

/** A field of an operator's options table: its vtable slot in the schema, its scalar type, its value. */
export interface OptionField { slot: number; kind: 'byte' | 'int' | 'float'; value: number }
/** An operator: its BuiltinOperator code, tensor indices, and options (the BuiltinOptions union's member number and fields). */
export interface OpSpec { code: number; inputs: number[]; outputs: number[]; options?: { type: number; fields: OptionField[] } }
/** A tensor: FLOAT32, or INT32 where its constant data is an Int32Array; an 8-bit one with its quantisation (one scale and zero point). */
export interface TensorSpec { shape: number[]; name?: string; data?: Float32Array | Int32Array; type?: 'UINT8' | 'INT8'; quant?: { scale: number; zeroPoint: number }; signature?: number[] }

/**
 * A one-subgraph model of `tensors` and `ops` (constants in buffers 1, 2, ...), with `inputs` and
 * `outputs`; with `meta`, TF Lite Support metadata and its packed files.
 */
export function buildTflite(tensors: TensorSpec[], ops: OpSpec[], inputs: number[], outputs: number[], meta?: TinyMetadata): Uint8Array {
  const b = new Builder(1024);
  const s = (v: string) => b.createString(v);
  const ints = (a: number[]) => { b.startVector(4, a.length, 4); for (const v of [...a].reverse()) b.addInt32(v); return b.endVector(); };
  const offs = (a: number[]) => { b.startVector(4, a.length, 4); for (const v of [...a].reverse()) b.addOffset(v); return b.endVector(); };
  const bytes = (a: Uint8Array) => { b.startVector(1, a.length, 16); for (let i = a.length - 1; i >= 0; i--) b.addInt8(a[i]); return b.endVector(); };
  // Buffer { data 0 }: buffer 0 empty (the convention), then each constant, then the metadata.
  const constants = tensors.filter((t) => t.data);
  const datas = [...constants.map((t) => new Uint8Array(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength)), ...(meta ? [meta.raw ?? metadataBuffer(meta)] : [])].map(bytes);
  b.startObject(3); const empty = b.endObject();
  const buffers = [empty, ...datas.map((d) => { b.startObject(3); b.addFieldOffset(0, d, 0); return b.endObject(); })];
  // Tensor { shape 0, type 1 (0 = FLOAT32, 2 = INT32, 3 = UINT8, 9 = INT8), buffer 2, name 3, quantization 4, shape_signature 7 };
  // QuantizationParameters { min 0, max 1, scale 2, zero_point 3 (long) }.
  const tensorOffs = tensors.map((t, i) => {
    const sh = ints(t.shape), n = s(t.name ?? `t${i}`), sig = t.signature ? ints(t.signature) : 0;
    let q = 0;
    if (t.quant) {
      b.startVector(4, 1, 4); b.addFloat32(t.quant.scale); const sc = b.endVector();
      b.startVector(8, 1, 8); b.addInt64(BigInt(t.quant.zeroPoint)); const zp = b.endVector();
      b.startObject(4); b.addFieldOffset(2, sc, 0); b.addFieldOffset(3, zp, 0); q = b.endObject();
    }
    b.startObject(8); b.addFieldOffset(0, sh, 0); b.addFieldInt8(1, t.type === 'INT8' ? 9 : t.type === 'UINT8' ? 3 : t.data instanceof Int32Array ? 2 : 0, 0);
    b.addFieldInt32(2, t.data ? 1 + constants.indexOf(t) : 0, 0); b.addFieldOffset(3, n, 0);
    if (q) b.addFieldOffset(4, q, 0);
    if (sig) b.addFieldOffset(7, sig, 0);
    return b.endObject();
  });
  // Operator { opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4 }.
  const codes = [...new Set(ops.map((o) => o.code))];
  const opOffs = ops.map((o) => {
    let opts = 0;
    if (o.options) {
      b.startObject(Math.max(0, ...o.options.fields.map((f) => f.slot + 1)));
      for (const f of o.options.fields) {
        if (f.kind === 'byte') b.addFieldInt8(f.slot, f.value, f.value + 1);
        else if (f.kind === 'int') b.addFieldInt32(f.slot, f.value, f.value + 1);
        else b.addFieldFloat32(f.slot, f.value, f.value + 1);
      }
      opts = b.endObject();
    }
    const oi = ints(o.inputs), oo = ints(o.outputs);
    b.startObject(5); b.addFieldInt32(0, codes.indexOf(o.code), -1); b.addFieldOffset(1, oi, 0); b.addFieldOffset(2, oo, 0);
    if (o.options) { b.addFieldInt8(3, o.options.type, 0); b.addFieldOffset(4, opts, 0); }
    return b.endObject();
  });
  // SubGraph { tensors 0, inputs 1, outputs 2, operators 3 }.
  const tv = offs(tensorOffs), gi = ints(inputs), go = ints(outputs), ov = offs(opOffs);
  b.startObject(4); b.addFieldOffset(0, tv, 0); b.addFieldOffset(1, gi, 0); b.addFieldOffset(2, go, 0); b.addFieldOffset(3, ov, 0); const sg = b.endObject();
  // OperatorCode { deprecated_builtin_code 0 (127 for codes past it), builtin_code 3 }.
  const codeOffs = codes.map((c) => { b.startObject(4); b.addFieldInt8(0, Math.min(c, 127), -1); b.addFieldInt32(3, c, -1); return b.endObject(); });
  // Metadata { name 0, buffer 1 }: the metadata is the last buffer.
  let metaVec = 0;
  if (meta) { const n = s('TFLITE_METADATA'); b.startObject(2); b.addFieldOffset(0, n, 0); b.addFieldInt32(1, buffers.length - 1, 0); metaVec = offs([b.endObject()]); }
  const cv = offs(codeOffs), sgs = offs([sg]), bufs = offs(buffers), desc = s('built here');
  // Model { version 0, operator_codes 1, subgraphs 2, description 3, buffers 4, metadata_buffer 5, metadata 6 }.
  b.startObject(7); b.addFieldInt32(0, 3, 0); b.addFieldOffset(1, cv, 0); b.addFieldOffset(2, sgs, 0); b.addFieldOffset(3, desc, 0); b.addFieldOffset(4, bufs, 0);
  if (meta) b.addFieldOffset(6, metaVec, 0);
  b.finish(b.endObject(), 'TFL3');
  const model = b.asUint8Array();
  const packed = meta?.labels?.text != null ? { [meta.labels.file]: new TextEncoder().encode(meta.labels.text) } : null;
  return packed ? appendZip(model, packed, !!meta?.absoluteOffsets) : model;
}

/** BuiltinOperator codes of the operators the tests build. */
export const OP = { CONV_2D: 3, RESHAPE: 22, DEPTH_TO_SPACE: 5, LOGISTIC: 14, MAX_POOL_2D: 17, SOFTMAX: 25, TANH: 28, PAD: 34, DIV: 42, PRELU: 54, MAXIMUM: 55, MINIMUM: 57, PADV2: 60, TRANSPOSE_CONV: 67, LEAKY_RELU: 98, MIRROR_PAD: 100, ELU: 111 } as const;

/** A CONV_2D of stride 1 (Conv2DOptions { padding 0 (SAME), stride_w 1, stride_h 2 }, BuiltinOptions 1) over input, filter, bias. */
export const conv2d = (inputs: [number, number, number], output: number): OpSpec =>
  ({ code: OP.CONV_2D, inputs, outputs: [output], options: { type: 1, fields: [{ slot: 1, kind: 'int', value: 1 }, { slot: 2, kind: 'int', value: 1 }] } });

/**
 * A one-operator segmenter: a float [1, H, W, 3] input, a 1x1 CONV_2D (SAME, stride 1) with
 * `weights` (per class: r, g, b) and `bias`, and the class scores [1, H, W, classes] out (with
 * `sigmoid`, through a LOGISTIC: a one-class weight list is a confidence mask as MediaPipe's);
 * with `meta`, TF Lite Support metadata and its packed files.
 */
export function tinySegmenter(size: [number, number], weights: number[][], bias: number[], meta?: TinyMetadata, sigmoid = false): Uint8Array {
  const [h, w] = size, classes = weights.length;
  const tensors: TensorSpec[] = [
    { shape: [1, h, w, 3], name: 'image' }, { shape: [classes, 1, 1, 3], name: 'filter', data: Float32Array.from(weights.flat()) },
    { shape: [classes], name: 'bias', data: Float32Array.from(bias) }, { shape: [1, h, w, classes], name: 'scores' }, { shape: [1, h, w, classes], name: 'mask' },
  ];
  const conv = conv2d([0, 1, 2], 3);
  return buildTflite(sigmoid ? tensors : tensors.slice(0, 4), sigmoid ? [conv, { code: OP.LOGISTIC, inputs: [3], outputs: [4] }] : [conv], [0], [sigmoid ? 4 : 3], meta);
}
