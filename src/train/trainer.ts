// The training loop: Adam with a scheduled learning rate, validation mIoU every epoch, atomic
// last/best checkpoints, a JSONL log and curves, resume, Ctrl-C = save and exit.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { configureOrtKernels } from '../engine/kernels/ort_native.js';
import { SegModel } from '../models/seg_model.js';
import { writeCard } from '../models/package.js';
import { buildCard, type ModelCard } from '../models/card.js';
import { loadEncoderWeights } from '../io/encoder_weights.js';
import { loadSamples, splitListText, type DatasetSpec, type PairingSpec, type Sample } from '../data/dataset.js';
import { holdOut } from '../data/hold_out.js';
import { readImage } from '../data/image_io.js';
import { readRaster } from '../data/raster.js';
import { encodeLabelPng } from '../data/mask_io.js';
import type { PixelImage } from '../data/pixels.js';
import type { Rgb } from '../data/classes.js';
import { SegLoader, type Batch } from '../data/loader.js';
import { NO_AUGMENT, checkAugment } from '../data/augment.js';
import { classHistogram, medianFrequencyWeights } from '../data/stats.js';
import { evaluateSamples } from '../metrics/evaluate.js';
import { createSegmenter } from '../inference/segmenter.js';
import { TfjsNetwork } from '../inference/tfjs_network.js';
import { NODE_FILTERS } from '../inference/node_filters.js';
import { defaultThreads } from '../inference/onnx_runtime.js';
import type { Scores } from '../metrics/confusion.js';
import { accumulatedGradients } from './grad_accum.js';
import { planMicroBatch } from './micro_batch.js';
import { learningRate, SCHEDULES } from './schedule.js';
import { Adam } from './adam.js';
import { loadCheckpoint, saveCheckpoint, type TrainState } from './checkpoint.js';
import { refuseUnknownTrainKeys, type TrainConfig, type SplitSpec } from './config.js';
import { DataParallel } from './parallel.js';
import { recomputeBatchNormStats } from './precise_bn.js';
import { DEFAULT_PRECISE_BN_IMAGES, LOSSES, TEACHER_VIEWS } from './choices.js';
import { BACKENDS, type BackendName } from '../engine/backend_names.js';
import { engineBackend, initEngine } from '../engine/backend.js';
import { GuardedSteps, type Gradients } from './step.js';
import { lockRun } from './run_lock.js';
import { logUpTo } from './run_log.js';
import { openTeacher, type Teacher } from './teacher.js';
import { DEFAULT_DISTILL, type DistillOptions } from './losses.js';
import { peakRssMb } from '../util/peak_rss.js';
import { startHead } from './init_classes.js';
import { readSafetensors } from '../formats/safetensors.js';
import { renderCharts } from '../render/chart.js';
import { progressBar, formatDuration } from '../util/progress.js';
import { appendLine, endCutLine, writeFileAtomic, isFile, makeDir } from '../util/fs.js';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';

export interface EpochLog {
  epoch: number; step: number; lr: number; loss: number; seconds: number; imagesPerSec: number;
  dataWaitFraction: number; val?: { mIoU: number; pixelAccuracy: number; meanAccuracy: number; perClassIoU: (number | null)[] };
  partial?: boolean;
  /** Of a partial epoch: the batches it ran, of batchesPerEpoch. */
  batches?: number; batchesPerEpoch?: number;
  /** This process's resident memory at the end of the epoch and its peak so far, MB (worker threads included). */
  rssMb?: number; peakRssMb?: number;
  /**
   * The main thread's JavaScript heap, MB: in use, and reserved by V8 (part of rssMb). V8 may grow the
   * reserve over many collections and keep it (Node 24's young generation does), so RSS alone can
   * rise where nothing leaks.
   */
  heapUsedMb?: number; heapReservedMb?: number;
}

function memoryNow(): Pick<EpochLog, 'rssMb' | 'peakRssMb' | 'heapUsedMb' | 'heapReservedMb'> {
  const m = process.memoryUsage(), mb = (b: number) => Math.round(b / 2 ** 20);
  return { rssMb: mb(m.rss), peakRssMb: Math.round(peakRssMb()), heapUsedMb: mb(m.heapUsed), heapReservedMb: mb(m.heapTotal) };
}

export interface TrainResult {
  state: TrainState; best?: Scores; interrupted: boolean; runDir: string;
  /** Stopped by `maxMinutes` before its last epoch; train(config, runDir, true) continues it, as it does an interrupted run. */
  outOfTime: boolean;
  /** Batches in one epoch (state.batch of them ran of the epoch after state.epoch). */
  batchesPerEpoch: number;
  /** Whether the best validation came after a partial epoch (its entry in log.jsonl is marked so). */
  bestPartial: boolean;
}

