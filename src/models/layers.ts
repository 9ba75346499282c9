// Custom tfjs-layers layers for architectures that need more than Keras offers: grouped
// convolutions with PyTorch's symmetric padding, align-corners bilinear and adaptive-average
// resampling to computed sizes, channel shuffles and a keep-dims global average. Each layer also
// says how it exports to ONNX (`exportOnnx`), so the exporter needs no case of its own for it.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymT } from './types.js';
import { depthwiseConv, insertZeros, stridedDilatedDepthwise } from '../engine/kernels/depthwise_backprop.js';
import { ortConvolutions } from '../engine/kernels/ort_native.js';
import { RESAMPLE_AXIS, hasResampleAxis } from '../engine/kernels/resample.js';
import { groupedPointwiseConv, hasGroupedPointwise } from '../engine/grouped_pointwise.js';
import { gcd } from '../util/math.js';

type Shape = (number | null)[];
type Initializer = ReturnType<typeof tfl.initializers.heNormal>;

/** What a layer gets from the ONNX exporter: its input tensor names and emitters. */
export interface OnnxLayerContext {
  name: string;
  inputs: string[];
  output: string;
  node(opType: string, inputs: string[], outputs: string[], attrs?: Record<string, number | number[] | string | { f: number }>): void;
  /** Adds a float initializer, returns its name. */
  floatInit(suffix: string, data: Float32Array, dims: number[]): string;
  /** Adds an int64 initializer (dims [] for a scalar when `scalar`), returns its name. */
  int64Init(suffix: string, values: number[], scalar?: boolean): string;
  /** An ONNX If on a boolean scalar: each branch writes this layer's output from its own context. */
  ifElse(cond: string, then: (b: OnnxLayerContext) => void, otherwise: (b: OnnxLayerContext) => void): void;
}

export interface OnnxExportable { exportOnnx(ctx: OnnxLayerContext): void }
export const isOnnxExportable = (l: unknown): l is OnnxExportable => typeof (l as OnnxExportable).exportOnnx === 'function';

const one = (x: tf.Tensor | tf.Tensor[]) => (Array.isArray(x) ? x[0] : x) as tf.Tensor4D;

/** HWIO -> OIHW (ONNX/PyTorch convolution weight layout). */
function hwioToOihw(w: tf.Tensor): { data: Float32Array; dims: number[] } {
  const t = tf.transpose(w, [3, 2, 0, 1]);
  const r = { data: t.dataSync() as Float32Array, dims: t.shape };
  t.dispose();
  return r;
}

/**
 * Every other row and column (stride 2 after a stride-1 convolution). StridedSlice is fast in
 * wasm but has no registered gradient: the gradient puts dy back on the even positions.
 */
const subsample2 = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const y = args[0] as tf.Tensor4D, save = args[1] as tf.GradSaveFunc;
  const [n, h, w, c] = y.shape;
  save([tf.zeros([h, w])]); // only its shape is needed
  const value = tf.stridedSlice(y, [0, 0, 0, 0], [n, h, w, c], [1, 2, 2, 1]);
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
    const [H, W] = saved[0].shape;
    const z = insertZeros(dy as tf.Tensor4D, 2, 2); // rows/cols 0, 2, 4, ... of x; pad the last
    return tf.pad(z, [[0, 0], [0, H - z.shape[1]], [0, W - z.shape[2]], [0, 0]]);
  };
  return { value, gradFunc };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (y: tf.Tensor4D) => tf.Tensor4D;

/** Block-diagonal dense kernel [k, k, in, out] of a grouped kernel [k, k, in/g, out] (few groups). */
function blockDiagonal(W: tf.Tensor4D, g: number): tf.Tensor4D {
  const [k, , a, cout] = W.shape, b = cout / g;
  const blocks = tf.reshape(tf.transpose(tf.reshape(W, [k, k, a, g, b]), [0, 1, 3, 2, 4]), [k, k, g, a, 1, b]);
  const eye = tf.reshape(tf.eye(g), [1, 1, g, 1, g, 1]);
  return tf.reshape(tf.mul(blocks, eye), [k, k, g * a, cout]);
}

export interface GroupConvConfig {
  name: string; filters: number; kernelSize: number; strides?: number; dilation?: number; groups?: number;
  useBias?: boolean; kernelInitializer?: Initializer;
}

/**
 * The most groups a grouped convolution runs as one dense convolution with a block-diagonal kernel:
 * g times the multiply-adds, against a depthwise convolution and a sum over each group's inputs
 * whose intermediate is (inputs per group) times the output, forward and backward. ONNX Runtime's
 * dense kernels stay ahead up to a few dozen groups, XNNPACK's up to a few.
 */
const denseGroupLimit = () => (ortConvolutions() ? 32 : 8);

