// One optimisation step with a numerical guard: the batch's loss and gradients are checked before
// they touch the weights. A non-finite value stops the run (the last checkpoint on disk is the last
// good state) or, with --on-nan skip, skips the step; too many skips in a row stop it all the same.
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../util/errors.js';

import type { OnNaN } from './choices.js';
/** Skipped steps in a row after which skipping is no longer believable as a fluke. */
export const MAX_SKIPS_IN_A_ROW = 20;

export interface Gradients { loss: number; grads: tf.NamedTensorMap }

export interface StepContext {
  epoch: number; step: number; lr: number; onNaN: OnNaN; lastCheckpoint: string;
  /** Fault injection (tests): poison this step's gradients with NaN. */
  injectNaN?: boolean;
  log: (line: string) => void;
}

/** Whether every gradient value is finite: one reduction over all of them, one number read back. */
export function gradientsFinite(grads: tf.NamedTensorMap): boolean {
  const all = Object.values(grads);
  if (!all.length) return true;
  const total = tf.tidy(() => tf.addN(all.map((g) => tf.sum(g))));
  const v = total.dataSync()[0];
  total.dispose();
  return Number.isFinite(v);
}

export class GuardedSteps {
  private skipsInARow = 0;
  skipped = 0;

  /** Applies `g` with `opt` unless it is non-finite; returns whether it was applied. Disposes `g`. */
  apply(g: Gradients, opt: tf.Optimizer, c: StepContext): boolean {
    if (c.injectNaN) poison(g.grads);
    const lossOk = Number.isFinite(g.loss);
    const ok = lossOk && gradientsFinite(g.grads);
    if (ok) { opt.applyGradients(g.grads); this.skipsInARow = 0; }
    tf.dispose(Object.values(g.grads));
    if (ok) return true;
    const what = lossOk ? 'gradients' : `loss (${g.loss})`;
    const where = `epoch ${c.epoch}, step ${c.step}`;
    if (c.onNaN === 'skip' && ++this.skipsInARow < MAX_SKIPS_IN_A_ROW) {
      this.skipped++;
      c.log(`${where}: non-finite ${what}; step skipped (onNaN skip)`);
      return false;
    }
    const why = `likely causes: a learning rate too high for this model (learningRate ${c.lr.toExponential(2)}; try a tenth of it) or bad labels or images (pixelwise verify)`;
    if (c.onNaN === 'skip') throw new UserError(`${MAX_SKIPS_IN_A_ROW} non-finite steps in a row up to ${where}; ${why}. The last checkpoint, ${c.lastCheckpoint}, holds the run before them`);
    throw new UserError(`non-finite ${what} at ${where}; the weights were not updated; ${why}. The last checkpoint, ${c.lastCheckpoint}, holds the run before it; onNaN skip skips such steps instead`);
  }
}

function poison(grads: tf.NamedTensorMap): void {
  const [name] = Object.keys(grads);
  if (!name) return;
  const g = grads[name];
  grads[name] = tf.fill(g.shape, NaN);
  g.dispose();
}
