// How many samples one TF.js instance can push through forward + backward at once. A wasm
// instance has at most 4 GB of heap, and TF.js keeps every activation the backward pass needs, so
// a big encoder at a real crop size exhausts it mid-run (a garbled wasm fault, not an error). A job
// that a loose bound from the layers' outputs puts far inside the heap runs whole as it is. Otherwise,
// before training starts, probe steps on one small sample measure the bytes per pixel at the peak
// (activations grow with the pixel count; the probe itself must never be what exhausts the
// heap). The probe runs in a worker thread with its own TF.js instance, so that the training
// instance's heap and state stay exactly as they were (results at the last bit depend on the heap's
// history: a resumed run must match an uninterrupted one). The plan is the largest micro-batch
// that keeps the peak inside a safe part of the heap and holds no more pixels than the kernels need
// for full speed (SATURATING_PIXELS), or a one-line error with the largest crop that fits when not
// even one sample does.
import { ortKernelsEnabled } from '../engine/kernels/ort_native.js';
import * as tf from '@tensorflow/tfjs-core';
import type { SegModel, ModelSpec } from '../models/seg_model.js';
import { UserError, argumentError } from '../util/errors.js';
import { Worker } from 'node:worker_threads';
import { accumulatedGradients, type LossSpec } from './grad_accum.js';
import { startWorker } from '../util/worker_entry.js';
import { wasmTensorBytes } from '../engine/backend.js';

/** wasm32's ceiling: 65535 pages of 64 KiB. */
export const WASM_HEAP_BYTES = 65535 * 65536;
/** Share of the heap the planned tensor peak may take: the allocator's fragmentation and the wasm
 * kernels' scratch memory live in the same heap (a ResNet50-PSPNet step whose tensors peaked at
 * about two thirds of the heap fitted in one run and ran out of it in another). */
const USABLE = 0.65;

export interface MicroPlan {
  micro: number; shard: number; baseBytes: number; perSampleBytes: number;
  /** Gradient checkpointing segments (0 = off): `auto` turns it on when one sample does not fit. */
  checkpointBlocks: number;
}

/** Segments when `--checkpoint-blocks auto` turns recomputation on: most of the saving of more
 * segments (measured on U-Net, ESPNetv2 and ResNet50-PSPNet) at a few layers' recomputation each. */
export const AUTO_CHECKPOINT_BLOCKS = 8;

/**
 * `--micro-batch auto` stops growing a pass at this many pixels: the kernels run at full speed
 * from here on, and larger passes only cost memory. Measured (bench U-Net, data-parallel, batch 8,
 * ms per step): 352x480 with 1 / 2 / 4 samples per pass 6675 / 6945 / 7080; 256x256 with 1 / 2 / 4
 * 2578 / 2522 / 2526.
 */
export const SATURATING_PIXELS = 1 << 17;

/** The larger probe crop's pixel count (the smaller has half). */
const PROBE_PIXELS = 96 * 96;

