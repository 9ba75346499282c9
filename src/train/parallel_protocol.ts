// Shared layout between the trainer and its gradient workers: every model weight at a fixed
// offset in one Float32 SharedArrayBuffer (weights in), the trainable ones again in a per-worker
// gradient buffer (gradients out), and the non-trainable ones (BatchNorm moving statistics) in a
// per-worker stats buffer (updated statistics out).
import type { ModelSpec } from '../models/seg_model.js';
import type { LossName } from './choices.js';
import type { LossOptions } from './losses.js';
import type { BatchTotals } from './grad_accum.js';

export interface WeightSlot { name: string; offset: number; size: number; shape: number[]; trainable: boolean }

export interface WorkerInit {
  type: 'init';
  spec: ModelSpec;
  loss: LossName;
  lossOptions: LossOptions;
  microBatch: number; // samples per forward/backward pass within the shard
  checkpointBlocks: number; // gradient checkpointing segments (0 = off)
  ortKernels: boolean; // the main thread's choice of training kernels (ONNX Runtime's or wasm's)
  slots: WeightSlot[];
  weights: SharedArrayBuffer; // all weights, main -> worker
  grads: SharedArrayBuffer; // trainable gradients, worker -> main (same offsets as trainable slots)
  stats: SharedArrayBuffer; // non-trainable weights after the forward pass, worker -> main
  backend: string;
}

/** A shard of a batch: its samples (and the teacher's probabilities when distilling) and the batch's totals. */
export interface WorkerStep { type: 'step'; x: Float32Array; y: Int32Array; soft?: Float32Array; shape: [number, number, number]; totals: BatchTotals }
export interface WorkerStepDone { type: 'done'; loss: number; weightsChecksum: number; /** the worker's wasm heap (high-water) */ heapBytes: number | null }
export interface WorkerReady { type: 'ready'; backend: string }
export interface WorkerFailed { type: 'error'; message: string }

/** Lays out the weights: trainable ones first (gradient buffer), then the rest. */
export function layoutSlots(weights: { name: string; shape: number[]; trainable: boolean }[]): { slots: WeightSlot[]; total: number; trainableTotal: number } {
  const ordered = [...weights.filter((w) => w.trainable), ...weights.filter((w) => !w.trainable)];
  let offset = 0, trainableTotal = 0;
  const slots = ordered.map((w) => {
    const size = w.shape.reduce((a, b) => a * b, 1);
    const s = { name: w.name, offset, size, shape: w.shape, trainable: w.trainable };
    offset += size;
    if (w.trainable) trainableTotal = offset;
    return s;
  });
  return { slots, total: offset, trainableTotal };
}

/** Order-sensitive checksum of a float buffer: cheap proof that two copies of weights agree. */
export function checksum(a: Float32Array): number {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  let h = 2166136261;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 16777619);
  return h >>> 0;
}

/** Loss normaliser of a shard (sum of pixel weights over valid pixels), so shards combine exactly. */
export function shardWeight(y: Int32Array, o: LossOptions): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === o.ignoreIndex || v >= o.numClasses || v < 0) continue;
    s += o.classWeights ? o.classWeights[v] : 1;
  }
  return s;
}
