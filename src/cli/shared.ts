// Pieces the commands share: dataset options -> DatasetSpec, the binary-mask rule.
import { Option, type Command } from 'commander';
import { BACKENDS, type BackendName } from '../engine/backend.js';
import { RUNTIMES, type OpenOptions, type RuntimeName } from '../inference/segmenter.js';
import { TTA_MODES, type TtaMode } from '../inference/tta.js';
import { parseClassThreshold, parseIntArg, parsePositiveInt } from './options.js';
import { looksBinary255, pairSamples, type DatasetSpec } from '../data/dataset.js';
import { parseLabelMap } from '../data/mask_io.js';
import type { ClassInfo } from '../data/classes.js';
import { UserError } from '../util/errors.js';

export function addDatasetOptions(c: Command, withMasks = true): Command {
  c.requiredOption('--images <dir>', 'folder of images (jpg/png/bmp/webp/tiff)');
  if (withMasks) c.requiredOption('--masks <dir>', 'folder of PNG masks, paired with images by file name');
  return c.option('--list <file>', 'split list: only the images named in it (one per line, e.g. CamVid train.txt)')
    .option('--label-map <from:to,...>', 'remap mask values before use, e.g. 255:1 for 0/255 binary masks')
    .option('--class-file <file>', 'JSON class list [{"name","color":[r,g,b]}] (needed for RGB colour masks), or a built-in set: voc, cityscapes, ade20k, camvid');
}

/** Applies `--label-map`, or the automatic 255 -> 1 rule for 0/255 binary masks with 2 classes. */
export async function resolveLabelMap(spec: { images: string; masks?: string; list?: string }, labelMapOpt: string | undefined,
  numClasses: number, ignoreIndex: number, log: (l: string) => void): Promise<[number, number][]> {
  const explicit = parseLabelMap(labelMapOpt);
  if (explicit.size) return [...explicit.entries()];
  if (numClasses === 2 && ignoreIndex === 255 && spec.masks) {
    const { samples } = pairSamples(spec);
    if (await looksBinary255(samples)) {
      log('masks hold only 0 and 255 with --classes 2: reading 255 as class 1 (pass --label-map to choose otherwise)');
      return [[255, 1]];
    }
  }
  return [];
}

export function makeSpec(o: { images: string; masks?: string; list?: string }, numClasses: number, ignoreIndex: number,
  labelMap: [number, number][], classes: ClassInfo[]): DatasetSpec {
  if (ignoreIndex < 0 || ignoreIndex > 255) throw new UserError(`--ignore-index ${ignoreIndex}: must be 0..255`);
  return { images: o.images, masks: o.masks, list: o.list, numClasses, ignoreIndex, labelMap: new Map(labelMap), colors: classes.map((c) => c.color) };
}

/** Options of every command that runs a model: runtime, TTA, border context, threads, backend. */
export interface InferenceOpts {
  runtime: RuntimeName; tta: TtaMode; reflectPad?: number; threads?: number; backend: BackendName; quiet?: boolean;
  threshold?: { cls: string; prob: number };
}

export function addInferenceOptions(c: Command): Command {
  return c
    .addOption(new Option('--runtime <name>', 'inference runtime (auto = ONNX Runtime when the model exports, else TF.js)').choices(RUNTIMES).default('auto'))
    .addOption(new Option('--tta <mode>', 'test-time augmentation: average with the mirrored image (flip), also upside down (flip2), or all 8 mirrors and quarter turns (d4)').choices(TTA_MODES).default('none'))
    .option('--reflect-pad <px>', 'mirror the image outward by this many pixels for context at the borders (U-Net overlap-tile)', parseIntArg)
    .option('--threshold <class=p>', 'predict this class wherever its probability reaches p instead of the most likely class (thin or rare classes: IoU/F1 peak below 0.5)', parseClassThreshold)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', parsePositiveInt)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--quiet', 'no progress bar');
}

export function segmenterOptions(o: InferenceOpts): OpenOptions {
  return { runtime: o.runtime, threads: o.threads, tta: o.tta, reflectPad: o.reflectPad, threshold: o.threshold, log: (l) => process.stderr.write(l + '\n') };
}