/** "3 epochs", or "3 epochs and 12/40 batches of epoch 4": what a run has trained, in words that match its log. */
export function trainedText(r: Pick<TrainResult, 'state' | 'batchesPerEpoch'>): string {
  const { epoch, batch } = r.state;
  const whole = `${epoch} epoch${epoch === 1 ? '' : 's'}`;
  return batch > 0 ? `${whole} and ${batch}/${r.batchesPerEpoch} batches of epoch ${epoch + 1}` : whole;
}

/** Whole numbers from `min`: counts and sizes a configuration gives (a JavaScript caller may give anything). */
const whole = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;
const isSize = (v: unknown) => Array.isArray(v) && v.length === 2 && v.every((x) => whole(x, 1));

/** Settings no run can learn from, refused before any work (the library's words: the fields of TrainConfig). */
export function checkTrainConfig(cfg: TrainConfig): void {
  for (const k of ['epochs', 'batchSize', 'valBatchSize'] as const) if (!whole(cfg[k], 1)) throw argumentError(k, cfg[k], 'expected a whole number, 1 or more');
  if (cfg.augment !== undefined) checkAugment(cfg.augment);
  if (!isSize(cfg.inputSize)) throw argumentError('inputSize', JSON.stringify(cfg.inputSize), 'expected [height, width] in whole pixels, e.g. [256, 256]');
  if (cfg.resize !== undefined && !isSize(cfg.resize)) throw argumentError('resize', JSON.stringify(cfg.resize), 'expected [height, width] in whole pixels, e.g. [256, 256]');
  if (!SCHEDULES.includes(cfg.schedule)) throw argumentError('schedule', cfg.schedule, `use ${SCHEDULES.join(', ')}`);
  if (!LOSSES.includes(cfg.loss)) throw argumentError('loss', cfg.loss, `unknown loss; use one of ${LOSSES.join(', ')}`);
  if (!BACKENDS.includes(cfg.backend as BackendName)) throw argumentError('backend', cfg.backend, `unknown backend; use one of ${BACKENDS.join(', ')}`);
  if (!whole(cfg.warmupSteps, 0)) throw argumentError('warmupSteps', cfg.warmupSteps, 'expected a whole number of steps, 0 or more');
  if (!(cfg.focalGamma >= 0 && Number.isFinite(cfg.focalGamma))) throw argumentError('focalGamma', cfg.focalGamma, 'expected 0 or above');
  if (!whole(cfg.ignoreIndex, 0) || cfg.ignoreIndex > 255) throw argumentError('ignoreIndex', cfg.ignoreIndex, 'expected a label 0..255 (masks hold 8-bit class ids)');
  if (!Number.isSafeInteger(cfg.seed)) throw argumentError('seed', cfg.seed, 'expected a whole number');
  if (cfg.earlyStopPatience != null && !whole(cfg.earlyStopPatience, 1)) throw argumentError('earlyStopPatience', cfg.earlyStopPatience, 'expected a whole number of epochs, 1 or more');
  if (cfg.workers != null && !whole(cfg.workers, 0)) throw argumentError('workers', cfg.workers, 'expected a whole number of worker threads, 0 or more');
  // The card lists one class per network output: a list of another length would name the wrong classes.
  if (!whole(cfg.model?.numClasses, 1)) throw argumentError('numClasses', cfg.model?.numClasses, 'expected a whole number of classes, 1 or more');
  if (!Array.isArray(cfg.classes) || cfg.classes.length !== cfg.model.numClasses) throw new UserError(`classes: ${Array.isArray(cfg.classes) ? cfg.classes.length : 'none'} for a network of ${cfg.model.numClasses} outputs; give one class (name, color) for each`, 2, 'classes');
  // 0 is allowed here (the weights stay as they are: a run that only validates); the CLI asks for more.
  if (!(cfg.lr >= 0 && Number.isFinite(cfg.lr))) throw argumentError('lr', cfg.lr, 'the learning rate must be 0 or above');
  const w = cfg.classWeights;
  if (w !== undefined && w !== 'auto' && !(Array.isArray(w) && w.length === cfg.model.numClasses)) throw argumentError('classWeights', Array.isArray(w) ? w.join(',') : w, `expected 'auto' or one weight for each of the ${cfg.model.numClasses} classes`);
  if (Array.isArray(w) && (w.some((x) => !(x >= 0)) || w.every((x) => x === 0))) throw argumentError('classWeights', w.join(','), 'weights must be >= 0 and at least one above 0');
  const colour = (c: unknown) => Array.isArray(c) && c.length === 3 && c.every((x) => whole(x, 0) && x <= 255);
  if (cfg.maskColors !== undefined && !(Array.isArray(cfg.maskColors) && cfg.maskColors.every(colour))) throw argumentError('maskColors', JSON.stringify(cfg.maskColors), 'expected a list of [r, g, b] colours, 0..255, one per class of the masks');
  if (cfg.maxMinutes != null && !(cfg.maxMinutes > 0)) throw argumentError('maxMinutes', cfg.maxMinutes, 'must be above 0');
  if (cfg.valFraction != null && !(cfg.valFraction > 0 && cfg.valFraction < 1)) throw argumentError('valFraction', cfg.valFraction, 'the share of training pairs held out for validation, above 0 and below 1 (e.g. 0.2)');
  if (cfg.valFraction != null && cfg.val) throw argumentError('valFraction', cfg.valFraction, 'holds validation images out of the training pairs; give it or a validation split (val), not both');
  if (cfg.distillWeight != null && !(cfg.distillWeight >= 0 && cfg.distillWeight <= 1)) throw argumentError('distillWeight', cfg.distillWeight, 'the distillation term\'s share of the loss must be 0..1');
  if (cfg.distillTemperature != null && !(cfg.distillTemperature > 0 && Number.isFinite(cfg.distillTemperature))) throw argumentError('distillTemperature', cfg.distillTemperature, 'must be above 0 (1 = the plain softmax)');
  if (!cfg.teacher && (cfg.distillWeight != null || cfg.distillTemperature != null)) throw argumentError('distillWeight', cfg.distillWeight ?? cfg.distillTemperature, 'distillation needs a teacher model (teacher)');
  if (cfg.teacherView !== undefined && !TEACHER_VIEWS.includes(cfg.teacherView)) throw argumentError('teacherView', cfg.teacherView, `use ${TEACHER_VIEWS.join(' or ')}`);
  if (cfg.teacherView !== undefined && !cfg.teacher) throw argumentError('teacherView', cfg.teacherView, 'what a teacher sees; give the teacher model (teacher)');
  const into = cfg.teacherClasses;
  if (into !== undefined) {
    if (!cfg.teacher) throw argumentError('teacherClasses', Array.isArray(into) ? into.join(',') : into, 'maps a teacher\'s classes; give the teacher model (teacher)');
    if (!Array.isArray(into) || into.some((r) => !whole(r, 0) || r >= cfg.model.numClasses)) throw argumentError('teacherClasses', Array.isArray(into) ? into.join(',') : into, `expected the run's class (0..${cfg.model.numClasses - 1}) of each of the teacher's classes`);
    const missing = cfg.classes.findIndex((_, r) => !into.includes(r));
    if (missing >= 0) throw argumentError('teacherClasses', into.join(','), `no teacher class counts as ${cfg.classes[missing].name}: the student could not learn it`);
  }
  if (unlabelled(cfg)) {
    // Images without masks: what they are trained for comes from a teacher alone.
    if (!cfg.teacher) throw new UserError(`${cfg.train.images}: no masks (masks); give the images' masks, or a teacher model (teacher) whose class probabilities are the targets`, 2, 'masks');
    if (cfg.distillWeight != null && cfg.distillWeight !== 1) throw argumentError('distillWeight', cfg.distillWeight, 'without masks the teacher is the only target: 1 (or give masks)');
    if (cfg.classWeights !== undefined) throw argumentError('classWeights', Array.isArray(cfg.classWeights) ? cfg.classWeights.join(',') : cfg.classWeights, 'weigh the classes of masks; this run has none (the teacher gives every target)');
  }
}

