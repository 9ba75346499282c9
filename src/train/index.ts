// `pixelwise/train`: building, training and running TF.js models. Its own entry point: importing TF.js
// (core, layers and the wasm backend) costs start-up time and memory that users who only segment
// with ONNX models (`pixelwise`'s load()) need not pay.
export { initEngine } from '../engine/backend.js';
export type { BackendName } from '../engine/backend_names.js';
export { SegModel, type ModelSpec } from '../models/seg_model.js';
export { getArch, findArch, architectureNames, ENCODERS, DECODERS, NETWORKS, ALIASES } from '../models/registry.js';
export type { ArchBuilder, ArchOptions, Encoder, Decoder, Feature } from '../models/types.js';
export { loadModelPackage, readCard, type LoadedModel } from '../models/package.js';
export { train, type TrainResult, type EpochLog } from './trainer.js';
export { findLearningRate, type LrFindOptions, type LrFindResult } from './lr_find.js';
export { TRAIN_DEFAULTS, type TrainConfig } from './config.js';
export { trainConfig, type TrainOptions } from './build_config.js';
export { selectClasses, type ClassSelection, type OthersTo } from '../data/class_selection.js';
export { segmentationLoss } from './losses.js';
export type { LossName } from './choices.js';
export { learningRate, type ScheduleName } from './schedule.js';
export { recomputeBatchNormStats } from './precise_bn.js';
export { predictLabels, predictBatch } from '../inference/predictor.js';