/**
 * Conv2D with PyTorch semantics: `groups`, symmetric zero padding (k-1)/2*dilation at any stride,
 * weights [k, k, in/groups, out] (HWIO of PyTorch's [out, in/groups, k, k]). TF.js has no grouped
 * convolution: depthwise-like groups run as one depthwise convolution, 1x1 groups of a few dozen
 * channels as grouped matrix products on ONNX Runtime (engine/grouped_pointwise.ts), others up to
 * denseGroupLimit() groups as one dense convolution with a block-diagonal kernel (one native call
 * beats splitting the channels), more groups as a depthwise convolution summed over each group's inputs.
 */
export class GroupConv2D extends tfl.layers.Layer implements OnnxExportable {
  static className = 'GroupConv2D';
  private readonly cfg: Required<Omit<GroupConvConfig, 'name' | 'kernelInitializer'>>;
  private readonly init?: Initializer;
  private kernel!: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;

  constructor(c: GroupConvConfig) {
    super({ name: c.name });
    this.cfg = { filters: c.filters, kernelSize: c.kernelSize, strides: c.strides ?? 1, dilation: c.dilation ?? 1, groups: c.groups ?? 1, useBias: c.useBias ?? false };
    this.init = c.kernelInitializer;
  }

  build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const cin = s[3]!, { groups: g, filters, kernelSize: k } = this.cfg;
    if (cin % g || filters % g) throw new Error(`${this.name}: ${cin} -> ${filters} channels do not split into ${g} groups`);
    this.kernel = this.addWeight('kernel', [k, k, cin / g, filters], 'float32', this.init ?? tfl.initializers.heNormal({}));
    if (this.cfg.useBias) this.bias = this.addWeight('bias', [filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const st = this.cfg.strides, down = (v: number | null) => (v == null ? null : Math.floor((v - 1) / st) + 1);
    return [s[0], down(s[1]), down(s[2]), this.cfg.filters];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const { groups: g, filters, kernelSize: k, strides: st, dilation: d } = this.cfg;
      const W = this.kernel.read() as tf.Tensor4D;
      const cin = x.shape[3], a = cin / g, b = filters / g;
      const p = ((k - 1) / 2) * d;
      // TF.js convolutions take strides or dilations, not both: stride 1, then every other pixel.
      // Strides and dilations together: a depthwise layer runs them in one kernel where the
      // backend has it; otherwise (and for other groupings) stride 1, then every other pixel.
      // At a stride, PyTorch's symmetric padding is given to the convolution (TF's 'same' pads the
      // far side more); the kernels take it as they take their own, without a padded copy.
      const symmetric: tf.backend_util.ExplicitPadding = [[0, 0], [p, p], [p, p], [0, 0]];
      if (st > 1 && d > 1 && a === 1 && stridedDilatedDepthwise(cin, b)) {
        const z = depthwiseConv(x, tf.reshape(W, [k, k, g, b]) as tf.Tensor4D, st, symmetric, d);
        return this.bias ? tf.add(z, this.bias.read()) : z;
      }
      const both = st > 1 && d > 1, s1 = both ? 1 : st;
      const pad = s1 > 1 ? symmetric : 'same';
      let y: tf.Tensor4D;
      if (g === 1) y = tf.conv2d(x, W, s1, pad, 'NHWC', d);
      else if (a === 1) y = depthwiseConv(x, tf.reshape(W, [k, k, g, b]), s1, pad, d);
      else if (k === 1 && s1 === 1 && hasGroupedPointwise(g, a, b)) y = groupedPointwiseConv(x, W, g);
      else if (g <= denseGroupLimit()) y = tf.conv2d(x, blockDiagonal(W, g), s1, pad, 'NHWC', d);
      else {
        const f = tf.reshape(tf.transpose(tf.reshape(W, [k, k, a, g, b]), [0, 1, 3, 2, 4]), [k, k, cin, b]) as tf.Tensor4D;
        const z = depthwiseConv(x, f, s1, pad, d);
        const [n, h, w] = z.shape;
        y = tf.reshape(tf.sum(tf.reshape(z, [n, h, w, g, a, b]), 4), [n, h, w, filters]);
      }
      if (both) y = subsample2(y);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), ...this.cfg }; }

  exportOnnx(c: OnnxLayerContext): void {
    const { groups, kernelSize: k, strides, dilation, useBias } = this.cfg;
    const w = hwioToOihw(this.kernel.read());
    const ins = [c.inputs[0], c.floatInit('W', w.data, w.dims)];
    if (useBias && this.bias) ins.push(c.floatInit('B', this.bias.read().dataSync() as Float32Array, [this.cfg.filters]));
    const p = ((k - 1) / 2) * dilation;
    c.node('Conv', ins, [c.output], { group: groups, kernel_shape: [k, k], strides: [strides, strides], dilations: [dilation, dilation], pads: [p, p, p, p] });
  }
}

/**
 * Depthwise convolution with dilation ('same' padding, stride 1): tfjs-layers' DepthwiseConv2D
 * ignores its dilationRate when it runs. Same weight (`depthwise_kernel` [k, k, C, 1]) as that
 * layer, so checkpoints move between dilated and undilated variants of a network.
 */
