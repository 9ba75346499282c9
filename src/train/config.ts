// Everything that defines a training run; saved as train.json in the run folder so that
// `--resume` continues with exactly the same settings.
import type { AugmentConfig } from '../data/augment.js';
import type { ClassInfo, Rgb } from '../data/classes.js';
import type { PairingSpec } from '../data/dataset.js';
import type { Normalization } from '../data/normalize.js';
import type { SampleType } from '../data/pixels.js';
import type { ModelSpec } from '../models/seg_model.js';
import type { LossName, OnNaN, TeacherView } from './choices.js';
import type { ScheduleName } from './schedule.js';
import { cpuCores } from '../util/cores.js';
import { refuseUnknownKeys } from '../util/call_options.js';

/** A split's images and masks and how they pair (dataset.ts). */
export type SplitSpec = PairingSpec & { masks: string };

export interface TrainConfig {
  model: ModelSpec;
  /** The training images and masks; without `masks` (images alone) a teacher gives every target. */
  train: PairingSpec;
  val?: SplitSpec;
  /**
   * Instead of `val`: this share of the training pairs held out for validation (by a hash of each
   * sample's name, so an image keeps its side as the folder grows; data/hold_out.ts).
   */
  valFraction?: number;
  classes: ClassInfo[];
  ignoreIndex: number;
  labelMap: [number, number][];
  /**
   * The colours that decode RGB masks into class ids, when they are not the classes' own: a model of
   * some of a dataset's classes (data/class_selection.ts) reads its masks in the dataset's colours.
   */
  maskColors?: Rgb[];
  inputSize: [number, number];
  resize?: [number, number];
  batchSize: number;
  epochs: number;
  lr: number;
  schedule: ScheduleName;
  warmupSteps: number;
  loss: LossName;
  classWeights?: number[] | 'auto';
  focalGamma: number;
  augment: AugmentConfig;
  norm: Normalization;
  seed: number;
  earlyStopPatience?: number;
  maxMinutes?: number;
  /** A step whose loss or gradients are not finite: stop the run (default) or skip the step. */
  onNaN?: OnNaN;
  valBatchSize: number;
  /**
   * Images read as stored with this many bands and their own sample depth (raster.ts), instead of as
   * 8-bit RGB; the network takes `model.inChannels` = this many.
   */
  bands?: number;
  /** The training images' samples when read as stored (the card records it). */
  sampleType?: SampleType;
  /** Validate every N epochs (and always after the last). */
  valEvery?: number;
  /** Training images whose augmented crops give the BatchNorm statistics before each validation
   * and best checkpoint (precise_bn.ts; default DEFAULT_PRECISE_BN_IMAGES, 0 = the moving averages). */
  preciseBn?: number;
  /** Start from these weights (a pixelwise checkpoint or package weights), e.g. to fine-tune. */
  initWeights?: string;
  /** A recipe the command line trains next when this run completes, from this run's best weights
   * (`train --then`); kept here so that resuming this run goes on to it. train() does not read it. */
  then?: string;
  /** With initWeights from a model package: the package's class (index) each class's scores start
   * from (-1: new), and the package's class count (--init-classes; init_classes.ts). */
  initClasses?: { starts: number[]; from: number };
  /** Pretrained encoder weights (torchvision .pth/.safetensors or Keras .h5); the decoder starts random. */
  encoderWeights?: string;
  /** Distillation: a model (name or folder) whose class probabilities the student also learns
   * from (see losses.ts DistillOptions). */
  teacher?: string;
  /**
   * The run's class each of the teacher's classes counts as (their probabilities summed), when the
   * run learns some of the teacher's classes (the others its background); without it the teacher
   * predicts the run's classes.
   */
  teacherClasses?: number[];
  /**
   * What the teacher sees: each augmented crop as the student does (`crop`, the default), or each
   * whole image once, its probabilities kept and warped with every crop (`image`: one teacher pass
   * per image instead of per crop and epoch; a teacher of a fixed input size sees the whole scene).
   */
  teacherView?: TeacherView;
  /** The distillation term's share of the loss, 0..1 (default 0.5). */
  distillWeight?: number;
  /** The softmax temperature of both teacher and student in the distillation term (default 1). */
  distillTemperature?: number;
  /** Extra gradient worker threads (data parallel); 0 = main thread only. */
  workers?: number;
  /** Samples per forward/backward pass within a thread's share of the batch (gradients are
   * accumulated); auto = the most that fit the wasm heap. */
  microBatch?: number | 'auto';
  /** Gradient checkpointing: segments whose activations are recomputed in the backward pass (0 =
   * off); auto = only when one sample would not fit the wasm heap otherwise. */
  checkpointBlocks?: number | 'auto';
  backend: string;
  /** Decoded-sample cache budget, MB (default 4096); beyond it samples are decoded per batch. */
  cacheMb?: number;
  /** The training kernels that run on ONNX Runtime (default true; false: wasm's own kernels only). */
  ortKernels?: boolean;
}

/** Every key of TrainConfig (the compiler holds this to the interface): a key not here is a misspelling. */
export const TRAIN_CONFIG_KEYS: Record<keyof TrainConfig, true> = {
  model: true, train: true, val: true, valFraction: true, classes: true, ignoreIndex: true, labelMap: true, maskColors: true, inputSize: true, resize: true,
  batchSize: true, epochs: true, lr: true, schedule: true, warmupSteps: true, loss: true, classWeights: true, focalGamma: true,
  augment: true, norm: true, seed: true, earlyStopPatience: true, maxMinutes: true, onNaN: true, valBatchSize: true, bands: true,
  sampleType: true, valEvery: true, preciseBn: true, initWeights: true, then: true, initClasses: true, encoderWeights: true,
  teacher: true, teacherClasses: true, teacherView: true, distillWeight: true, distillTemperature: true, workers: true, microBatch: true, checkpointBlocks: true,
  backend: true, cacheMb: true, ortKernels: true,
};

/** A new run's configuration with a key TrainConfig lacks (a JavaScript caller's misspelling, ignored otherwise): refused. */
export function refuseUnknownTrainKeys(cfg: unknown): void {
  refuseUnknownKeys(cfg, TRAIN_CONFIG_KEYS, 'train()', 'setting');
}

/** The settings a run takes when it gives none (the command line's flags default to these too). */
export const TRAIN_DEFAULTS = {
  arch: 'unet',
  batchSize: 4,
  epochs: 30,
  lr: 1e-3,
  schedule: 'poly' as ScheduleName,
  warmupSteps: 0,
  loss: 'ce' as LossName,
  focalGamma: 2,
  seed: 1,
  onNaN: 'stop' as OnNaN,
  valEvery: 1,
  ignoreIndex: 255,
  backend: 'auto',
} as const;

/** Extra gradient worker threads when none are given: one per core beyond the main thread. */
export function defaultWorkers(): number {
  return cpuCores() - 1;
}

