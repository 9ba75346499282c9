// Checkpoints: one safetensors file holding the model weights, the Adam moments and the trainer
// state (in the metadata), written atomically, so a checkpoint is either whole or absent.
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, writeSafetensors, type NamedArray } from '../formats/safetensors.js';
import type { SegModel } from '../models/seg_model.js';
import type { Adam } from './adam.js';
import { UserError } from '../util/errors.js';

export interface TrainState {
  epoch: number; // epochs fully done
  batch: number; // batches done in the current epoch (non-zero after an interrupt)
  step: number;
  bestMIoU: number;
  bestEpoch: number;
  epochsWithoutImprovement: number;
}

export async function saveCheckpoint(file: string, model: SegModel, opt: Adam | null, state: TrainState): Promise<void> {
  const tensors: NamedArray[] = await model.namedWeights();
  if (opt) {
    const ws = await opt.getWeights();
    const [iter, ...slots] = ws;
    tensors.push({ name: 'optimizer/iterations', shape: [], data: Float32Array.from(await iter.tensor.data()) });
    iter.tensor.dispose(); // getWeights() makes a fresh scalar for the iteration count
    // Adam keeps its moments positionally, in the order of the trainable variables; name them
    // by the stable weight names so checkpoints compare across processes.
    const names = model.net.trainableWeights.map((w) => w.originalName);
    const half = slots.length / 2;
    // No slots yet: every step so far was skipped (--on-nan skip); Adam creates them on its first update.
    if (half !== names.length && half !== 0) throw new Error(`optimizer holds ${half} slots for ${names.length} trainable weights`);
    for (let i = 0; i < slots.length; i++) {
      const kind = i < half ? 'm' : 'v';
      tensors.push({ name: `optimizer/${kind}/${String(i % half).padStart(4, '0')}/${names[i % half]}`, shape: slots[i].tensor.shape, data: (await slots[i].tensor.data()) as Float32Array });
      slots[i].tensor.dispose(); // fresh copies of the moments
    }
  }
  writeSafetensors(file, tensors, { format: 'pixelwise-checkpoint', state: JSON.stringify(state) });
}

export interface LoadedCheckpoint { state: TrainState | null; restoreOptimizer: (opt: Adam) => Promise<void> }

export function loadCheckpoint(file: string, model: SegModel): LoadedCheckpoint {
  const st = readSafetensors(file);
  model.loadNamedWeights(st.tensors, file);
  const state = st.metadata.state ? JSON.parse(st.metadata.state) as TrainState : null;
  return {
    state,
    restoreOptimizer: async (opt) => {
      const iter = st.tensors.get('optimizer/iterations');
      if (!iter) throw new UserError(`${file}: has no optimizer state; cannot resume from it`);
      const keys = [...st.tensors.keys()].filter((k) => k.startsWith('optimizer/m/') || k.startsWith('optimizer/v/')).sort();
      const m = keys.filter((k) => k.startsWith('optimizer/m/')), v = keys.filter((k) => k.startsWith('optimizer/v/'));
      const named = [...m, ...v].map((k) => {
        const t = st.tensors.get(k)!;
        return { name: k.split('/').slice(3).join('/'), tensor: tf.tensor(t.data as Float32Array, t.shape) };
      });
      await opt.setWeights([{ name: 'iter', tensor: tf.scalar(iter.data[0], 'int32') }, ...named]);
    },
  };
}