export class AtrousDepthwiseConv2D extends tfl.layers.Layer implements OnnxExportable {
  static className = 'AtrousDepthwiseConv2D';
  private kernel!: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;
  constructor(private readonly c: { name: string; kernelSize: number; dilation: number; useBias?: boolean; kernelInitializer?: Initializer }) { super({ name: c.name }); }

  build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape, k = this.c.kernelSize;
    this.kernel = this.addWeight('depthwise_kernel', [k, k, s[3]!, 1], 'float32', this.c.kernelInitializer ?? tfl.initializers.heNormal({}));
    if (this.c.useBias) this.bias = this.addWeight('bias', [s[3]!], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(s: Shape | Shape[]): Shape { return s as Shape; }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const y = depthwiseConv(one(inputs), this.kernel.read() as tf.Tensor4D, 1, 'same', this.c.dilation);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), kernelSize: this.c.kernelSize, dilation: this.c.dilation, useBias: this.c.useBias ?? false }; }

  exportOnnx(c: OnnxLayerContext): void {
    const k = this.c.kernelSize, d = this.c.dilation;
    const kc = tf.transpose(this.kernel.read(), [0, 1, 3, 2]); // [k,k,C,1] -> [k,k,1,C], then OIHW [C,1,k,k]
    const w = hwioToOihw(kc);
    kc.dispose();
    const ch = w.dims[0];
    const ins = [c.inputs[0], c.floatInit('W', w.data, w.dims)];
    if (this.bias) ins.push(c.floatInit('B', this.bias.read().dataSync() as Float32Array, [ch]));
    const t = (k - 1) * d, b = Math.floor(t / 2);
    c.node('Conv', ins, [c.output], { group: ch, kernel_shape: [k, k], dilations: [d, d], pads: [b, b, t - b, t - b] });
  }
}

export type ResampleMode = 'bilinear' | 'area';
export interface ResampleConfig {
  name: string;
  /** bilinear: align_corners=True interpolation; area: PyTorch's adaptive average pooling. */
  mode: ResampleMode;
  /** Output = max(ceil(size * num / den), min) per axis; absent: `size`, else the size of the second input. */
  scale?: [number, number];
  min?: number;
  /** A fixed output size [h, w] (e.g. the bins of a pyramid pooling module). */
  size?: [number, number];
  /**
   * Area only: the downscale [p, q] (p/q) this resample has at all but tiny sizes (a resample back
   * to the size of a map it was computed from). ONNX export then pools in blocks when the sizes are
   * exactly in that ratio (linear in the map size) and uses the pooling matrices otherwise
   * (quadratic). A downscale by `scale` implies its own ratio.
   */
  ratio?: [number, number];
}

const scaled = (v: number, [num, den]: [number, number], min: number) => Math.max(Math.floor((v * num + den - 1) / den), min);

const poolCache = new Map<string, Float32Array>();
/** Adaptive-average-pooling weights [out, in]: window [floor(i*I/O), ceil((i+1)*I/O)). */
export function adaptivePoolMatrix(I: number, O: number): Float32Array {
  const key = `${I}/${O}`;
  let m = poolCache.get(key);
  if (!m) {
    m = new Float32Array(O * I);
    for (let o = 0; o < O; o++) {
      const s = Math.floor((o * I) / O), e = Math.floor(((o + 1) * I + O - 1) / O);
      for (let i = s; i < e; i++) m[o * I + i] = 1 / (e - s);
    }
    poolCache.set(key, m);
  }
  return m;
}

/** Align-corners bilinear weights [out, in]: output o samples input o*(in-1)/(out-1). */
export function bilinearMatrix(I: number, O: number): Float32Array {
  const m = new Float32Array(O * I);
  for (let o = 0; o < O; o++) {
    const src = O > 1 ? (o * (I - 1)) / (O - 1) : 0;
    const i0 = Math.min(I - 1, Math.floor(src)), i1 = Math.min(I - 1, i0 + 1), f = src - i0;
    m[o * I + i0] += 1 - f;
    m[o * I + i1] += f;
  }
  return m;
}

/** A resampling matrix [rows, cols] as K taps per row (index, weight; unused taps weigh 0), or null above `maxTaps`. */
function taps(m: Float32Array, rows: number, cols: number, maxTaps = 8): { idx: Int32Array; wt: Float32Array; k: number } | null {
  let k = 0;
  for (let r = 0; r < rows; r++) { let n = 0; for (let q = 0; q < cols; q++) if (m[r * cols + q] !== 0) n++; k = Math.max(k, n); }
  if (k > maxTaps) return null;
  k = Math.max(k, 1);
  const idx = new Int32Array(rows * k), wt = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) { let n = 0; for (let q = 0; q < cols; q++) if (m[r * cols + q] !== 0) { idx[r * k + n] = q; wt[r * k + n] = m[r * cols + q]; n++; } }
  return { idx, wt, k };
}

/**
 * One axis (1: rows, 2: columns) resampled as each output's few weighted taps over contiguous rows:
 * the engine's SIMD kernel on the wasm heap where it runs, else a JS loop (TF.js's Gather is
 * far slower than the arithmetic). Only inside custom gradients and forward passes that carry
 * their own gradient: neither path is differentiable.
 */
