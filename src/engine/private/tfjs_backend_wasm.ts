// tfjs-backend-wasm internals pixelwise relies on (this is the one module that reaches them; the
// version is pinned, see versions.ts): the backend's Emscripten module (its heap, malloc and free),
// which has no public accessor.
import * as tf from '@tensorflow/tfjs-core';

export interface WasmModule { HEAPU8?: Uint8Array; _malloc(n: number): number; _free(p: number): void; pixelwiseTracked?: boolean }

/** The Emscripten module of a wasm backend (the current backend by default), if it is one. */
export function wasmModule(backend: object = tf.backend()): WasmModule | undefined {
  return (backend as unknown as { wasm?: WasmModule }).wasm;
}

/** The WebAssembly.Memory holding a wasm backend's tensors, or null. */
export function wasmMemory(backend: object): WebAssembly.Memory | null {
  const m = (backend as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } }).wasm;
  const mem = m?.asm?.memory ?? m?.wasmMemory;
  return mem instanceof WebAssembly.Memory ? mem : null;
}
