// PyTorch state_dict -> TF.js weights for models whose layer names are the PyTorch module paths.
// Layouts: Conv2d OIHW -> HWIO; ConvTranspose2d [in, out, kh, kw] -> [kh, kw, out, in];
// BatchNorm weight/bias/running_* -> gamma/beta/moving_*; PReLU [C] -> [1, 1, C].
import type { SegModel } from '../models/seg_model.js';
import { getArch } from '../models/registry.js';
import type { TorchTensor } from './pytorch.js';
import { UserError } from '../util/errors.js';

type Named = Map<string, { shape: number[]; data: Float32Array }>;

function permute(t: TorchTensor, order: number[]): { shape: number[]; data: Float32Array } {
  const shape = order.map((i) => t.shape[i]);
  const inStride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(t.data.length);
  const idx = new Array(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += idx[d] * inStride[order[d]];
    out[o] = t.data[src];
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return { shape, data: out };
}

export interface ConversionReport { weights: Named; unexpected: string[]; skipped: string[] }

export function convertTorchStateDict(model: SegModel, tensors: Map<string, TorchTensor>, origin: string): ConversionReport {
  const weights: Named = new Map();
  const unexpected: string[] = [], skipped: string[] = [];
  const layerOf = (name: string) => { try { return model.net.getLayer(name); } catch { return null; } };
  const unused = getArch(model.spec.arch).unusedTorchKeys;
  for (const [key, t] of tensors) {
    const dot = key.lastIndexOf('.');
    const mod = key.slice(0, dot), param = key.slice(dot + 1);
    if (param === 'num_batches_tracked' || unused?.test(key)) { skipped.push(key); continue; }
    const layer = layerOf(mod);
    if (!layer) { unexpected.push(key); continue; }
    const kind = layer.getClassName();
    let target: string | null = null;
    let value: { shape: number[]; data: Float32Array } = t;
    const isConv = kind === 'Conv2D' || kind === 'GroupConv2D';
    if (isConv && param === 'weight') { target = 'kernel'; value = permute(t, [2, 3, 1, 0]); }
    else if (kind === 'Conv2DTranspose' && param === 'weight') { target = 'kernel'; value = permute(t, [2, 3, 1, 0]); }
    else if ((isConv || kind === 'Conv2DTranspose') && param === 'bias') target = 'bias';
    else if (kind === 'BatchNormalization') target = ({ weight: 'gamma', bias: 'beta', running_mean: 'moving_mean', running_var: 'moving_variance' } as Record<string, string>)[param] ?? null;
    else if (kind === 'PReLU' && param === 'weight') { target = 'alpha'; value = { shape: [1, 1, t.data.length], data: t.data }; }
    if (!target) { unexpected.push(key); continue; }
    weights.set(`${mod}/${target}`, value);
  }
  if (!weights.size) throw new UserError(`${origin}: no tensor matches a layer of ${model.spec.arch}; is this checkpoint for that architecture?`);
  return { weights, unexpected, skipped };
}