function resampleAxis(x: tf.Tensor4D, t: { idx: Int32Array; wt: Float32Array; k: number }, out: number, axis: 1 | 2): tf.Tensor4D {
  if (x.dtype === 'float32' && hasResampleAxis()) return tf.engine().runKernel(RESAMPLE_AXIS, { x }, { idx: t.idx, wt: t.wt, out, axis } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  const [n, h, w, c] = x.shape, K = t.k, src = x.dataSync() as Float32Array;
  const outer = axis === 1 ? n : n * h, len = axis === 1 ? h : w, run = axis === 1 ? w * c : c;
  const dst = new Float32Array(outer * out * run);
  for (let b = 0; b < outer; b++) {
    for (let i = 0; i < out; i++) {
      const d0 = (b * out + i) * run;
      for (let k = 0; k < K; k++) {
        const wt = t.wt[i * K + k];
        if (wt === 0) continue;
        const s0 = (b * len + t.idx[i * K + k]) * run;
        for (let e = 0; e < run; e++) dst[d0 + e] += wt * src[s0 + e];
      }
    }
  }
  return tf.tensor4d(dst, axis === 1 ? [n, out, w, c] : [n, h, out, c]);
}

/**
 * Σ Mh[i,y] Mw[j,x] x[n,y,x,c]. Resampling matrices are banded (bilinear: 2 taps a row; area: the
 * window): tap by tap, linear in the map's size; a matrix with wide rows (pooling to a few bins) as
 * 2-D matMuls (batched broadcasts fault in wasm).
 */
function separable(x: tf.Tensor4D, mh: Float32Array, th: number, mw: Float32Array, tw: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const th_ = taps(mh, th, h), tw_ = taps(mw, tw, w);
  if (th_ && tw_) return tf.tidy(() => resampleAxis(resampleAxis(x, th_, th, 1), tw_, tw, 2));
  const ph = tf.tensor2d(mh, [th, h]), pw = tf.tensor2d(mw, [tw, w]);
  const rows = tf.matMul(ph, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c])); // [th, n*w*c]
  const byCol = tf.reshape(tf.transpose(tf.reshape(rows, [th, n, w, c]), [2, 1, 0, 3]), [w, n * th * c]);
  const cols = tf.reshape(tf.matMul(pw, byCol), [tw, n, th, c]);
  return tf.transpose(cols, [1, 2, 0, 3]) as tf.Tensor4D;
}

const transposed = (m: Float32Array, rows: number, cols: number) => {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) t[k * rows + r] = m[r * cols + k];
  return t;
};

/**
 * Align-corners bilinear resize: TF.js's kernel forward; the gradient as the transposed
 * interpolation (tfjs-backend-wasm's ResizeBilinearGrad returns H and W swapped).
 */
function resizeBilinearAC(x: tf.Tensor4D, th: number, tw: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.image.resizeBilinear(args[0] as tf.Tensor4D, [th, tw], true),
    gradFunc: (dy: tf.Tensor) => separable(dy as tf.Tensor4D, transposed(bilinearMatrix(h, th), th, h), h, transposed(bilinearMatrix(w, tw), tw, w), w),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor4D;
}

/**
 * Adaptive average pooling of NHWC maps: an exact 2:1 reduction is a 2x2 average pool. Otherwise
 * the separable product, whose gradient is the same product with the transposed matrices (the
 * autodiff of matMul takes a transposed operand, much slower on wasm).
 */
function adaptiveAvgPool(x: tf.Tensor4D, th: number, tw: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h === 2 * th && w === 2 * tw) return tf.avgPool(x, 2, 2, 'valid');
  const mh = adaptivePoolMatrix(h, th), mw = adaptivePoolMatrix(w, tw);
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: separable(args[0] as tf.Tensor4D, mh, th, mw, tw),
    gradFunc: (dy: tf.Tensor) => separable(dy as tf.Tensor4D, transposed(mh, th, h), h, transposed(mw, tw, w), w),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor4D;
}