/** Probes one sample at `size`; returns the micro-batch <= shard: as above, balanced over the passes. */
export async function planMicroBatch(model: SegModel, spec: LossSpec, shard: number, size: [number, number], requested: number | 'auto', blocks: number | 'auto' = 0): Promise<MicroPlan> {
  // Other backends have no heap ceiling (tfjs-node) or are a reference (cpu): nothing to plan.
  if (tf.getBackend() !== 'wasm') return { micro: requested === 'auto' ? shard : Math.min(requested, shard), shard, baseBytes: 0, perSampleBytes: 0, checkpointBlocks: blocks === 'auto' ? 0 : blocks };
  const paramBytes = model.trainableVariables.reduce((a, v) => a + v.size * 4, 0);
  // The probe's peak holds the weights and their gradients (Adam's moments live outside the heap);
  // accumulating holds a second set of gradients.
  const need = (p: ProbeResult, m: number) => p.baseBytes + (m < shard ? paramBytes : 0) + m * p.perSampleBytes;
  const budget = USABLE * WASM_HEAP_BYTES;
  let checkpointBlocks = blocks === 'auto' ? 0 : blocks;
  const enough = Math.max(1, Math.ceil(SATURATING_PIXELS / (size[0] * size[1])));
  // A job far inside the heap even by a loose bound needs no probe (a worker that starts a TF.js
  // instance of its own before the first step).
  const bound = sampleBytesBound(model, size);
  if (bound && need(bound, shard) <= budget / 4) {
    return { micro: requested === 'auto' ? balancedMicroBatch(shard, Math.min(shard, enough)) : Math.min(requested, shard), shard, ...bound, checkpointBlocks };
  }
  let probe = await probeInWorker(model.spec, spec, size, checkpointBlocks);
  if (need(probe, 1) > budget && blocks === 'auto') {
    const recomputing = await probeInWorker(model.spec, spec, size, AUTO_CHECKPOINT_BLOCKS);
    if (need(recomputing, 1) < need(probe, 1)) { probe = recomputing; checkpointBlocks = AUTO_CHECKPOINT_BLOCKS; }
  }
  if (need(probe, 1) > budget) {
    const scale = Math.sqrt((budget - need(probe, 0)) / probe.perSampleBytes);
    const [h, w] = size;
    const fit = scale > 0.05 ? `; the largest crop that fits is about ${Math.floor(h * scale / 8) * 8}x${Math.floor(w * scale / 8) * 8}` : '';
    const how = checkpointBlocks ? `, recomputing activations in ${checkpointBlocks} segments,` : '';
    const tip = checkpointBlocks ? '' : ` (or checkpointBlocks ${AUTO_CHECKPOINT_BLOCKS} to recompute activations instead of keeping them)`;
    throw argumentError('inputSize', `${h}x${w}`, `one ${model.spec.arch} training sample${how} needs about ${gb(need(probe, 1))} GB of the ${gb(WASM_HEAP_BYTES)} GB wasm heap${fit}${tip}`);
  }
  let fits = 1;
  while (fits < shard && need(probe, fits + 1) <= budget) fits++;
  if (requested !== 'auto' && requested > fits) {
    throw argumentError('microBatch', requested, `${requested} samples of ${size[0]}x${size[1]} need about ${gb(need(probe, requested))} GB of the ${gb(WASM_HEAP_BYTES)} GB wasm heap; use ${fits} or auto`);
  }
  return { micro: requested === 'auto' ? balancedMicroBatch(shard, Math.min(fits, enough)) : Math.min(requested, shard), shard, ...probe, checkpointBlocks };
}

type Shape = (number | null)[];

/**
 * An upper bound on what the probe measures, from the network's layers alone: every layer's output
 * at the padded crop's full size (no layer's output is larger than its input here), 16 bytes a
 * value: the output kept for the backward pass, its gradient, and as much again for what a layer
 * holds inside; the base, every weight three times (weights, gradients and their sum). Loose by
 * design; null where a layer's output shape is not one shape (a layer applied at several).
 */
export function sampleBytesBound(model: SegModel, [h, w]: [number, number]): ProbeResult | null {
  let channels = 0;
  for (const layer of model.net.layers) {
    let shape: Shape | Shape[];
    try { shape = layer.outputShape as Shape | Shape[]; } catch { return null; }
    for (const s of (Array.isArray(shape[0]) ? shape : [shape]) as Shape[]) {
      const c = s[s.length - 1];
      if (c == null || s.length !== 4) return null;
      channels += c;
    }
  }
  const padded = (a: number) => Math.ceil(a / model.stride) * model.stride;
  const weightBytes = model.net.weights.reduce((a, v) => a + v.shape.reduce((n: number, d) => n * (d ?? 1), 1) * 4, 0);
  return { baseBytes: 3 * weightBytes, perSampleBytes: 16 * channels * padded(h) * padded(w) };
}

/**
 * The fewest passes over a shard that the heap allows (at most `fits` samples each), each pass as
 * small as that many passes permit: a shard of 4 where 3 fit runs as 2 + 2 rather than 3 + 1 (the
 * same number of passes at a lower peak).
 */
