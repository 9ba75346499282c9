// MobileNetV2 (alpha 1) as Keras Applications builds it without top, layer for layer: Conv1 +
// bn_Conv1 + ReLU6, 17 inverted-residual blocks (expanded_conv, block_1 ... block_16), Conv_1
// (1280) + out_relu; 2,257,984 parameters. Keras layout: strided convs pad (0,1) (Keras's
// correct_pad on even sizes), BatchNorm eps 1e-3; torchvision layout (with --encoder-weights
// FILE.pth): pad (1,1), eps 1e-5, same layers under the Keras names; TF DeepLab layout (its
// imported weights): TF "SAME" strided convs (so any input size, 513 -> 257 -> ... as DeepLab
// runs), and the feature extractor ends at block 16 (320 channels; no Conv_1). Output stride 16
// or 8 keeps the resolution of the last strided blocks and dilates what follows (DeepLab's rule).
import { add, bn, conv, depthwise, relu, stridePlan, zeroPad } from '../blocks.js';
import type { Encoder, EncoderLayout, Feature, SymT } from '../types.js';
import { IMAGENET_NORM, KERAS_TF_NORM } from '../../data/normalize.js';

/** [filters, stride, expansion] of blocks 0..16. */
const BLOCKS: [number, number, number][] = [
  [16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6], [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6],
];
/**
 * BatchNorm eps; explicit padding before strided convs, or TF 'same'; whether Conv_1 (1280) ends
 * it; whether block 2's depthwise output is offered as TF DeepLab's v3+ skip.
 */
interface Flavour { eps: number; pad: [[number, number], [number, number]] | 'same'; head: boolean; deeplabSkip: boolean }
const KERAS: Flavour = { eps: 1e-3, pad: [[0, 1], [0, 1]], head: true, deeplabSkip: false };
const TORCHVISION: Flavour = { eps: 1e-5, pad: [[1, 1], [1, 1]], head: true, deeplabSkip: false };
const TF_DEEPLAB: Flavour = { eps: 1e-3, pad: 'same', head: false, deeplabSkip: true };
const FLAVOURS: Record<EncoderLayout, Flavour> = { keras: KERAS, torchvision: TORCHVISION, tf: TF_DEEPLAB };

/** torchvision mobilenet_v2 `features.*` module path -> Keras layer name. */
function torchvisionLayer(m: string): string | null {
  const k = /^features\.(\d+)\.(.+)$/.exec(m);
  if (!k) return null;
  const i = Number(k[1]), rest = k[2];
  if (i === 0) return ({ '0': 'Conv1', '1': 'bn_Conv1' } as Record<string, string>)[rest] ?? null;
  if (i === 18) return ({ '0': 'Conv_1', '1': 'Conv_1_bn' } as Record<string, string>)[rest] ?? null;
  const p = i === 1 ? 'expanded_conv_' : `block_${i - 1}_`;
  const parts: Record<string, string> = i === 1
    ? { 'conv.0.0': 'depthwise', 'conv.0.1': 'depthwise_BN', 'conv.1': 'project', 'conv.2': 'project_BN' }
    : { 'conv.0.0': 'expand', 'conv.0.1': 'expand_BN', 'conv.1.0': 'depthwise', 'conv.1.1': 'depthwise_BN', 'conv.2': 'project', 'conv.3': 'project_BN' };
  const n = parts[rest];
  return n ? p + n : null;
}

/** The block's output and its depthwise output (after the ReLU6). */
function invertedResidual(x: SymT, inCh: number, [filters, , expansion]: [number, number, number], id: number, step: { strides: number; dilation: number }, f: Flavour): [SymT, SymT] {
  const p = id ? `block_${id}_` : 'expanded_conv_';
  let y = x;
  if (id) y = relu(bn(conv(y, inCh * expansion, `${p}expand`, { kernel: 1 }), `${p}expand_BN`, f.eps), `${p}expand_relu`, 6);
  const strided = step.strides > 1, explicitPad = strided && f.pad !== 'same';
  if (explicitPad) y = zeroPad(y, f.pad as [[number, number], [number, number]], `${p}pad`);
  y = depthwise(y, `${p}depthwise`, { strides: step.strides, dilation: step.dilation, padding: explicitPad ? 'valid' : 'same' });
  const dw = relu(bn(y, `${p}depthwise_BN`, f.eps), `${p}depthwise_relu`, 6);
  y = bn(conv(dw, filters, `${p}project`, { kernel: 1 }), `${p}project_BN`, f.eps);
  return [inCh === filters && !strided ? add([x, y], `${p}add`) : y, dw];
}

export const mobilenetv2: Encoder = {
  name: 'mobilenetv2',
  description: 'MobileNetV2 alpha 1 (Keras Applications layout)',
  normalization: (layout) => (layout === 'torchvision' ? IMAGENET_NORM : KERAS_TF_NORM),
  defaults: { outputStride: 32 },
  options: ['outputStride'],
  outputStrides: [8, 16, 32],
  layouts: ['keras', 'torchvision', 'tf'],
  // TF DeepLab's VOC model (ImageNet, then COCO, then VOC), imported from its published weights.
  start: 'deeplabv3-voc',
  torchvisionLayer,
  stride: (o) => o.outputStride ?? 32,
  build(input, o) {
    const f = FLAVOURS[o.layout ?? 'keras'];
    const plan = stridePlan(o.outputStride ?? 32, 2);
    let x = f.pad === 'same' ? input : zeroPad(input, f.pad, 'Conv1_pad');
    x = relu(bn(conv(x, 32, 'Conv1', { strides: 2, padding: f.pad === 'same' ? 'same' : 'valid' }), 'bn_Conv1', f.eps), 'Conv1_relu', 6);
    const features: Feature[] = [];
    let inCh = 32, stride = 2;
    BLOCKS.forEach((b, id) => {
      const step = plan(b[1]);
      // A stage's output is the feature before the next strided block (and the last block).
      if (b[1] > 1) features.push({ stride, x, channels: inCh });
      stride *= step.strides;
      const [out, dw] = invertedResidual(x, inCh, b, id, step, f);
      // TF DeepLab's v3+ decoder skip: block 2's depthwise output (stride 4, 144 channels).
      if (id === 2 && f.deeplabSkip) features.push({ stride, x: dw, channels: inCh * b[2], role: 'deeplab-skip' });
      x = out;
      inCh = b[0];
    });
    if (!f.head) { features.push({ stride, x, channels: inCh }); return features; }
    x = relu(bn(conv(x, 1280, 'Conv_1', { kernel: 1 }), 'Conv_1_bn', f.eps), 'out_relu', 6);
    features.push({ stride, x, channels: 1280 });
    return features;
  },
};
