// The TF.js runtime of the network interface (network.ts): a SegModel, the training engine's model.
import * as tf from '@tensorflow/tfjs-core';
import type { SegModel } from '../models/seg_model.js';
import type { Network } from './network.js';

export class TfjsNetwork implements Network {
  readonly runtime = 'tfjs' as const;
  /** `owned`: dispose() releases the model (false for a model its caller keeps, e.g. in training). */
  constructor(readonly model: SegModel, private readonly owned = true) {}

  /** The model's logits [n, h, w, C] for an NCHW input (the model works in NHWC). */
  private forward(x: Float32Array, [n, c, h, w]: number[]): tf.Tensor4D {
    return this.model.forward(tf.transpose(tf.tensor4d(x, [n, c, h, w]), [0, 2, 3, 1]), false);
  }

  async run(x: Float32Array, dims: [number, number, number, number]): Promise<Float32Array> {
    const out = tf.tidy(() => tf.transpose(this.forward(x, dims), [0, 3, 1, 2]));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  }

  async labels(x: Float32Array, dims: [number, number, number, number]): Promise<Uint8Array> {
    const out = tf.tidy(() => tf.argMax(this.forward(x, dims), -1));
    const data = Uint8Array.from(out.dataSync() as Int32Array);
    out.dispose();
    return data;
  }

  async dispose(): Promise<void> { if (this.owned) this.model.dispose(); }
}
