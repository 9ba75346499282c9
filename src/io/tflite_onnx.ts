// A TensorFlow Lite graph (formats/tflite.ts) as an ONNX graph for ONNX Runtime, in float: weights
// dequantised (float16, int8/uint8 with scales and zero points, int32 biases), activations in NCHW
// (the network interface's layout), each op with TFLite's own semantics: "SAME" padding with the odd
// row or column at the end, each resize's align_corners / half_pixel_centers flags, space-to-batch
// atrous convolutions as dilated convolutions, transposed convolutions cropped as TFLite's kernel
// crops them (and MediaPipe's Convolution2DTransposeBias), pads, pools and softmax over the channel
// axis in NCHW. A graph ending
// in ARG_MAX gives the scores ARG_MAX reads; a sigmoid of one channel gives the two class scores [0, z].
import { FLOAT, INT32, INT8, UINT8, floatInit, flt, int, int64Init, ints, onnx, str, valueInfo, type O } from '../formats/onnx_proto.js';
import type { TfliteGraph, TfliteOperator, TfliteTensor } from '../formats/tflite.js';
import { UserError } from '../util/errors.js';
import { f16ToF32 } from '../formats/half_floats.js';

export interface TfliteOnnx {
  onnx: Uint8Array;
  /** The input's [height, width] and the output's channel count (classes). */
  size: [number, number]; classes: number;
  /** The output map's [height, width] at the input's own size (a strided graph's is smaller). */
  outSize: [number, number];
  /** What the output holds: class logits, or probabilities (a softmax or sigmoid the graph ends in). */
  output: 'logits' | 'probabilities';
  /** Learned values: the elements of the constants of rank 1 and more (weights, biases, scales), float or integer. */
  parameters: number;
}

const ACT = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH'];
const o8 = (type: string) => type === 'UINT8' || type === 'INT8';

/** A constant tensor's values as float (dequantised: (q - zero point) * scale, per channel where given). */
export function constantValues(t: TfliteTensor): Float32Array {
  const d = t.data!;
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const n = t.shape.reduce((a, b) => a * b, 1);
  let raw: ArrayLike<number>;
  switch (t.type) {
    case 'FLOAT32': raw = Array.from({ length: n }, (_, i) => dv.getFloat32(i * 4, true)); break;
    case 'FLOAT16': raw = Array.from({ length: n }, (_, i) => f16ToF32(dv.getUint16(i * 2, true))); break;
    case 'INT8': raw = Array.from({ length: n }, (_, i) => dv.getInt8(i)); break;
    case 'UINT8': raw = Array.from({ length: n }, (_, i) => dv.getUint8(i)); break;
    case 'INT32': raw = Array.from({ length: n }, (_, i) => dv.getInt32(i * 4, true)); break;
    case 'INT64': raw = Array.from({ length: n }, (_, i) => Number(dv.getBigInt64(i * 8, true))); break;
    default: throw new UserError(`tensor ${t.name}: constant of type ${t.type} is not read`);
  }
  const out = Float32Array.from(raw);
  const q = t.quantization;
  if (q && t.type !== 'FLOAT32' && t.type !== 'FLOAT16') {
    const dim = q.quantizedDimension, inner = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1), len = t.shape[dim] ?? 1;
    for (let i = 0; i < n; i++) {
      const c = q.scale.length > 1 ? Math.floor(i / inner) % len : 0;
      out[i] = (out[i] - (q.zeroPoint[c] ?? 0)) * q.scale[c];
    }
  }
  return out;
}

/** NHWC data of `shape` (rank 4) as NCHW. */
function nhwcToNchw(v: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(v.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = v[((b * h + y) * w + x) * c + k];
  return out;
}

/**
 * Integer weights in ONNX's order (OHWI -> OIHW, or
 * depthwise [1, kh, kw, C] -> [C, 1, kh, kw]).
 */
function reorder(src: Int32Array, ws: number[], depthwise: boolean): Int32Array {
  const out = new Int32Array(src.length), [, kh, kw] = ws;
  if (depthwise) {
    const cm = ws[3];
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cm; c++) out[(c * kh + y) * kw + x] = src[(y * kw + x) * cm + c];
  } else {
    const [co, , , ci] = ws;
    for (let a = 0; a < co; a++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < ci; c++) out[((a * ci + c) * kh + y) * kw + x] = src[((a * kh + y) * kw + x) * ci + c];
  }
  return out;
}

