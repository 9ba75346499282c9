// ESPNetv2 segmentation (Mehta et al. 2019) as sacmehta/EdgeNets builds it
// (model/segmentation/espnetv2.py): EESP encoder with input reinforcement, bottom-up decoder of
// efficient pyramid pooling blocks with gated skips. Layer names are the PyTorch module paths, so
// the EdgeNets checkpoints import with the generic converter. Every BatchNorm has eps 1e-5, every
// activation is a per-channel PReLU, every resize is bilinear with align_corners=True.
import * as tfl from '@tensorflow/tfjs-layers';
import { heInit, type SymT } from '../blocks.js';
import { applyLayer as apply, ChannelShuffle, GlobalAvgPool, GroupConv2D, PaddedAvgPool, Resample } from '../layers.js';
import type { ArchBuilder, ArchOptions, Feature } from '../types.js';
import { argumentError } from '../../util/errors.js';

const L = tfl.layers;

/** Encoder channel widths c0..c3 per width multiplier s (espnetv2_config.sc_ch_dict). */
import { ESPNETV2_WIDTHS } from './espnetv2_widths.js';
import { gcd } from '../../util/math.js';

const conv = (x: SymT, filters: number, k: number, name: string, o: { stride?: number; dilation?: number; groups?: number; bias?: boolean } = {}) =>
  apply(new GroupConv2D({ name, filters, kernelSize: k, strides: o.stride, dilation: o.dilation, groups: o.groups, useBias: o.bias, kernelInitializer: heInit(name) }), x);
const bn = (x: SymT, name: string) => apply(L.batchNormalization({ epsilon: 1e-5, momentum: 0.9, name }), x);
const prelu = (x: SymT, name: string) => apply(L.prelu({ sharedAxes: [1, 2], alphaInitializer: tfl.initializers.constant({ value: 0.25 }), name }), x);
const add = (xs: SymT[], name: string) => apply(L.add({ name }), xs);
const concat = (xs: SymT[], name: string) => apply(L.concatenate({ name }), xs);
/** EdgeNets' avg_pool2d(3, stride 2, padding 1), zeros counted. */
const avgDown = (x: SymT, name: string) => apply(new PaddedAvgPool({ poolSize: 3, strides: 2, padding: 1, name }), x);

// Two key styles: espnet_utils (`.conv/.bn/.act`) in the encoder, cnn_utils (`.cbr.0/1/2`, `.br.0/1`) in the decoder.
const CBR = (x: SymT, n: number, k: number, p: string, o: { stride?: number; dilation?: number; groups?: number } = {}) =>
  prelu(bn(conv(x, n, k, `${p}.conv`, o), `${p}.bn`), `${p}.act`);
const CB = (x: SymT, n: number, k: number, p: string, groups = 1) => bn(conv(x, n, k, `${p}.conv`, { groups }), `${p}.bn`);
const seqCBR = (x: SymT, n: number, k: number, p: string, groups = 1) => prelu(bn(conv(x, n, k, `${p}.0`, { groups }), `${p}.1`), `${p}.2`);
const seqBR = (x: SymT, p: string) => prelu(bn(x, `${p}.0`), `${p}.1`);

/** EESP: grouped 1x1 reduce, four depthwise dilated branches fused hierarchically, grouped 1x1 expand. */
function eesp(x: SymT, nIn: number, nOut: number, stride: number, rLim: number, p: string): SymT {
  const n = nOut / 4;
  const sizes = [3, 5, 7, 9].map((k) => (k <= rLim ? k : 3)).sort((a, b) => a - b);
  const dil: Record<number, number> = { 3: 1, 5: 2, 7: 3, 9: 4 };
  const proj = CBR(x, n, 1, `${p}.proj_1x1`, { groups: 4 });
  const branches: SymT[] = [];
  sizes.forEach((k, i) => {
    const b = conv(proj, n, 3, `${p}.spp_dw.${i}.conv`, { stride, dilation: dil[k], groups: n });
    branches.push(i === 0 ? b : add([b, branches[i - 1]], `${p}.spp_sum${i}`));
  });
  const cat = prelu(bn(concat(branches, `${p}.cat`), `${p}.br_after_cat.bn`), `${p}.br_after_cat.act`);
  const exp = CB(cat, nOut, 1, `${p}.conv_1x1_exp`, 4);
  if (stride === 2) return exp; // a strided EESP returns before its activation (module_act unused)
  if (nIn !== nOut) throw new Error(`${p}: residual EESP needs nIn == nOut`);
  return prelu(add([exp, x], `${p}.res`), `${p}.module_act`);
}

