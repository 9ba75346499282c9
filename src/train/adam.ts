// Adam, as TF.js's AdamOptimizer computes it, with one difference that makes resumed runs exact:
// the bias corrections 1 - beta^t come from the step count t, in double precision, at every step.
// TF.js keeps beta^t in a float32 variable multiplied once per step and, on setWeights, recomputes
// it with pow(); the two round differently, so a run resumed from a checkpoint drifted from the
// uninterrupted run (by 5e-5 in a weight after three resumes). The learning rate is public, so the
// schedule sets it without reaching into the optimizer's internals.
//
// The update runs as one JS loop per weight over its values, with the moments in JS arrays: they
// stay out of the 4 GB wasm heap (two copies of the weights' size), as do the dozen temporaries
// per weight of TF.js's formulation, at TF.js's speed.
import * as tf from '@tensorflow/tfjs-core';
import { registeredVariable, type NamedTensor } from '../engine/private/tfjs_core.js';

export class Adam extends tf.Optimizer {
  static get className(): string { return 'Adam'; }
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  // Moments by position in the gradient list: the trainer always passes the model's trainable
  // weights in the same order, and checkpoints store them in that order.
  private m: Float32Array[] = [];
  private v: Float32Array[] = [];
  private names: string[] = [];
  private shapes: number[][] = [];

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super();
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon ?? tf.backend().epsilon();
  }

  applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(gradients) ? gradients : Object.entries(gradients).map(([name, tensor]) => ({ name, tensor }));
    const t = this.iterations + 1;
    const c1 = 1 - this.beta1 ** t, c2 = 1 - this.beta2 ** t;
    const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr } = this;
    list.forEach(({ name, tensor: g }, i) => {
      const w = registeredVariable(name);
      if (!this.m[i]) this.createSlots(i, w);
      if (g == null) return;
      const gs = g.dataSync() as Float32Array, ws = w.dataSync() as Float32Array;
      const m = this.m[i], v = this.v[i];
      for (let j = 0; j < ws.length; j++) {
        const gj = gs[j];
        m[j] = b1 * m[j] + (1 - b1) * gj;
        v[j] = b2 * v[j] + (1 - b2) * gj * gj;
        ws[j] -= lr * ((m[j] / c1) / (Math.sqrt(v[j] / c2) + eps));
      }
      const next = tf.tensor(ws, w.shape, 'float32');
      w.assign(next);
      next.dispose();
    });
    this.incrementIterations();
  }

  private createSlots(i: number, w: tf.Variable): void {
    this.names[i] = w.name;
    this.shapes[i] = w.shape;
    this.m[i] = new Float32Array(w.size);
    this.v[i] = new Float32Array(w.size);
  }

  /** [iterations, m..., v...], the layout of TF.js's Adam (and of pixelwise checkpoints): fresh
   * tensors the caller disposes. */
  async getWeights(): Promise<NamedTensor[]> {
    const slot = (kind: string) => (x: Float32Array, i: number) => ({ name: `${this.names[i]}/${kind}`, tensor: tf.tensor(x, this.shapes[i], 'float32') });
    return [await this.saveIterations(), ...this.m.map(slot('m')), ...this.v.map(slot('v'))];
  }

  async setWeights(weights: NamedTensor[]): Promise<void> {
    const slots = await this.extractIterations(weights);
    const half = slots.length / 2;
    this.names = slots.slice(0, half).map((s) => s.name);
    this.shapes = slots.slice(0, half).map((s) => s.tensor.shape);
    this.m = slots.slice(0, half).map((s) => Float32Array.from(s.tensor.dataSync() as Float32Array));
    this.v = slots.slice(half).map((s) => Float32Array.from(s.tensor.dataSync() as Float32Array));
    tf.dispose(slots.map((s) => s.tensor)); // copied into the moments
  }

  dispose(): void {
    this.shapes = [];
    this.m = [];
    this.v = [];
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