export interface TrainerHooks {
  log?: (line: string) => void; quiet?: boolean;
  /** Aborting it stops the run after the current step and saves a checkpoint; train() then resolves with interrupted: true. */
  signal?: AbortSignal;
  onStep?: (s: TrainState, loss: number) => void;
  /** The learning rate of each step, instead of the run's schedule (the learning-rate range test, lr_find.ts). */
  learningRate?: (step: number) => number;
  /** Fault injection (tests): poison the gradients of the steps for which this returns true. */
  injectNaN?: (step: number) => boolean;
}

/** The main thread's gradients for a batch (no workers), by variable name. */
function mainGradients(model: SegModel, vars: tf.Variable[], lossSpec: Parameters<typeof accumulatedGradients>[2], batch: Batch, micro: number): Gradients {
  const r = accumulatedGradients(model, vars, lossSpec, batch, micro);
  return { loss: r.loss, grads: Object.fromEntries(vars.map((v, j) => [v.name, r.grads[j]])) };
}

export function datasetSpec(cfg: TrainConfig, split: PairingSpec): DatasetSpec {
  return {
    ...split, numClasses: cfg.model.numClasses,
    ignoreIndex: cfg.ignoreIndex, labelMap: new Map(cfg.labelMap), colors: cfg.maskColors ?? cfg.classes.map((c) => c.color),
  };
}

/** The card of a training run: its model, classes, and the input rule it trains with (`resize`: sharp, as the loader). */
export function modelCard(cfg: TrainConfig, stride: number): ModelCard {
  return buildCard({
    model: cfg.model, classes: cfg.classes,
    input: { normalization: cfg.norm, stride, ...(cfg.sampleType && cfg.sampleType !== 'uint8' ? { sampleType: cfg.sampleType } : {}), rule: cfg.resize ? { kind: 'fixed', size: cfg.resize, filter: 'sharp' } : undefined },
    ignoreIndex: cfg.ignoreIndex, weights: 'best.safetensors',
    source: 'trained with pixelwise train', notes: `trained on ${cfg.train.images}${cfg.teacher ? `, distilled from ${cfg.teacher}${unlabelled(cfg) ? ' alone (images without masks)' : ''}${teacherClassesNote(cfg)}` : ''}`,
  });
}

