// ResNet encoders under Keras Applications' layer names (conv1_conv, conv2_block1_1_conv, ...).
// `resnet50`, Keras layout (default): Keras Applications' ResNet50 without top, layer for layer
// (v1: a stage strides in its first 1x1 conv, convolutions with biases, BatchNorm eps 1.001e-5;
// 23,587,712 parameters). `resnet50`, torchvision layout (chosen by --encoder-weights FILE.pth):
// torchvision's resnet50 (v1.5: the 3x3 conv strides, no conv biases, eps 1e-5).
// `resnet18` / `resnet34`: torchvision's basic-block ResNets. Strided convolutions pad explicitly
// (as both references do). Output stride 16 or 8 replaces the stride of the last stages by
// dilation (torchvision's replace_stride_with_dilation).
import * as tfl from '@tensorflow/tfjs-layers';
import { add, bn, conv, relu, stridePlan, zeroPad } from '../blocks.js';
import type { Encoder, Feature, SymT } from '../types.js';
import { IMAGENET_NORM, KERAS_CAFFE_NORM } from '../../data/normalize.js';

interface Step { strides: number; dilation: number }
interface Flavour { bias: boolean; eps: number; strideIn3x3: boolean }
const KERAS: Flavour = { bias: true, eps: 1.001e-5, strideIn3x3: false };
const TORCHVISION: Flavour = { bias: false, eps: 1e-5, strideIn3x3: true };

/** A 3x3 convolution as PyTorch pads it: symmetric, explicit when strided. */
function conv3x3(x: SymT, filters: number, name: string, step: Step, bias: boolean): SymT {
  if (step.strides === 1) return conv(x, filters, name, { dilation: step.dilation, bias });
  return conv(zeroPad(x, [[1, 1], [1, 1]], `${name}_pad`), filters, name, { strides: step.strides, padding: 'valid', bias });
}

function bottleneck(x: SymT, filters: number, p: string, step: Step, shortcut: boolean, f: Flavour): SymT {
  const s1 = f.strideIn3x3 ? 1 : step.strides;
  const s = shortcut ? bn(conv(x, 4 * filters, `${p}_0_conv`, { kernel: 1, strides: step.strides, bias: f.bias }), `${p}_0_bn`, f.eps) : x;
  let y = relu(bn(conv(x, filters, `${p}_1_conv`, { kernel: 1, strides: s1, bias: f.bias }), `${p}_1_bn`, f.eps), `${p}_1_relu`);
  y = relu(bn(conv3x3(y, filters, `${p}_2_conv`, { strides: step.strides / s1, dilation: step.dilation }, f.bias), `${p}_2_bn`, f.eps), `${p}_2_relu`);
  y = bn(conv(y, 4 * filters, `${p}_3_conv`, { kernel: 1, bias: f.bias }), `${p}_3_bn`, f.eps);
  return relu(add([s, y], `${p}_add`), `${p}_out`);
}

function basic(x: SymT, filters: number, p: string, step: Step, shortcut: boolean, f: Flavour): SymT {
  const s = shortcut ? bn(conv(x, filters, `${p}_0_conv`, { kernel: 1, strides: step.strides }), `${p}_0_bn`, f.eps) : x;
  let y = relu(bn(conv3x3(x, filters, `${p}_1_conv`, step, false), `${p}_1_bn`, f.eps), `${p}_1_relu`);
  y = bn(conv3x3(y, filters, `${p}_2_conv`, { strides: 1, dilation: step.dilation }, false), `${p}_2_bn`, f.eps);
  return relu(add([s, y], `${p}_add`), `${p}_out`);
}

function stem(input: SymT, f: Flavour): SymT {
  const x = zeroPad(input, [[3, 3], [3, 3]], 'conv1_pad');
  return relu(bn(conv(x, 64, 'conv1_conv', { kernel: 7, strides: 2, padding: 'valid', bias: f.bias }), 'conv1_bn', f.eps), 'conv1_relu');
}

function maxPool3x3(x: SymT): SymT {
  return tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'pool1_pool' }).apply(zeroPad(x, [[1, 1], [1, 1]], 'pool1_pad')) as SymT;
}

/** torchvision module path -> Keras-style layer name (conv1, bn1, layerI.B.convN/bnN/downsample.K). */
function torchvisionLayer(m: string): string | null {
  if (m === 'conv1') return 'conv1_conv';
  if (m === 'bn1') return 'conv1_bn';
  const b = /^layer(\d)\.(\d+)\.(conv|bn)(\d)$/.exec(m);
  if (b) return `conv${+b[1] + 1}_block${+b[2] + 1}_${b[4]}_${b[3]}`;
  const d = /^layer(\d)\.(\d+)\.downsample\.([01])$/.exec(m);
  if (d) return `conv${+d[1] + 1}_block${+d[2] + 1}_0_${d[3] === '0' ? 'conv' : 'bn'}`;
  return null;
}

function resnet(name: string, blocks: number[], kind: 'basic' | 'bottleneck', description: string): Encoder {
  const bottle = kind === 'bottleneck';
  return {
    name, description,
    normalization: (layout) => (bottle && layout === 'keras' ? KERAS_CAFFE_NORM : IMAGENET_NORM),
    defaults: { outputStride: 32 }, options: ['outputStride'], outputStrides: [8, 16, 32],
    layouts: bottle ? ['keras', 'torchvision'] : ['torchvision'],
    torchvisionLayer,
    stride: (o) => o.outputStride ?? 32,
    build(input, o) {
      const f = bottle && o.layout !== 'torchvision' ? KERAS : TORCHVISION;
      const plan = stridePlan(o.outputStride ?? 32, 4);
      let x = stem(input, f);
      const features: Feature[] = [{ stride: 2, x, channels: 64 }];
      x = maxPool3x3(x);
      let stride = 4, inCh = 64;
      blocks.forEach((n, i) => {
        const filters = 64 * 2 ** i, out = bottle ? 4 * filters : filters;
        // The first block of a stage strides (or keeps the previous dilation); the rest dilate.
        const first = i === 0 ? { strides: 1, dilation: 1 } : plan(2);
        const rest = { strides: 1, dilation: i === 0 ? 1 : plan(1).dilation };
        stride *= first.strides;
        for (let b = 0; b < n; b++) {
          const p = `conv${i + 2}_block${b + 1}`, shortcut = b === 0 && (first.strides > 1 || inCh !== out);
          x = (bottle ? bottleneck : basic)(x, filters, p, b === 0 ? first : rest, shortcut, f);
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
export const resnet50 = resnet('resnet50', [3, 4, 6, 3], 'bottleneck', 'ResNet-50 (Keras Applications layout; torchvision layout with .pth weights)');
