// Where a run's weights start: a whole network (initWeights: a checkpoint, a run or model folder,
// a shipped start), a pretrained encoder (encoderWeights: a file, a model folder, a shipped start;
// 'none' for random), or by default the encoder's shipped start where it has one. The weights fix
// the encoder's layout and the input normalisation the run must use. The command line and
// trainConfig() both start runs here.
import type { ClassInfo } from '../data/classes.js';
import type { Normalization } from '../data/normalize.js';
import type { ModelCard } from '../models/card.js';
import { readCard } from '../models/package.js';
import { archNormalization, builtOptions, encoderFor, findArch, getArch } from '../models/registry.js';
import { resolveModelDir, resolveStart, shippedModels, shippedStarts } from '../models/shipped.js';
import type { ArchOptions, EncoderLayout, OptionKey } from '../models/types.js';
import { layoutForEncoderWeights, packageWeights } from '../io/encoder_weights.js';
import { argumentError } from '../util/errors.js';
import { isDir, isFile } from '../util/fs.js';

export interface StartingWeights {
  /** The weights file the whole network starts from. */
  initWeights?: string;
  /** The weights file or model folder the encoder starts from. */
  encoderWeights?: string;
  /** The encoder's layer layout those weights come in (the network is built in it). */
  layout: { layout?: EncoderLayout };
  /** The input normalisation the weights were trained with. */
  norm?: Normalization;
  /** The classes and network of the package initWeights named (a weights file has neither). */
  initClasses?: ClassInfo[];
  initModel?: ModelCard['model'];
}

/** A run's starting weights for `arch`; `log` says when the encoder's shipped start is taken by default. */
export function startingWeights(o: { arch: string; initWeights?: string; encoderWeights?: string }, log: (line: string) => void): StartingWeights {
  let init = o.initWeights, layout: { layout?: EncoderLayout } = {}, norm: Normalization | undefined, initClasses: ClassInfo[] | undefined, initModel: ModelCard['model'] | undefined;
  if (init) {
    // A shipped model's name means its folder too (a package of trainable weights, or refused as ONNX-only).
    const named = !isDir(init) && !isFile(init) && shippedModels().includes(init) ? resolveModelDir(init) : resolveStart(init);
    if (isDir(named)) {
      ({ classes: initClasses, model: initModel } = readCard(named));
      const src = packageWeights(named, 'initWeights');
      if (src.layout !== 'keras') layout = { layout: src.layout };
      init = src.file;
      norm = src.normalization;
    } else if (!isFile(init)) throw argumentError('initWeights', init, `file not found (give a .safetensors file, a model folder or a shipped start: ${shippedStarts().join(', ') || 'none'})`);
  }
  let enc = o.encoderWeights === 'none' ? undefined : o.encoderWeights && resolveStart(o.encoderWeights);
  if (enc && !isFile(enc) && !isDir(enc)) throw argumentError('encoderWeights', enc, `not found (give a weights file, a model folder, a shipped start (${shippedStarts().join(', ') || 'none'}) or none)`);
  const start = encoderFor(o.arch)?.start;
  if (o.encoderWeights === undefined && !init && start && isDir(resolveStart(start))) {
    enc = resolveStart(start);
    log(`encoder: starts from the shipped ${start} weights (encoderWeights none for random initialisation)`);
  }
  if (enc) { layout = layoutForEncoderWeights(o.arch, enc); norm = archNormalization(o.arch, layout.layout); }
  return { initWeights: init, encoderWeights: enc || undefined, layout, norm, initClasses, initModel };
}

/**
 * The architecture a run trains: the one asked for, else the starting package's own (so that
 * `initWeights: 'deeplabv3-voc'` fine-tunes that network), else `fallback`. Refused, naming
 * initWeights, where the starting weights come in an encoder layout the architecture is not built
 * in (a TF DeepLab MobileNetV2 for a U-Net's VGG encoder).
 */
export function runArchitecture(asked: string | undefined, fallback: string, start: StartingWeights, initWeights: string | undefined, log: (line: string) => void): string {
  const own = start.initModel?.arch;
  const arch = asked ?? (own && findArch(own) ? own : fallback);
  if (!asked && own && arch === own && own !== fallback) log(`architecture: ${own}, as ${initWeights} is (give one to train another)`);
  const layout = start.layout.layout, enc = encoderFor(arch);
  if (layout && enc && !enc.layouts.includes(layout)) {
    throw argumentError('initWeights', initWeights ?? '', `holds a ${own ?? 'network'}'s weights in ${layout} layout, which ${arch} cannot take (its ${enc.name} encoder is built in ${enc.layouts.join(' or ')} layout); leave the architecture out to train ${own ?? 'the same network'}, or pick one whose encoder takes them`);
  }
  return arch;
}

/**
 * The starting package's network options (its defaults included) for those `given` lacks, when it
 * is a network of the run's architecture: its layers then fit the run's (an ESPNetv2's projection
 * width follows its class count, which the run may change). `changed`: those that differ from what
 * the run's own defaults would be.
 */
export function startNetworkOptions(arch: string, numClasses: number, given: Partial<ArchOptions>, start: ModelCard['model'] | undefined): { options: Partial<ArchOptions>; changed: [OptionKey, number][] } {
  const options = { ...given };
  if (!start || findArch(start.arch)?.name !== getArch(arch).name) return { options, changed: [] };
  const own = builtOptions({ arch, numClasses });
  const changed: [OptionKey, number][] = [];
  for (const [k, v] of Object.entries(builtOptions(start)) as [OptionKey, number][]) {
    if (given[k] != null) continue;
    options[k] = v;
    if (own[k] !== v) changed.push([k, v]);
  }
  return { options, changed };
}
