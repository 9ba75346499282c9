// Static int8 quantisation of a float ONNX graph in ONNX's QDQ form (QuantizeLinear /
// DequantizeLinear pairs around float operators), which ONNX Runtime turns into integer kernels
// (QLinearConv) when it optimises the graph, and which stays a valid float graph for any runtime.
// As ONNX Runtime's own static quantiser writes it: convolution weights int8, symmetric, one scale
// per output channel; biases int32 at input scale x weight scale; activations uint8, asymmetric,
// from ranges calibrated on images. BatchNormalization nodes after convolutions are folded into
// them first (a quantised weight must be the one that is applied).
import { onnx, FLOAT, INT8, INT32, UINT8, int, type O } from '../formats/onnx_proto.js';

type Graph = O.IGraphProto;
type Tensor = O.ITensorProto;

/** A tensor's float values (raw data or float_data). */
export function floatsOf(t: Tensor): Float32Array {
  if (t.dataType !== FLOAT) throw new Error(`${t.name}: not a float tensor`);
  // A copy: protobufjs hands raw data out as a view into its buffer, at any byte offset.
  if (t.rawData && t.rawData.length) return new Float32Array(new Uint8Array(t.rawData).buffer);
  return Float32Array.from(t.floatData ?? []);
}

const raw = (a: ArrayBufferView) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
const tensor = (name: string, dataType: number, dims: number[], data: ArrayBufferView): Tensor => ({ name, dataType, dims, rawData: raw(data) });

function consumers(g: Graph): Map<string, O.INodeProto[]> {
  const m = new Map<string, O.INodeProto[]>();
  const visit = (nodes: O.INodeProto[]) => {
    for (const n of nodes) {
      for (const i of n.input ?? []) { if (!m.has(i)) m.set(i, []); m.get(i)!.push(n); }
      for (const a of n.attribute ?? []) for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) visit(sub.node ?? []);
    }
  };
  visit(g.node ?? []);
  return m;
}

/** Per tensor, the node that makes it. */
function producers(g: Graph): Map<string, O.INodeProto> {
  const m = new Map<string, O.INodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) m.set(o, n);
  return m;
}

/**
 * Folds each BatchNormalization whose input is a convolution's output read by nothing else (and
 * whose parameters are constants) into that convolution's weights and bias. Returns how many.
 */
export function foldBatchNorms(g: Graph): number {
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const readers = consumers(g);
  const outputs = new Set((g.output ?? []).map((o) => o.name!));
  const producer = producers(g);
  const drop = new Set<O.INodeProto>();
  let folded = 0;
  for (const bn of g.node ?? []) {
    if (bn.opType !== 'BatchNormalization' || (bn.output ?? []).length !== 1) continue;
    const conv = producer.get(bn.input![0]);
    if (!conv || conv.opType !== 'Conv' || (readers.get(bn.input![0]) ?? []).length !== 1 || outputs.has(bn.input![0])) continue;
    const params = bn.input!.slice(1).map((n) => inits.get(n));
    const w = inits.get(conv.input![1]);
    if (params.some((p) => !p || p.dataType !== FLOAT) || !w || w.dataType !== FLOAT) continue;
    const [scale, bias, mean, variance] = params.map((p) => floatsOf(p!));
    const eps = bn.attribute?.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
    const W = floatsOf(w), O = Number(w.dims![0]), per = W.length / O;
    const b = conv.input![2] ? floatsOf(inits.get(conv.input![2])!) : new Float32Array(O);
    const nw = new Float32Array(W.length), nb = new Float32Array(O);
    for (let o = 0; o < O; o++) {
      const f = scale[o] / Math.sqrt(variance[o] + eps);
      for (let i = 0; i < per; i++) nw[o * per + i] = W[o * per + i] * f;
      nb[o] = (b[o] - mean[o]) * f + bias[o];
    }
    // New initializers (another node may share the originals).
    const wName = `${conv.name ?? conv.output![0]}/qdq_folded_weight`, bName = `${conv.name ?? conv.output![0]}/qdq_folded_bias`;
    g.initializer!.push(tensor(wName, FLOAT, w.dims!.map(Number), nw), tensor(bName, FLOAT, [O], nb));
    conv.input = [conv.input![0], wName, bName];
    conv.output = [bn.output![0]];
    drop.add(bn);
    folded++;
  }
  g.node = (g.node ?? []).filter((n) => !drop.has(n));
  return folded;
}

