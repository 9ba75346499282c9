// Data-parallel training over worker threads, one TF.js wasm instance per core (tfjs-wasm is
// single-threaded in Node). The main thread stays the single source of truth: it computes the
// first shard of each batch itself, the workers the others; each shard's gradient is that of its
// share of the batch loss (grad_accum.ts), so they come back through shared memory and are added
// (exact for cross-entropy and distillation);
// Adam is applied once, on the main thread; BatchNorm moving statistics are averaged over the
// replicas. Every step starts by publishing the main weights, so all replicas compute on
// identical weights (each reports a checksum of what it loaded).
import { ortKernelsEnabled } from '../engine/kernels/ort_native.js';
import { variableOf } from '../engine/private/tfjs_layers.js';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { SegModel } from '../models/seg_model.js';
import { SegModel as SegModelClass } from '../models/seg_model.js';
import { accumulatedGradients, batchTotals, type LossSpec } from './grad_accum.js';
import { checksum, layoutSlots, type WeightSlot, type WorkerStepDone } from './parallel_protocol.js';
import type { Batch } from '../data/loader.js';
import { startWorker } from '../util/worker_entry.js';

interface Replica { worker: Worker; grads: Float32Array; stats: Float32Array }

export class DataParallel {
  lastChecksums: { main: number; workers: number[] } = { main: 0, workers: [] };
  /** Each worker's wasm heap after the last step (high-water marks; null off wasm). */
  workerHeapBytes: (number | null)[] = [];
  private constructor(
    private readonly model: SegModel, private readonly lossSpec: LossSpec, private readonly micro: number,
    private readonly slots: WeightSlot[], private readonly weights: Float32Array, private readonly replicas: Replica[],
    private readonly byName: Map<string, tf.Variable>,
  ) {}

  get size(): number { return this.replicas.length + 1; }

  /** `micro`: samples per forward/backward pass within each thread's shard (see grad_accum.ts). */
  static async start(model: SegModel, lossSpec: LossSpec, micro: number, workers: number, backend: string, checkpointBlocks = 0): Promise<DataParallel> {
    const vars = model.net.weights;
    const byName = new Map(vars.map((w) => [SegModelClass.weightName(w), variableOf(w)]));
    const { slots, total } = layoutSlots(vars.map((w) => ({ name: SegModelClass.weightName(w), shape: w.shape as number[], trainable: w.trainable })));
    const weightsSab = new SharedArrayBuffer(total * 4);
    const replicas: Replica[] = [];
    for (let i = 0; i < workers; i++) {
      const grads = new SharedArrayBuffer(total * 4), stats = new SharedArrayBuffer(total * 4);
      const worker = startWorker(import.meta.url, 'grad_worker', { stdout: false, stderr: false });
      worker.postMessage({ type: 'init', spec: model.spec, loss: lossSpec.loss, lossOptions: lossSpec.options, microBatch: micro, checkpointBlocks, ortKernels: ortKernelsEnabled(), slots, weights: weightsSab, grads, stats, backend });
      await reply(worker, 'ready');
      worker.unref();
      replicas.push({ worker, grads: new Float32Array(grads), stats: new Float32Array(stats) });
    }
    return new DataParallel(model, lossSpec, micro, slots, new Float32Array(weightsSab), replicas, byName);
  }

  private publishWeights(): number {
    for (const s of this.slots) this.weights.set(this.byName.get(s.name)!.dataSync() as Float32Array, s.offset);
    return checksum(this.weights);
  }

  /** One optimisation step on a whole batch; returns the batch loss. */
  /** One training step: gradients of every shard, combined, applied by `opt`; returns the loss. */
  async step(batch: Batch, opt: tf.Optimizer): Promise<number> {
    const { loss, grads } = await this.gradients(batch);
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
    return loss;
  }

