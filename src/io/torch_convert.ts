// PyTorch state_dict -> TF.js weights for models whose layer names are the PyTorch module paths.
// Each layer kind's parameter mapping and layout conversion is in models/layer_kinds.ts (Conv2d OIHW
// -> HWIO; ConvTranspose2d [in, out, kh, kw] -> [kh, kw, out, in]; BatchNorm weight/bias/running_*
// -> gamma/beta/moving_*; PReLU [C] -> [1, 1, C]; depthwise [C, 1, kh, kw] -> [kh, kw, C, 1]).
import type { SegModel } from '../models/seg_model.js';
import { getArch } from '../models/registry.js';
import type { TorchTensor } from '../formats/pytorch.js';
import { UserError } from '../util/errors.js';
import { layerKind } from '../models/layer_kinds.js';

type Named = Map<string, { shape: number[]; data: Float32Array }>;

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
    const mapped = layerKind(layer).torch?.(param, t) ?? null;
    if (!mapped) { unexpected.push(key); continue; }
    const { target, value } = mapped;
    weights.set(`${mod}/${target}`, value);
  }
  if (!weights.size) throw new UserError(`${origin}: no tensor matches a layer of ${model.spec.arch}; is this checkpoint for that architecture?`);
  return { weights, unexpected, skipped };
}