/** Resizes to a computed size or to the size of a second input, bilinear (align corners) or by area. */
export class Resample extends tfl.layers.Layer implements OnnxExportable {
  static className = 'Resample';
  private readonly cfg: ResampleConfig;
  constructor(c: ResampleConfig) { super({ name: c.name }); this.cfg = c; }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const { scale, min = 0, size } = this.cfg;
    if (size) return [s[0], size[0], size[1], s[3]];
    const f = (v: number | null) => (v == null || !scale ? null : scaled(v, scale, min));
    return [s[0], f(s[1]), f(s[2]), s[3]];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const [, h, w] = x.shape;
      const { scale, min = 0, mode, size } = this.cfg;
      const [th, tw] = size ?? (scale ? [scaled(h, scale, min), scaled(w, scale, min)] : (inputs as tf.Tensor[])[1].shape.slice(1, 3) as number[]);
      if (th === h && tw === w) return tf.clone(x);
      return mode === 'bilinear' ? resizeBilinearAC(x, th, tw) : adaptiveAvgPool(x, th, tw);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.cfg.mode, scale: this.cfg.scale ?? null, min: this.cfg.min ?? 0, size: this.cfg.size ?? null, ratio: this.cfg.ratio ?? null };
  }

  /** The downscale p/q (lowest terms) of an area resample: given, or that of its scale. */
  private areaRatio(): [number, number] | null {
    const { scale, ratio, mode } = this.cfg;
    if (mode !== 'area') return null;
    const r = ratio ?? (scale ? [scale[1], scale[0]] as [number, number] : null);
    if (!r) return null;
    const g = gcd(r[0], r[1]);
    return [r[0] / g, r[1] / g];
  }

  exportOnnx(c: OnnxLayerContext): void {
    const { scale, min = 0, mode, size } = this.cfg;
    const t = (s: string) => `${c.name}/${s}`;
    c.node('Shape', [c.inputs[0]], [t('shape')]);
    const dim = (src: string, axis: number, out: string) => c.node('Gather', [src, c.int64Init(`axis${axis}`, [axis], true)], [out], { axis: 0 });
    dim(t('shape'), 2, t('h')); dim(t('shape'), 3, t('w'));
    if (size) {
      c.node('Identity', [c.int64Init('ho_size', [size[0]], true)], [t('ho')]);
      c.node('Identity', [c.int64Init('wo_size', [size[1]], true)], [t('wo')]);
    } else if (scale) {
      const [num, den] = scale;
      for (const a of ['h', 'w']) {
        c.node('Mul', [t(a), c.int64Init('num', [num], true)], [t(`${a}n`)]);
        c.node('Add', [t(`${a}n`), c.int64Init('den1', [den - 1], true)], [t(`${a}r`)]);
        c.node('Div', [t(`${a}r`), c.int64Init('den', [den], true)], [t(`${a}c`)]);
        c.node('Max', [t(`${a}c`), c.int64Init('min', [min], true)], [t(`${a}o`)]);
      }
    } else {
      c.node('Shape', [c.inputs[1]], [t('refshape')]);
      dim(t('refshape'), 2, t('ho')); dim(t('refshape'), 3, t('wo'));
    }
    if (mode === 'bilinear') {
      const ax0 = c.int64Init('ax0', [0]);
      c.node('Slice', [t('shape'), ax0, c.int64Init('two', [2]), ax0], [t('nc')]);
      c.node('Unsqueeze', [t('ho'), ax0], [t('ho1')]);
      c.node('Unsqueeze', [t('wo'), ax0], [t('wo1')]);
      c.node('Concat', [t('nc'), t('ho1'), t('wo1')], [t('sizes')], { axis: 0 });
      c.node('Resize', [c.inputs[0], '', '', t('sizes')], [c.output], { mode: 'linear', coordinate_transformation_mode: 'align_corners' });
      return;
    }
    const r = this.areaRatio();
    const block = r ? poolBlock(r[0], r[1]) : null;
    if (!r || !block) return areaByMatrices(c, t('h'), t('w'), t('ho'), t('wo'));
    // Sizes in the exact ratio (all but tiny maps): a linear pooling; any other sizes: the matrices.
    const [p, q] = r.map((v) => c.int64Init(`ratio${v}`, [v], true));
    for (const a of ['h', 'w']) {
      c.node('Mul', [t(a), q], [t(`${a}q`)]);
      c.node('Mul', [t(`${a}o`), p], [t(`${a}p`)]);
      c.node('Equal', [t(`${a}q`), t(`${a}p`)], [t(`${a}exact`)]);
    }
    c.node('And', [t('hexact'), t('wexact')], [t('exact')]);
    c.ifElse(t('exact'), (b) => poolInBlocks(b, r[0], r[1], block, t('shape'), t('ho'), t('wo')),
      (b) => areaByMatrices(b, t('h'), t('w'), t('ho'), t('wo')));
  }
}

/**
 * Adaptive pooling from I = p·M to O = q·M cuts each block of p inputs into q windows
 * [floor(j·p/q), ceil((j+1)·p/q)). When those start at 0, 1, ..., q-1 and share one length L
 * (p/q an integer: q = 1, L = p; 3/2: L = 2), the pooling is a window-L average at stride 1 read
 * at the first q offsets of every block. Null for other ratios.
 */
function poolBlock(p: number, q: number): { length: number } | null {
  const starts = Array.from({ length: q }, (_, j) => Math.floor((j * p) / q));
  const lengths = starts.map((s, j) => Math.ceil(((j + 1) * p) / q) - s);
  return starts.every((s, j) => s === j) && lengths.every((l) => l === lengths[0]) ? { length: lengths[0] } : null;
}

