// What the commands' actions share: dataset options -> DatasetSpec (with the 0/255 binary-mask
// rule), inference options -> segmenter options.
import { pairSamples, looksBinary255, type DatasetSpec, type PairingSpec } from '../../data/dataset.js';
import { resolveLayout, type ResolvedSplit } from '../../data/layouts.js';
import { parseLabelMap } from '../../data/mask_io.js';
import { readClassList } from '../../data/class_file.js';
import type { ClassInfo } from '../../data/classes.js';
import { DEFAULT_TILING } from '../../inference/tiling.js';
import type { OpenOptions } from '../../inference/open.js';
import type { DataOpts, InferenceOpts } from '../shared.js';
import { UserError } from '../../util/errors.js';
import { cliLog } from '../flags.js';
import { MAX_INPUT_PIXELS } from '../options.js';
import { envConfig } from '../config.js';
import { shippedModels } from '../../models/shipped.js';

/**
 * A model's classes as masks are read for scoring it: its names, and the colours of `--class-file`
 * when given (RGB colour masks drawn in a dataset's palette, not the model's).
 */
export function scoringClasses(model: string, classes: ClassInfo[], classFile?: string): ClassInfo[] {
  if (!classFile) return classes;
  const listed = readClassList(classFile);
  if (listed.length !== classes.length) throw new UserError(`--class-file ${classFile}: lists ${listed.length} classes where ${model} predicts ${classes.length}; give the model's classes (their colours decode RGB masks)`);
  return classes.map((c, i) => ({ ...c, color: listed[i].color }));
}

/** The classes a dataset's mask values stand for: its layout's, else --class-file's (none: undefined). */
export function datasetClasses(layout: ResolvedSplit | undefined, classFile: string | undefined): ClassInfo[] | undefined {
  return layout?.classes ?? (classFile != null ? readClassList(classFile) : undefined);
}

/**
 * Applies `--label-map`, or the automatic 255 -> 1 rule for 0/255 binary masks with 2 classes
 * (only while the ignore label is the default: an explicit --ignore-index 255 means what it says).
 */
async function resolveLabelMap(spec: PairingSpec, labelMapOpt: string | undefined,
  numClasses: number, ignoreIndex: number | undefined, log: (l: string) => void): Promise<[number, number][]> {
  const explicit = parseLabelMap(labelMapOpt);
  if (explicit.size) return [...explicit.entries()];
  if (numClasses === 2 && ignoreIndex === undefined && spec.masks) {
    const { samples } = pairSamples(spec);
    if (await looksBinary255(samples)) {
      log('masks hold only 0 and 255 with two classes: reading 255 as class 1 (pass --label-map or --ignore-index to choose otherwise)');
      return [[255, 1]];
    }
  }
  return [];
}

/**
 * The label map a command reads masks with: --label-map, else a known layout's own; images and
 * masks folders (given as such, or the folders layout) as resolveLabelMap reads them.
 */
export async function masksLabelMap(layout: ResolvedSplit | undefined, spec: PairingSpec, labelMapOpt: string | undefined,
  numClasses: number, ignoreIndex: number | undefined, log: (l: string) => void): Promise<[number, number][]> {
  return labelMapOpt || !layout || layout.layout === 'folders' ? resolveLabelMap(spec, labelMapOpt, numClasses, ignoreIndex, log) : layout.labelMap;
}

export function makeSpec(pairing: PairingSpec, numClasses: number, ignoreIndex: number,
  labelMap: [number, number][], classes: ClassInfo[]): DatasetSpec {
  if (ignoreIndex < 0 || ignoreIndex > 255) throw new UserError(`--ignore-index ${ignoreIndex}: must be 0..255`);
  return { ...pairing, numClasses, ignoreIndex, labelMap: new Map(labelMap), colors: classes.map((c) => c.color) };
}

/** A command's labelled data: `pairing` for pairSamples, and the layout it is in when given as --data. */
export interface DataChoice { pairing: PairingSpec; layout?: ResolvedSplit }

/**
 * --data (a standard layout, recognised or named by --layout; `split` unless --split) or --images
 * and --masks (with --mask-suffix, --image-suffix, --recursive). `log` says which layout and split.
 */
export function resolveData(o: DataOpts, split: string, log: (l: string) => void, masks = true): DataChoice {
  if (o.data != null) {
    if (o.images != null || o.masks != null) throw new UserError(`--data ${o.data}: give --data (a dataset in a standard layout) or --images and --masks, not both`);
    if (o.list != null) throw new UserError(`--list ${o.list}: --data takes its split from the layout; use --split NAME`);
    const r = resolveLayout(o.layout ?? 'auto', o.data, o.split ?? split, { reduceZeroLabel: o.reduceZeroLabel, maskSuffix: o.maskSuffix, recursive: o.recursive });
    log(`${r.root}: ${r.layout} layout${o.layout && o.layout !== 'auto' ? '' : ' (recognised)'}, split ${r.split}${r.layout === 'ade20k' ? (r.classes!.length === 150 ? ', label 0 void and 1..150 as classes 0..149 (--no-reduce-zero-label keeps it)' : ', label 0 kept as class "other"') : ''}`);
    return { pairing: r.pairing, layout: r };
  }
  if (o.layout != null && o.layout !== 'folders') throw new UserError(`--layout ${o.layout}: needs --data ROOT (the dataset's folder)`);
  if (o.split != null) throw new UserError(`--split ${o.split}: needs --data ROOT (a dataset in a standard layout); with --images and --masks, --list FILE picks a split`);
  if (o.images == null) throw new UserError('--images is required (or --data ROOT for a dataset in a standard layout)');
  if (masks && o.masks == null) throw new UserError('--masks is required with --images (or --data ROOT for a dataset in a standard layout)');
  return { pairing: { images: o.images, masks: o.masks, list: o.list, maskSuffix: o.maskSuffix, imageSuffix: o.imageSuffix, recursive: o.recursive } };
}

export function segmenterOptions(o: InferenceOpts): OpenOptions {
  if (o.inputSize && o.inputSize[0] * o.inputSize[1] > MAX_INPUT_PIXELS) {
    throw new UserError(`--input-size ${o.inputSize.join('x')}: at most ${MAX_INPUT_PIXELS / 2 ** 20} megapixels a pass; choose a smaller size, or let --tile cut large images`);
  }
  const tiling = { ...DEFAULT_TILING, overlap: o.overlap, tile: typeof o.tile === 'number' ? o.tile : 0, pixelBudget: o.tile === false ? 0 : DEFAULT_TILING.pixelBudget };
  return { runtime: o.runtime, backend: o.backend, threads: o.threads, tta: o.tta.mode, scales: o.tta.scales, tiling, reflectPad: o.reflectPad, threshold: o.threshold, inputSize: o.inputSize, precision: o.precision, specialize: envConfig().specialize, log: cliLog };
}

/**
 * The model for a run with a background effect: the one named, else, when the effect keeps people
 * only, the shipped portrait model (made for that: sharper person edges than a scene model's person
 * class), else the default.
 */
export function modelForEffect(model: string | undefined, effect: unknown, keep: string[], cutout: string[] = []): string | undefined {
  if (model || !effect || !shippedModels().includes('person')) return model;
  if (keep.length !== 1 || keep[0] !== 'person' || cutout.some((c) => c !== 'person')) return model;
  return 'person';
}
