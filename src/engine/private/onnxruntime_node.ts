// onnxruntime-node internals pixelwise relies on (this is the one module that reaches them; the
// version is pinned, see versions.ts): its native binding, whose sessions run synchronously (the
// public API is async, and a TF.js kernel must return synchronously).
import { createRequire } from 'node:module';

interface OrtOutput { data: Float32Array; dims: number[] }
export interface NativeSession {
  loadModel(buf: ArrayBufferLike, offset: number, length: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): Record<string, OrtOutput>;
  dispose(): void;
}
export interface NativeOrt { binding: { InferenceSession: new () => NativeSession }; Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown }

/**
 * ONNX Runtime's warnings (a telemetry ID it cannot store in a read-only home, say) are not the
 * user's business: errors only, unless the user's program chose a level before pixelwise started it.
 */
export function quietOrt(env: { logLevel?: string }): void {
  if (!env.logLevel || env.logLevel === 'warning') env.logLevel = 'error';
}

/** The native binding, initialised; null where onnxruntime-node is not installed or has no binary for this platform. */
export function loadNativeOrt(): NativeOrt | null {
  try {
    const require = createRequire(import.meta.url);
    const b = require('onnxruntime-node/dist/binding.js') as { binding: NativeOrt['binding']; initOrt(): void };
    const { Tensor, env } = require('onnxruntime-node') as { Tensor: NativeOrt['Tensor']; env: { logLevel?: string } };
    quietOrt(env);
    b.initOrt();
    return { binding: b.binding, Tensor };
  } catch {
    return null;
  }
}