/** Which of the teacher's classes became which of the run's, when they are not the same list. */
function teacherClassesNote(cfg: TrainConfig): string {
  const into = cfg.teacherClasses;
  if (!into) return '';
  const merged = cfg.classes.map((c, i) => ({ name: c.name, n: into.filter((r) => r === i).length })).filter((m) => m.n > 1);
  return `; ${cfg.classes.length} of the teacher's ${into.length} classes${merged.map((m) => `, ${m.n} counted as ${m.name}`).join('')}`;
}

/** Shuffle keys of the precise-BN crops: past any epoch number, so they are not an epoch's own order. */
const PRECISE_BN_KEY = 1_000_000;

const nothingToLearn = (cfg: TrainConfig) => new UserError(`${cfg.train.masks}: every mask pixel is the ignore label ${cfg.ignoreIndex} (or mapped to it): there is nothing to learn; check ignoreIndex and labelMap (pixelwise verify shows the class counts)`);

export async function train(cfg: TrainConfig, runDir: string, resume: boolean, hooks: TrainerHooks = {}): Promise<TrainResult> {
  expectArgs('train', [['config', cfg, 'object'], ['runDir', runDir, 'string']]);
  // A resumed run's train.json may hold a key of an earlier version: only a new run's are checked.
  if (!resume) refuseUnknownTrainKeys(cfg);
  checkTrainConfig(cfg); // before the run folder is made: a refused configuration leaves nothing behind
  const unlock = lockRun(runDir); // one trainer per run folder
  try { return await trainRun(cfg, runDir, resume, hooks); } finally { unlock(); }
}

async function trainRun(cfg: TrainConfig, runDir: string, resume: boolean, hooks: TrainerHooks): Promise<TrainResult> {
  // maxMinutes counts from here: decoding the data set and planning memory are part of the run's time.
  const started = Date.now();
  // A library caller need not have started the engine: the run's backend, unless one is running.
  if (!engineBackend()) await initEngine(cfg.backend as BackendName);
  const log = hooks.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const trainSpec = datasetSpec(cfg, cfg.train);
  let trainSamples = loadSamples(trainSpec);
  let valSpec = cfg.val ? datasetSpec(cfg, cfg.val) : null;
  if ((cfg.valEvery ?? 1) < 1) throw argumentError('valEvery', cfg.valEvery, 'must be >= 1');
  let valSamples: Sample[] = valSpec ? loadSamples(valSpec) : [];
  if (cfg.valFraction != null) {
    if (trainSamples.length < 2) throw argumentError('valFraction', cfg.valFraction, `${trainSamples.length} training pair${trainSamples.length === 1 ? '' : 's'}: nothing to hold out; give a validation split or more images`);
    const held = new Set(holdOut(trainSamples.map((s) => s.id), cfg.valFraction).val);
    valSamples = trainSamples.filter((s) => held.has(s.id));
    trainSamples = trainSamples.filter((s) => !held.has(s.id));
    valSpec = trainSpec;
    // Named in the run folder: the list evaluate takes (--list) to score the model on them again.
    makeDir(runDir);
    // Each id with its image's extension: a list's line loses an image extension, not a dot of its stem (frame.0001).
    const valList = path.join(runDir, 'val.txt');
    // A name no list line can hold (a leading #) leaves the run unlisted, not stopped; a full disk still stops it.
    let text: string | null = null, listed = `listed in ${valList}`;
    try { text = splitListText(valSamples.map((s) => s.id + path.extname(s.image)), valList); } catch (e) {
      if (!(e instanceof UserError)) throw e;
      listed = `not listed (${e.message})`;
    }
    if (text != null) writeFileAtomic(valList, text);
    log(`validation: ${valSamples.length} of the ${trainSamples.length + valSamples.length} training ${unlabelled(cfg) ? 'images' : 'pairs'} held out (options.valFraction ${cfg.valFraction}, by a hash of each name: an image keeps its side as the folder grows), ${listed}`);
  }
  const shared = trainedOn(trainSamples, valSamples);
  if (shared) log(`${shared} of the ${valSamples.length} validation images are training images too (the same files): the validation scores will flatter the model; validate on images held out of training`);

  // Without masks the teacher is the only target (checkTrainConfig refuses another weight).
  const distill = cfg.teacher ? { weight: cfg.distillWeight ?? (unlabelled(cfg) ? 1 : DEFAULT_DISTILL.weight), temperature: cfg.distillTemperature ?? DEFAULT_DISTILL.temperature } : undefined;
  const teacher = cfg.teacher ? await openTeacher(cfg.teacher, cfg.classes, distill!.temperature, 1, cfg.teacherClasses) : null;
  try {
    if (teacher && unlabelled(cfg) && cfg.valFraction != null) {
      // The held-out images are scored against the teacher's label maps: agreement, not accuracy.
      valSamples = await teacherMasks(teacher, valSamples, path.join(runDir, TEACHER_LABELS), cfg.bands != null, cfg.classes.map((c) => c.color), hooks.quiet);
      valSpec = { ...trainSpec, masks: path.join(runDir, TEACHER_LABELS), labelMap: new Map() };
      log(`validation masks: ${teacher.name}'s label maps of the held-out images (${path.join(runDir, TEACHER_LABELS)}): val mIoU is the student's agreement with its teacher`);
    }
    return await trainWith(cfg, runDir, resume, hooks, { started, log, trainSpec, trainSamples, valSpec, valSamples, teacher, distill });
  } finally { await teacher?.dispose(); }
}

