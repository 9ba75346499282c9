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

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `init` (the wasm backend's start), then takes off the process handlers its Emscripten
 * module adds there: they rethrow every uncaught error and unhandled rejection from inside the
 * module's minified source, so that Node printed a whole line of it (kilobytes) above a caller's
 * own error. Without them Node reports such errors its own way.
 */
export async function withoutModuleProcessHandlers<T>(init: () => Promise<T>): Promise<T> {
  const events = process as unknown as { listeners(e: string): Function[]; off(e: string, l: Function): void };
  const before = new Map(PROCESS_EVENTS.map((e) => [e, new Set(events.listeners(e))]));
  try { return await init(); } finally {
    for (const e of PROCESS_EVENTS) for (const l of events.listeners(e)) if (!before.get(e)!.has(l)) events.off(e, l);
  }
}
