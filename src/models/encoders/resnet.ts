// ResNet encoders. `resnet50`: Keras Applications' ResNet50 without top, layer for layer (v1:
// stride in the first 1x1 conv of a stage, convolutions with biases, BatchNorm eps 1.001e-5;
// 23,587,712 parameters). `resnet18` / `resnet34`: torchvision's basic-block ResNets (no conv
// biases, eps 1e-5) under Keras-style names (conv2_block1_1_conv ...). The stem pads explicitly
// (as both references do), so any input size behaves as in PyTorch and Keras. Output stride 16
// or 8 replaces the stride of the last stages by dilation (torchvision's replace_stride_with_dilation).
import { add, bn, conv, relu, stridePlan, zeroPad } from '../blocks.js';
import type { Encoder, Feature, SymT } from '../types.js';
import { IMAGENET_NORM } from '../../data/loader.js';
import * as tfl from '@tensorflow/tfjs-layers';

interface Step { strides: number; dilation: number }

function bottleneck(x: SymT, filters: number, p: string, step: Step, shortcut: boolean): SymT {
  const eps = 1.001e-5;
  const s = shortcut ? bn(conv(x, 4 * filters, `${p}_0_conv`, { kernel: 1, strides: step.strides, bias: true }), `${p}_0_bn`, eps) : x;
  let y = relu(bn(conv(x, filters, `${p}_1_conv`, { kernel: 1, strides: step.strides, bias: true }), `${p}_1_bn`, eps), `${p}_1_relu`);
  y = relu(bn(conv(y, filters, `${p}_2_conv`, { dilation: step.dilation, bias: true }), `${p}_2_bn`, eps), `${p}_2_relu`);
  y = bn(conv(y, 4 * filters, `${p}_3_conv`, { kernel: 1, bias: true }), `${p}_3_bn`, eps);
  return relu(add([s, y], `${p}_add`), `${p}_out`);
}

function basic(x: SymT, filters: number, p: string, step: Step, shortcut: boolean): SymT {
  const eps = 1e-5;
  const s = shortcut ? bn(conv(x, filters, `${p}_0_conv`, { kernel: 1, strides: step.strides }), `${p}_0_bn`, eps) : x;
  // torchvision pads 3x3 convolutions symmetrically: explicit padding when strided.
  const strided = step.strides > 1;
  const xin = strided ? zeroPad(x, [[1, 1], [1, 1]], `${p}_1_pad`) : x;
  let y = relu(bn(conv(xin, filters, `${p}_1_conv`, { strides: step.strides, padding: strided ? 'valid' : 'same', dilation: step.dilation }), `${p}_1_bn`, eps), `${p}_1_relu`);
  y = bn(conv(y, filters, `${p}_2_conv`, { dilation: step.dilation }), `${p}_2_bn`, eps);
  return relu(add([s, y], `${p}_add`), `${p}_out`);
}

function stem(input: SymT, bias: boolean, eps: number): SymT {
  let x = zeroPad(input, [[3, 3], [3, 3]], 'conv1_pad');
  x = relu(bn(conv(x, 64, 'conv1_conv', { kernel: 7, strides: 2, padding: 'valid', bias }), 'conv1_bn', eps), 'conv1_relu');
  return x;
}

function pool(x: SymT): SymT {
  const p = zeroPad(x, [[1, 1], [1, 1]], 'pool1_pad');
  return tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'pool1_pool' }).apply(p) as SymT;
}

function resnet(name: string, blocks: number[], kind: 'basic' | 'bottleneck', description: string): Encoder {
  const bottle = kind === 'bottleneck';
  return {
    name, description, normalization: IMAGENET_NORM,
    defaults: { outputStride: 32 }, options: ['outputStride'], outputStrides: [8, 16, 32],
    stride: (o) => o.outputStride ?? 32,
    build(input, o) {
      const plan = stridePlan(o.outputStride ?? 32, 4);
      let x = stem(input, bottle, bottle ? 1.001e-5 : 1e-5);
      const features: Feature[] = [{ stride: 2, x, channels: 64 }];
      x = pool(x);
      let stride = 4, inCh = 64;
      blocks.forEach((n, i) => {
        const filters = 64 * 2 ** i, out = bottle ? 4 * filters : filters;
        const first = i === 0 ? { strides: 1, dilation: 1 } : plan(2);
        const rest = { strides: 1, dilation: i === 0 ? 1 : plan(1).dilation };
        stride *= first.strides;
        for (let b = 0; b < n; b++) {
          // The first block of a stage strides (or keeps the previous dilation); the rest dilate.
          const step = b === 0 ? first : rest;
          const p = `conv${i + 2}_block${b + 1}`, shortcut = b === 0 && (first.strides > 1 || inCh !== out);
          x = bottle ? bottleneck(x, filters, p, step, shortcut) : basic(x, filters, p, step, shortcut);
        }
        inCh = out;
        features.push({ stride, x, channels: out });
      });
      return features;
    },
  };
}

export const resnet18 = resnet('resnet18', [2, 2, 2, 2], 'basic', 'ResNet-18 (torchvision layout, basic blocks)');
export const resnet34 = resnet('resnet34', [3, 4, 6, 3], 'basic', 'ResNet-34 (torchvision layout, basic blocks)');
export const resnet50 = resnet('resnet50', [3, 4, 6, 3], 'bottleneck', 'ResNet-50 (Keras Applications layout, bottleneck blocks)');
