// BatchNorm in training mode (batch statistics, channels last) as two kernels over the wasm heap.
// TF.js builds it from tf.moments and FusedBatchNorm: six full-size passes forward, and a backward
// pass through FusedBatchNorm, the variance's square and both means that writes about ten
// full-size tensors (a large share of a U-Net training step). Here the forward pass is two reductions and
// a per-channel affine map, the backward pass one of each, run by SIMD WebAssembly
// (simd/channels.wat) when the channel count is a multiple of 4 and by JS loops otherwise.
//   forward:  mean, variance (biased, as tf.moments) per channel; y = (x - mean) * r * gamma + beta
//   backward: S1 = sum(dy), S2 = sum(dy * (x - mean)) per channel, r = 1 / sqrt(variance + eps),
//             dx = gamma * r * (dy - S1 / n - (x - mean) * r^2 * S2 / n), dgamma = r * S2, dbeta = S1
// Statistics are float64 sums of float32 partials, of deviations from the mean (two passes forward,
// as tf.moments), so they are at least as exact as TF.js's float32 moments.
import type * as tf from '@tensorflow/tfjs-core';
import { pixelGroup, simdChannelPasses, simdPreluPasses, type ChannelPasses, type PreluPasses } from './simd/channels.js';
import type { WasmBackend } from './ort_native.js';

export const BATCHNORM_TRAIN = 'PixelwiseBatchNormTrain';
export const BATCHNORM_TRAIN_GRAD = 'PixelwiseBatchNormTrainGrad';
/** BatchNorm followed by a PReLU (slope per channel; a ReLU is slope 0), forward and backward. */
export const BATCHNORM_PRELU_TRAIN = 'PixelwiseBatchNormPreluTrain';
export const BATCHNORM_PRELU_TRAIN_GRAD = 'PixelwiseBatchNormPreluTrainGrad';

/** x [..., c], gamma [c], beta [c] -> [y, mean, variance]. */
export function batchNormTrainForward(backend: WasmBackend, x: tf.TensorInfo, gamma: tf.TensorInfo, beta: tf.TensorInfo, eps: number): tf.TensorInfo[] {
  const c = x.shape[x.shape.length - 1];
  const y = backend.makeOutput(x.shape, 'float32');
  const { mean, scale, meanOut, varOut } = batchStatistics(backend, x, gamma, eps);
  const zero = new Float64Array(c);
  channelPasses(backend, c, x).affine(y, x, x, mean, zero, scale, zero, backend.typedArrayFromHeap(beta).slice());
  return [y, meanOut, varOut];
}

/** Whether the BatchNorm + PReLU kernels run here for c channels (SIMD, c a multiple of 4). */
export const batchNormPreluAvailable = (backend: WasmBackend, c: number, x: tf.TensorInfo) => preluPasses(backend, c, x) != null;

/** x [..., c], gamma, beta, alpha [c] -> [prelu(batchnorm(x)), mean, variance]. */
export function batchNormPreluTrainForward(backend: WasmBackend, x: tf.TensorInfo, gamma: tf.TensorInfo, beta: tf.TensorInfo, alpha: tf.TensorInfo, eps: number): tf.TensorInfo[] {
  const c = x.shape[x.shape.length - 1];
  const passes = preluPasses(backend, c, x);
  if (!passes) throw new Error(`BatchNorm + PReLU over ${c} channels: no SIMD kernel on this backend`);
  const y = backend.makeOutput(x.shape, 'float32');
  const { mean, scale, meanOut, varOut } = batchStatistics(backend, x, gamma, eps);
  passes.affinePrelu(y, x, mean, scale, backend.typedArrayFromHeap(beta).slice(), backend.typedArrayFromHeap(alpha).slice());
  return [y, meanOut, varOut];
}

/** The batch's mean and (biased) variance per channel (as tensors, and the mean and gamma / sqrt(variance + eps) as vectors). */
function batchStatistics(backend: WasmBackend, x: tf.TensorInfo, gamma: tf.TensorInfo, eps: number) {
  const c = x.shape[x.shape.length - 1], n = x.shape.reduce((p, d) => p * d, 1) / c;
  const passes = channelPasses(backend, c, x);
  const meanOut = backend.makeOutput([c], 'float32'), varOut = backend.makeOutput([c], 'float32');
  // Two passes, as tf.moments: the sum, then the squares of the deviations from that mean (a
  // one-pass variance loses digits wherever a channel's mean is large against its spread).
  const zero = new Float64Array(c);
  const [sum] = passes.sums(x, x, zero, zero);
  const shift = Float32Array.from(sum, (v) => v / n);
  const [s1, s2] = passes.sums(x, x, shift, shift);
  const mean = new Float64Array(c), scale = new Float64Array(c);
  const g = backend.typedArrayFromHeap(gamma);
  const vars = backend.typedArrayFromHeap(varOut);
  for (let k = 0; k < c; k++) {
    const m = s1[k] / n, v = Math.max(0, s2[k] / n - m * m);
    mean[k] = shift[k] + m;
    vars[k] = v;
    scale[k] = g[k] / Math.sqrt(v + eps);
  }
  backend.typedArrayFromHeap(meanOut).set(mean);
  return { mean, scale, meanOut, varOut };
}