/** TF "SAME" padding of one axis: the odd pixel at the end. */
function samePads(inSize: number, outSize: number, k: number, s: number, d: number): [number, number] {
  const total = Math.max((outSize - 1) * s + (k - 1) * d + 1 - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export interface TfliteOnnxOptions {
  /**
   * An 8-bit graph's integer arithmetic kept as QuantizeLinear/DequantizeLinear pairs around each
   * operator (8-bit weights and int32 biases as they are): ONNX Runtime then runs its int8 kernels.
   */
  qdq?: boolean;
  /**
   * A quantised graph's activations in plain float: no rounding or clamping to their 8-bit grids
   * (the float network behind the graph, as models/networks builds it from the same weights).
   */
  plainFloat?: boolean;
}

export function tfliteToOnnx(g: TfliteGraph, file: string, options: TfliteOnnxOptions = {}): TfliteOnnx {
  const at = { op: -1 };
  try { return convert(g, file, at, options); } catch (e) {
    if (e instanceof UserError) throw e;
    // A graph that parses but does not hang together (tensor indices, constant sizes): a damaged file.
    const where = at.op >= 0 ? `operator ${at.op} (${g.operators[at.op]?.op})` : 'the graph';
    throw new UserError(`${file}: ${where} could not be converted (${(e as Error).message}); the file may be damaged`);
  }
}

function convert(g: TfliteGraph, file: string, at: { op: number }, options: TfliteOnnxOptions): TfliteOnnx {
  // A graph converted without a fixed size holds placeholder sides of 1, and every shape after
  // them (paddings, resizes) was worked out for those: it cannot be run at another size from here.
  if (g.inputs.length !== 1) throw new UserError(`${file}: the graph takes ${g.inputs.length} inputs (${g.inputs.map((i) => g.tensors[i]?.name ?? i).join(', ')}); pixelwise imports graphs of one image input`);
  const sig = g.tensors[g.inputs[0]]?.signature;
  if (sig?.slice(1, 3).some((d) => d < 0)) throw new UserError(`${file}: its input size is not fixed ([${sig.join(', ')}]); pixelwise converts graphs of a fixed size: convert the model again with a fixed input shape (a Keras Input of a given height and width, or the converter given a concrete function of one)`);
  const nodes: O.INodeProto[] = [], inits: O.ITensorProto[] = [];
  const names = new Map<number, string>(); // TFLite tensor -> ONNX value name
  const producer = new Map<number, TfliteOperator>();
  const consumers = new Map<number, TfliteOperator[]>();
  for (const o of g.operators) {
    for (const t of o.outputs) producer.set(t, o);
    for (const t of o.inputs) if (t >= 0) consumers.set(t, [...(consumers.get(t) ?? []), o]);
  }
  let uid = 0;
  const fresh = (base: string) => `${base}#${uid++}`;
  const T = (i: number) => g.tensors[i];
  // Integer arithmetic only where the graph's activations are 8-bit (not hybrid graphs' float ones).
  const qdq = !!options.qdq && o8(T(g.inputs[0]).type);
  const isConst = (i: number) => T(i).data != null || (producer.get(i)?.op === 'DEQUANTIZE' && T(producer.get(i)!.inputs[0]).data != null);
  /** A constant's float values (through a DEQUANTIZE op when there is one). */
  const constOf = (i: number): { values: Float32Array; shape: number[] } => {
    const p = producer.get(i);
    const t = T(i).data ? T(i) : T(p!.inputs[0]);
    return { values: constantValues(t), shape: t.shape };
  };
  const constant = (base: string, values: Float32Array, dims: number[]): string => { const n = fresh(base); inits.push(floatInit(n, values, dims)); return n; };
  const i64 = (base: string, values: number[]): string => { const n = fresh(base); inits.push(int64Init(n, values)); return n; };
  const node = (op: string, inputs: string[], attrs: O.IAttributeProto[] = [], out = fresh(op)): string => { nodes.push({ opType: op, input: inputs, output: [out], name: `node:${out}`, attribute: attrs }); return out; };
  const unsupported = (o: TfliteOperator, why = 'is not supported by the importer'): never => {
    throw new UserError(`${file}: operator ${o.index} (${o.custom ? `custom ${o.custom}` : o.op}) ${why}`);
  };
  /** An input as an ONNX value: activations by name; constants emitted in NCHW broadcast layout. */
  const value = (i: number, rankOf = 4): string => {
    const n = names.get(i);
    if (n) return n;
    const { values, shape } = constOf(i);
    if (rankOf !== 4 || shape.length === 0) return constant(T(i).name, values, shape);
    // Broadcast against NHWC: right-align to rank 4, then NCHW.
    const full = [...Array(4 - shape.length).fill(1), ...shape];
    return constant(T(i).name, nhwcToNchw(values, full), [full[0], full[3], full[1], full[2]]);
  };
  const activation = (x: string, o: TfliteOperator): string => {
    const a = ACT[Number(o.options?.fused_activation_function ?? 0)] ?? 'UNKNOWN';
    if (a === 'NONE') return x;
    // With integer arithmetic kept, an activation that the output's 8-bit range already is (ReLU
    // onto zero point 0, ReLU6 onto 0..6 in 255 steps) is the QuantizeLinear's own clamp.
    const q = T(o.outputs[0]).quantization;
    if (qdq && q && T(o.outputs[0]).type === 'UINT8' && q.zeroPoint[0] === 0 && (a === 'RELU' || (a === 'RELU6' && Math.round(6 / q.scale[0]) >= 255))) return x;
    if (a === 'RELU') return node('Relu', [x]);
    if (a === 'RELU6') return node('Clip', [x, constant('zero', new Float32Array([0]), []), constant('six', new Float32Array([6]), [])]);
    if (a === 'RELU_N1_TO_1') return node('Clip', [x, constant('m1', new Float32Array([-1]), []), constant('one', new Float32Array([1]), [])]);
    if (a === 'TANH') return node('Tanh', [x]);
    return unsupported(o, `has the fused activation ${a}, which the importer does not support`);
  };
  /** [N, C] of x (dynamic) followed by [h, w]: the `sizes` of a Resize to h x w. */
  /**
   * [N, C] of x followed by the spatial size h x w: taken at run time from the first value of that
   * size in the graph (the input, an encoder feature) when there is one, so that a graph built for
   * one input size runs at others; else the constant.
   */
  const sizesFor = (x: string, h: number, w: number): string => {
    const shape = node('Shape', [x]);
    const nc = node('Slice', [shape, i64('s0', [0]), i64('s2', [2])]);
    const like = bySize.get(`${h}x${w}`);
    const hw = like ? node('Slice', [node('Shape', [like]), i64('s2', [2]), i64('s4', [4])]) : i64('hw', [h, w]);
    return node('Concat', [nc, hw], [int('axis', 0)]);
  };
  /** ONNX values by their spatial size in the graph as built ("HxW"), the first of each size. */
  const bySize = new Map<string, string>();
  const noteSize = (t: number, name: string) => {
    const sh = T(t).shape;
    if (sh.length === 4 && !bySize.has(`${sh[1]}x${sh[2]}`)) bySize.set(`${sh[1]}x${sh[2]}`, name);
  };
  const conv = (o: TfliteOperator, x: number, wIdx: number, bIdx: number, depthwise: boolean, extra: { dilation?: [number, number]; pads?: number[]; inShape?: number[]; outShape?: number[] } = {}): string => {
    const { values: wv, shape: ws } = constOf(wIdx);
    const opts = o.options ?? {};
    let w: Float32Array, dims: number[], group = 1;
    const [kh, kw] = [ws[1], ws[2]];
    if (depthwise) { // [1, kh, kw, C*m] -> [C*m, 1, kh, kw]
      const cm = ws[3];
      w = new Float32Array(wv.length);
      for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) for (let c = 0; c < cm; c++) w[(c * kh + y) * kw + xx] = wv[(y * kw + xx) * cm + c];
      dims = [cm, 1, kh, kw]; group = T(x).shape[3] ?? cm;
    } else { // OHWI -> OIHW
      const [co, , , ci] = ws;
      w = new Float32Array(wv.length);
      for (let a = 0; a < co; a++) for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) for (let c = 0; c < ci; c++) w[((a * ci + c) * kh + y) * kw + xx] = wv[((a * kh + y) * kw + xx) * ci + c];
      dims = [co, ci, kh, kw];
    }
    const sh = Number(opts.stride_h ?? 1), sw = Number(opts.stride_w ?? 1);
    const [dh, dw] = extra.dilation ?? [Number(opts.dilation_h_factor ?? 1), Number(opts.dilation_w_factor ?? 1)];
    const inS = extra.inShape ?? T(x).shape, outS = extra.outShape ?? T(o.outputs[0]).shape;
    let pads = extra.pads;
    if (!pads) {
      if (Number(opts.padding) === 1) pads = [0, 0, 0, 0]; // VALID
      else { const [t, b] = samePads(inS[1], outS[1], kh, sh, dh), [l, r] = samePads(inS[2], outS[2], kw, sw, dw); pads = [t, l, b, r]; }
    }
    const inputs = [value(x), qdq ? quantized(wIdx, (src) => reorder(src, ws, depthwise), dims) ?? constant(T(wIdx).name, w, dims) : constant(T(wIdx).name, w, dims)];
    if (bIdx >= 0) inputs.push((qdq ? quantized(bIdx, (src) => src, [dims[0]]) : null) ?? constant(T(bIdx).name, constOf(bIdx).values, [dims[0]]));
    return node('Conv', inputs, [ints('kernel_shape', [kh, kw]), ints('strides', [sh, sw]), ints('dilations', [dh, dw]), ints('pads', pads), int('group', group)]);
  };
  /**
   * TRANSPOSE_CONV (output shape, OHWI weights, input, optional bias) as TFLite's kernel computes
   * it: the full transposed convolution, cropped from the padding a forward convolution of the
   * output's size would take (SAME: half the total, the odd one at the end) to the output's size.
   */
  const transposeConv = (o: TfliteOperator): string => {
    const [, wIdx, x, bIdx = -1] = o.inputs;
    const { values: wv, shape: [co, kh, kw, ci] } = constOf(wIdx);
    const opts = o.options ?? {}, sh = Number(opts.stride_h ?? 1), sw = Number(opts.stride_w ?? 1);
    const inS = T(x).shape, outS = T(o.outputs[0]).shape;
    const pads: number[] = [], extra: number[] = [];
    for (const [d, k, st] of [[1, kh, sh], [2, kw, sw]]) {
      const size = outS[d], fwd = Number(opts.padding) === 1 ? Math.floor((size - k + st) / st) : Math.floor((size + st - 1) / st);
      const before = Math.floor(Math.max((fwd - 1) * st + k - size, 0) / 2);
      const after = st * (inS[d] - 1) + k - before - size;
      pads.push(before); extra.push(after);
    }
    const w = new Float32Array(wv.length); // OHWI -> (I, O, kh, kw)
    for (let oo = 0; oo < co; oo++) for (let yy = 0; yy < kh; yy++) for (let xx = 0; xx < kw; xx++) for (let c = 0; c < ci; c++) w[((c * co + oo) * kh + yy) * kw + xx] = wv[((oo * kh + yy) * kw + xx) * ci + c];
    const inputs = [value(x), constant(T(wIdx).name, w, [ci, co, kh, kw])];
    if (bIdx >= 0) inputs.push(constant(T(bIdx).name, constOf(bIdx).values, [co]));
    // An output larger than the full transposed convolution is zero-extended at the end (output_padding).
    return node('ConvTranspose', inputs, [ints('kernel_shape', [kh, kw]), ints('strides', [sh, sw]),
      ints('pads', [pads[0], pads[1], Math.max(extra[0], 0), Math.max(extra[1], 0)]), ints('output_padding', [Math.max(-extra[0], 0), Math.max(-extra[1], 0)])]);
  };
  /**
   * An activation of a quantised graph rounded and clamped to its 8-bit grid, the value the integer
   * graph carries (and quantisation-aware training learned): scale * clip(floor(x / scale + 0.5),
   * qmin - zp, qmax - zp), in float ops (ONNX Runtime would fuse Quantize/DequantizeLinear pairs
   * around float weights into kernels that its optimiser then cannot place).
   */
  const fakeQuant = (t: number, y: string): string => {
    const q = T(t).quantization;
    if (options.plainFloat || !o8(T(t).type) || !q || q.scale.length !== 1) return y;
    const [lo, hi] = T(t).type === 'UINT8' ? [0, 255] : [-128, 127];
    const sc = q.scale[0], zp = q.zeroPoint[0];
    if (qdq) {
      const args = [constant('scale', new Float32Array([sc]), []), zeroPoint(T(t).type, zp)];
      return node('DequantizeLinear', [node('QuantizeLinear', [y, ...args]), ...args]);
    }
    const steps = node('Floor', [node('Add', [node('Mul', [y, constant('inv_scale', new Float32Array([1 / sc]), [])]), constant('half', new Float32Array([0.5]), [])])]);
    const clipped = node('Clip', [steps, constant('qmin', new Float32Array([lo - zp]), []), constant('qmax', new Float32Array([hi - zp]), [])]);
    return node('Mul', [clipped, constant('scale', new Float32Array([sc]), [])]);
  };
  /** A zero point of an 8-bit type as a scalar initializer. */
  function zeroPoint(type: string, zp: number): string {
    const n = fresh('zp');
    inits.push({ name: n, dataType: type === 'UINT8' ? UINT8 : INT8, dims: [], rawData: type === 'UINT8' ? Uint8Array.of(zp) : new Uint8Array(Int8Array.of(zp).buffer) });
    return n;
  }
  /**
   * An 8-bit weight or int32 bias as it is stored, reordered by `order` (over its integer values),
   * with a DequantizeLinear: null where it is not quantised per tensor.
   */
  function quantized(i: number, order: (src: Int32Array) => Int32Array, dims: number[]): string | null {
    const p = producer.get(i), t = T(i).data ? T(i) : T(p!.inputs[0]), q = t.quantization;
    if (!q || q.scale.length !== 1 || !(o8(t.type) || t.type === 'INT32')) return null;
    const d = t.data!, raw = t.type === 'INT32' ? new Int32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength))
      : Int32Array.from(t.type === 'UINT8' ? d : new Int8Array(d.buffer, d.byteOffset, d.byteLength));
    const v = order(raw), n = fresh(t.name);
    const bytes = t.type === 'INT32' ? new Uint8Array(v.buffer) : t.type === 'UINT8' ? Uint8Array.from(v) : new Uint8Array(Int8Array.from(v).buffer);
    inits.push({ name: n, dataType: t.type === 'INT32' ? INT32 : t.type === 'UINT8' ? UINT8 : INT8, dims, rawData: bytes });
    return node('DequantizeLinear', [n, constant('scale', new Float32Array([q.scale[0]]), []), t.type === 'INT32' ? int32Zero() : zeroPoint(t.type, q.zeroPoint[0])]);
  }
  function int32Zero(): string { const n = fresh('zp'); inits.push({ name: n, dataType: INT32, dims: [], rawData: new Uint8Array(4) }); return n; }
  // An 8-bit graph's input on its grid (the uint8 pixels the file takes): its first convolution
  // then computes in integers too, the same on every runtime, instead of in float.
  names.set(g.inputs[0], qdq ? fakeQuant(g.inputs[0], 'input') : 'input');
  noteSize(g.inputs[0], 'input');
  const skip = new Set<number>();
  /** Tensors that are a map flattened to [1, H*W, C] in the file, kept [1, C, H, W] here: their [H, W]. */
  const flattened = new Map<number, [number, number]>();
  let argmaxInput = -1;
  for (const o of g.operators) {
    at.op = o.index;
    if (skip.has(o.index)) continue;
    const out = o.outputs[0];
    const [a, b] = o.inputs;
    // A flattened map is another layout: only what reads values one by one, or along the channels, follows it.
    if (o.inputs.some((i) => flattened.has(i)) && !['SOFTMAX', 'LOGISTIC', 'RESHAPE', 'ARG_MAX', 'DEQUANTIZE', 'QUANTIZE'].includes(o.op)) unsupported(o, 'after a RESHAPE that flattens the map is not supported');
    let y: string;
    switch (o.op) {
      case 'DEQUANTIZE': if (isConst(out)) continue; y = value(a); break; // weights: folded where used
      case 'QUANTIZE': {
        const qa = T(a).quantization, qy = T(out).quantization;
        if (options.plainFloat || !(T(a).type === 'UINT8' && T(out).type === 'UINT8' && qa?.scale.length === 1 && qy?.scale.length === 1)) { y = value(a); break; } // float in: the grid below is the quantisation
        // 8 bits to 8 bits on another grid as TFLite's kernel does it: the ratio of the scales as
        // a multiplier of 8 fractional bits, rounded half up: floor((n m + 128) / 256), n = q - zp.
        const m = Math.round(Math.fround(256 * Math.fround(qa.scale[0] / qy.scale[0])));
        const n = node('Round', [node('Mul', [value(a), constant('inv_scale', new Float32Array([1 / qa.scale[0]]), [])])]);
        const t = node('Floor', [node('Mul', [node('Add', [node('Mul', [n, constant('m', new Float32Array([m]), [])]), constant('half', new Float32Array([128]), [])]), constant('inv256', new Float32Array([1 / 256]), [])])]);
        y = node('Mul', [t, constant('scale', new Float32Array([qy.scale[0]]), [])]);
        break;
      }
      case 'CONV_2D': y = activation(conv(o, a, b, o.inputs[2] ?? -1, false), o); break;
      case 'DEPTHWISE_CONV_2D': y = activation(conv(o, a, b, o.inputs[2] ?? -1, true), o); break;
      case 'SPACE_TO_BATCH_ND': {
        // SPACE_TO_BATCH_ND -> VALID (depthwise) conv -> BATCH_TO_SPACE_ND is one dilated conv: dilation = block,
        // pads = the space-to-batch paddings less the crops.
        const c = consumers.get(out) ?? [];
        const cv = c.length === 1 && (c[0].op === 'DEPTHWISE_CONV_2D' || c[0].op === 'CONV_2D') && Number(c[0].options?.padding) === 1 ? c[0] : null;
        const bts = cv && (consumers.get(cv.outputs[0]) ?? []);
        if (!cv || !bts || bts.length !== 1 || bts[0].op !== 'BATCH_TO_SPACE_ND') unsupported(o, 'is supported only around a VALID convolution followed by BATCH_TO_SPACE_ND');
        const block = Array.from(constOf(b).values), padding = Array.from(constOf(o.inputs[2]).values), crops = Array.from(constOf(bts![0].inputs[2]).values);
        const pads = [padding[0] - crops[0], padding[2] - crops[2], padding[1] - crops[1], padding[3] - crops[3]];
        if (pads.some((p) => p < 0)) unsupported(o, 'crops more than it pads');
        y = activation(conv(cv!, a, cv!.inputs[1], cv!.inputs[2] ?? -1, cv!.op === 'DEPTHWISE_CONV_2D', { dilation: [block[0], block[1]], pads, inShape: T(a).shape, outShape: T(bts![0].outputs[0]).shape }), cv!);
        y = activation(y, bts![0]);
        skip.add(cv!.index); skip.add(bts![0].index);
        names.set(bts![0].outputs[0], y);
        continue;
      }
      case 'ADD': y = activation(node('Add', [value(a), value(b)]), o); break;
      case 'MUL': y = activation(node('Mul', [value(a), value(b)]), o); break;
      case 'SUB': y = activation(node('Sub', [value(a), value(b)]), o); break;
      case 'RELU': y = node('Relu', [value(a)]); break;
      case 'RELU6': y = node('Clip', [value(a), constant('zero', new Float32Array([0]), []), constant('six', new Float32Array([6]), [])]); break;
      case 'LOGISTIC': y = node('Sigmoid', [value(a)]); break;
      case 'HARD_SWISH': y = node('HardSwish', [value(a)]); break;
      case 'CONCATENATION': {
        const axis = Number(o.options?.axis ?? 0), rank = T(out).shape.length;
        const ax = rank === 4 ? [0, 2, 3, 1][(axis + 4) % 4] : axis;
        y = activation(node('Concat', o.inputs.map((i) => value(i)), [int('axis', ax)]), o);
        break;
      }
      case 'AVERAGE_POOL_2D': case 'MAX_POOL_2D': {
        const opts = o.options ?? {}, fh = Number(opts.filter_height), fw = Number(opts.filter_width), sh = Number(opts.stride_h), sw = Number(opts.stride_w);
        const inS = T(a).shape, outS = T(out).shape, avg = o.op === 'AVERAGE_POOL_2D';
        const [t, bb] = Number(opts.padding) === 1 ? [0, 0] : samePads(inS[1], outS[1], fh, sh, 1), [l, r] = Number(opts.padding) === 1 ? [0, 0] : samePads(inS[2], outS[2], fw, sw, 1);
        // A pool over the whole map (DeepLab's image pooling) stays whole at any input size.
        const whole = outS[1] === 1 && outS[2] === 1 && fh === inS[1] && fw === inS[2] && Number(opts.padding) === 1;
        // Padded cells count in neither (TFLite averages over the cells inside the map).
        y = activation(whole ? node(avg ? 'GlobalAveragePool' : 'GlobalMaxPool', [value(a)])
          : node(avg ? 'AveragePool' : 'MaxPool', [value(a)], [ints('kernel_shape', [fh, fw]), ints('strides', [sh, sw]), ints('pads', [t, l, bb, r]), ...(avg ? [int('count_include_pad', 0)] : [])]), o);
        break;
      }
      case 'SOFTMAX': {
        // Over the last (channel) axis: ONNX's axis 1 in NCHW (a flattened map is still NCHW here).
        const beta = Number(o.options?.beta ?? 1), rank = T(a).shape.length;
        const x = beta === 1 ? value(a) : node('Mul', [value(a), constant('beta', new Float32Array([beta]), [])]);
        y = node('Softmax', [x], [int('axis', rank === 4 || flattened.has(a) ? 1 : rank - 1)]);
        break;
      }
      case 'RESHAPE': {
        // Keras segmenters (image-segmentation-keras's among them) end in Reshape((H*W, C)) and a
        // softmax: the map's rows and columns flattened, which the NCHW value need not do.
        const inS = T(a).shape, outS = T(out).shape;
        const same = outS.length === inS.length && outS.every((d, i) => d === inS[i]);
        const flat = inS.length === 4 && outS.length === 3 && outS[0] === inS[0] && outS[1] === inS[1] * inS[2] && outS[2] === inS[3];
        if (!same && !flat) unsupported(o, `from [${inS.join(', ')}] to [${outS.join(', ')}] is not supported (only flattening a map's rows and columns, [1, H, W, C] to [1, H*W, C])`);
        if (flat) flattened.set(out, [inS[1], inS[2]]);
        y = value(a);
        break;
      }
      case 'PAD': case 'PADV2': case 'MIRROR_PAD': {
        // paddings [rank, 2] (before, after) per NHWC axis -> ONNX's [begins..., ends...] in NCHW.
        const pv = Array.from(constOf(b).values), rank = T(a).shape.length;
        const axes = rank === 4 ? [0, 3, 1, 2] : [...Array(rank).keys()];
        const pads = [...axes.map((ax) => pv[2 * ax]), ...axes.map((ax) => pv[2 * ax + 1])];
        const mode = o.op === 'MIRROR_PAD' ? (Number(o.options?.mode ?? 0) === 0 ? 'reflect' : null) : 'constant';
        if (!mode) unsupported(o, 'in SYMMETRIC mode is not supported (REFLECT is)');
        const fill = o.op === 'PADV2' && o.inputs[2] >= 0 ? [constant('pad_value', new Float32Array([constOf(o.inputs[2]).values[0]]), [])] : [];
        y = node('Pad', [value(a), i64('pads', pads), ...fill], [str('mode', mode!)]);
        break;
      }
      case 'TRANSPOSE_CONV': y = activation(transposeConv(o), o); break;
      case 'DEPTH_TO_SPACE': y = node('DepthToSpace', [value(a)], [int('blocksize', Number(o.options?.block_size)), str('mode', 'DCR')]); break; // TF's NHWC order is ONNX's DCR on NCHW
      case 'LEAKY_RELU': y = node('LeakyRelu', [value(a)], [flt('alpha', Number(o.options?.alpha ?? 0.2))]); break;
      case 'PRELU': y = node('PRelu', [value(a), value(b)]); break;
      case 'TANH': y = node('Tanh', [value(a)]); break;
      case 'ELU': y = node('Elu', [value(a)]); break;
      case 'MAXIMUM': y = node('Max', [value(a), value(b)]); break;
      case 'MINIMUM': y = node('Min', [value(a), value(b)]); break;
      case 'DIV': y = activation(node('Div', [value(a), value(b)]), o); break;
      case 'MEAN': {
        const axes = Array.from(constOf(b).values).map((v) => [0, 2, 3, 1][(v + 4) % 4]);
        if (!o.options?.keep_dims) unsupported(o, 'without keep_dims is not supported');
        y = node('ReduceMean', [value(a)], [ints('axes', axes), int('keepdims', 1)]);
        break;
      }
      case 'RESIZE_BILINEAR': case 'RESIZE_NEAREST_NEIGHBOR': {
        const [h, w] = T(out).shape.slice(1, 3), opts = o.options ?? {};
        const mode = opts.align_corners ? 'align_corners' : opts.half_pixel_centers ? 'half_pixel' : 'asymmetric';
        const attrs = [str('mode', o.op === 'RESIZE_BILINEAR' ? 'linear' : 'nearest'), str('coordinate_transformation_mode', mode)];
        if (o.op === 'RESIZE_NEAREST_NEIGHBOR') attrs.push(str('nearest_mode', opts.align_corners ? 'round_prefer_ceil' : 'floor'));
        const x = value(a), qa = T(a).quantization, qy = T(out).quantization;
        if (o.op === 'RESIZE_BILINEAR' && !options.plainFloat && o8(T(a).type) && qa?.scale.length === 1 && qy?.scale.length === 1 && qa.scale[0] === qy.scale[0]) {
          // An 8-bit resize rounds the exact bilinear value half up on its grid. On the grid's
          // integers the interpolation is exact in float (align-corners weights of a few bits),
          // so floor(v + 0.5) decides the ties as the integer kernel does; a resize of the real
          // values would leave them to float rounding (thousands of pixels of a label map).
          const sc = qa.scale[0], steps = node('Round', [node('Mul', [x, constant('inv_scale', new Float32Array([1 / sc]), [])])]);
          const r = node('Resize', [steps, '', '', sizesFor(x, h, w)], attrs);
          y = node('Mul', [node('Floor', [node('Add', [r, constant('half', new Float32Array([0.5]), [])])]), constant('scale', new Float32Array([sc]), [])]);
        } else y = node('Resize', [x, '', '', sizesFor(x, h, w)], attrs);
        break;
      }
      case 'TILE': {
        const m = Array.from(constOf(b).values), inS = T(a).shape, outS = T(out).shape;
        // A 1x1 map tiled to a feature's size (image pooling) is a broadcast to that feature's size, whatever it is.
        if (inS.length === 4 && inS[1] === 1 && inS[2] === 1 && m[0] === 1 && m[3] === 1 && bySize.has(`${outS[1]}x${outS[2]}`)) y = node('Expand', [value(a), sizesFor(value(a), outS[1], outS[2])]);
        else y = node('Tile', [value(a), i64('multiples', inS.length === 4 ? [m[0], m[3], m[1], m[2]] : m)]);
        break;
      }
      case 'ARG_MAX': if (g.outputs.includes(out)) { argmaxInput = a; continue; } return unsupported(o, 'inside the graph is not supported');
      case 'CUSTOM': {
        if (o.custom !== 'Convolution2DTransposeBias') return unsupported(o);
        // Options: TfLiteTransposeConvParams { padding, stride_w, stride_h } as raw int32s.
        const dv = new DataView(o.customOptions!.buffer, o.customOptions!.byteOffset, o.customOptions!.byteLength);
        const sw = dv.getInt32(4, true), sh = dv.getInt32(8, true);
        const { values: wv, shape: [co, kh, kw, ci] } = constOf(b);
        const w = new Float32Array(wv.length); // OHWI -> (I, O, kh, kw)
        for (let oo = 0; oo < co; oo++) for (let yy = 0; yy < kh; yy++) for (let xx = 0; xx < kw; xx++) for (let c = 0; c < ci; c++) w[((c * co + oo) * kh + yy) * kw + xx] = wv[((oo * kh + yy) * kw + xx) * ci + c];
        y = node('ConvTranspose', [value(a), constant(T(b).name, w, [ci, co, kh, kw]), constant(T(o.inputs[2]).name, constOf(o.inputs[2]).values, [co])],
          [ints('kernel_shape', [kh, kw]), ints('strides', [sh, sw]), ints('pads', [0, 0, 0, 0])]);
        break;
      }
      default: return unsupported(o);
    }
    names.set(out, fakeQuant(out, y));
    noteSize(out, names.get(out)!);
    const flatIn = o.inputs.find((i) => flattened.has(i));
    if (flatIn !== undefined && !flattened.has(out)) flattened.set(out, flattened.get(flatIn)!);
  }
  at.op = -1;
  // The output: the scores ARG_MAX reads; a one-channel sigmoid as the two class scores [0, z].
  let outT = argmaxInput >= 0 ? argmaxInput : g.outputs[0];
  let output: TfliteOnnx['output'] = 'logits';
  let result = names.get(outT)!;
  const p = producer.get(outT);
  const channels = T(outT).shape.at(-1) ?? 1;
  if (p?.op === 'LOGISTIC' && channels === 1) {
    const z = names.get(p.inputs[0])!;
    result = node('Concat', [node('Sub', [z, z]), z], [int('axis', 1)]);
    outT = p.inputs[0];
  } else if (p?.op === 'SOFTMAX') output = 'probabilities';
  nodes.push({ opType: 'Identity', input: [result], output: ['logits'], name: 'logits' });
  const inT = T(g.inputs[0]);
  const [, h, w, c] = inT.shape;
  if (c !== 3) throw new UserError(`${file}: the input has ${c} channels; RGB (3) is supported`);
  const classes = p?.op === 'LOGISTIC' && channels === 1 ? 2 : channels;
  const graph: O.IGraphProto = {
    name: 'tflite', node: nodes, initializer: inits,
    input: [valueInfo('input', FLOAT, ['N', 'C', 'H', 'W'])],
    output: [valueInfo('logits', FLOAT, ['N', 'C', 'H', 'W'])],
  };
  const model: O.IModelProto = { irVersion: 8, opsetImport: [{ domain: '', version: 14 }], producerName: 'pixelwise (TFLite import)', graph };
  // Weights and biases, float or kept 8-bit / int32 (--qdq); scalars (scales, zero points) are not parameters.
  const parameters = inits.filter((i) => [FLOAT, UINT8, INT8, INT32].includes(i.dataType!) && (i.dims?.length ?? 0) > 0).reduce((n, i) => n + i.dims!.reduce((a, b) => a * Number(b), 1), 0);
  const outSize = flattened.get(outT) ?? [T(outT).shape[1], T(outT).shape[2]] as [number, number];
  return { onnx: onnx.ModelProto.encode(model).finish(), size: [h, w], outSize, classes, output, parameters };
}
