// A training run's whole configuration from the settings that define it, the rest as `pixelwise
// train` chooses them (TRAIN_DEFAULTS, the starting weights): for library callers of train(), who
// give their data, classes, crop and network and take the rest, as the command line's users do.
import fs from 'node:fs';
import { DEFAULT_AUGMENT } from '../data/augment.js';
import { readClassList } from '../data/class_file.js';
import { defaultClasses, type ClassInfo } from '../data/classes.js';
import { CLASS_SETS } from '../data/class_sets.js';
import { resolveLayout, type LayoutName } from '../data/layouts.js';
import { IMAGENET_NORM } from '../data/normalize.js';
import type { ModelSpec } from '../models/seg_model.js';
import { getArch } from '../models/registry.js';
import { archOptionsFrom } from '../models/options.js';
import { argumentError, UserError } from '../util/errors.js';
import { expectArgs, refuseUnknownKeys } from '../util/call_options.js';
import { defaultWorkers, TRAIN_CONFIG_KEYS, TRAIN_DEFAULTS, type TrainConfig } from './config.js';
import { runArchitecture, startingWeights, startNetworkOptions } from './starting_weights.js';
import { teacherClasses } from './teacher.js';
import { checkTrainConfig } from './trainer.js';

/** A dataset in a standard layout (data/layouts.ts) instead of `train`, `val` and the class settings. */
export interface DatasetOptions {
  /** The dataset's folder (CamVid, Cityscapes, Pascal VOC, ADE20K, ... or images/ + masks/ folders). */
  data?: string;
  /** Its layout (default: recognised). */
  layout?: LayoutName | 'auto';
  /** The training split (default train) and the validation split (default the layout's val split, where it has one). */
  split?: string;
  valSplit?: string;
}

/**
 * What trainConfig() takes: the fields of TrainConfig, of which `inputSize` (the training crop) is
 * required, the data as `train` (with `classes`) or as `data` (a dataset in a standard layout: its
 * splits, classes, ignore label and label map), with two conveniences: `classes` may be a count
 * (classes named "class 0", ...), a built-in class set's name (voc, cityscapes, ade20k, camvid) or
 * a class file's path, and `model` an architecture's name (default unet) or its spec
 * without `numClasses` (the classes' count).
 */
export type TrainOptions = Partial<Omit<TrainConfig, 'model' | 'classes'>> & Pick<TrainConfig, 'inputSize'> & DatasetOptions & {
  classes?: number | string | ClassInfo[];
  model?: string | (Omit<ModelSpec, 'numClasses'> & { numClasses?: number });
};

const OPTION_KEYS: Record<keyof TrainOptions, true> = { ...TRAIN_CONFIG_KEYS, data: true, layout: true, split: true, valSplit: true };

/** The splits, classes, ignore label and label map of a dataset in a standard layout, as `pixelwise train --data` takes them. */
function fromDataset(o: TrainOptions, log: (line: string) => void): Partial<TrainOptions> {
  if (o.data === undefined) {
    for (const k of ['layout', 'split', 'valSplit'] as const) if (o[k] !== undefined) throw argumentError(k, o[k], 'names a split or layout of a dataset; give its folder as data');
    return {};
  }
  if (o.train !== undefined) throw argumentError('data', o.data, 'a dataset in a standard layout; give it or train (images and masks), not both');
  const train = resolveLayout(o.layout ?? 'auto', o.data, o.split ?? 'train');
  log(`${train.root}: ${train.layout} layout, split ${train.split}`);
  let val: TrainConfig['val'];
  if (train.whole && o.val === undefined && o.valFraction === undefined) {
    // One images and masks folder: its "val" would be the training pairs themselves.
    if (o.valSplit !== undefined) throw argumentError('valSplit', o.valSplit, `${train.root} has no split folders (one images and masks folder); give valFraction (0.2: a fifth of its pairs held out)`);
    log(`no validation split (${train.root} has no split folders); give valFraction or val`);
  } else if (o.val === undefined && o.valFraction === undefined) {
    const name = o.valSplit ?? 'val'; // a layout's own name for it (ADE20K's validation) is found by alias
    try { val = resolveLayout(train.layout, o.data, name).pairing as TrainConfig['val']; } catch (e) {
      if (o.valSplit !== undefined || !(e instanceof UserError)) throw e;
      log(`no validation split ${name}; give valSplit, val or valFraction`);
    }
  }
  return {
    train: train.pairing, ...(val ? { val } : {}),
    ...(o.classes === undefined && train.classes ? { classes: train.classes } : {}),
    ignoreIndex: o.ignoreIndex ?? train.ignoreIndex,
    labelMap: o.labelMap ?? train.labelMap,
  };
}

/** A teacher's classes, said. */
function teacherClassesLogged(teacher: string, log: (line: string) => void): ClassInfo[] {
  const classes = teacherClasses(teacher);
  log(`classes: the teacher's (${classes.length}: ${classes.slice(0, 4).map((c) => c.name).join(', ')}${classes.length > 4 ? ', ...' : ''})`);
  return classes;
}

