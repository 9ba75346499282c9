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

/**
 * A one-operator segmenter: a float [1, H, W, 3] input, a 1x1 CONV_2D with `weights` (per class:
 * r, g, b) and `bias`, and the class scores [1, H, W, classes] out (with `sigmoid`, through a
 * LOGISTIC: a one-class weight list is a confidence mask as MediaPipe's); with `meta`, TF Lite
 * Support metadata and its packed files.
 */
export function tinySegmenter(size: [number, number], weights: number[][], bias: number[], meta?: TinyMetadata, sigmoid = false): Uint8Array {
  const b = new Builder(1024);
  const s = (v: string) => b.createString(v);
  const ints = (a: number[]) => { b.startVector(4, a.length, 4); for (const v of [...a].reverse()) b.addInt32(v); return b.endVector(); };
  const offs = (a: number[]) => { b.startVector(4, a.length, 4); for (const v of [...a].reverse()) b.addOffset(v); return b.endVector(); };
  const bytes = (a: Uint8Array) => { b.startVector(1, a.length, 16); for (let i = a.length - 1; i >= 0; i--) b.addInt8(a[i]); return b.endVector(); };
  const f32bytes = (a: number[]) => new Uint8Array(new Float32Array(a).buffer);
  const classes = weights.length;
  // Buffer { data 0 }: 0 empty (the convention), 1 the filter [classes, 1, 1, 3], 2 the bias, 3 the metadata.
  const datas = [f32bytes(weights.flat()), f32bytes(bias), ...(meta ? [meta.raw ?? metadataBuffer(meta)] : [])].map(bytes);
  b.startObject(3); const empty = b.endObject();
  const buffers = [empty, ...datas.map((d) => { b.startObject(3); b.addFieldOffset(0, d, 0); return b.endObject(); })];
  // Tensor { shape 0, type 1 (0 = FLOAT32), buffer 2, name 3 }.
  const tensor = (shape: number[], buffer: number, name: string) => {
    const sh = ints(shape), n = s(name);
    b.startObject(4); b.addFieldOffset(0, sh, 0); b.addFieldInt32(2, buffer, 0); b.addFieldOffset(3, n, 0); return b.endObject();
  };
  const [h, w] = size;
  const tensors = offs([tensor([1, h, w, 3], 0, 'image'), tensor([classes, 1, 1, 3], 1, 'filter'), tensor([classes], 2, 'bias'), tensor([1, h, w, classes], 0, 'scores'),
    ...(sigmoid ? [tensor([1, h, w, classes], 0, 'mask')] : [])]);
  // Conv2DOptions { padding 0 (0 = SAME), stride_w 1, stride_h 2 }; Operator { opcode_index 0, inputs 1, outputs 2, builtin_options_type 3 (1 = Conv2DOptions), builtin_options 4 }.
  b.startObject(4); b.addFieldInt8(0, 0, 1); b.addFieldInt32(1, 1, 0); b.addFieldInt32(2, 1, 0); const convOpts = b.endObject();
  const opIn = ints([0, 1, 2]), opOut = ints([3]);
  b.startObject(5); b.addFieldInt32(0, 0, 1); b.addFieldOffset(1, opIn, 0); b.addFieldOffset(2, opOut, 0); b.addFieldInt8(3, 1, 0); b.addFieldOffset(4, convOpts, 0); const op = b.endObject();
  const sigIn = ints([3]), sigOut = ints([4]);
  const ops = offs(sigmoid ? [op, (() => { b.startObject(5); b.addFieldInt32(0, 1, 0); b.addFieldOffset(1, sigIn, 0); b.addFieldOffset(2, sigOut, 0); return b.endObject(); })()] : [op]);
  // SubGraph { tensors 0, inputs 1, outputs 2, operators 3 }; OperatorCode { deprecated_builtin_code 0, builtin_code 3 } (3 = CONV_2D, 14 = LOGISTIC).
  const gi = ints([0]), go = ints([sigmoid ? 4 : 3]);
  b.startObject(4); b.addFieldOffset(0, tensors, 0); b.addFieldOffset(1, gi, 0); b.addFieldOffset(2, go, 0); b.addFieldOffset(3, ops, 0); const sg = b.endObject();
  const opcode = (n: number) => { b.startObject(4); b.addFieldInt8(0, n, 0); b.addFieldInt32(3, n, 0); return b.endObject(); };
  const opcodes = sigmoid ? [opcode(3), opcode(14)] : [opcode(3)];
  // Metadata { name 0, buffer 1 }.
  let metaVec = 0;
  if (meta) { const n = s('TFLITE_METADATA'); b.startObject(2); b.addFieldOffset(0, n, 0); b.addFieldInt32(1, 3, 0); metaVec = offs([b.endObject()]); }
  const codes = offs(opcodes), sgs = offs([sg]), bufs = offs(buffers), desc = s('built here');
  // Model { version 0, operator_codes 1, subgraphs 2, description 3, buffers 4, metadata_buffer 5, metadata 6 }.
  b.startObject(7); b.addFieldInt32(0, 3, 0); b.addFieldOffset(1, codes, 0); b.addFieldOffset(2, sgs, 0); b.addFieldOffset(3, desc, 0); b.addFieldOffset(4, bufs, 0);
  if (meta) b.addFieldOffset(6, metaVec, 0);
  b.finish(b.endObject(), 'TFL3');
  const model = b.asUint8Array();
  const packed = meta?.labels?.text != null ? { [meta.labels.file]: new TextEncoder().encode(meta.labels.text) } : null;
  return packed ? appendZip(model, packed, !!meta?.absoluteOffsets) : model;
}