/** Whether the run's training images have no masks (a teacher gives every target). */
export const unlabelled = (cfg: TrainConfig) => !cfg.train.masks;

/** The folder of a run without masks that holds its teacher's label maps of the validation images. */
export const TEACHER_LABELS = 'teacher_labels';

/**
 * The teacher's label maps of `samples` as their masks, written once as indexed PNGs in `dir` (a
 * resumed run finds them there).
 */
async function teacherMasks(teacher: Teacher, samples: Sample[], dir: string, asStored: boolean, palette: Rgb[], quiet?: boolean): Promise<Sample[]> {
  const bar = progressBar('teacher labels', samples.length, 'img', quiet);
  try {
    const out: Sample[] = [];
    for (const [i, s] of samples.entries()) {
      const mask = path.join(dir, `${s.id}.png`);
      if (!isFile(mask)) {
        const img: PixelImage = asStored ? await readRaster(s.image) : await readImage(s.image);
        const [labels] = await teacher.labels([img]);
        makeDir(path.dirname(mask));
        writeFileAtomic(mask, encodeLabelPng(labels, img.width, img.height, palette));
      }
      out.push({ ...s, mask });
      bar.update(i + 1);
    }
    return out;
  } finally { bar.stop(); }
}

/** How many validation samples' images are training samples' images (the same files, by real path). */
function trainedOn(train: Sample[], val: Sample[]): number {
  if (!val.length) return 0;
  const real = (f: string) => { try { return fs.realpathSync(f); } catch { return path.resolve(f); } };
  const seen = new Set(train.map((s) => real(s.image)));
  return val.filter((s) => seen.has(real(s.image))).length;
}

interface Prepared {
  started: number; log: (l: string) => void; trainSpec: DatasetSpec; trainSamples: Sample[]; valSpec: DatasetSpec | null; valSamples: Sample[];
  teacher: Teacher | null; distill?: DistillOptions;
}

