// A gradient worker: its own TF.js (wasm) instance and model replica. Per step it loads the
// weights from shared memory, computes the loss gradients of its shard and writes them (and its
// updated BatchNorm statistics) back to shared memory.
import { variableOf } from '../engine/private/tfjs_layers.js';
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, wasmHeapBytes } from '../engine/backend.js';
import { configureOrtKernels } from '../engine/kernels/ort_native.js';
import type { BackendName } from '../engine/backend_names.js';
import { SegModel } from '../models/seg_model.js';
import { accumulatedGradients } from './grad_accum.js';
import { checksum, type WorkerInit, type WorkerStep } from './parallel_protocol.js';

let init: WorkerInit;
let model: SegModel;
let byName: Map<string, tf.Variable>;

function loadWeights(): Float32Array {
  const all = new Float32Array(init.weights);
  const copy = all.slice(); // one consistent snapshot
  for (const s of init.slots) {
    const v = byName.get(s.name)!;
    const t = tf.tensor(copy.subarray(s.offset, s.offset + s.size), s.shape);
    v.assign(t);
    t.dispose();
  }
  return copy;
}

async function onStep(m: WorkerStep): Promise<void> {
  const snapshot = loadWeights();
  const [n, h, w] = m.shape;
  const vars = init.slots.filter((s) => s.trainable).map((s) => byName.get(s.name)!);
  const { loss, grads } = accumulatedGradients(model, vars, { loss: init.loss, options: init.lossOptions }, { x: m.x, y: m.y, soft: m.soft, n, height: h, width: w }, init.microBatch, m.totals);
  const gbuf = new Float32Array(init.grads);
  init.slots.filter((s) => s.trainable).forEach((s, j) => gbuf.set(grads[j].dataSync() as Float32Array, s.offset));
  const sbuf = new Float32Array(init.stats);
  for (const s of init.slots) {
    if (s.trainable) continue;
    sbuf.set(byName.get(s.name)!.dataSync() as Float32Array, s.offset);
  }
  tf.dispose(grads);
  parentPort!.postMessage({ type: 'done', loss, weightsChecksum: checksum(snapshot), heapBytes: wasmHeapBytes() });
}

parentPort!.on('message', (m: WorkerInit | WorkerStep | { type: 'exit' }) => {
  (async () => {
    if (m.type === 'init') {
      init = m;
      const backend = await initEngine(m.backend as BackendName);
      configureOrtKernels({ enabled: m.ortKernels });
      model = new SegModel(m.spec);
      model.setCheckpointBlocks(m.checkpointBlocks);
      byName = new Map(model.net.weights.map((w) => [SegModel.weightName(w), variableOf(w)]));
      parentPort!.postMessage({ type: 'ready', backend });
    } else if (m.type === 'step') {
      await onStep(m);
    } else if (m.type === 'exit') {
      model?.dispose();
      process.exit(0);
    }
  })().catch((e) => parentPort!.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) }));
});