/** dy, x [..., c], gamma, mean, variance [c] -> [dx, dgamma, dbeta]. */
export function batchNormTrainBackward(backend: WasmBackend, dy: tf.TensorInfo, x: tf.TensorInfo, gammaIn: tf.TensorInfo,
  meanIn: tf.TensorInfo, varIn: tf.TensorInfo, eps: number): tf.TensorInfo[] {
  const c = x.shape[x.shape.length - 1], n = x.shape.reduce((p, d) => p * d, 1) / c;
  const passes = channelPasses(backend, c, x);
  const dxOut = backend.makeOutput(x.shape, 'float32');
  const dgOut = backend.makeOutput([c], 'float32'), dbOut = backend.makeOutput([c], 'float32');
  const m = Float64Array.from(backend.typedArrayFromHeap(meanIn)), zero = new Float64Array(c);
  const [s1, s2] = passes.sums(dy, x, zero, m); // sum(dy), sum(dy * (x - mean))
  const gamma = backend.typedArrayFromHeap(gammaIn), variance = backend.typedArrayFromHeap(varIn);
  // dx = a * (dy - mean(dy)) + b * (x - mean) per channel (the formula above, regrouped so that
  // each product is taken of a centred difference: a small dx is not the difference of two large
  // float32 terms).
  const a = new Float64Array(c), b = new Float64Array(c), dyMean = new Float64Array(c);
  const dgamma = backend.typedArrayFromHeap(dgOut), dbeta = backend.typedArrayFromHeap(dbOut);
  for (let k = 0; k < c; k++) {
    const r = 1 / Math.sqrt(variance[k] + eps);
    a[k] = gamma[k] * r;
    b[k] = -a[k] * r * r * s2[k] / n;
    dyMean[k] = s1[k] / n;
    dgamma[k] = r * s2[k];
    dbeta[k] = s1[k];
  }
  passes.affine(dxOut, dy, x, dyMean, m, a, b, zero);
  return [dxOut, dgOut, dbOut];
}

/**
 * dy (of the PReLU's output), x [..., c], gamma, beta, alpha, mean, variance [c] -> [dx, dgamma,
 * dbeta, dalpha]: the PReLU's input z = gamma * (x - mean) / sqrt(variance + eps) + beta is
 * recomputed from x, g = z > 0 ? dy : alpha * dy is BatchNorm's dy, and the two passes are
 * BatchNorm's backward passes over g.
 */
export function batchNormPreluTrainBackward(backend: WasmBackend, dy: tf.TensorInfo, x: tf.TensorInfo, gammaIn: tf.TensorInfo, betaIn: tf.TensorInfo,
  alphaIn: tf.TensorInfo, meanIn: tf.TensorInfo, varIn: tf.TensorInfo, eps: number): tf.TensorInfo[] {
  const c = x.shape[x.shape.length - 1], n = x.shape.reduce((p, d) => p * d, 1) / c;
  const passes = preluPasses(backend, c, x);
  if (!passes) throw new Error(`BatchNorm + PReLU over ${c} channels: no SIMD kernel on this backend`);
  const dxOut = backend.makeOutput(x.shape, 'float32');
  const dgOut = backend.makeOutput([c], 'float32'), dbOut = backend.makeOutput([c], 'float32'), daOut = backend.makeOutput([c], 'float32');
  const m = Float64Array.from(backend.typedArrayFromHeap(meanIn));
  const gamma = backend.typedArrayFromHeap(gammaIn), variance = backend.typedArrayFromHeap(varIn);
  const beta = backend.typedArrayFromHeap(betaIn).slice(), alpha = backend.typedArrayFromHeap(alphaIn).slice();
  const r = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
  const scale = Float64Array.from(r, (rk, k) => gamma[k] * rk);
  const [s1, s2, sa] = passes.sums(dy, x, m, scale, beta, alpha);
  const b = new Float64Array(c), gMean = new Float64Array(c);
  const dgamma = backend.typedArrayFromHeap(dgOut), dbeta = backend.typedArrayFromHeap(dbOut), dalpha = backend.typedArrayFromHeap(daOut);
  for (let k = 0; k < c; k++) {
    b[k] = -scale[k] * r[k] * r[k] * s2[k] / n;
    gMean[k] = s1[k] / n;
    dgamma[k] = r[k] * s2[k];
    dbeta[k] = s1[k];
    dalpha[k] = sa[k];
  }
  passes.affineGrad(dxOut, dy, x, m, scale, beta, alpha, scale, gMean, b);
  return [dxOut, dgOut, dbOut, daOut];
}

