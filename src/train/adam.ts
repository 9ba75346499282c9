// Adam, as TF.js's AdamOptimizer computes it, with one difference that makes resumed runs exact:
// the bias corrections 1 - beta^t come from the step count t, in double precision, at every step.
// TF.js keeps beta^t in a float32 variable multiplied once per step and, on setWeights, recomputes
// it with pow(); the two round differently, so a run resumed from a checkpoint drifted from the
// uninterrupted run (by 5e-5 in a weight after three resumes). The learning rate is public, so the
// schedule sets it without reaching into the optimizer's internals.
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';

export class Adam extends tf.Optimizer {
  static get className(): string { return 'Adam'; }
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  // Moments by position in the gradient list: the trainer always passes the model's trainable
  // weights in the same order, and checkpoints store them in that order.
  private m: tf.Variable[] = [];
  private v: tf.Variable[] = [];
  private names: string[] = [];

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
    tf.tidy(() => {
      list.forEach(({ name, tensor: g }, i) => {
        const w = tf.engine().registeredVariables[name];
        if (!this.m[i]) this.createSlots(i, w);
        if (g == null) return;
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const step = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon));
        w.assign(tf.add(tf.mul(step, -this.learningRate), w));
      });
    });
    this.incrementIterations();
  }

  private createSlots(i: number, w: tf.Variable): void {
    this.names[i] = w.name;
    this.m[i] = tf.tidy(() => tf.zerosLike(w).variable(false));
    this.v[i] = tf.tidy(() => tf.zerosLike(w).variable(false));
  }

  /** [iterations, m..., v...], the layout of TF.js's Adam (and of pixelwise checkpoints). */
  async getWeights(): Promise<NamedTensor[]> {
    const slot = (kind: string) => (x: tf.Variable, i: number) => ({ name: `${this.names[i]}/${kind}`, tensor: x });
    return [await this.saveIterations(), ...this.m.map(slot('m')), ...this.v.map(slot('v'))];
  }

  async setWeights(weights: NamedTensor[]): Promise<void> {
    const slots = await this.extractIterations(weights);
    const half = slots.length / 2;
    tf.dispose([...this.m, ...this.v]);
    this.names = slots.slice(0, half).map((s) => s.name);
    this.m = slots.slice(0, half).map((s) => s.tensor.variable(false));
    this.v = slots.slice(half).map((s) => s.tensor.variable(false));
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
    this.m = [];
    this.v = [];
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