/** A constant's values per output channel of O: a scalar, or shaped [O], [O,1,1] or [1,O,1,1]; null otherwise. */
function perChannel(t: Tensor | undefined, O: number): Float32Array | null {
  if (!t || t.dataType !== FLOAT) return null;
  const v = floatsOf(t), dims = (t.dims ?? []).map(Number);
  if (v.length === 1) return new Float32Array(O).fill(v[0]);
  const lead = dims.length === 4 ? dims[0] : 1, trail = dims.slice(-2);
  const shaped = v.length === O && lead === 1 && (dims.length === 1 || (dims.length >= 3 && trail[0] === 1 && trail[1] === 1));
  return shaped ? v : null;
}

/**
 * Folds each Mul or Add by a per-channel constant that is the only reader of a convolution's
 * output into that convolution (weights and bias scaled, bias shifted): graphs converted from
 * TFLite keep a depthwise convolution's BatchNorm as such a pair, and an 8-bit convolution must
 * apply the weights it is given. Repeats until none is left; returns how many.
 */
export function foldConstantAffines(g: Graph): number {
  let folded = 0;
  for (;;) {
    const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
    const readers = consumers(g);
    const outputs = new Set((g.output ?? []).map((o) => o.name!));
    const producer = producers(g);
    let done: O.INodeProto | null = null;
    for (const op of g.node ?? []) {
      if ((op.opType !== 'Mul' && op.opType !== 'Add') || (op.input ?? []).length !== 2) continue;
      const at = op.input!.findIndex((i) => producer.get(i)?.opType === 'Conv');
      if (at < 0) continue;
      const conv = producer.get(op.input![at])!, w = inits.get(conv.input![1]);
      if ((readers.get(op.input![at]) ?? []).length !== 1 || outputs.has(op.input![at]) || !w || w.dataType !== FLOAT) continue;
      const O = Number(w.dims![0]), c = perChannel(inits.get(op.input![1 - at]), O);
      const bias = conv.input![2] ? inits.get(conv.input![2]) : undefined;
      if (!c || (conv.input![2] && (!bias || bias.dataType !== FLOAT))) continue;
      const W = floatsOf(w), per = W.length / O, b = bias ? floatsOf(bias) : new Float32Array(O);
      const nw = op.opType === 'Mul' ? W.map((v, i) => v * c[Math.floor(i / per)]) : W;
      const nb = b.map((v, o) => (op.opType === 'Mul' ? v * c[o] : v + c[o]));
      const base = `${conv.name ?? conv.output![0]}/qdq_${op.opType === 'Mul' ? 'scaled' : 'shifted'}${folded}`;
      g.initializer!.push(tensor(`${base}_weight`, FLOAT, w.dims!.map(Number), nw), tensor(`${base}_bias`, FLOAT, [O], nb));
      conv.input = [conv.input![0], `${base}_weight`, `${base}_bias`];
      conv.output = [op.output![0]];
      done = op;
      break;
    }
    if (!done) return folded;
    g.node = (g.node ?? []).filter((n) => n !== done);
    folded++;
  }
}

/** The convolutions a QDQ graph quantises: float weights given as constants. */
export function quantizableConvs(g: Graph): O.INodeProto[] {
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const isFloatConst = (name: string | undefined) => inits.get(name ?? '')?.dataType === FLOAT;
  return (g.node ?? []).filter((n) => n.opType === 'Conv' && isFloatConst(n.input![1]) && (!n.input![2] || isFloatConst(n.input![2])));
}

/**
 * Readers of an Identity of an initializer read the initializer itself (torch.onnx writes one
 * where two parameters hold the same values, e.g. a zero bias shared with a LayerNorm's), so that
 * a convolution's weights and bias are the constants they are. Returns how many were bypassed.
 */
