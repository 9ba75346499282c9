// Loading the project's own WebAssembly modules (src/**/simd/*.wat, carried as base64 by their
// *_wasm.ts files), in Node and browsers alike (atob, not Buffer). Null where the engine cannot
// compile them (no SIMD): callers keep a JS path. Modules that own their memory are instantiated
// once, on first use (lazyModule); the engine's kernels instantiate theirs per TF.js heap.

export interface OwnMemory { memory: WebAssembly.Memory }

/** The compiled module of a *_wasm.ts binary, or null where this engine cannot compile it. */
export function compileWasm(base64: string): WebAssembly.Module | null {
  try {
    return new WebAssembly.Module(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** A lazily instantiated module that owns its memory: `get()` returns its exports, or null when it cannot be compiled. */
export function lazyModule<T extends OwnMemory>(base64: string): { get(): T | null } {
  let exports: T | null | undefined;
  return {
    get() {
      if (exports === undefined) {
        const mod = compileWasm(base64);
        exports = mod ? new WebAssembly.Instance(mod).exports as unknown as T : null;
      }
      return exports;
    },
  };
}

/** Memory the modules may take each (it never shrinks): calls needing more take the JS path. */
export const MAX_MODULE_BYTES = 64 << 20;

/** Grows the module's memory to at least `bytes`; false (nothing grown) above MAX_MODULE_BYTES. */
export function reserve(k: OwnMemory, bytes: number): boolean {
  if (bytes > MAX_MODULE_BYTES) return false;
  const pages = Math.ceil(bytes / 65536) - k.memory.buffer.byteLength / 65536;
  if (pages > 0) k.memory.grow(pages);
  return true;
}

/** Offsets for consecutive blocks in a module's memory: each aligned to 16, with 16 bytes to spare after it. */
export function layout(sizes: number[]): { at: number[]; end: number } {
  const at: number[] = [];
  let end = 0;
  for (const n of sizes) { at.push(end); end += ((n + 15) & ~15) + 16; }
  return { at, end };
}