function poolInBlocks(c: OnnxLayerContext, p: number, q: number, { length: L }: { length: number }, shape: string, ho: string, wo: string): void {
  if (q === 1) return c.node('AveragePool', [c.inputs[0]], [c.output], { kernel_shape: [p, p], strides: [p, p] });
  const t = (s: string) => `${c.name}/${s}`;
  c.node('AveragePool', [c.inputs[0]], [t('avg')], { kernel_shape: [L, L], strides: [1, 1] });
  // Back to p·M per axis (the padding is never read), then [N, C, Mh, p, Mw, p] -> offsets < q.
  c.node('Pad', [t('avg'), c.int64Init(`pad${L}`, [0, 0, 0, 0, 0, 0, L - 1, L - 1])], [t('padded')]);
  const ax0 = c.int64Init('ax0', [0]);
  c.node('Slice', [shape, ax0, c.int64Init('two', [2]), ax0], [t('nc')]);
  const qq = c.int64Init(`q${q}`, [q], true);
  c.node('Div', [ho, qq], [t('mh')]);
  c.node('Div', [wo, qq], [t('mw')]);
  c.node('Unsqueeze', [t('mh'), ax0], [t('mh1')]);
  c.node('Unsqueeze', [t('mw'), ax0], [t('mw1')]);
  const pp = c.int64Init(`p${p}`, [p]);
  c.node('Concat', [t('nc'), t('mh1'), pp, t('mw1'), pp], [t('blocks')], { axis: 0 });
  c.node('Reshape', [t('padded'), t('blocks')], [t('b6')]);
  c.node('Slice', [t('b6'), c.int64Init('zeros2', [0, 0]), c.int64Init(`qs${q}`, [q, q]), c.int64Init('axes35', [3, 5])], [t('firstq')]);
  c.node('Unsqueeze', [ho, ax0], [t('ho1')]);
  c.node('Unsqueeze', [wo, ax0], [t('wo1')]);
  c.node('Concat', [t('nc'), t('ho1'), t('wo1')], [t('outshape')], { axis: 0 });
  c.node('Reshape', [t('firstq'), t('outshape')], [c.output]);
}

/** Adaptive average pooling as out = Ph · X · Pwᵀ, the matrices built in the graph from the sizes. */
function areaByMatrices(c: OnnxLayerContext, h: string, w: string, ho: string, wo: string): void {
  const t = (s: string) => `${c.name}/${s}`;
  const matrix = (I: string, O: string, out: string) => {
    const p = (s: string) => `${out}/${s}`;
    const zero = c.int64Init('zero', [0], true), oneS = c.int64Init('one', [1], true);
    c.node('Range', [zero, O, oneS], [p('o')]);
    c.node('Range', [zero, I, oneS], [p('i')]);
    c.node('Mul', [p('o'), I], [p('oI')]);
    c.node('Div', [p('oI'), O], [p('start')]);
    c.node('Add', [p('o'), oneS], [p('o1')]);
    c.node('Mul', [p('o1'), I], [p('o1I')]);
    c.node('Sub', [O, oneS], [p('Om1')]);
    c.node('Add', [p('o1I'), p('Om1')], [p('endN')]);
    c.node('Div', [p('endN'), O], [p('end')]);
    const ax1 = c.int64Init('ax1', [1]);
    c.node('Unsqueeze', [p('start'), ax1], [p('s2')]);
    c.node('Unsqueeze', [p('end'), ax1], [p('e2')]);
    c.node('GreaterOrEqual', [p('i'), p('s2')], [p('ge')]);
    c.node('Less', [p('i'), p('e2')], [p('lt')]);
    c.node('And', [p('ge'), p('lt')], [p('in')]);
    c.node('Cast', [p('in')], [p('inf')], { to: 1 });
    c.node('Sub', [p('e2'), p('s2')], [p('cnt')]);
    c.node('Cast', [p('cnt')], [p('cntf')], { to: 1 });
    c.node('Div', [p('inf'), p('cntf')], [out]);
  };
  matrix(h, ho, t('Ph'));
  matrix(w, wo, t('Pw'));
  c.node('Transpose', [t('Pw')], [t('PwT')], { perm: [1, 0] });
  c.node('MatMul', [c.inputs[0], t('PwT')], [t('cols')]);
  c.node('MatMul', [t('Ph'), t('cols')], [c.output]);
}

/** Channel shuffle (ShuffleNet): new channel j*G+g = old channel g*(C/G)+j. */
export class ChannelShuffle extends tfl.layers.Layer implements OnnxExportable {
  static className = 'ChannelShuffle';
  constructor(private readonly groups: number, name: string) { super({ name }); }
  computeOutputShape(s: Shape | Shape[]): Shape { return s as Shape; }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const [n, h, w, c] = x.shape, g = this.groups;
      return tf.reshape(tf.transpose(tf.reshape(x, [n, h, w, g, c / g]), [0, 1, 2, 4, 3]), [n, h, w, c]);
    });
  }
  getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), groups: this.groups }; }
  exportOnnx(c: OnnxLayerContext): void {
    const s = this.inboundNodes[0].inputShapes as Shape | Shape[];
    const ch = ((Array.isArray(s[0]) ? s[0] : s) as Shape)[3]!, g = this.groups, p = ch / g;
    const perm = Array.from({ length: ch }, (_, k) => (k % g) * p + Math.floor(k / g));
    c.node('Gather', [c.inputs[0], c.int64Init('perm', perm)], [c.output], { axis: 1 });
  }
}

