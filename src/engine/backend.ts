// Chooses and initialises the TF.js backend. wasm is the default (fast, no native install);
// node (tfjs-node) is used when the user installed it; cpu is the pure-JS reference.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from './kernels/index.js';
import { ensureGradients } from './gradients.js';
import { registerBatchNormGradient } from './batchnorm_grad.js';
import { registerActivationGradients } from './activation_grad.js';
import { registerReductionGradients } from './reduce_grad.js';
import { registerConv2DGradient } from './conv_grad.js';
import { argumentError } from '../util/errors.js';

import { BACKENDS, type BackendName } from './backend_names.js';
import { useFrugalBackprop } from './frugal_backprop.js';
import { wasmModule, withoutModuleProcessHandlers } from './private/tfjs_backend_wasm.js';
import { checkVersions } from './private/versions.js';

let nodeTried: boolean | null = null;
let initialised: string | null = null;

/** The backend initEngine set up, or null before it has run. */
export function engineBackend(): string | null { return initialised; }

async function tryLoadNode(): Promise<boolean> {
  if (nodeTried != null) return nodeTried;
  try {
    // Optional peer: never a dependency. A string variable keeps bundlers/tsc from resolving it.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    nodeTried = tf.findBackend('tensorflow') != null;
  } catch {
    nodeTried = false;
  }
  return nodeTried;
}

/** Initialise the requested backend; returns the TF.js backend name actually in use. */
export async function initEngine(name: BackendName = 'auto'): Promise<string> {
  if (!BACKENDS.includes(name)) {
    throw argumentError('backend', name, `unknown backend; use one of ${BACKENDS.join(', ')}`);
  }
  checkVersions(); // before any internal is touched: a version it was not written for fails in one line
  ensureGradients();
  registerBatchNormGradient(); // replaces tfjs-core's (after it is registered)
  registerActivationGradients(); // likewise
  registerReductionGradients(); // likewise
  registerConv2DGradient(); // replaces tfjs-core's: dilated convolutions too
  registerWasmKernels();
  useFrugalBackprop(); // the backward pass releases saved tensors and gradients as it goes
  tf.env().set('IS_TEST', false);
  let target: string = name;
  if (name === 'node' || name === 'auto') {
    if (await tryLoadNode()) target = 'tensorflow';
    else if (name === 'node') {
      throw argumentError('backend', 'node', '@tensorflow/tfjs-node is not installed; run `npm i @tensorflow/tfjs-node` or use the wasm backend');
    } else target = 'wasm';
  }
  await withoutModuleProcessHandlers(async () => {
    if (tf.getBackend() !== target || !tf.engine().backendName) {
      const ok = await tf.setBackend(target);
      if (!ok) throw argumentError('backend', name, `the ${target} backend failed to initialise`);
    }
    await tf.ready();
  });
  if (tf.getBackend() === 'wasm') trackWasmTensorBytes();
  return initialised = tf.getBackend();
}


/**
 * Bytes of tensor buffers alive in the wasm heap, and the most since `resetPeak`: what a training
 * step really needs of the heap. (tf.memory() counts a buffer once per tensor that views it: each
 * reshape, and each clone TF.js saves for the backward pass, counts it again.)
 */
export const wasmTensorBytes = {
  live: 0, peak: 0,
  resetPeak(): number { this.peak = this.live; return this.live; },
};

/** Counts the wasm backend's buffer allocations: every tensor buffer goes through the module's
 * malloc and free (kernels' own scratch inside the module does not). */
function trackWasmTensorBytes(): void {
  const m = wasmModule();
  if (!m || m.pixelwiseTracked) return;
  m.pixelwiseTracked = true;
  // Emscripten's export stubs replace themselves by the wasm function on their first call (which
  // would replace these wrappers): call each once first.
  m._free(m._malloc(8));
  const sizes = new Map<number, number>();
  const malloc = m._malloc.bind(m), free = m._free.bind(m);
  m._malloc = (n: number) => {
    // Addresses above 2 GB come back as negative int32 (the backend reads them with >>> 0).
    const p = malloc(n) >>> 0;
    // Out of heap: tfjs-backend-wasm would use address 0 and overwrite the heap's start.
    if (p === 0 && n > 0) throw new Error(`wasm heap exhausted: ${(n / 2 ** 20).toFixed(0)} MB more do not fit the 4 GB heap`);
    sizes.set(p, n);
    wasmTensorBytes.live += n;
    if (wasmTensorBytes.live > wasmTensorBytes.peak) wasmTensorBytes.peak = wasmTensorBytes.live;
    return p;
  };
  m._free = (p: number) => {
    wasmTensorBytes.live -= sizes.get(p >>> 0) ?? 0;
    sizes.delete(p >>> 0);
    free(p);
  };
}

/**
 * Size of this TF.js instance's wasm heap in bytes (it only grows: its high-water mark), or null on
 * other backends.
 */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  return wasmModule()?.HEAPU8?.buffer.byteLength ?? null;
}

export { tf };
