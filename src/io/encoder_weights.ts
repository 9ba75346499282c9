// ImageNet (or any) weights a user brings for a model's encoder (--encoder-weights FILE):
// torchvision-named checkpoints (.pth/.pt, zip or legacy, or .safetensors: resnet*, mobilenet_v2,
// vgg16 state_dicts) mapped onto the encoder's Keras-style layer names, or Keras H5 weight files
// (Keras Applications' *_notop.h5, or any model saved with save_weights whose layer names match,
// e.g. image-segmentation-keras encoders built on Keras Applications), read with h5wasm. The file
// format also sets the encoder's layout (torchvision or Keras padding, strides, eps) so that the
// weights compute what they computed where they were trained. Only the encoder is loaded; every
// encoder weight must be in the file; tensors that fit no encoder layer are named.
import path from 'node:path';
import type { TorchTensor } from '../formats/pytorch.js';
import { readForeignCheckpoint } from '../formats/pytorch.js';
import { layerKind } from '../models/layer_kinds.js';
import type { SegModel } from '../models/seg_model.js';
import { encoderFor, encoderOf } from '../models/registry.js';
import type { EncoderLayout } from '../models/types.js';
import type { Normalization } from '../data/normalize.js';
import { UserError, argumentError } from '../util/errors.js';
import { isDir, isFile } from '../util/fs.js';
import { readCard } from '../models/package.js';
import { weightsFile } from '../models/card_file.js';
import { MODELS_DIR, modelName, shippedStarts } from '../models/shipped.js';
import { readSafetensors } from '../formats/safetensors.js';
import { readHdf5, type Hdf5Dataset, type Hdf5Group } from './hdf5.js';

type Named = Map<string, { shape: number[]; data: Float32Array }>;

/**
 * A pixelwise model package or run folder given as weights (`argument` names the option in
 * errors): its weights file and the layout it was built in.
 */
export function packageWeights(dir: string, argument = 'encoderWeights'): { file: string; layout: EncoderLayout; arch: string; normalization: Normalization } {
  if (!isFile(path.join(dir, 'model.json'))) throw argumentError(argument, dir, 'a folder without model.json; give a pixelwise model or run folder, a shipped start or a weights file');
  const card = readCard(dir);
  if (!card.weights && !['best.safetensors', 'last.safetensors'].some((f) => isFile(path.join(dir, f)))) {
    // A package imported with --no-weights names the command that makes one with them.
    const made = card.provenance?.command;
    const again = made && /\s--no-weights\b/.test(made) ? `; its card's command without --no-weights makes one with them: ${made.replace(/\s--no-weights\b/, '').replace(/--out \S+/, '--out DIR')}` : '';
    // A graph imported from the file a shipped start was imported from: that start holds its weights.
    const sha = card.provenance?.sha256;
    const start = sha ? shippedStarts().find((s) => readCard(path.join(MODELS_DIR, s)).provenance?.sha256 === sha) : undefined;
    const same = start ? `; the shipped start ${start} holds the trainable weights of the same source (${card.provenance!.file}): give ${start}` : '';
    throw argumentError(argument, modelName(dir), `an ONNX-only package has no trainable weights; give a run folder, a package with weights or a shipped start (pixelwise models lists them)${same || again}`);
  }
  return { file: weightsFile(dir, card), layout: (card.model.layout as EncoderLayout | undefined) ?? 'keras', arch: card.model.arch, normalization: card.input.normalization };
}

/** The layout an encoder must be built in for the weights in this file (or pixelwise package). */
export function layoutOfWeights(file: string): EncoderLayout {
  if (isDir(file)) return packageWeights(file).layout;
  const ext = path.extname(file).toLowerCase();
  if (ext === '.h5' || ext === '.hdf5') return 'keras';
  if (['.pth', '.pt', '.bin', '.safetensors'].includes(ext)) return 'torchvision';
  throw argumentError('encoderWeights', file, 'unknown format; give a pixelwise model folder, a Keras .h5 or a torchvision .pth/.pt/.safetensors file');
}

/** Keras H5 weights (save_weights layout: layer groups with a weight_names attribute) -> "layer/weight" tensors. */
export async function readKerasH5(file: string): Promise<Named> {
  return readHdf5(file, (f) => {
    const root = (f.keys().includes('model_weights') ? f.get('model_weights') : f) as Hdf5Group;
    const layerNames = root.attrs.layer_names?.json_value as string[] | undefined;
    if (!layerNames) throw new UserError(`${file}: no layer_names attribute; not a Keras weights file (Keras 3 .weights.h5 files are not supported)`);
    const out: Named = new Map();
    for (const layer of layerNames) {
      const g = root.get(layer) as Hdf5Group | null;
      for (const w of (g?.attrs.weight_names?.json_value as string[] | undefined) ?? []) {
        const ds = g!.get(w) as Hdf5Dataset | null;
        if (!ds?.shape) throw new UserError(`${file}: ${layer}/${w} is named but missing`);
        const name = w.replace(/:\d+$/, '');
        out.set(name.includes('/') ? name : `${layer}/${name}`, { shape: ds.shape, data: Float32Array.from(ds.value as ArrayLike<number>) });
      }
    }
    return out;
  });
}

