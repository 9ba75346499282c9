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
import { simdChannelPasses, simdPreluPasses, type ChannelPasses } from './simd/channels.js';
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
  channelPasses(backend, c).affine(y, x, x, mean, zero, scale, zero, backend.typedArrayFromHeap(beta).slice());
  return [y, meanOut, varOut];
}

/** Whether the BatchNorm + PReLU kernels run here for c channels (SIMD, c a multiple of 4). */
export const batchNormPreluAvailable = (backend: WasmBackend, c: number) => simdPreluPasses(backend, c) != null;

/** x [..., c], gamma, beta, alpha [c] -> [prelu(batchnorm(x)), mean, variance]. */
export function batchNormPreluTrainForward(backend: WasmBackend, x: tf.TensorInfo, gamma: tf.TensorInfo, beta: tf.TensorInfo, alpha: tf.TensorInfo, eps: number): tf.TensorInfo[] {
  const c = x.shape[x.shape.length - 1];
  const passes = simdPreluPasses(backend, c);
  if (!passes) throw new Error(`BatchNorm + PReLU over ${c} channels: no SIMD kernel on this backend`);
  const y = backend.makeOutput(x.shape, 'float32');
  const { mean, scale, meanOut, varOut } = batchStatistics(backend, x, gamma, eps);
  passes.affinePrelu(y, x, mean, scale, backend.typedArrayFromHeap(beta).slice(), backend.typedArrayFromHeap(alpha).slice());
  return [y, meanOut, varOut];
}

/** The batch's mean and (biased) variance per channel (as tensors, and the mean and gamma / sqrt(variance + eps) as vectors). */
function batchStatistics(backend: WasmBackend, x: tf.TensorInfo, gamma: tf.TensorInfo, eps: number) {
  const c = x.shape[x.shape.length - 1], n = x.shape.reduce((p, d) => p * d, 1) / c;
  const passes = channelPasses(backend, c);
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
  const passes = channelPasses(backend, c);
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
  const passes = simdPreluPasses(backend, c);
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

function channelPasses(backend: WasmBackend, c: number): ChannelPasses {
  return simdChannelPasses(backend, c) ?? jsChannelPasses(backend, c);
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