/**
 * The SIMD passes over c channels; for c off a multiple of 4, over k = 4 / gcd(c, 4) pixels at a time
 * as k*c channels (the per-channel vectors repeated k times, the sums of the k copies added), when
 * the pixel count allows; else the JS loops.
 */
function channelPasses(backend: WasmBackend, c: number, x: tf.TensorInfo): ChannelPasses {
  const direct = simdChannelPasses(backend, c);
  if (direct) return direct;
  const k = groupOf(c, x);
  const wide = k ? simdChannelPasses(backend, k * c) : null;
  if (!wide) return jsChannelPasses(backend, c);
  const t = tiler(c, k);
  return {
    sums: (a, b, sa, sb) => wide.sums(a, b, t.tile(sa), t.tile(sb)).map(t.fold) as [Float64Array, Float64Array],
    affine: (out, a, b, sa, sb, fa, fb, f0) => wide.affine(out, a, b, t.tile(sa), t.tile(sb), t.tile(fa), t.tile(fb), t.tile(f0)),
  };
}

/** The BatchNorm + PReLU passes, tiled as channelPasses does; null where SIMD does not run. */
function preluPasses(backend: WasmBackend, c: number, x: tf.TensorInfo): PreluPasses | null {
  const direct = simdPreluPasses(backend, c);
  if (direct) return direct;
  const k = groupOf(c, x);
  const wide = k ? simdPreluPasses(backend, k * c) : null;
  if (!wide) return null;
  const t = tiler(c, k);
  return {
    affinePrelu: (out, xx, sx, fa, f0, alpha) => wide.affinePrelu(out, xx, t.tile(sx), t.tile(fa), t.tile(f0), t.tile(alpha)),
    sums: (dy, xx, sx, fa, f0, alpha) => wide.sums(dy, xx, t.tile(sx), t.tile(fa), t.tile(f0), t.tile(alpha)).map(t.fold) as [Float64Array, Float64Array, Float64Array],
    affineGrad: (out, dy, xx, sx, fa, f0, alpha, ga, gm, gb) =>
      wide.affineGrad(out, dy, xx, t.tile(sx), t.tile(fa), t.tile(f0), t.tile(alpha), t.tile(ga), t.tile(gm), t.tile(gb)),
  };
}

const groupOf = (c: number, x: tf.TensorInfo) => pixelGroup(c, x.shape.reduce((p, d) => p * d, 1) / c);

function tiler(c: number, k: number) {
  return {
    tile: (v: ArrayLike<number>) => { const o = new Float64Array(k * c); for (let j = 0; j < k; j++) for (let i = 0; i < c; i++) o[j * c + i] = v[i]; return o; },
    fold: (v: Float64Array) => { const o = new Float64Array(c); for (let j = 0; j < k; j++) for (let i = 0; i < c; i++) o[i] += v[j * c + i]; return o; },
  };
}

/**
 * The same passes as JS loops (channel counts that are not a multiple of 4). Rows of c channels
 * are visited in blocks of ~64 KB, channel by channel inside a block: each channel's sums and
 * factors stay in local variables and the block stays in cache (in V8, faster than one pass over
 * pixels with per-channel accumulator arrays).
 */
function jsChannelPasses(backend: WasmBackend, c: number): ChannelPasses {
  const rows = Math.max(1, (16384 / c) | 0);
  return {
    sums(at, bt, sa, sb) {
      const a = backend.typedArrayFromHeap(at), b = backend.typedArrayFromHeap(bt);
      const n = (a.length / c) | 0; // an int32: V8 then indexes with integers
      const s1 = new Float64Array(c), s2 = new Float64Array(c);
      for (let p = 0; p < n; p += rows) {
        const start = p * c, end = Math.min(n, p + rows) * c;
        for (let k = 0; k < c; k++) {
          const ma = sa[k], mb = sb[k];
          let a1 = 0, a2 = 0;
          for (let i = start + k; i < end; i += c) { const u = a[i] - ma; a1 += u; a2 += u * (b[i] - mb); }
          s1[k] += a1; s2[k] += a2;
        }
      }
      return [s1, s2];
    },
    affine(outT, at, bt, sa, sb, fa, fb, f0) {
      const out = backend.typedArrayFromHeap(outT), a = backend.typedArrayFromHeap(at), b = backend.typedArrayFromHeap(bt);
      const n = (a.length / c) | 0;
      for (let p = 0; p < n; p += rows) {
        const start = p * c, end = Math.min(n, p + rows) * c;
        for (let k = 0; k < c; k++) {
          const u = fa[k], v = fb[k], w = f0[k] - u * sa[k] - v * sb[k];
          if (v === 0) for (let i = start + k; i < end; i += c) out[i] = u * a[i] + w;
          else for (let i = start + k; i < end; i += c) out[i] = u * a[i] + v * b[i] + w;
        }
      }
    },
  };
}