async function trainWith(cfg: TrainConfig, runDir: string, resume: boolean, hooks: TrainerHooks, p: Prepared): Promise<TrainResult> {
  const { started, log, trainSpec, trainSamples, valSpec, valSamples, teacher, distill } = p;
  const loader = new SegLoader(trainSamples, trainSpec, {
    batchSize: cfg.batchSize, crop: cfg.inputSize, resize: cfg.resize, augment: cfg.augment ?? NO_AUGMENT,
    norm: cfg.norm, seed: cfg.seed, shuffle: true, prefetch: 2, cacheMb: cfg.cacheMb, bands: cfg.bands,
    ...(teacher && cfg.teacherView === 'image' ? { teacherImage: (img: PixelImage) => teacher.imageTargets(img) } : { teacher: teacher ? (imgs: PixelImage[]) => teacher.softTargets(imgs) : undefined }),
  });
  const warmBar = progressBar(teacher && cfg.teacherView === 'image' ? 'decode, teacher' : 'decode', trainSamples.length, 'img', hooks.quiet);
  try { await loader.warm((d) => warmBar.update(d)); } finally { warmBar.stop(); }
  // A teacher speaks for every pixel: masks that ignore them all still leave something to learn.
  if (!teacher && await loader.labelledPixels() === 0) throw nothingToLearn(cfg);

  let classWeights: number[] | undefined;
  if (cfg.classWeights === 'auto') {
    // One sample at a time: with a dataset beyond the cache budget nothing else stays in memory.
    const hist = new Array(cfg.model.numClasses).fill(0);
    for (const smp of trainSamples) {
      classHistogram([(await loader.pair(smp)).mask], cfg.model.numClasses, cfg.ignoreIndex).forEach((v, i) => { hist[i] += v; });
    }
    classWeights = medianFrequencyWeights(hist);
    log(`class weights (median frequency): ${classWeights.map((w) => w.toFixed(2)).join(', ')}`);
  } else classWeights = cfg.classWeights;

  tf.util.assert(cfg.batchSize > 0, () => 'batch size');
  const model = new SegModel({ seed: cfg.seed, ...cfg.model });
  const opt = new Adam(cfg.lr);
  let state: TrainState = { epoch: 0, batch: 0, step: 0, bestMIoU: -1, bestEpoch: -1, epochsWithoutImprovement: 0 };
  const lastFile = path.join(runDir, 'last.safetensors'), bestFile = path.join(runDir, 'best.safetensors');
  const logFile = path.join(runDir, 'log.jsonl');
  if (resume && !isFile(lastFile)) {
    // Stopped (or killed) before its first checkpoint: the run starts again from its beginning.
    log(`resume: no checkpoint yet in ${runDir}; starting the run from its beginning`);
    resume = false;
  }
  if (resume) {
    const ck = loadCheckpoint(lastFile, model);
    if (!ck.state) throw new UserError(`${lastFile}: no trainer state; cannot resume`);
    state = ck.state;
    // The optimizer's slots are created on its first update; restore them now.
    await ck.restoreOptimizer(opt);
    log(`resumed ${runDir} at epoch ${state.epoch + 1}, batch ${state.batch}, step ${state.step}`);
    // Keep train.json in step with options changed on resume (--epochs, --max-minutes, --workers).
    writeFileAtomic(path.join(runDir, 'train.json'), JSON.stringify(cfg, null, 2) + '\n');
  } else {
    if (cfg.encoderWeights) {
      const n = await loadEncoderWeights(model, cfg.encoderWeights);
      log(`encoder initialised from ${cfg.encoderWeights} (${n} tensors)`);
    }
    if (cfg.initWeights) {
      // By name: weights of another shape (a head for another class count) or absent from the file
      // (another decoder over the file's encoder) stay new. The optimizer starts fresh.
      const file = readSafetensors(cfg.initWeights).tensors;
      let kept = model.loadNamedWeights(file, cfg.initWeights, { strict: false, keepMismatched: true, keepMissing: true });
      if (cfg.initClasses) {
        const started = new Set(await startHead(model, file, cfg.initClasses.starts, cfg.initClasses.from, cfg.initWeights));
        kept = kept.filter((k) => !started.has(k));
        const n = cfg.initClasses.starts.filter((c) => c >= 0).length;
        log(`class scores: ${n} of ${cfg.initClasses.starts.length} classes start from the starting model's (${[...started].join(', ')})`);
      }
      log(`initialised from ${cfg.initWeights}${kept.length ? `; ${kept.length} tensors start new (${kept.slice(0, 3).join(', ')}${kept.length > 3 ? ', ...' : ''})` : ''}`);
    }
    writeFileAtomic(path.join(runDir, 'train.json'), JSON.stringify(cfg, null, 2) + '\n');
    writeCard(runDir, modelCard(cfg, model.stride));
    if (isFile(logFile)) fs.rmSync(logFile);
  }
  log(`model ${cfg.model.arch}: ${model.paramCount().toLocaleString('en-US')} parameters; ${trainSamples.length} training images, ${valSamples.length} validation; backend ${tf.getBackend()}`);

  const lossSpec = { loss: cfg.loss, options: { numClasses: cfg.model.numClasses, ignoreIndex: cfg.ignoreIndex, classWeights, focalGamma: cfg.focalGamma, distill } };
  if (teacher) log(`distillation from ${teacher.name}${cfg.teacherView === 'image' ? ' (each whole image once, warped with the crops)' : ''}: ${distill!.weight === 1 ? '' : `${distill!.weight} x `}temperature ${distill!.temperature}^2 x KL(teacher || student)${distill!.weight === 1 ? ' alone' : ` + ${1 - distill!.weight} x ${cfg.loss}`}`);
  const workers = Math.min(cfg.workers ?? 0, cfg.batchSize - 1);
  // One TF.js instance alone: its ONNX Runtime convolutions may use every core; with workers, one each.
  configureOrtKernels({ enabled: cfg.ortKernels ?? true, threads: workers > 0 ? 1 : defaultThreads() });
  const plan = await planMicroBatch(model, lossSpec, Math.ceil(cfg.batchSize / (workers + 1)), cfg.inputSize, cfg.microBatch ?? 'auto', cfg.checkpointBlocks ?? 0);
  if (plan.checkpointBlocks) {
    model.setCheckpointBlocks(plan.checkpointBlocks);
    log(`gradient checkpointing: ${model.checkpointSegments.length} segments (${model.checkpointSegments.join(', ')} layers), all but the last recomputed in the backward pass${cfg.checkpointBlocks === 'auto' ? ' (checkpointBlocks auto: one sample would not fit the wasm heap otherwise)' : ''}`);
  }
  if (plan.micro < plan.shard) log(`micro-batches of ${plan.micro} (of ${plan.shard} per thread): one ${cfg.inputSize.join('x')} sample adds ${(plan.perSampleBytes / 2 ** 20).toFixed(0)} MB to the wasm heap at its peak; gradients are accumulated`);
  const dp = workers > 0 ? await DataParallel.start(model, lossSpec, plan.micro, workers, tf.getBackend(), plan.checkpointBlocks) : null;
  if (dp) log(`data-parallel: batch split over ${dp.size} threads (main + ${workers} worker${workers > 1 ? 's' : ''})`);
  const perEpoch = loader.batchesPerEpoch;
  const totalSteps = cfg.epochs * perEpoch;
  const vars = model.trainableVariables;
  let interrupted = false, outOfTime = false;
  // The time budget is kept by stopping early enough for what follows the last step: validation
  // (measured once it has run, else estimated from the training rate) and the checkpoint.
  const budgetMs = cfg.maxMinutes ? cfg.maxMinutes * 60_000 : Infinity;
  let stepMs = 0, valMs: number | null = null;
  const afterLastStepMs = (imageMs: number) => (valMs ?? (valSpec ? valSamples.length * imageMs * 0.5 : 0)) + 2 * stepMs;
  let labelledPixels = 0; // none over a whole epoch means every mask pixel is ignored and nothing can be learned
  const guard = new GuardedSteps();
  // hooks.signal stops the run after the current step, with a checkpoint (the CLI aborts it on Ctrl-C and SIGTERM).
  let stopReq = hooks.signal?.aborted ?? false;
  hooks.signal?.addEventListener('abort', () => { stopReq = true; });
  let best: Scores | undefined;
  endCutLine(logFile);
  const history = fs.existsSync(logFile) ? logUpTo<EpochLog>(logFile, state.step) : [];
  // curves.png follows the log; a kill after the last checkpoint can leave it one epoch behind.
  if (resume && history.length) await writeCurves(runDir, history);
  const preciseImages = Math.min(cfg.preciseBn ?? DEFAULT_PRECISE_BN_IMAGES, trainSamples.length);
  // Before a model is judged or saved as best, its BatchNorm statistics are those of many training
  // crops rather than of the last few micro-batches (precise_bn.ts); the crops differ per epoch
  // (their own shuffle key) and are the same on resume.
  const preciseBn = async (epochDone: number) => {
    if (preciseImages <= 0) return;
    const bar = progressBar('  BN statistics', preciseImages, 'img', hooks.quiet);
    try {
      await recomputeBatchNormStats(model, loader.sampleBatches(PRECISE_BN_KEY + epochDone, preciseImages), plan.micro, (n) => bar.update(n));
    } finally { bar.stop(); }
  };

  try {
    while (state.epoch < cfg.epochs) {
      const epoch = state.epoch;
      const bar = progressBar(`epoch ${epoch + 1}/${cfg.epochs}`, trainSamples.length, 'img', hooks.quiet);
      const t0 = Date.now();
      let lossSum = 0, lossN = 0, images = state.batch * cfg.batchSize, waitMs = 0, lr = 0;
      const passStart = state.batch;
      let tWait = Date.now();
      for await (const batch of loader.epoch(epoch, state.batch)) {
        waitMs += Date.now() - tWait;
        const tStep = Date.now();
        if (labelledPixels === 0) for (let i = 0; i < batch.y.length; i++) if (batch.y[i] !== cfg.ignoreIndex) { labelledPixels++; break; }
        lr = hooks.learningRate ? hooks.learningRate(state.step) : learningRate(cfg.schedule, cfg.lr, state.step, totalSteps, cfg.warmupSteps);
        opt.learningRate = lr;
        const g = dp ? await dp.gradients(batch) : mainGradients(model, vars, lossSpec, batch, plan.micro);
        const loss = g.loss;
        const applied = guard.apply(g, opt, { epoch: epoch + 1, step: state.step, lr, onNaN: cfg.onNaN ?? 'stop', lastCheckpoint: lastFile, injectNaN: hooks.injectNaN?.(state.step), log });
        if (applied) { lossSum += loss; lossN++; }
        images += batch.n;
        state.batch++; state.step++;
        hooks.onStep?.(state, loss);
        // Cached batches and tensor reads resolve as microtasks: without a macrotask turn the event
        // loop never runs, and Ctrl-C / SIGTERM handlers would wait for the end of training.
        await new Promise((r) => setImmediate(r));
        bar.update(Math.min(images, trainSamples.length), { info: `| loss ${(lossSum / lossN).toFixed(4)} | lr ${lr.toExponential(2)}` });
        stepMs = stepMs ? 0.8 * stepMs + 0.2 * (Date.now() - tStep) : Date.now() - tStep;
        if (Date.now() - started + stepMs + afterLastStepMs(stepMs / batch.n) > budgetMs) { outOfTime = true; break; }
        if (stopReq) break;
        tWait = Date.now();
      }
      bar.stop();
      if (!teacher && labelledPixels === 0 && passStart === 0 && state.batch >= perEpoch) throw nothingToLearn(cfg);
      const seconds = (Date.now() - t0) / 1000;
      const finished = state.batch >= perEpoch;
      if (stopReq && !finished) {
        interrupted = true;
        await saveCheckpoint(lastFile, model, opt, state);
        log(`saved ${lastFile} (epoch ${epoch + 1}, batch ${state.batch}/${perEpoch})`);
        break;
      }
      const entry: EpochLog = {
        epoch: epoch + 1, step: state.step, lr, loss: lossSum / Math.max(1, lossN), seconds,
        imagesPerSec: (lossN * cfg.batchSize) / Math.max(1e-9, seconds), dataWaitFraction: waitMs / 1000 / Math.max(1e-9, seconds),
        ...memoryNow(),
        partial: !finished || undefined,
        ...(finished ? {} : { batches: state.batch, batchesPerEpoch: perEpoch }),
      };
      if (finished) { state.epoch++; state.batch = 0; }
      const validateNow = valSpec && (state.epoch % (cfg.valEvery ?? 1) === 0 || state.epoch >= cfg.epochs || stopReq || outOfTime || !finished);
      if (valSpec && validateNow) {
        const tVal = Date.now();
        await preciseBn(state.epoch);
        const vbar = progressBar('  validate', valSamples.length, 'img', hooks.quiet);
        // The model as every loaded model runs, through the one segmenter factory (whole images).
        const valSeg = createSegmenter(new TfjsNetwork(model, false), modelCard(cfg, model.stride), { filters: NODE_FILTERS, tiling: { pixelBudget: 0 } });
        const cm = await evaluateSamples((imgs) => valSeg.predictBatch(imgs), valSamples, valSpec, {
          batchSize: cfg.valBatchSize, input: valSeg.card.input, onImage: (d) => vbar.update(d),
        });
        vbar.stop();
        valMs = Date.now() - tVal;
        const sc = cm.scores(cfg.classes.map((c) => c.name));
        entry.val = { mIoU: sc.mIoU, pixelAccuracy: sc.pixelAccuracy, meanAccuracy: sc.meanAccuracy, perClassIoU: sc.perClass.map((c) => c.iou) };
        if (sc.mIoU > state.bestMIoU) {
          state.bestMIoU = sc.mIoU; state.bestEpoch = entry.epoch; state.epochsWithoutImprovement = 0; best = sc;
          await saveCheckpoint(bestFile, model, null, state);
          writeFileAtomic(path.join(runDir, 'best_scores.json'), JSON.stringify(sc, null, 2) + '\n');
        } else state.epochsWithoutImprovement++;
      } else if (!valSpec) {
        await preciseBn(state.epoch);
        await saveCheckpoint(bestFile, model, null, state);
      }
      // The log line goes first: killed between the two, a resumed run drops the lines past its
      // checkpoint and does the epoch again, so the log never lacks an epoch its checkpoint holds.
      history.push(entry);
      appendLine(logFile, JSON.stringify(entry));
      await saveCheckpoint(lastFile, model, opt, state);
      await writeCurves(runDir, history);
      log(`epoch ${entry.epoch}${entry.partial ? ` (partial: ${entry.batches}/${perEpoch} batches)` : ''}: loss ${entry.loss.toFixed(4)}` + (entry.val ? `, val mIoU ${(entry.val.mIoU * 100).toFixed(2)}, pixel acc ${(entry.val.pixelAccuracy * 100).toFixed(2)}` : '') +
        `, ${entry.imagesPerSec.toFixed(2)} img/s, ${formatDuration(seconds)}` + (state.bestEpoch === entry.epoch ? ' (best)' : ''));
      if (stopReq) { interrupted = true; log(`saved ${lastFile} (epoch ${state.epoch} done)`); break; }
      if (outOfTime) { log(`stopped: maxMinutes ${cfg.maxMinutes} reached`); break; }
      if (cfg.earlyStopPatience && state.epochsWithoutImprovement >= cfg.earlyStopPatience) {
        log(`early stop: no val mIoU improvement for ${cfg.earlyStopPatience} epochs (best ${(state.bestMIoU * 100).toFixed(2)} at epoch ${state.bestEpoch})`);
        break;
      }
    }
  } finally {
    await dp?.close();
    model.dispose();
    opt.dispose();
  }
  const bestEntry = history.filter((e) => e.epoch === state.bestEpoch && e.val).at(-1);
  return { state, best, interrupted, outOfTime: outOfTime && state.epoch < cfg.epochs, runDir, batchesPerEpoch: perEpoch, bestPartial: !!bestEntry?.partial };
}

async function writeCurves(runDir: string, h: EpochLog[]): Promise<void> {
  const png = await renderCharts([
    { title: 'training loss', series: [{ name: 'loss', color: '#d62728', points: h.map((e) => [e.epoch, e.loss]) }] },
    { title: 'validation', series: [
      { name: 'mIoU', color: '#1f77b4', points: h.filter((e) => e.val).map((e) => [e.epoch, e.val!.mIoU]) },
      { name: 'pixel accuracy', color: '#2ca02c', points: h.filter((e) => e.val).map((e) => [e.epoch, e.val!.pixelAccuracy]) },
    ] },
  ]);
  writeFileAtomic(path.join(runDir, 'curves.png'), png);
}
