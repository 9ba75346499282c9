// The engine's SIMD modules (simd/*.wat) run against the TF.js wasm heap: each imports the
// backend's own WebAssembly.Memory and reads and writes tensors in place, by their heap offsets.
// One instance per backend (each data-parallel worker has its own heap). Null where the backend
// exposes no memory or the engine lacks WebAssembly SIMD: callers then take their other path.
import { compileWasm } from '../../../util/wasm_module.js';
import { wasmMemory } from '../../private/tfjs_backend_wasm.js';

/** `get(backend)`: the module's exports instantiated on that backend's heap, or null. */
export function heapModule<T>(base64: string): { get(backend: object): T | null } {
  let compiled: WebAssembly.Module | null | undefined; // null: this engine has no SIMD
  const instances = new WeakMap<object, T | null>();
  return {
    get(backend) {
      if (instances.has(backend)) return instances.get(backend)!;
      let k: T | null = null;
      const memory = wasmMemory(backend);
      if (compiled === undefined) compiled = compileWasm(base64);
      if (memory && compiled) k = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as T;
      instances.set(backend, k);
      return k;
    },
  };
}