export function bypassConstantIdentities(g: Graph): number {
  const inits = new Set((g.initializer ?? []).map((t) => t.name!));
  const outputs = new Set((g.output ?? []).map((o) => o.name!));
  const alias = new Map<string, string>();
  for (const n of g.node ?? []) {
    if (n.opType === 'Identity' && inits.has(n.input![0]) && !outputs.has(n.output![0])) alias.set(n.output![0], n.input![0]);
  }
  if (!alias.size) return 0;
  const rewire = (nodes: O.INodeProto[]) => {
    for (const n of nodes) {
      n.input = (n.input ?? []).map((i) => alias.get(i) ?? i);
      for (const a of n.attribute ?? []) for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) rewire(sub.node ?? []);
    }
  };
  g.node = (g.node ?? []).filter((n) => !(n.opType === 'Identity' && alias.has(n.output![0])));
  rewire(g.node);
  return alias.size;
}

/**
 * Operators ONNX Runtime runs on uint8 when their inputs and outputs are quantised (QLinearAdd,
 * QLinearConcat, QLinearAveragePool, ...) or passes 8-bit values through (MaxPool, Resize): with
 * their tensors quantised too, chains of them stay in 8 bits instead of converting at each one.
 */
const INT8_CHAIN_OPS = new Set(['Add', 'Concat', 'AveragePool', 'GlobalAveragePool', 'MaxPool', 'Resize']);

/** A Sum of two inputs as the Add it is (ONNX Runtime has an 8-bit Add, not an 8-bit Sum). */
export function sumsToAdds(g: Graph): number {
  let n = 0;
  for (const node of g.node ?? []) if (node.opType === 'Sum' && (node.input ?? []).length === 2) { node.opType = 'Add'; n++; }
  return n;
}

/**
 * The PReLU that the exporter writes as s·x + (1 - s)·relu(x) (two 1x1 depthwise convolutions, a
 * Relu and an Add: faster in float) back as one PRelu node: in 8 bits, those would be two integer
 * convolutions and an integer Add per activation. Returns how many.
 */
export function preluPatterns(g: Graph): number {
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const readers = consumers(g);
  const producer = producers(g);
  const outputs = new Set((g.output ?? []).map((o) => o.name!));
  const onlyFor = (t: string, n: O.INodeProto) => !outputs.has(t) && (readers.get(t) ?? []).length === 1 && readers.get(t)![0] === n;
  /** A 1x1 depthwise convolution without bias: its input and per-channel factor. */
  const scaling = (n: O.INodeProto | undefined) => {
    if (!n || n.opType !== 'Conv' || n.input!.length !== 2) return null;
    const w = inits.get(n.input![1]);
    const group = Number(n.attribute?.find((a) => a.name === 'group')?.i ?? 1);
    if (!w || w.dataType !== FLOAT || w.dims!.length !== 4 || Number(w.dims![0]) !== group || w.dims!.slice(1).some((d) => Number(d) !== 1)) return null;
    return { x: n.input![0], f: floatsOf(w) };
  };
  const drop = new Set<O.INodeProto>();
  let n = 0;
  for (const add of g.node ?? []) {
    if (add.opType !== 'Add' || add.input!.length !== 2) continue;
    for (const [ri, si] of [[0, 1], [1, 0]]) {
      const restConv = producer.get(add.input![ri]), sxConv = producer.get(add.input![si]);
      const rest = scaling(restConv), sx = scaling(sxConv);
      if (!rest || !sx || !onlyFor(add.input![ri], add) || !onlyFor(add.input![si], add)) continue;
      const relu = producer.get(rest.x);
      if (!relu || relu.opType !== 'Relu' || relu.input![0] !== sx.x || !onlyFor(rest.x, restConv!)) continue;
      if (sx.f.length !== rest.f.length || sx.f.some((s, c) => Math.fround(1 - s) !== rest.f[c])) continue;
      const slope = `${add.name ?? add.output![0]}/prelu_slope`;
      g.initializer!.push(tensor(slope, FLOAT, [sx.f.length, 1, 1], sx.f));
      drop.add(restConv!).add(sxConv!).add(relu);
      add.opType = 'PRelu';
      add.input = [sx.x, slope];
      n++;
      break;
    }
  }
  g.node = (g.node ?? []).filter((x) => !drop.has(x));
  return n;
}

