// EdgeTPU-DeepLab-slim (TF DeepLab, research/deeplab: MobileNet-EdgeTPU at depth multiplier 0.75,
// output stride 16, ASPP of depth 128 without atrous branches, no decoder) as Google published it
// for Cityscapes: a graph with every BatchNorm folded into its convolution. It is built here as that
// graph is, convolutions with biases and no BatchNorm, so that the published weights
// (io/tflite_weights.ts, from the .tflite file) compute what they computed there and fine-tune as
// they are. The builder makes the convolutions in the graph's operator order, which is how the
// weights find their layers. TF "SAME" padding (any input size);
// ReLU after every expansion; class scores resized to the input with align-corners bilinear.
import { concat, conv, depthwise, globalAvgPool, relu, resizeLike, add, classifier, type SymT } from '../blocks.js';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ArchBuilder } from '../types.js';

/**
 * The feature extractor, block by block: `fused` = 3x3 conv expansion + 1x1 projection;
 * `ibn` = 1x1 expansion, depthwise k x k, 1x1 projection; `project` = 1x1 projection alone. At
 * output stride 16 the last stride-2 block runs at stride 1 and the blocks after it dilate 2.
 */
interface Block { kind: 'project' | 'fused' | 'ibn'; expand: number; out: number; kernel: number; stride: number; dilation: number; residual: boolean }
const b = (kind: Block['kind'], expand: number, out: number, kernel = 3, stride = 1, dilation = 1, residual = false): Block => ({ kind, expand, out, kernel, stride, dilation, residual });
const repeat = (n: number, x: Block) => Array.from({ length: n }, () => x);
const BLOCKS: Block[] = [
  b('project', 0, 16),
  b('fused', 128, 24, 3, 2), ...repeat(3, b('fused', 96, 24, 3, 1, 1, true)),
  b('fused', 192, 40, 3, 2), ...repeat(3, b('fused', 160, 40, 3, 1, 1, true)),
  b('ibn', 320, 72, 3, 2), ...repeat(3, b('ibn', 288, 72, 3, 1, 1, true)),
  b('ibn', 576, 72), ...repeat(3, b('ibn', 288, 72, 3, 1, 1, true)),
  b('ibn', 576, 120, 5), ...repeat(3, b('ibn', 480, 120, 5, 1, 2, true)),
  b('ibn', 960, 144, 3, 1, 2),
];
const STEM = 24, HEAD = 1280, ASPP = 128;

function block(x: SymT, k: Block, i: number): SymT {
  const p = `block_${i}_`;
  let y = x;
  if (k.kind === 'fused') y = conv(y, k.expand, `${p}expand`, { kernel: 3, strides: k.stride, bias: true, activation: 'relu' });
  if (k.kind === 'ibn') {
    y = conv(y, k.expand, `${p}expand`, { kernel: 1, bias: true, activation: 'relu' });
    y = relu(depthwise(y, `${p}depthwise`, { kernel: k.kernel, strides: k.stride, dilation: k.dilation, bias: true }), `${p}depthwise_relu`);
  }
  y = conv(y, k.out, `${p}project`, { kernel: 1, bias: true });
  return k.residual ? add([x, y], `${p}add`) : y;
}

export const edgetpuDeeplabSlim: ArchBuilder = {
  name: 'edgetpu_deeplab_slim',
  description: 'EdgeTPU-DeepLab-slim (MobileNet-EdgeTPU x0.75, ASPP depth 128, output stride 16; BatchNorm folded, as Google published it for Cityscapes)',
  defaults: {},
  options: [],
  stride: () => 1,
  build(o) {
    const input = tfl.input({ shape: [null, null, o.inChannels ?? 3], name: 'image' });
    let x = conv(input, STEM, 'stem', { kernel: 3, strides: 2, bias: true, activation: 'relu' });
    BLOCKS.forEach((k, i) => { x = block(x, k, i); });
    const f = conv(x, HEAD, 'head', { kernel: 1, bias: true, activation: 'relu' });
    // The graph's order: aspp0 before image pooling; concatenated pooling first.
    const aspp0 = conv(f, ASPP, 'aspp0', { kernel: 1, bias: true, activation: 'relu' });
    const pool = resizeLike(conv(globalAvgPool(f, 'image_pooling_avg'), ASPP, 'image_pooling', { kernel: 1, bias: true, activation: 'relu' }), f, 'image_pooling_up');
    const proj = conv(concat([pool, aspp0], 'aspp_concat'), ASPP, 'concat_projection', { kernel: 1, bias: true, activation: 'relu' });
    const logits = resizeLike(classifier(proj, o.numClasses, 'logits_semantic'), input, 'logits');
    return tfl.model({ inputs: input, outputs: logits, name: 'edgetpu_deeplab_slim' });
  },
};