/** DownSampler: [avg-pool, strided EESP] + input reinforcement from the pooled image. */
function downSampler(x: SymT, image: SymT, nin: number, nout: number, rLim: number, p: string): SymT {
  const avg = avgDown(x, `${p}.avg`);
  const e = eesp(x, nin, nout - nin, 2, rLim, `${p}.eesp`);
  const out = concat([avg, e], `${p}.cat`);
  const reinf = CB(CBR(image, 3, 3, `${p}.inp_reinf.0`), nout, 1, `${p}.inp_reinf.1`);
  return prelu(add([out, reinf], `${p}.reinf_add`), `${p}.act`);
}

/** EfficientPyrPool: project, five scales (resize, depthwise 3x3, resize back), merge. */
function pyrPool(x: SymT, out: number, p: string, last: boolean, P: number): SymT {
  const proj = seqCBR(x, P, 1, `${p}.projection_layer.cbr`);
  const scales: [number, number][] = [[2, 1], [3, 2], [1, 1], [1, 2], [1, 10]];
  const stage = (y: SymT, i: number) => conv(y, P, 3, `${p}.stages.${i}`, { groups: P });
  const levels = scales.map(([num, den], i) => {
    const q = `${p}.s${i}`;
    if (num === den) return stage(proj, i);
    const [first, back]: ['bilinear' | 'area', 'bilinear' | 'area'] = num > den ? ['bilinear', 'area'] : ['area', 'bilinear'];
    const y = apply(new Resample({ name: `${q}.resize`, mode: first, scale: [num, den], min: 5 }), proj);
    // Back to the projection's size from num/den of it: exactly that ratio wherever min does not bind.
    return apply(new Resample({ name: `${q}.back`, mode: back, ratio: [num, den] }), [stage(y, i), proj]);
  });
  let y = seqBR(concat(levels, `${p}.cat`), `${p}.merge_layer.0.br`);
  y = apply(new ChannelShuffle(5, `${p}.merge_layer.1`), y);
  y = seqCBR(y, P, 3, `${p}.merge_layer.2.cbr`, P);
  y = conv(y, out, 1, `${p}.merge_layer.3`, { bias: last });
  return last ? y : seqBR(y, `${p}.br.br`);
}

/** EfficientPWConv: grouped 3x3 CBR gated per channel by a sigmoid of the global average. */
function pwConv(x: SymT, nin: number, nout: number, p: string): SymT {
    const gate = apply(L.activation({ activation: 'sigmoid', name: `${p}.wt_layer.2` }),
    conv(apply(new GlobalAvgPool({ name: `${p}.wt_layer.0` }), x), nout, 1, `${p}.wt_layer.1`));
  const main = seqCBR(x, nout, 3, `${p}.expansion_layer.cbr`, gcd(nin, nout));
  return apply(L.multiply({ name: `${p}.gate` }), [main, gate]);
}

export function espnetv2Widths(o: ArchOptions): [number, number, number, number] {
  const s = String(o.widthMult ?? 2);
  const ch = ESPNETV2_WIDTHS[s];
  if (!ch) throw argumentError('widthMult', s, `espnetv2 supports ${Object.keys(ESPNETV2_WIDTHS).join(', ')}`);
  return ch;
}