  /** The batch's loss and combined gradients by variable name (the caller applies and disposes them). */
  async gradients(batch: Batch): Promise<{ loss: number; grads: tf.NamedTensorMap }> {
    const { n, height: h, width: w } = batch;
    const k = Math.min(this.size, n);
    const px = h * w;
    const c = this.lossSpec.options.numClasses, bands = this.model.spec.inChannels ?? 3;
    const bounds = Array.from({ length: k + 1 }, (_, i) => Math.round((i * n) / k));
    const shard = (i: number) => ({
      x: batch.x.slice(bounds[i] * px * bands, bounds[i + 1] * px * bands), y: batch.y.slice(bounds[i] * px, bounds[i + 1] * px),
      soft: batch.soft?.slice(bounds[i] * px * c, bounds[i + 1] * px * c), n: bounds[i + 1] - bounds[i],
    });
    // Every shard scales its loss to its share of the batch's: the shares' gradients add up.
    const totals = batchTotals(batch, this.lossSpec.options);
    if (totals.weight <= 0 && !this.lossSpec.options.distill) return { loss: 0, grads: {} };
    const mainChecksum = this.publishWeights();
    const pending: Promise<WorkerStepDone>[] = [];
    for (let i = 1; i < k; i++) {
      const s = shard(i);
      const r = this.replicas[i - 1];
      const done = reply<WorkerStepDone>(r.worker, 'done');
      done.catch(() => {}); // if the main shard fails first, a worker's later exit is not a second error
      const transfer = [s.x.buffer, s.y.buffer, ...(s.soft ? [s.soft.buffer] : [])];
      r.worker.postMessage({ type: 'step', x: s.x, y: s.y, soft: s.soft, shape: [s.n, h, w], totals }, transfer);
      pending.push(done);
    }
    // Main shard, computed while the workers run theirs.
    const s0 = shard(0);
    const trainable = this.slots.filter((s) => s.trainable);
    const vars = trainable.map((s) => this.byName.get(s.name)!);
    const statsSlots = this.slots.filter((s) => !s.trainable);
    const main = accumulatedGradients(this.model, vars, this.lossSpec, { ...s0, height: h, width: w }, this.micro, totals);
    const grads = main.grads;
    const results = await Promise.all(pending);
    this.lastChecksums = { main: mainChecksum, workers: results.map((r) => r.weightsChecksum) };
    this.workerHeapBytes = results.map((r) => r.heapBytes);
    const combined: tf.NamedTensorMap = {};
    tf.tidy(() => {
      trainable.forEach((s, j) => {
        const v = vars[j];
        let g = grads[j];
        for (let i = 1; i < k; i++) g = tf.add(g, tf.tensor(this.replicas[i - 1].grads.subarray(s.offset, s.offset + s.size), s.shape));
        combined[v.name] = tf.keep(k > 1 ? g : tf.clone(g));
      });
      // BatchNorm moving statistics: mean over the replicas that saw data.
      for (const s of statsSlots) {
        const v = this.byName.get(s.name)!;
        let acc: tf.Tensor = v;
        for (let i = 1; i < k; i++) acc = tf.add(acc, tf.tensor(this.replicas[i - 1].stats.subarray(s.offset, s.offset + s.size), s.shape));
        v.assign(tf.div(acc, k));
      }
    });
    tf.dispose(grads);
    return { loss: main.loss + results.reduce((a, r) => a + r.loss, 0), grads: combined };
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map(async (r) => { r.worker.postMessage({ type: 'exit' }); await r.worker.terminate().catch(() => 0); }));
  }
}

function reply<T>(worker: Worker, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: { type: string; message?: string }) => {
      if (m.type === type) { cleanup(); resolve(m as T); } else if (m.type === 'error') { cleanup(); reject(new Error(`gradient worker: ${m.message}`)); }
    };
    const onErr = (e: Error) => { cleanup(); reject(e); };
    const onExit = (c: number) => { cleanup(); reject(new Error(`gradient worker exited (${c})`)); };
    const cleanup = () => { worker.off('message', onMsg); worker.off('error', onErr); worker.off('exit', onExit); };
    worker.on('message', onMsg); worker.on('error', onErr); worker.on('exit', onExit);
  });
}
