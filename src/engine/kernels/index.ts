// Registers the project's own kernels on the wasm backend. Each is checked against the cpu
// backend in test/engine-kernels.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterImpl, type BackpropFilterAttrs } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputImpl, type BackpropInputAttrs } from './conv2d_backprop_input.js';

export { conv2dBackpropFilterImpl, conv2dBackpropInputImpl };

let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const replace = (config: tf.KernelConfig) => {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  };
  replace({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      return conv2dBackpropFilterImpl(x, dy, attrs as unknown as BackpropFilterAttrs);
    },
  });
  replace({
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      return conv2dBackpropInputImpl(dy, filter, attrs as unknown as BackpropInputAttrs);
    },
  });
}