/** `classes` as a list: a count names them "class 0", "class 1", ...; a name is a built-in set's, else a class file's path (as `--class-file`). */
function classesOf(given: unknown): ClassInfo[] {
  if (typeof given === 'number' && Number.isInteger(given) && given >= 1 && given <= 256) return defaultClasses(given);
  if (Array.isArray(given)) return given as ClassInfo[];
  if (typeof given === 'string' && given.trim()) {
    if (!Object.hasOwn(CLASS_SETS, given) && !fs.existsSync(given)) throw argumentError('classes', given, `no class set of that name (${Object.keys(CLASS_SETS).join(', ')}) and no such class file`);
    try { return readClassList(given); } catch (e) { throw e instanceof UserError ? new UserError(`classes ${e.message}`, 2, 'classes') : e; }
  }
  throw argumentError('classes', given === undefined ? 'missing' : JSON.stringify(given), `expected a number of classes, 1..256, a class set (${Object.keys(CLASS_SETS).join(', ')}), a class file's path, or a list of { name, color }`);
}

/**
 * A whole TrainConfig from `options`, every setting it lacks as `pixelwise train` would choose it:
 * the defaults above, augmentation on, validation batches as large as training's, data-parallel
 * workers on every core, and the starting weights the command line takes (an encoder's shipped
 * start where it has one, `encoderWeights: 'none'` for random; `initWeights` and `encoderWeights`
 * may name a model folder or shipped start) with their layout and input normalisation. Refused by
 * field, as train() would refuse it, before any work. `log` says which weights and data it chose.
 */
export function trainConfig(options: TrainOptions, log: (line: string) => void = () => {}): TrainConfig {
  expectArgs('trainConfig', [['options', options, 'object']]);
  refuseUnknownKeys(options, OPTION_KEYS, 'trainConfig()', 'setting');
  const { data: _d, layout: _l, split: _s, valSplit: _v, ...given } = { ...options, ...fromDataset(options, log) };
  const { model, classes: givenClasses, ...rest } = given;
  if (rest.train == null || typeof rest.train !== 'object') throw new UserError(`train: trainConfig() needs the training data, { images, masks } (folders; masks may be left out with a teacher), or data (a dataset in a standard layout)`, 2, 'train');
  if (rest.inputSize == null) throw new UserError('inputSize: trainConfig() needs the training crop, [height, width] (e.g. [256, 256])', 2, 'inputSize');
  // Distillation without classes given: the teacher's (the classes it predicts).
  const classes = classesOf(givenClasses ?? (rest.teacher ? teacherClassesLogged(rest.teacher, log) : undefined));
  const asked: Partial<Exclude<typeof model, string | undefined>> = model === undefined ? {} : typeof model === 'string' ? { arch: model } : model;
  if (asked === null || typeof asked !== 'object' || (model !== undefined && typeof asked.arch !== 'string')) throw argumentError('model', JSON.stringify(model), 'expected an architecture\'s name or { arch, ...options }');
  const start = startingWeights({ arch: asked.arch ?? TRAIN_DEFAULTS.arch, initWeights: rest.initWeights, encoderWeights: rest.encoderWeights }, log);
  // No architecture asked for: the starting package's own network, else the default.
  const spec = { ...asked, arch: runArchitecture(asked.arch, TRAIN_DEFAULTS.arch, start, rest.initWeights, log) };
  const arch = getArch(spec.arch);
  const numClasses = spec.numClasses ?? classes.length;
  const { options: archOptions, changed } = startNetworkOptions(spec.arch, numClasses, archOptionsFrom(spec, spec.arch, arch), start.initModel);
  if (changed.length) log(`network options of ${rest.initWeights}: ${changed.map(([k, v]) => `model.${k} ${v}`).join(', ')} (its layers fit; give the option to change it)`);
  const batchSize = rest.batchSize ?? TRAIN_DEFAULTS.batchSize;
  const { arch: _a, ...defaults } = TRAIN_DEFAULTS;
  const cfg: TrainConfig = {
    ...defaults,
    labelMap: [],
    augment: DEFAULT_AUGMENT,
    workers: defaultWorkers(),
    microBatch: 'auto',
    checkpointBlocks: 'auto',
    ...rest,
    train: rest.train,
    model: { ...spec, numClasses, ...archOptions, ...start.layout },
    classes,
    batchSize,
    valBatchSize: rest.valBatchSize ?? batchSize,
    norm: rest.norm ?? start.norm ?? IMAGENET_NORM,
    initWeights: start.initWeights,
    encoderWeights: start.encoderWeights,
  };
  for (const k of Object.keys(cfg) as (keyof TrainConfig)[]) if (cfg[k] === undefined) delete cfg[k];
  checkTrainConfig(cfg);
  return cfg;
}