/** Global average pooling that keeps the spatial axes ([n, 1, 1, c]), for channel gates. */
export class GlobalAvgPool extends tfl.layers.Layer implements OnnxExportable {
  static className = 'GlobalAvgPool';
  computeOutputShape(s: Shape | Shape[]): Shape { const a = s as Shape; return [a[0], 1, 1, a[3]]; }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor { return tf.tidy(() => tf.mean(one(inputs), [1, 2], true)); }
  exportOnnx(c: OnnxLayerContext): void { c.node('GlobalAveragePool', [c.inputs[0]], [c.output]); }
}

/**
 * PyTorch's avg_pool2d(k, stride, padding) with count_include_pad (every window divided by k*k,
 * zeros of the padding counted): a depthwise convolution with a constant 1/(k*k) filter, whose
 * kernels take the padding as a convolution's, so neither a padded copy (forward) nor its sliced
 * gradient (backward) is made. ESPNetv2 halves its image and features so.
 */
export class PaddedAvgPool extends tfl.layers.Layer implements OnnxExportable {
  static className = 'PaddedAvgPool';
  private readonly poolSize: number;
  private readonly stride: number;
  private readonly pad: number;
  constructor(c: { name: string; poolSize: number; strides: number; padding: number }) {
    super({ name: c.name });
    this.poolSize = c.poolSize; this.stride = c.strides; this.pad = c.padding;
  }
  private out(v: number | null): number | null { return v == null ? null : Math.floor((v + 2 * this.pad - this.poolSize) / this.stride) + 1; }
  computeOutputShape(s: Shape | Shape[]): Shape { const a = s as Shape; return [a[0], this.out(a[1]), this.out(a[2]), a[3]]; }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs) as tf.Tensor4D, k = this.poolSize, p = this.pad;
      const filter = tf.fill([k, k, x.shape[3], 1], 1 / (k * k)) as tf.Tensor4D;
      return depthwiseConv(x, filter, this.stride, [[0, 0], [p, p], [p, p], [0, 0]], 1);
    });
  }
  getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), poolSize: this.poolSize, strides: this.stride, padding: this.pad }; }
  exportOnnx(c: OnnxLayerContext): void {
    const k = this.poolSize, s = this.stride, p = this.pad;
    c.node('AveragePool', [c.inputs[0]], [c.output], { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], count_include_pad: 1 });
  }
}

/**
 * Binary segmentation's one sigmoid output z as the two class scores [0, z]: their softmax is
 * [1 - sigmoid(z), sigmoid(z)], so cross-entropy over them is binary cross-entropy on z, and the
 * argmax is the threshold sigmoid(z) > 0.5. Everything after the network (losses, metrics, label
 * maps, effects, ONNX Runtime, the browser) then sees two classes, background and foreground.
 */
export class BinaryScores extends tfl.layers.Layer implements OnnxExportable {
  static className = 'BinaryScores';
  computeOutputShape(s: Shape | Shape[]): Shape { const a = s as Shape; return [...a.slice(0, 3), 2]; }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor { return tf.tidy(() => { const z = one(inputs); return tf.concat([tf.zerosLike(z), z], 3); }); }
  exportOnnx(c: OnnxLayerContext): void {
    c.node('Mul', [c.inputs[0], c.floatInit('zero', new Float32Array([0]), [])], [`${c.output}/zeros`]);
    c.node('Concat', [`${c.output}/zeros`, c.inputs[0]], [c.output], { axis: 1 });
  }
}

/**
 * TensorFlow 2's tf.image.resize to a fixed size (half-pixel centres, no antialiasing), bilinear or
 * nearest: what Keras models resize with (tf.image.resize called on a tensor, the Resizing
 * layer). Imported Keras models only (io/keras_model.ts); the zoo resamples with Resample.
 */
export class ImageResize extends tfl.layers.Layer implements OnnxExportable {
  static className = 'ImageResize';
  private readonly size: [number, number];
  private readonly method: 'bilinear' | 'nearest';
  constructor(c: { name: string; size: [number, number]; method: 'bilinear' | 'nearest' }) {
    super({ name: c.name });
    this.size = c.size; this.method = c.method;
  }
  computeOutputShape(s: Shape | Shape[]): Shape { const a = s as Shape; return [a[0], this.size[0], this.size[1], a[3]]; }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => (this.method === 'bilinear' ? tf.image.resizeBilinear(one(inputs), this.size, false, true) : tf.image.resizeNearestNeighbor(one(inputs), this.size, false, true)));
  }
  getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), size: this.size, method: this.method }; }
  exportOnnx(c: OnnxLayerContext): void {
    // Sizes [N, C, h, w]: the batch and channels of the input, the fixed height and width.
    const t = (s: string) => `${c.name}/${s}`;
    c.node('Shape', [c.inputs[0]], [t('shape')]);
    c.node('Slice', [t('shape'), c.int64Init('zero', [0]), c.int64Init('two', [2])], [t('nc')]);
    c.node('Concat', [t('nc'), c.int64Init('hw', this.size)], [t('sizes')], { axis: 0 });
    const empty = c.floatInit('empty', new Float32Array(0), [0]);
    // TF's nearest with half-pixel centres: source floor((x + 0.5) * in / out).
    c.node('Resize', [c.inputs[0], empty, empty, t('sizes')], [c.output], this.method === 'bilinear'
      ? { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }
      : { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'floor' });
  }
}