export function balancedMicroBatch(shard: number, fits: number): number {
  return Math.ceil(shard / Math.ceil(shard / Math.max(1, Math.min(fits, shard))));
}

export interface ProbeRequest { model: ModelSpec; loss: LossSpec; size: [number, number]; backend: string; checkpointBlocks: number; ortKernels: boolean }
export interface ProbeResult { baseBytes: number; perSampleBytes: number }

function probeInWorker(model: ModelSpec, loss: LossSpec, size: [number, number], checkpointBlocks: number): Promise<ProbeResult> {
  const req: ProbeRequest = { model, loss, size, backend: tf.getBackend(), checkpointBlocks, ortKernels: ortKernelsEnabled() };
  const worker = startWorker(import.meta.url, 'probe_worker', { workerData: req, stdout: true, stderr: true });
  return new Promise<ProbeResult>((resolve, reject) => {
    worker.once('message', (m: ProbeResult | { error: string }) => ('error' in m ? reject(new Error(`memory probe: ${m.error}`)) : resolve(m)));
    worker.once('error', (e) => reject(argumentError('inputSize', size.join('x'), `the memory probe failed (${e.message.split('\n')[0]}); try a smaller crop`)));
    worker.once('exit', (c) => reject(new Error(`memory probe exited (${c})`)));
  }).finally(() => { void worker.terminate(); });
}

/** Live tensor bytes before the step, and the peak bytes one sample of [h, w] adds in a forward +
 * backward pass. Two small crops of the same aspect are measured first and extrapolated linearly in
 * the padded pixel count; where that says one sample fits, one sample at the full size is measured
 * (the extrapolation misses terms that do not grow linearly: 25-30% for ResNet50-PSPNet at 473x473). */
export async function probeStep(model: SegModel, spec: LossSpec, [h, w]: [number, number]): Promise<ProbeResult> {
  const padded = (a: number) => Math.ceil(a / model.stride) * model.stride;
  const crop = (pixels: number): [number, number] => {
    const f = Math.max(1, Math.sqrt((h * w) / pixels)); // a small crop is probed at its own size
    return [padded(Math.max(1, Math.round(h / f))), padded(Math.max(1, Math.round(w / f)))];
  };
  // Bytes of tensor buffers in the wasm heap (tf.memory() would count each saved clone again).
  const base = wasmTensorBytes.live;
  const peak = ([ph, pw]: [number, number]) => {
    const c = spec.options.numClasses;
    const soft = spec.options.distill ? new Float32Array(ph * pw * c).fill(1 / c) : undefined;
    const shard = { x: new Float32Array(ph * pw * (model.spec.inChannels ?? 3)), y: new Int32Array(ph * pw), soft, n: 1, height: ph, width: pw };
    wasmTensorBytes.resetPeak();
    tf.dispose(accumulatedGradients(model, model.trainableVariables, spec, shard, 1).grads);
    return { pixels: ph * pw, bytes: wasmTensorBytes.peak - base };
  };
  const [ca, cb] = [crop(PROBE_PIXELS / 2), crop(PROBE_PIXELS)];
  const b = peak(cb);
  const a = ca[0] * ca[1] < cb[0] * cb[1] ? peak(ca) : b;
  const perPixel = b.pixels > a.pixels ? Math.max(0, (b.bytes - a.bytes) / (b.pixels - a.pixels)) : b.bytes / b.pixels;
  const fixed = Math.max(0, b.bytes - perPixel * b.pixels);
  const full: [number, number] = [padded(h), padded(w)];
  const extrapolated = fixed + perPixel * full[0] * full[1];
  // 1.3: the extrapolation runs up to 30% low, and the full-size probe must not exhaust the heap itself.
  const measurable = full[0] * full[1] > b.pixels && base + 1.3 * extrapolated < USABLE * WASM_HEAP_BYTES;
  return { baseBytes: base, perSampleBytes: measurable ? Math.max(extrapolated, peak(full).bytes) : extrapolated };
}

const gb = (b: number) => (b / 2 ** 30).toFixed(1);