/** torchvision state_dict -> this encoder's weights (layouts converted by the layer-kind table). */
function fromTorchvision(model: SegModel, tensors: Map<string, TorchTensor>, file: string): { weights: Named; unexpected: string[] } {
  const enc = encoderOf(model.net)!.encoder;
  if (!enc.torchvisionLayer) throw argumentError('encoderWeights', file, `the ${enc.name} encoder has no torchvision counterpart; use a Keras .h5 file`);
  const weights: Named = new Map(), unexpected: string[] = [];
  for (const [key, t] of tensors) {
    const dot = key.lastIndexOf('.'), mod = key.slice(0, dot), param = key.slice(dot + 1);
    if (param === 'num_batches_tracked') continue;
    const layer = enc.torchvisionLayer(mod);
    if (layer === null) { if (!(enc.skippedKeys ?? /^(fc|classifier)\./).test(key)) unexpected.push(key); continue; } // e.g. the ImageNet head
    let mapped = null;
    try { mapped = layerKind(model.net.getLayer(layer)).torch?.(param, t) ?? null; } catch { /* no such layer */ }
    if (!mapped) { unexpected.push(key); continue; }
    weights.set(`${layer}/${mapped.target}`, mapped.value);
  }
  return { weights, unexpected };
}

/**
 * Loads the encoder of `model` from a pixelwise model folder (the encoder of its network, by layer
 * name; its decoder is not used), a torchvision or a Keras weights file; returns how many tensors.
 */
export async function loadEncoderWeights(model: SegModel, file: string): Promise<number> {
  const enc = encoderOf(model.net);
  if (!enc) throw argumentError('encoderWeights', file, `${model.spec.arch} is a whole network without a separate encoder`);
  if (isDir(file)) {
    const src = packageWeights(file);
    const wanted = new Map([...readSafetensors(src.file).tensors].filter(([k]) => enc.layers.has(k.slice(0, k.lastIndexOf('/')))));
    if (!wanted.size) throw argumentError('encoderWeights', file, `its ${src.arch} network has no layer of the ${enc.encoder.name} encoder`);
    model.loadNamedWeights(wanted, src.file, { layers: enc.layers });
    return wanted.size;
  }
  if (!isFile(file)) throw argumentError('encoderWeights', file, 'file not found');
  const layout = layoutOfWeights(file);
  let weights: Named, unexpected: string[] = [];
  if (layout === 'keras') {
    weights = new Map([...(await readKerasH5(file))].filter(([k]) => {
      const inEncoder = enc.layers.has(k.slice(0, k.lastIndexOf('/')));
      if (!inEncoder) unexpected.push(k);
      return inEncoder;
    }));
  } else ({ weights, unexpected } = fromTorchvision(model, readForeignCheckpoint(file), file));
  if (unexpected.length) throw argumentError('encoderWeights', file, `${unexpected.length} tensors fit no layer of the ${enc.encoder.name} encoder (first: ${unexpected.slice(0, 4).join(', ')}); is it a ${enc.encoder.name} checkpoint?`);
  model.loadNamedWeights(weights, file, { layers: enc.layers });
  return weights.size;
}

/** The layout to build an architecture in for these encoder weights (torchvision files: torchvision). */
export function layoutForEncoderWeights(arch: string, file: string | undefined): { layout?: EncoderLayout } {
  if (!file) return {};
  const layout = layoutOfWeights(file);
  const enc = encoderFor(arch);
  if (!enc) throw argumentError('encoderWeights', file, `${arch} is a whole network without a separate encoder`);
  if (isDir(file)) {
    const theirs = encoderFor(packageWeights(file).arch);
    if (theirs?.name !== enc.name) throw argumentError('encoderWeights', file, `its network (${packageWeights(file).arch}) has ${theirs ? `a ${theirs.name}` : 'no separate'} encoder, not ${arch}'s ${enc.name}`);
    if (!enc.layouts.includes(layout)) throw argumentError('encoderWeights', file, `its network was built in the ${layout} layout, which the ${enc.name} encoder does not have`);
    return layout === enc.layouts[0] ? {} : { layout };
  }
  if (layout === 'torchvision' && !enc.torchvisionLayer) throw argumentError('encoderWeights', file, `the ${enc.name} encoder has no torchvision counterpart; use a Keras .h5 file`);
  return layout === 'torchvision' && enc.layouts.includes('torchvision') ? { layout } : {};
}
