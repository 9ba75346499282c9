// ESPNet (Mehta et al. 2018), p=2, q=8, the CamVid variant of the reference repository
// (train/Model.py: the 19-channel o0c skip feeds the last CBR). Layer names are the PyTorch module
// paths, so checkpoints from that repository import with the generic converter (io/torch_convert).
// Strided convolutions and average pools pad explicitly and symmetrically as PyTorch does (TF's
// 'same' pads asymmetrically for stride 2), and the pools count the padded zeros (always /9).
import * as tfl from '@tensorflow/tfjs-layers';
import { conv as convLayer, heInit, type SymT } from '../blocks.js';
import { PaddedAvgPool } from '../layers.js';
import type { ArchBuilder, Feature } from '../types.js';
import { argumentError } from '../../util/errors.js';

const L = tfl.layers;
const apply = (layer: tfl.layers.Layer, x: SymT | SymT[]) => layer.apply(x) as SymT;

function conv(x: SymT, filters: number, k: number, name: string, stride = 1, dilation = 1): SymT {
  if (stride > 1) x = apply(L.zeroPadding2d({ padding: (k - 1) / 2, name: `${name}_pad` }), x);
  return convLayer(x, filters, name, { kernel: k, strides: stride, dilation, padding: stride > 1 ? 'valid' : 'same' });
}
const bn = (x: SymT, name: string) => apply(L.batchNormalization({ epsilon: 1e-3, momentum: 0.9, name }), x);
const prelu = (x: SymT, name: string) => apply(L.prelu({ sharedAxes: [1, 2], alphaInitializer: tfl.initializers.constant({ value: 0.25 }), name }), x);
const br = (x: SymT, p: string) => prelu(bn(x, `${p}.bn`), `${p}.act`);
const cbr = (x: SymT, n: number, k: number, p: string, stride = 1) => br(conv(x, n, k, `${p}.conv`, stride), p);
const concat = (xs: SymT[], name: string) => apply(L.concatenate({ name }), xs);
const add = (xs: SymT[], name: string) => apply(L.add({ name }), xs);
const up2 = (x: SymT, n: number, name: string) => apply(L.conv2dTranspose({
  filters: n, kernelSize: 2, strides: 2, padding: 'valid', useBias: false, kernelInitializer: heInit(name), name,
}), x);
const avgDown = (x: SymT, name: string) => apply(new PaddedAvgPool({ poolSize: 3, strides: 2, padding: 1, name }), x);

/** ESP block: reduce, split into dilated branches, hierarchical sums, concat. */
function esp(x: SymT, nOut: number, p: string, kind: 'residual' | 'plain' | 'down'): SymT {
  const n = Math.floor(nOut / 5), n1 = nOut - 4 * n;
  const r = kind === 'down' ? conv(x, n, 3, `${p}.c1.conv`, 2) : conv(x, n, 1, `${p}.c1.conv`);
  const d1 = conv(r, n1, 3, `${p}.d1.conv`);
  const d2 = conv(r, n, 3, `${p}.d2.conv`, 1, 2);
  const d4 = conv(r, n, 3, `${p}.d4.conv`, 1, 4);
  const d8 = conv(r, n, 3, `${p}.d8.conv`, 1, 8);
  const d16 = conv(r, n, 3, `${p}.d16.conv`, 1, 16);
  const a2 = add([d2, d4], `${p}.add2`);
  const a3 = add([a2, d8], `${p}.add3`);
  const a4 = add([a3, d16], `${p}.add4`);
  let y = concat([d1, d2, a2, a3, a4], `${p}.cat`);
  if (kind === 'residual') y = add([x, y], `${p}.res`);
  return kind === 'down' ? br(y, p) : br(y, `${p}.bn`);
}

/** ESPNet-C, the encoder (p=2, q=8) with its input reinforcement: features at strides 2, 4, 8
 * (19, 131 and 256 channels) under the reference repository's `encoder.*` names. */
export function espnetFeatures(input: SymT): Feature[] {
  const p = 2, q = 8;
  const o0 = cbr(input, 16, 3, 'encoder.level1', 2);
  const i1 = avgDown(input, 'encoder.sample1');
  const i2 = avgDown(i1, 'encoder.sample2');
  const o0c = br(concat([o0, i1], 'encoder.cat1'), 'encoder.b1');
  const o10 = esp(o0c, 64, 'encoder.level2_0', 'down');
  let o1 = o10;
  for (let i = 0; i < p; i++) o1 = esp(o1, 64, `encoder.level2.${i}`, 'residual');
  const o1c = br(concat([o1, o10, i2], 'encoder.cat2'), 'encoder.b2');
  const o20 = esp(o1c, 128, 'encoder.level3_0', 'down');
  let o2 = o20;
  for (let i = 0; i < q; i++) o2 = esp(o2, 128, `encoder.level3.${i}`, 'residual');
  const o2c = br(concat([o20, o2], 'encoder.cat3'), 'encoder.b3');
  return [{ stride: 2, x: o0c, channels: 19 }, { stride: 4, x: o1c, channels: 131 }, { stride: 8, x: o2c, channels: 256 }];
}

export const espnet: ArchBuilder = {
  name: 'espnet',
  description: 'ESPNet (p=2, q=8): efficient spatial pyramid of dilated convolutions',
  defaults: {},
  options: [],
  stride: () => 8,
  build(o) {
    const C = o.numClasses;
    // The last ESP block splits C channels into 5 branches.
    if (C < 5) throw argumentError('numClasses', C, 'espnet needs at least 5 classes; use unet or fcn8');
    const input = tfl.input({ shape: [null, null, o.inChannels ?? 3], name: 'image' });
    const [o0c, o1c, o2c] = espnetFeatures(input).map((f) => f.x);
    const l3 = up2(bn(conv(o2c, C, 1, 'encoder.classifier.conv'), 'br'), C, 'up_l3.0');
    const l2 = conv(o1c, C, 1, 'level3_C.conv');
    const comb = esp(br(concat([l2, l3], 'combine_cat'), 'combine_l2_l3.0'), C, 'combine_l2_l3.1', 'plain');
    const up = br(up2(comb, C, 'up_l2.0'), 'up_l2.1');
    const fused = cbr(concat([up, o0c], 'final_cat'), C, 3, 'conv');
    const logits = up2(fused, C, 'classifier');
    return tfl.model({ inputs: input, outputs: logits, name: 'espnet' });
  },
};
