// Registers the project's own kernels on the wasm backend. Each is checked against the cpu
// backend in test/engine/engine-kernels.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterImpl, type BackpropFilterAttrs } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputImpl, type BackpropInputAttrs } from './conv2d_backprop_input.js';
import { ortConv2d, ortConv2dBackpropFilter, ortConv2dBackpropInput } from './ort_conv.js';
import { ortReduce } from './ort_reduce.js';
import { maxPoolGradTiled } from './maxpool_grad.js';
import { avgPoolGradSimd } from './avgpool_grad.js';
import { concatLastAxis, splitLastAxis } from './channels.js';
import { BATCHNORM_PRELU_TRAIN, BATCHNORM_PRELU_TRAIN_GRAD, BATCHNORM_TRAIN, BATCHNORM_TRAIN_GRAD, batchNormPreluTrainBackward, batchNormPreluTrainForward, batchNormTrainBackward, batchNormTrainForward } from './batchnorm_train.js';
import { DEPTHWISE_STRIDED_DILATED, depthwiseFilterGradWasm, depthwiseInputGradWasm, depthwiseStridedDilatedWasm, type DepthwiseFilterAttrs, type DepthwiseInputAttrs } from './depthwise_backprop.js';
import type { ConvAttrs } from './conv_geometry.js';
import { CLIP_GRAD, PRELU_GRAD, RELU_GRAD, clipGrad, preluGrad, reluGrad } from './activation_grads.js';
import { GROUPED_POINTWISE, GROUPED_POINTWISE_FILTER_GRAD, GROUPED_POINTWISE_INPUT_GRAD, groupedPointwise, groupedPointwiseFilterGrad, groupedPointwiseInputGrad } from './ort_grouped.js';
import { RESAMPLE_AXIS, resampleAxisWasm, type ResampleAttrs } from './resample.js';
import { SOFTMAX_CE, SOFTMAX_CE_GRAD, softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './softmax_ce.js';

export { conv2dBackpropFilterImpl, conv2dBackpropInputImpl };

let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const replace = (config: tf.KernelConfig) => {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  };
  // Each kernel tries ONNX Runtime's native convolution first (ort_conv.ts) and falls back to
  // the XNNPACK formulations where that returns null.
  type Backend = Parameters<typeof ortConv2d>[0];
  replace({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const a = attrs as unknown as BackpropFilterAttrs;
      return ortConv2dBackpropFilter(backend as unknown as Backend, x, dy, a) ?? conv2dBackpropFilterImpl(x, dy, a);
    },
  });
  replace({
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      const a = attrs as unknown as BackpropInputAttrs;
      return ortConv2dBackpropInput(backend as unknown as Backend, dy, filter, a) ?? conv2dBackpropInputImpl(dy, filter, a);
    },
  });
  replace({
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      return depthwiseInputGradWasm(backend as unknown as Backend, dy, filter, attrs as unknown as DepthwiseInputAttrs);
    },
  });
  replace({
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const a = attrs as unknown as DepthwiseFilterAttrs;
      return depthwiseFilterGradWasm(backend as unknown as Backend, x, dy, a);
    },
  });
  // Forward convolutions: wrap tfjs-backend-wasm's own (kept, with its setup) as the fallback.
  for (const name of [tf.Conv2D, tf.FusedConv2D]) {
    const own = tf.getKernel(name, 'wasm');
    if (!own) continue;
    replace({
      ...own,
      kernelFunc: (args) => {
        const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
        const a = args.attrs as unknown as ConvAttrs & { activation?: string };
        const out = preluActivationWeights ? null
          : ortConv2d(args.backend as unknown as Backend, x!, filter!, a, bias ?? undefined, a.activation ?? 'linear');
        return out ?? own.kernelFunc(args);
      },
    });
  }
  // Identity shares its input's buffer (as Reshape does) instead of copying it. TF.js clones every
  // tensor it saves for the backward pass (Engine.clone runs Identity), and the wasm backend's
  // Identity copies: a training step copied each saved activation once (a share of every U-Net step)
  // and held both copies until the forward pass ended. No kernel writes into its inputs, so a
  // shared buffer is never changed under a clone.
  replace({
    kernelName: tf.Identity, backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      (backend as unknown as { incRef(id: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  // tfjs-backend-wasm's own kernel (kept, with its setup) runs where ours returns null.
  const before = (name: string, ours: (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | tf.TensorInfo[] | null) => {
    const own = tf.getKernel(name, 'wasm');
    if (own) replace({ ...own, kernelFunc: (args) => ours(args) ?? own.kernelFunc(args) });
  };
  // A cast to the dtype a tensor already has shares its buffer too, for the same reason: tfjs-core
  // casts float gradients to float (Identity's and Multiply's gradients, avgPool's result), and the
  // wasm backend's Cast copies each one.
  before(tf.Cast, ({ inputs, attrs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if ((attrs as { dtype?: string }).dtype !== x.dtype) return null;
    (backend as unknown as { incRef(id: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  before(tf.MaxPoolGrad, ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    return maxPoolGradTiled(backend as unknown as Backend, dy, input, attrs as never);
  });
  before(tf.AvgPoolGrad, ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    return avgPoolGradSimd(backend as unknown as Backend, dy, input, attrs as never);
  });
  before(tf.SplitV, ({ inputs, attrs, backend }) => splitLastAxis(backend as unknown as Backend, (inputs as { x: tf.TensorInfo }).x, attrs as never));
  before(tf.Concat, ({ inputs, attrs, backend }) => concatLastAxis(backend as unknown as Backend, inputs as unknown as tf.TensorInfo[], attrs as never));
  replace({
    kernelName: DEPTHWISE_STRIDED_DILATED, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, filter } = inputs as Record<string, tf.TensorInfo>;
      return depthwiseStridedDilatedWasm(backend as unknown as Backend, x, filter, attrs as unknown as ConvAttrs);
    },
  });
  // Grouped 1x1 convolutions on ONNX Runtime (engine/grouped_pointwise.ts runs them where they fit).
  type Groups = { groups: number };
  replace({
    kernelName: GROUPED_POINTWISE, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => { const { x, w } = inputs as Record<string, tf.TensorInfo>; return groupedPointwise(backend as unknown as Backend, x, w, (attrs as unknown as Groups).groups); },
  });
  replace({
    kernelName: GROUPED_POINTWISE_INPUT_GRAD, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => { const { dy, w } = inputs as Record<string, tf.TensorInfo>; return groupedPointwiseInputGrad(backend as unknown as Backend, dy, w, (attrs as unknown as Groups).groups); },
  });
  replace({
    kernelName: GROUPED_POINTWISE_FILTER_GRAD, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => { const { x, dy } = inputs as Record<string, tf.TensorInfo>; return groupedPointwiseFilterGrad(backend as unknown as Backend, x, dy, (attrs as unknown as Groups).groups); },
  });
  replace({
    kernelName: RESAMPLE_AXIS, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => resampleAxisWasm(backend as unknown as Backend, (inputs as { x: tf.TensorInfo }).x, attrs as unknown as ResampleAttrs),
  });
  // Activation gradients in one pass (src/engine/activation_grad.ts routes tfjs-core's gradients here).
  replace({
    kernelName: PRELU_GRAD, backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => { const { x, alpha, dy } = inputs as Record<string, tf.TensorInfo>; return preluGrad(backend as unknown as Backend, x, alpha, dy); },
  });
  replace({
    kernelName: CLIP_GRAD, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as Record<string, tf.TensorInfo>, { lo, hi } = attrs as unknown as { lo: number; hi: number };
      return clipGrad(backend as unknown as Backend, x, dy, lo, hi);
    },
  });
  replace({
    kernelName: RELU_GRAD, backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => { const { x, dy } = inputs as Record<string, tf.TensorInfo>; return reluGrad(backend as unknown as Backend, x, dy); },
  });
  replace({
    kernelName: BATCHNORM_PRELU_TRAIN, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, gamma, beta, alpha } = inputs as Record<string, tf.TensorInfo>;
      return batchNormPreluTrainForward(backend as unknown as Backend, x, gamma, beta, alpha, (attrs as { varianceEpsilon: number }).varianceEpsilon);
    },
  });
  replace({
    kernelName: BATCHNORM_PRELU_TRAIN_GRAD, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, x, gamma, beta, alpha, mean, variance } = inputs as Record<string, tf.TensorInfo>;
      return batchNormPreluTrainBackward(backend as unknown as Backend, dy, x, gamma, beta, alpha, mean, variance, (attrs as { varianceEpsilon: number }).varianceEpsilon);
    },
  });
  // Softmax cross-entropy per pixel (src/engine/softmax_ce.ts runs them; no other backend has them).
  replace({
    kernelName: SOFTMAX_CE, backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => { const { logits, labels } = inputs as Record<string, tf.TensorInfo>; return softmaxCrossEntropyForward(backend as unknown as Backend, logits, labels); },
  });
  replace({
    kernelName: SOFTMAX_CE_GRAD, backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => { const { probs, labels, dy } = inputs as Record<string, tf.TensorInfo>; return softmaxCrossEntropyBackward(backend as unknown as Backend, probs, labels, dy); },
  });
  // Training-mode BatchNorm (src/engine/batchnorm_train.ts runs them; no other backend has them).
  replace({
    kernelName: BATCHNORM_TRAIN, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
      return batchNormTrainForward(backend as unknown as Backend, x, gamma, beta, (attrs as { varianceEpsilon: number }).varianceEpsilon);
    },
  });
  replace({
    kernelName: BATCHNORM_TRAIN_GRAD, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, x, gamma, mean, variance } = inputs as Record<string, tf.TensorInfo>;
      return batchNormTrainBackward(backend as unknown as Backend, dy, x, gamma, mean, variance, (attrs as { varianceEpsilon: number }).varianceEpsilon);
    },
  });
  for (const [name, op] of [[tf.Sum, 'ReduceSum'], [tf.Mean, 'ReduceMean']] as const) {
    before(name, ({ inputs, attrs, backend }) => {
      const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
      return ortReduce(backend as unknown as Backend, (inputs as { x: tf.TensorInfo }).x, axis, keepDims, op);
    });
  }
}