/**
 * The activations (float tensors, not constants) an int8-chain operator reads and makes, where its
 * result goes on in 8 bits: into a convolution or another chain operator. A result read only by
 * float operators (or a graph output) stays float, and so the operator runs in float on its
 * dequantised inputs: quantising it would add a conversion each way, at the size of its output.
 */
function chainTensors(g: Graph): string[] {
  const inits = new Set((g.initializer ?? []).map((t) => t.name!));
  const readers = consumers(g);
  const int8Reader = (n: O.INodeProto) => n.opType === 'Conv' || INT8_CHAIN_OPS.has(n.opType!);
  const out: string[] = [];
  for (const n of g.node ?? []) {
    if (!INT8_CHAIN_OPS.has(n.opType!)) continue;
    const onward = (n.output ?? []).some((t) => (readers.get(t) ?? []).some(int8Reader));
    if (!onward) continue;
    // Resize: only its data input (the others are sizes and scales).
    const ins = n.opType === 'Resize' ? [n.input![0]] : (n.input ?? []);
    for (const t of [...ins, ...(n.output ?? [])]) if (t && !inits.has(t)) out.push(t);
  }
  return out;
}

/**
 * The Relu, or Clip from 0, that is the only reader of a convolution's output: the convolution's
 * result is quantised after it instead (its range starts at 0), so that ONNX Runtime folds the
 * activation into the 8-bit convolution rather than converting to float and back around it.
 */
export function fusedActivation(g: Graph, tensor: string): O.INodeProto | null {
  if ((g.output ?? []).some((o) => o.name === tensor)) return null;
  const readers = (g.node ?? []).filter((n) => (n.input ?? []).includes(tensor));
  if (readers.length !== 1) return null;
  const a = readers[0];
  if (a.opType === 'Relu') return a;
  if (a.opType !== 'Clip' || a.input![0] !== tensor) return null;
  const min = (g.initializer ?? []).find((t) => t.name === a.input![1]);
  return min && floatsOf(min).length === 1 && floatsOf(min)[0] === 0 ? a : null;
}

/** Tensors whose ranges calibration measures: quantisable convolutions' inputs and outputs (after a fused activation), and the int8-chain operators' tensors. */
export function activationsToCalibrate(g: Graph, keepFloat: Set<string> = new Set()): string[] {
  const names = new Set<string>();
  for (const n of quantizableConvs(g)) {
    if (keepFloat.has(n.name!)) continue;
    names.add(n.input![0]);
    names.add(fusedActivation(g, n.output![0])?.output![0] ?? n.output![0]);
  }
  for (const t of chainTensors(g)) names.add(t);
  return [...names];
}

export interface QdqOptions {
  /** Per tensor, the calibrated [min, max] of its values. */
  ranges: Map<string, [number, number]>;
  /** Convolutions (by node name) left in float. */
  keepFloat?: Set<string>;
}