/**
 * Keras 3's hard sigmoid, relu6(x + 3) / 6 (Keras 2's and tfjs-layers' is clip(0.2 x + 0.5)), and
 * its hard swish (hard_silu), x times it: the Activation layers of Keras 3 models (MobileNetV3).
 * Imported Keras models only (io/keras3.ts).
 */
export class HardActivation extends tfl.layers.Layer implements OnnxExportable {
  static className = 'HardActivation';
  private readonly swish: boolean;
  constructor(c: { name: string; swish: boolean }) { super({ name: c.name }); this.swish = c.swish; }
  computeOutputShape(s: Shape | Shape[]): Shape { return s as Shape; }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs), h = tf.clipByValue(tf.add(tf.div(x, 6), 0.5), 0, 1);
      return this.swish ? tf.mul(x, h) : h;
    });
  }
  getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), swish: this.swish }; }
  exportOnnx(c: OnnxLayerContext): void {
    const h = this.swish ? `${c.name}/hard_sigmoid` : c.output;
    c.node('HardSigmoid', [c.inputs[0]], [h], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } });
    if (this.swish) c.node('Mul', [c.inputs[0], h], [c.output]);
  }
}

/**
 * Keras's Conv2D with groups > 1 (TensorFlow's padding; weights [kh, kw, in/groups, out]), which
 * tfjs-layers' Conv2D reads as a dense convolution: for imported Keras models (RegNet-style
 * blocks). Exported by the Conv2D rule with ONNX's group attribute (models/layer_kinds.ts).
 */
export class KerasGroupedConv2D extends tfl.layers.Layer {
  static className = 'KerasGroupedConv2D';
  private readonly c: { filters: number; kernelSize: [number, number]; strides: [number, number]; padding: 'same' | 'valid'; dilationRate: [number, number]; groups: number; useBias: boolean; activation: string };
  private kernel!: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;
  constructor(c: KerasGroupedConv2D['c'] & { name: string }) {
    super({ name: c.name });
    const pair = (v: number | number[]) => (Array.isArray(v) ? v : [v, v]) as [number, number];
    this.c = { ...c, kernelSize: pair(c.kernelSize), strides: pair(c.strides ?? 1), dilationRate: pair(c.dilationRate ?? 1), padding: c.padding ?? 'valid', useBias: c.useBias ?? true, activation: c.activation ?? 'linear' };
  }
  build(inputShape: Shape | Shape[]): void {
    const cin = (inputShape as Shape)[3]!, { groups: g, filters, kernelSize: [kh, kw] } = this.c;
    if (cin % g || filters % g) throw new Error(`${this.name}: ${cin} -> ${filters} channels do not split into ${g} groups`);
    this.kernel = this.addWeight('kernel', [kh, kw, cin / g, filters], 'float32', tfl.initializers.zeros());
    if (this.c.useBias) this.bias = this.addWeight('bias', [filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape, { strides, padding, kernelSize, dilationRate } = this.c;
    const out = (v: number | null, i: number) => (v == null ? null : padding === 'same' ? Math.ceil(v / strides[i]) : Math.floor((v - (kernelSize[i] - 1) * dilationRate[i] - 1) / strides[i]) + 1);
    return [s[0], out(s[1], 0), out(s[2], 1), this.c.filters];
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs), { groups: g, strides, padding, dilationRate, activation } = this.c;
      const xs = tf.split(x, g, 3), ks = tf.split(this.kernel.read(), g, 3);
      let y: tf.Tensor = tf.concat(xs.map((xi, i) => tf.conv2d(xi as tf.Tensor4D, ks[i] as tf.Tensor4D, strides, padding, 'NHWC', dilationRate)), 3);
      if (this.bias) y = tf.add(y, this.bias.read());
      const act: Record<string, (t: tf.Tensor) => tf.Tensor> = { linear: (t) => t, relu: tf.relu, sigmoid: tf.sigmoid, swish: (t) => tf.mul(t, tf.sigmoid(t)) };
      if (!act[activation]) throw new Error(`${this.name}: activation ${activation} is not computed here`);
      return act[activation](y);
    });
  }
  getConfig(): tf.serialization.ConfigDict { return { ...super.getConfig(), ...this.c }; }
}

for (const cls of [GroupConv2D, AtrousDepthwiseConv2D, Resample, ChannelShuffle, GlobalAvgPool, PaddedAvgPool, BinaryScores, ImageResize, HardActivation, KerasGroupedConv2D]) tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

export const applyLayer = (layer: tfl.layers.Layer, x: SymT | SymT[]) => layer.apply(x) as SymT;
