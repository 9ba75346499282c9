// TF DeepLab weights published as one .npy file per tensor (e.g. deeplabv3_mnv2_pascal_trainval:
// `MobilenetV2_expanded_conv_3_expand_Conv2D.npy`), BatchNorm already folded into a bias. They go
// into the zoo's `mobilenetv2_deeplabv3` built in the TF layout, whose layers carry Keras (encoder)
// and TF DeepLab (head) names: each folded bias becomes its BatchNorm's beta, with gamma 1, mean 0
// and variance 1 - eps, so that BatchNorm is the identity plus the bias and the model stays
// trainable as it is.
import fs from 'node:fs';
import path from 'node:path';
import { readNpy, type NpyArray } from '../formats/npy.js';
import type { SegModel } from '../models/seg_model.js';
import { UserError } from '../util/errors.js';
import { isDir } from '../util/fs.js';

type Named = Map<string, { shape: number[]; data: Float32Array }>;

/** The .npy files of a folder (or of its `weights/` subfolder), in name order. */
export function npyFiles(dir: string): string[] {
  const inner = path.join(dir, 'weights');
  const folder = isDir(inner) ? inner : dir;
  const files = fs.readdirSync(folder).filter((f) => f.endsWith('.npy')).sort();
  if (!files.length) throw new UserError(`${dir}: no .npy files (a folder of TF DeepLab weights, one .npy per tensor, is expected)`);
  return files.map((f) => path.join(folder, f));
}

/** The .npy arrays of a folder, by file name without `.npy`. */
export function readNpyFolder(dir: string): Map<string, NpyArray> {
  return new Map(npyFiles(dir).map((f) => [path.basename(f, '.npy'), readNpy(f)]));
}

/** TF DeepLab MobileNetV2 scope -> the zoo's layer name (Keras Applications names in the encoder). */
function layerOf(scope: string): string | null {
  if (scope === 'MobilenetV2_Conv') return 'Conv1';
  const m = /^MobilenetV2_expanded_conv(?:_(\d+))?_(expand|depthwise|project)$/.exec(scope);
  if (m) return `${m[1] ? `block_${m[1]}_` : 'expanded_conv_'}${m[2]}`;
  return ['aspp0', 'image_pooling', 'concat_projection'].includes(scope) ? scope : null;
}
/** The BatchNorm after a conv layer (Keras names: bn_Conv1, block_N_expand_BN; TF head: NAME_BN). */
const bnOf = (layer: string) => (layer === 'Conv1' ? 'bn_Conv1' : `${layer}_BN`);

/**
 * The model's weights from TF DeepLab's arrays: conv kernels OHWI -> HWIO, depthwise [1, k, k, C]
 * -> [k, k, C, 1], folded biases -> BatchNorm. Every array must find its layer (named if not).
 */
export function tfDeeplabWeights(model: SegModel, arrays: Map<string, NpyArray>, origin: string): Named {
  const out: Named = new Map(), unexpected: string[] = [];
  const eps = (l: string) => Number((model.net.getLayer(l).getConfig() as { epsilon?: number }).epsilon ?? 1e-3);
  const has = (l: string) => model.net.layers.some((x) => x.name === l);
  const setBias = (layer: string, a: NpyArray) => {
    const c = a.data.length, bnName = bnOf(layer);
    if (!has(bnName)) return false;
    out.set(`${bnName}/beta`, { shape: [c], data: a.data });
    out.set(`${bnName}/gamma`, { shape: [c], data: new Float32Array(c).fill(1) });
    out.set(`${bnName}/moving_mean`, { shape: [c], data: new Float32Array(c) });
    out.set(`${bnName}/moving_variance`, { shape: [c], data: new Float32Array(c).fill(1 - eps(bnName)) });
    return true;
  };
  for (const [name, a] of arrays) {
    let m: RegExpExecArray | null;
    if (name === 'logits_semantic_Conv2D' || name === 'logits_semantic_biases') {
      if (name.endsWith('biases')) out.set('logits_semantic/bias', { shape: a.shape, data: a.data });
      else out.set('logits_semantic/kernel', ohwiToHwio(a));
    } else if ((m = /^(.+?)(_depthwise)?_(?:Conv2D|depthwise)$/.exec(name)) && layerOf(m[1] + (m[2] ?? '')) && a.shape.length === 4) {
      const layer = layerOf(m[1] + (m[2] ?? ''))!;
      if (m[2]) out.set(`${layer}/depthwise_kernel`, { shape: [a.shape[1], a.shape[2], a.shape[3], a.shape[0]], data: a.data });
      else out.set(`${layer}/kernel`, ohwiToHwio(a));
    } else if ((m = /^(.+?)_(?:Conv2D_bn_offset|depthwise_depthwise_bn_offset|depthwise_BatchNorm_FusedBatchNorm)$/.exec(name))) {
      const scope = name.includes('depthwise') ? `${m[1]}_depthwise` : m[1];
      const layer = layerOf(scope);
      if (!layer || !setBias(layer, a)) unexpected.push(name);
    } else unexpected.push(name);
  }
  if (unexpected.length) throw new UserError(`${origin}: no layer of ${model.spec.arch} takes ${unexpected.length === 1 ? 'the array' : `${unexpected.length} arrays, the first`} ${unexpected.slice(0, 3).join(', ')}${unexpected.length > 3 ? ', ...' : ''}; is it TF DeepLab MobileNetV2 (deeplabv3)?`);
  return out;
}

/** [O, H, W, I] -> [H, W, I, O]. */
function ohwiToHwio(a: NpyArray): { shape: number[]; data: Float32Array } {
  if (a.shape.length !== 4) throw new UserError(`a conv kernel of shape ${a.shape.join('x')} (OHWI expected)`);
  const [O, H, W, I] = a.shape, d = new Float32Array(a.data.length);
  for (let o = 0; o < O; o++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let i = 0; i < I; i++) d[((h * W + w) * I + i) * O + o] = a.data[((o * H + h) * W + w) * I + i];
  return { shape: [H, W, I, O], data: d };
}