/** uint8 asymmetric scale and zero point covering [min, max] (and 0, which must be exact). */
export function uint8Params([min, max]: [number, number]): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, min), hi = Math.max(0, max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale: Math.fround(scale), zeroPoint: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

/**
 * The int8 scale of one output channel's weights: the largest weight on 127 steps, and for
 * convolutions other than depthwise also no two weights of one sign above 127 steps together
 * (their rounded sum at most 128). ONNX Runtime's x86 kernels without VNNI (AVX2, AVX-512 before
 * it) multiply uint8 activations by int8 weights two at a time into an int16 that saturates
 * (vpmaddubsw): 255 x (127 + 127) does not fit, 255 x 128 does. Bounded so, every CPU and the
 * browser's WebAssembly kernels compute the same integers; unbounded, the same graph gives other
 * labels on such CPUs. Depthwise kernels widen to 16 bits before multiplying and keep 8 bits.
 */
export function weightScale(w: Float32Array, pairSafe: boolean): number {
  let m = 0, p1 = 0, p2 = 0, n1 = 0, n2 = 0;
  for (const v of w) {
    m = Math.max(m, Math.abs(v));
    if (v > 0) { if (v > p1) { p2 = p1; p1 = v; } else if (v > p2) p2 = v; }
    else if (-v > n1) { n2 = n1; n1 = -v; } else if (-v > n2) n2 = -v;
  }
  const top = pairSafe ? Math.max(m, p1 + p2, n1 + n2) : m;
  return Math.fround(top > 0 ? top / 127 : 1);
}

/**
 * Ranges made one across each 8-bit Add's inputs and output (and on through chains of Adds). With
 * one scale and zero point on all three, ONNX Runtime's 8-bit Add sums integers, exact on every
 * build; with three, it rescales in float, and its native and WebAssembly builds round a sum that
 * falls near a half step differently. An Add that reads a Relu's (or Clip's) output keeps its
 * grids: a shared grid reaching below 0 would move that activation's zero point off 0, and ONNX
 * Runtime then runs the convolution before it in float.
 */
export function sharedAddGrids(g: Graph, ranges: Map<string, [number, number]>): Map<string, [number, number]> {
  const parent = new Map<string, string>();
  const find = (t: string): string => { let r = t; while (parent.get(r) !== r) r = parent.get(r)!; parent.set(t, r); return r; };
  const chain = new Set(chainTensors(g));
  const fromZero = new Set((g.node ?? []).filter((n) => n.opType === 'Relu' || n.opType === 'Clip').map((n) => n.output![0]));
  for (const n of g.node ?? []) {
    if (n.opType !== 'Add' || !chain.has(n.output![0]) || (n.input ?? []).some((t) => fromZero.has(t))) continue;
    const ts = [...(n.input ?? []), ...(n.output ?? [])].filter((t) => ranges.has(t));
    if (ts.length !== (n.input ?? []).length + 1) continue;
    for (const t of ts) if (!parent.has(t)) parent.set(t, t);
    for (const t of ts.slice(1)) parent.set(find(t), find(ts[0]));
  }
  const union = new Map<string, [number, number]>();
  for (const t of parent.keys()) {
    const r = find(t), [lo, hi] = ranges.get(t)!, u = union.get(r);
    union.set(r, u ? [Math.min(u[0], lo), Math.max(u[1], hi)] : [lo, hi]);
  }
  const out = new Map(ranges);
  for (const t of parent.keys()) out.set(t, union.get(find(t))!);
  return out;
}

/** A convolution of one input channel per group (each channel filtered alone). */
function isDepthwise(conv: O.INodeProto, w: Tensor): boolean {
  const group = Number(conv.attribute?.find((a) => a.name === 'group')?.i ?? 1);
  return group > 1 && Number(w.dims![1]) === 1;
}

/**
 * Rewrites the graph in QDQ form: the quantisable convolutions not in keepFloat whose input and
 * output ranges are known get int8 weights, int32 biases and uint8 activations. The graph's own
 * outputs stay float (the class scores a label map is taken from). Returns the convolutions quantised.
 */
export function quantizeQdq(g: Graph, o: QdqOptions): string[] {
  const ranges = sharedAddGrids(g, o.ranges);
  const keep = o.keepFloat ?? new Set<string>();
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const graphOutputs = new Set((g.output ?? []).map((x) => x.name!));
  const convs = quantizableConvs(g).filter((n) => !keep.has(n.name!) && ranges.has(n.input![0]));
  const constDq: O.INodeProto[] = []; // weights' and biases' DequantizeLinear (read initializers)
  const pairs = new Map<string, O.INodeProto[]>(); // tensor -> its QuantizeLinear and DequantizeLinear
  const dq = new Map<string, { name: string; scale: number }>();
  const activation = (t: string) => {
    let a = dq.get(t);
    if (a) return a;
    const { scale, zeroPoint } = uint8Params(ranges.get(t)!);
    const s = `${t}/qdq_scale`, z = `${t}/qdq_zero_point`;
    g.initializer!.push(tensor(s, FLOAT, [], new Float32Array([scale])), tensor(z, UINT8, [], new Uint8Array([zeroPoint])));
    pairs.set(t, [
      { opType: 'QuantizeLinear', name: `${t}/qdq_quantize`, input: [t, s, z], output: [`${t}/qdq_quantized`] },
      { opType: 'DequantizeLinear', name: `${t}/qdq_dequantize`, input: [`${t}/qdq_quantized`, s, z], output: [`${t}/qdq_dequantized`] },
    ]);
    a = { name: `${t}/qdq_dequantized`, scale };
    dq.set(t, a);
    return a;
  };
  const quantized: string[] = [];
  for (const conv of convs) {
    const x = activation(conv.input![0]);
    const w = inits.get(conv.input![1])!, W = floatsOf(w), O = Number(w.dims![0]), per = W.length / O;
    const ws = new Float32Array(O), wq = new Int8Array(W.length);
    const pairSafe = !isDepthwise(conv, w);
    for (let c = 0; c < O; c++) {
      ws[c] = weightScale(W.subarray(c * per, (c + 1) * per), pairSafe);
      for (let i = 0; i < per; i++) wq[c * per + i] = Math.max(-127, Math.min(127, Math.round(W[c * per + i] / ws[c])));
    }
    const base = conv.name ?? conv.output![0];
    g.initializer!.push(
      tensor(`${base}/qdq_weight_quantized`, INT8, w.dims!.map(Number), wq), tensor(`${base}/qdq_weight_scale`, FLOAT, [O], ws),
      tensor(`${base}/qdq_weight_zero_point`, INT8, [O], new Int8Array(O)));
    constDq.push({ opType: 'DequantizeLinear', name: `${base}/qdq_weight_dequantize`, input: [`${base}/qdq_weight_quantized`, `${base}/qdq_weight_scale`, `${base}/qdq_weight_zero_point`], output: [`${base}/qdq_weight_dequantized`], attribute: [int('axis', 0)] });
    const inputs = [x.name, `${base}/qdq_weight_dequantized`];
    if (conv.input![2]) {
      const b = floatsOf(inits.get(conv.input![2])!), bs = new Float32Array(O), bq = new Int32Array(O);
      for (let c = 0; c < O; c++) { bs[c] = Math.fround(x.scale * ws[c]); bq[c] = Math.round(b[c] / bs[c]); }
      g.initializer!.push(tensor(`${base}/qdq_bias_quantized`, INT32, [O], bq), tensor(`${base}/qdq_bias_scale`, FLOAT, [O], bs), tensor(`${base}/qdq_bias_zero_point`, INT32, [O], new Int32Array(O)));
      constDq.push({ opType: 'DequantizeLinear', name: `${base}/qdq_bias_dequantize`, input: [`${base}/qdq_bias_quantized`, `${base}/qdq_bias_scale`, `${base}/qdq_bias_zero_point`], output: [`${base}/qdq_bias_dequantized`], attribute: [int('axis', 0)] });
      inputs.push(`${base}/qdq_bias_dequantized`);
    }
    conv.input = inputs;
    const out = fusedActivation(g, conv.output![0])?.output![0] ?? conv.output![0];
    if (!graphOutputs.has(out) && ranges.has(out)) activation(out);
    quantized.push(base);
  }
  // The int8-chain operators' tensors (those calibrated, never a graph output).
  for (const t of chainTensors(g)) if (ranges.has(t) && !graphOutputs.has(t)) activation(t);
  // Every other reader of a quantised activation reads its dequantised value.
  for (const n of g.node ?? []) n.input = (n.input ?? []).map((i) => dq.get(i)?.name ?? i);
  // Topological order: constants' DQs first, each activation's pair right after what makes it.
  const ordered: O.INodeProto[] = [...constDq];
  for (const i of g.input ?? []) ordered.push(...(pairs.get(i.name!) ?? []));
  for (const n of g.node ?? []) {
    ordered.push(n);
    for (const out of n.output ?? []) ordered.push(...(pairs.get(out) ?? []));
  }
  g.node = ordered;
  // The float weights the quantised ones replace.
  const read = new Set<string>((g.output ?? []).map((x) => x.name!));
  const readBy = (nodes: O.INodeProto[]) => {
    for (const n of nodes) {
      for (const i of n.input ?? []) read.add(i);
      for (const a of n.attribute ?? []) for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) readBy(sub.node ?? []);
    }
  };
  readBy(g.node);
  g.initializer = (g.initializer ?? []).filter((t) => read.has(t.name!));
  return quantized;
}

/** A decoded copy of a model (graphs are edited in place). */
export function copyModel(bytes: Uint8Array): O.IModelProto {
  return onnx.ModelProto.decode(bytes);
}
