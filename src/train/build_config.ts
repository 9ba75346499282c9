// A training run's whole configuration from the settings that define it, the rest as `pixelwise
// train` chooses them (TRAIN_DEFAULTS, the starting weights): for library callers of train(), who
// give their data, classes, crop and network and take the rest, as the command line's users do.
import { DEFAULT_AUGMENT } from '../data/augment.js';
import { defaultClasses, type ClassInfo } from '../data/classes.js';
import { IMAGENET_NORM } from '../data/normalize.js';
import type { ModelSpec } from '../models/seg_model.js';
import { getArch } from '../models/registry.js';
import { archOptionsFrom } from '../models/options.js';
import { argumentError, UserError } from '../util/errors.js';
import { expectArgs, refuseUnknownKeys } from '../util/call_options.js';
import { defaultWorkers, TRAIN_CONFIG_KEYS, TRAIN_DEFAULTS, type TrainConfig } from './config.js';
import { startingWeights, startNetworkOptions } from './starting_weights.js';
import { checkTrainConfig } from './trainer.js';

/**
 * What trainConfig() takes: the fields of TrainConfig, of which `train` (the images and masks),
 * `classes` and `inputSize` (the training crop) are required, with two conveniences: `classes` may
 * be a count (classes named "class 0", ...), and `model` an architecture's name (default unet) or
 * its spec without `numClasses` (the classes' count).
 */
export type TrainOptions = Partial<Omit<TrainConfig, 'model' | 'classes'>> & Pick<TrainConfig, 'train' | 'inputSize'> & {
  classes: number | ClassInfo[];
  model?: string | (Omit<ModelSpec, 'numClasses'> & { numClasses?: number });
};

/**
 * A whole TrainConfig from `options`, every setting it lacks as `pixelwise train` would choose it:
 * the defaults above, augmentation on, validation batches as large as training's, data-parallel
 * workers on every core, and the starting weights the command line takes (an encoder's shipped
 * start where it has one, `encoderWeights: 'none'` for random; `initWeights` and `encoderWeights`
 * may name a model folder or shipped start) with their layout and input normalisation. Refused by
 * field, as train() would refuse it, before any work. `log` says which weights it chose.
 */
export function trainConfig(options: TrainOptions, log: (line: string) => void = () => {}): TrainConfig {
  expectArgs('trainConfig', [['options', options, 'object']]);
  refuseUnknownKeys(options, TRAIN_CONFIG_KEYS, 'trainConfig()', 'setting');
  const { model = TRAIN_DEFAULTS.arch, classes: givenClasses, ...rest } = options;
  if (rest.train == null || typeof rest.train !== 'object') throw new UserError(`train: trainConfig() needs the training data, { images, masks } (folders; masks may be left out with a teacher)`, 2, 'train');
  if (rest.inputSize == null) throw new UserError('inputSize: trainConfig() needs the training crop, [height, width] (e.g. [256, 256])', 2, 'inputSize');
  const classes = typeof givenClasses === 'number'
    ? (Number.isInteger(givenClasses) && givenClasses >= 1 && givenClasses <= 256 ? defaultClasses(givenClasses) : (() => { throw argumentError('classes', givenClasses, 'expected a number of classes, 1..256, or a list of { name, color }'); })())
    : givenClasses;
  if (!Array.isArray(classes)) throw argumentError('classes', classes === undefined ? 'missing' : JSON.stringify(classes), 'expected a number of classes, or a list of { name, color }');
  const spec = typeof model === 'string' ? { arch: model } : model;
  if (spec === null || typeof spec !== 'object' || typeof spec.arch !== 'string') throw argumentError('model', JSON.stringify(model), 'expected an architecture\'s name or { arch, ...options }');
  const arch = getArch(spec.arch);
  const numClasses = spec.numClasses ?? classes.length;
  const start = startingWeights({ arch: spec.arch, initWeights: rest.initWeights, encoderWeights: rest.encoderWeights }, log);
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
