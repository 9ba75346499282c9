// tfjs-core internals pixelwise relies on (this is the one module that reaches them; the version
// is pinned, see versions.ts): the engine's tape, which frugal_backprop.ts replays with early
// releases, and its table of registered variables, which the trainer's Adam updates in place.
import * as tf from '@tensorflow/tfjs-core';

export type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';

export interface TapeNode {
  id: number; kernelName: string; outputs: tf.Tensor[]; inputs: Record<string, tf.Tensor>;
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The fields of tfjs-core 4.x's Engine that the releasing backward pass reads and replaces. */
export interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => { value: tf.Tensor; grads: tf.Tensor[] };
  frugalBackprop?: { original: EngineInternals['gradients'] };
}

export function engineInternals(): EngineInternals {
  return tf.engine() as unknown as EngineInternals;
}

/** A variable by its registered name. */
export function registeredVariable(name: string): tf.Variable {
  return tf.engine().registeredVariables[name];
}
