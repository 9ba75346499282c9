// Conv2D gradient that also handles dilated (atrous) convolutions, which tfjs-core's refuses
// ("dilation rates greater than 1 are not yet supported in gradients"): DeepLab's ASPP, PSPNet's
// and DeepLab's dilated encoders and ESPNet could not train. A dilated convolution is an ordinary
// one on the space-to-batch rearranged input (as TF's atrous_conv2d computes it):
//   y = crop(batchToSpace(conv(spaceToBatch(pad(x)), W, valid))),
// so its gradients are the ordinary backprop kernels (ONNX Runtime's, on wasm) on the rearranged
// tensors. Undilated convolutions keep tfjs-core's formulas.
import * as tf from '@tensorflow/tfjs-core';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface ConvAttrs { strides: number | [number, number]; pad: Pad; dataFormat: 'NHWC' | 'NCHW'; dilations: number | [number, number]; dimRoundingMode?: string }

const pair = (v: number | [number, number]): [number, number] => (Array.isArray(v) ? v : [v, v]);

const backpropInput = (dy: tf.Tensor, filter: tf.Tensor, inputShape: number[], a: Omit<ConvAttrs, 'dilations'>) =>
  tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...a, inputShape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
const backpropFilter = (x: tf.Tensor, dy: tf.Tensor, filterShape: number[], a: Omit<ConvAttrs, 'dilations'>) =>
  tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...a, filterShape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;

/** [before, after] padding per spatial axis of a stride-1 convolution. */
function explicitPads(pad: Pad, k: [number, number], d: [number, number]): [[number, number], [number, number]] {
  if (pad === 'valid') return [[0, 0], [0, 0]];
  if (typeof pad === 'number') return [[pad, pad], [pad, pad]];
  if (pad === 'same') {
    return [0, 1].map((i) => { const t = (k[i] - 1) * d[i], b = Math.floor(t / 2); return [b, t - b]; }) as [[number, number], [number, number]];
  }
  return [pad[1], pad[2]];
}

function dilatedGrads(dy: tf.Tensor4D, x: tf.Tensor4D, W: tf.Tensor4D, a: ConvAttrs) {
  const [dh, dw] = pair(a.dilations), [kh, kw] = W.shape;
  if (pair(a.strides).some((s) => s !== 1)) throw new Error('conv2d gradient: strides and dilations > 1 together');
  if (a.dataFormat !== 'NHWC') throw new Error('conv2d gradient: dilated convolutions need NHWC');
  const [n, H, Wd, C] = x.shape;
  const [[t, b], [l, r]] = explicitPads(a.pad, [kh, kw], [dh, dw]);
  const eh = (dh - ((H + t + b) % dh)) % dh, ew = (dw - ((Wd + l + r) % dw)) % dw; // pad up to multiples of the block
  const Hp = H + t + b + eh, Wp = Wd + l + r + ew;
  const Hf = Hp - dh * (kh - 1), Wf = Wp - dw * (kw - 1); // full output of the rearranged convolution
  const block = [dh, dw], none = [[0, 0], [0, 0]];
  const xb = tf.spaceToBatchND(tf.pad(x, [[0, 0], [t, b + eh], [l, r + ew], [0, 0]]), block, none) as tf.Tensor4D;
  const [, Ho, Wo] = dy.shape;
  const dyb = tf.spaceToBatchND(tf.pad(dy, [[0, 0], [0, Hf - Ho], [0, Wf - Wo], [0, 0]]), block, none) as tf.Tensor4D;
  const plain = { strides: 1 as const, pad: 'valid' as const, dataFormat: 'NHWC' as const };
  return {
    x: () => tf.slice(tf.batchToSpaceND(backpropInput(dyb, W, xb.shape, plain), block, none), [0, t, l, 0], [n, H, Wd, C]),
    filter: () => backpropFilter(xb, dyb, W.shape, plain),
  };
}

export function registerConv2DGradient(): void {
  tf.registerGradient({
    kernelName: tf.Conv2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, W] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvAttrs;
      if (pair(a.dilations).some((d) => d !== 1)) return dilatedGrads(dy as tf.Tensor4D, x, W, a);
      const { strides, pad, dataFormat, dimRoundingMode } = a;
      return {
        x: () => backpropInput(dy as tf.Tensor, W, x.shape, { strides, pad, dataFormat, dimRoundingMode }),
        filter: () => backpropFilter(x, dy as tf.Tensor, W.shape, { strides, pad, dataFormat, dimRoundingMode }),
      };
    },
  });
}
