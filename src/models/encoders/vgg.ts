// VGG-16 encoders. `vgg16`: Keras Applications' VGG16 without top, layer for layer (conv + bias +
// ReLU, names block1_conv1 ... block5_pool; 14,714,688 parameters). `vgg16bn`: the same layout
// with BatchNorm and no biases (torchvision's vgg16_bn) and a `width` option (64 = VGG-16; the
// bare fcn8 uses 16, sized for CPUs; its layer names are those of pixelwise's earlier fcn8).
// Features: the last conv of block 1 (stride 1) and every pool (2..32). Output stride 16 or 8
// drops the last pools and dilates the convolutions after them.
import { conv, convBnRelu, maxPool, stridePlan } from '../blocks.js';
import type { Encoder, Feature, SymT } from '../types.js';
import { IMAGENET_NORM, KERAS_CAFFE_NORM } from '../../data/normalize.js';

const BLOCKS: [number, number][] = [[1, 2], [2, 2], [4, 3], [8, 3], [8, 3]]; // width multiple, convs

function vggFeatures(input: SymT, width: number, outputStride: number,
  convLayer: (x: SymT, filters: number, block: number, i: number, dilation: number) => SymT, poolName: (b: number) => string): Feature[] {
  const plan = stridePlan(outputStride);
  const features: Feature[] = [];
  let x = input, stride = 1, dilation = 1;
  BLOCKS.forEach(([mult, n], b) => {
    for (let i = 0; i < n; i++) x = convLayer(x, width * mult, b + 1, i + 1, dilation);
    if (b === 0) features.push({ stride: 1, x, channels: width });
    const step = plan(2);
    if (step.strides === 2) { x = maxPool(x, poolName(b + 1)); stride *= 2; }
    dilation = step.strides === 2 ? dilation : step.dilation * 2;
    features.push({ stride, x, channels: width * mult });
  });
  return features;
}

/** torchvision's vgg16 `features.N` index of each conv, in order (ReLUs and pools between). */
const TV_CONVS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
const CONV_NAMES = BLOCKS.flatMap(([, n], b) => Array.from({ length: n }, (_, i) => `block${b + 1}_conv${i + 1}`));

export const vgg16: Encoder = {
  name: 'vgg16',
  description: 'VGG-16 (Keras Applications layout: conv+bias+ReLU, no BatchNorm; = torchvision vgg16)',
  normalization: (layout) => (layout === 'keras' ? KERAS_CAFFE_NORM : IMAGENET_NORM),
  defaults: { outputStride: 32 },
  options: ['outputStride'],
  outputStrides: [8, 16, 32],
  layouts: ['keras', 'torchvision'], // the same network in both
  torchvisionLayer: (m) => { const k = /^features\.(\d+)$/.exec(m); return k ? CONV_NAMES[TV_CONVS.indexOf(Number(k[1]))] ?? null : null; },
  stride: (o) => o.outputStride ?? 32,
  build: (input, o) => vggFeatures(input, 64, o.outputStride ?? 32,
    (x, f, b, i, d) => conv(x, f, `block${b}_conv${i}`, { bias: true, activation: 'relu', dilation: d }), (b) => `block${b}_pool`),
};

export const vgg16bn: Encoder = {
  name: 'vgg16bn',
  description: 'VGG-16 with BatchNorm (torchvision vgg16_bn layout; --width, 64 = VGG-16)',
  normalization: () => IMAGENET_NORM,
  defaults: { width: 64, outputStride: 32 },
  options: ['width', 'outputStride'],
  outputStrides: [8, 16, 32],
  layouts: ['keras'],
  stride: (o) => o.outputStride ?? 32,
  build: (input, o) => vggFeatures(input, o.width ?? 64, o.outputStride ?? 32,
    (x, f, b, i, d) => convBnRelu(x, f, `block${b}_conv${i}`, 3, 1, d), (b) => `pool${b}`),
};