/** The EESP encoder with input reinforcement: features at strides 2, 4, 8, 16 (level1..level4),
 * under EdgeNets' `base_net.*` names, so any decoder can start from an EdgeNets checkpoint's encoder. */
export function espnetv2Features(input: SymT, o: ArchOptions): Feature[] {
  const [c0, c1, c2, c3] = espnetv2Widths(o);
  const img2 = avgDown(input, 'base_net.img_pool1');
  const img4 = avgDown(img2, 'base_net.img_pool2');
  const img8 = avgDown(img4, 'base_net.img_pool3');
  const img16 = avgDown(img8, 'base_net.img_pool4');
  const e1 = CBR(input, c0, 3, 'base_net.level1', { stride: 2 });
  const e2 = downSampler(e1, img4, c0, c1, 13, 'base_net.level2_0');
  let e3 = downSampler(e2, img8, c1, c2, 11, 'base_net.level3_0');
  for (let i = 0; i < 3; i++) e3 = eesp(e3, c2, c2, 1, 9, `base_net.level3.${i}`);
  let e4 = downSampler(e3, img16, c2, c3, 9, 'base_net.level4_0');
  for (let i = 0; i < 7; i++) e4 = eesp(e4, c3, c3, 1, 7, `base_net.level4.${i}`);
  return [{ stride: 2, x: e1, channels: c0 }, { stride: 4, x: e2, channels: c1 }, { stride: 8, x: e3, channels: c2 }, { stride: 16, x: e4, channels: c3 }];
}

const up2 = (x: SymT, name: string) => apply(new Resample({ name, mode: 'bilinear', scale: [2, 1] }), x);

/** EdgeNets' projection width of the pyramid pools for a class count: min(classes/2, 16). */
export const defaultProjWidth = (numClasses: number): number => Math.max(1, Math.min(Math.floor(numClasses / 2), 16));

export const espnetv2: ArchBuilder = {
  name: 'espnetv2',
  description: 'ESPNetv2 (EdgeNets): EESP encoder, pyramid-pooling decoder; --width-mult s = 0.5, 1, 1.5, 2',
  defaults: { widthMult: 2 },
  options: ['widthMult', 'projWidth'],
  stride: () => 16,
  classDefaults: (numClasses) => ({ projWidth: defaultProjWidth(numClasses) }),
  // Strided EESP blocks carry an activation the PyTorch code never applies.
  unusedTorchKeys: /^base_net\.level\d_0\.eesp\.module_act\.weight$/,
  build(o) {
    const C = o.numClasses;
    const input = tfl.input({ shape: [null, null, o.inChannels ?? 3], name: 'image' });
    const [e1, e2, e3, e4] = espnetv2Features(input, o).map((f) => f.x);
    const [c0, c1, c2] = espnetv2Widths(o);
    // Projection width of every pyramid pool: EdgeNets' min(classes/2, 16), or the given one (to
    // fine-tune a model trained on another class count without re-initialising its decoder).
    const P = o.projWidth ?? defaultProjWidth(C);
    let d = pyrPool(e4, 64, 'bu_dec_l1', false, P);
    d = pyrPool(seqBR(add([up2(d, 'up_l2'), pwConv(e3, c2, 64, 'merge_enc_dec_l2')], 'skip_l2'), 'bu_br_l2'), 48, 'bu_dec_l2', false, P);
    d = pyrPool(seqBR(add([up2(d, 'up_l3'), pwConv(e2, c1, 48, 'merge_enc_dec_l3')], 'skip_l3'), 'bu_br_l3'), 32, 'bu_dec_l3', false, P);
    d = pyrPool(seqBR(add([up2(d, 'up_l4'), pwConv(e1, c0, 32, 'merge_enc_dec_l4')], 'skip_l4'), 'bu_br_l4'), C, 'bu_dec_l4', true, P);
    const logits = up2(d, 'logits');
    return tfl.model({ inputs: input, outputs: logits, name: 'espnetv2' });
  },
};
