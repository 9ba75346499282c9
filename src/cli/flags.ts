// How the command line words what the library says: the library names its arguments (`model`,
// `tile`, `options.recursive`), the command line their flags (`--model`, `--tile`, `--recursive`).
import type { UserError } from '../util/errors.js';

/** The flag of each library argument a UserError may name (the library speaks in arguments). */
const FLAGS: Record<string, string> = {
  model: '--model', weights: '--weights', runtime: '--runtime', backend: '--backend', tile: '--tile', overlap: '--overlap',
  scales: '--tta', tta: '--tta', threads: '--threads', reflectPad: '--reflect-pad', inputSize: '--input-size', precision: '--precision', keepFloat: '--keep-float', threshold: '--threshold', arch: '--arch',
  width: '--width', depth: '--depth', projWidth: '--proj-width', widthMult: '--width-mult', numClasses: '--classes', outputStride: '--output-stride', checkpointBlocks: '--checkpoint-blocks',
  encoderWeights: '--encoder-weights', initWeights: '--init-weights', images: '--images', list: '--list', labelMap: '--label-map', effect: '--effect', loss: '--loss',
  queue: '--queue', chunk: '--chunk', valEvery: '--val-every', preciseBn: '--precise-bn', displayBands: '--display-bands', about: '--about', models: '--models', lr: '--lr', classWeights: '--class-weights', maxMinutes: '--max-minutes',
  microBatch: '--micro-batch', data: '--data', split: '--split', teacher: '--teacher', teacherView: '--teacher-view', distillWeight: '--distill-weight', distillTemperature: '--distill-temperature', ignoreIndex: '--ignore-index', onNaN: '--on-nan', learningRate: '--lr',
  masks: '--masks', maskSuffix: '--mask-suffix', imageSuffix: '--image-suffix', recursive: '--recursive', classFile: '--class-file', skipInvalid: '--skip-invalid',
  channels: '--channels', resize: '--resize', inputFormat: '--input-format', frameSize: '--frame-size', fps: '--fps', initClasses: '--init-classes', selectClasses: '--select-classes', imageColumn: '--image-column', maskColumn: '--mask-column', others: '--others', maskColors: '--class-file', from: '--from', alpha: '--alpha',
  crowd: '--crowd', valFraction: '--val-fraction', predictions: '--predictions', outlineTolerance: '--outline-tolerance', out: '--out', name: '--name', focalGamma: '--focal-gamma', epochs: '--epochs',
  valSplit: '--val-split', classMap: '--class-map', boundaryTolerance: '--boundary-tolerance', steps: '--find-lr', layout: '--layout',
};

/**
 * Argument names that are not English words (camelCase): worded as flags wherever a message names
 * them, but not as a field of a file (a dotted path, or a quoted name: a card's "model.numClasses").
 */
const CAMEL = new RegExp(`(?<![\\w."])(${Object.keys(FLAGS).filter((k) => /[A-Z]/.test(k)).join('|')})(?![\\w"]|\\.\\w)`, 'g');

/** Settings of nested options, and values whose flag is a negation (commander's `--no-NAME`). */
const NESTED: Record<string, string> = {
  'tiling.tile': '--tile', 'tiling.overlap': '--overlap', 'tiling.pixelBudget 0': '--no-tile',
  'augment.scale': '--aug-scale', 'augment.rotate': '--aug-rotate', 'augment.brightness': '--aug-color', 'augment.contrast': '--aug-color', 'augment.saturation': '--aug-color', 'augment.elastic': '--aug-elastic',
};

/** Other arguments a library message names in its prose, as `options.NAME` (e.g. "add options.recursive", "options.tiling.pixelBudget 0"). */
const OPTION = /\boptions\.([A-Za-z]+(?:\.[A-Za-z]+)*)( 0\b)?/g;

/** Library prose as the command line says it: the arguments it names (`options.NAME`, camelCase names) as flags. */
export function asFlags(text: string): string {
  return text
    .replace(OPTION, (all, k: string, zero: string | undefined) => NESTED[k + (zero ?? '')] ?? (NESTED[k] ?? FLAGS[k] ?? `options.${k}`) + (zero ?? ''))
    .replace(CAMEL, (k) => FLAGS[k]);
}

/** The command line's flag for a library argument (`widthMult` -> `--width-mult`, `augment.brightness` -> `--aug-color`), if it has one. */
export function flagOf(argument: string): string | undefined {
  return FLAGS[argument] ?? NESTED[argument];
}

/** A library's progress line on the command line's stderr, its arguments worded as flags. */
export function cliLog(line: string): void {
  process.stderr.write(asFlags(line) + '\n');
}

/** A user error as the command line says it: the argument it starts with, and any other it names, as flags. */
export function cliMessage(e: UserError): string {
  const flag = e.argument ? flagOf(e.argument) : undefined;
  return asFlags(flag && e.message.startsWith(`${e.argument} `) ? flag + e.message.slice(e.argument!.length) : e.message);
}
