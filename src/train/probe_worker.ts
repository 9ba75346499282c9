// The memory probe's thread (see micro_batch.ts): builds the model in a TF.js instance of its own,
// measures one sample's peak, reports it and exits.
import { configureOrtKernels } from '../engine/kernels/ort_native.js';
import { parentPort, workerData } from 'node:worker_threads';
import { initEngine } from '../engine/backend.js';
import type { BackendName } from '../engine/backend_names.js';
import { SegModel } from '../models/seg_model.js';
import { probeStep, type ProbeRequest } from './micro_batch.js';

const req = workerData as ProbeRequest;
try {
  await initEngine(req.backend as BackendName);
  configureOrtKernels({ enabled: req.ortKernels });
  const model = new SegModel(req.model);
  model.setCheckpointBlocks(req.checkpointBlocks);
  parentPort!.postMessage(await probeStep(model, req.loss, req.size));
} catch (e) {
  parentPort!.postMessage({ error: (e as Error).message });
}
