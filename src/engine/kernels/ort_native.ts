// Runs one-node ONNX graphs through onnxruntime-node's native session, synchronously, on tensors
// of the TF.js wasm backend: the project's kernels that hand work to ONNX Runtime's CPU kernels
// (ort_conv.ts, ort_reduce.ts) share it. onnxruntime-node's public API is async, but a TF.js
// kernel must return synchronously, so this calls its native binding (private/onnxruntime_node.ts). Inputs are
// zero-copy views of the wasm heap; ONNX Runtime writes the result straight into the output
// tensor's heap memory. If onnxruntime-node cannot load, `ortKernelsAvailable()` is false and
// every caller falls back to a wasm formulation.
import * as tf from '@tensorflow/tfjs-core';
import { FLOAT, int64Init, onnx, valueInfo, type O } from '../../formats/onnx_proto.js';
import { loadNativeOrt, type NativeOrt, type NativeSession } from '../private/onnxruntime_node.js';

type Native = NativeOrt;

let native: Native | null | undefined;
let threads = 1;
// configureOrtKernels({ enabled: false }) keeps every kernel on wasm (the trainer passes its
// setting to its worker threads).
let enabled = true;

function loadNative(): Native | null {
  // Not installed or no binary for this platform: null, and the XNNPACK kernels only.
  if (native === undefined) native = loadNativeOrt();
  return native;
}

/** onnxruntime-node's native binding, loaded on first use (null where it cannot load). */
export function loadedNative(): Native | null { return loadNative(); }

/** Whether the ONNX Runtime kernels are on in this thread. */
export function ortKernelsEnabled(): boolean { return enabled; }

/** Turns the ONNX Runtime kernels on or off and sets their thread count (per TF.js instance). */
export function configureOrtKernels(o: { enabled?: boolean; threads?: number }): void {
  if (o.enabled != null) enabled = o.enabled;
  if (o.threads != null && o.threads !== threads) {
    threads = Math.max(1, o.threads);
    releaseOrtSessions(); // rebuilt with the new thread count on demand
  }
}
/** Drops every per-shape session (rebuilt on demand). */
export function releaseOrtSessions(): void {
  for (const s of sessions.values()) s.dispose();
  sessions.clear();
}
export function ortKernelsAvailable(): boolean { return enabled && loadNative() != null; }

/** Whether dense convolutions on the active backend run on ONNX Runtime's kernels here. */
export function ortConvolutions(): boolean { return tf.getBackend() === 'wasm' && ortKernelsAvailable(); }


// ---- graphs ------------------------------------------------------------------------
const INT64_MIN = -(2n ** 63n); // Slice end meaning 'through the start' with step -1

/** A node flipping `from`'s first two (spatial) axes into `to`, with the initialisers it reads (names prefixed `flip`). */
export function flipSpatial(from: string, to: string): { node: O.INodeProto; inits: O.ITensorProto[] } {
  return {
    node: { opType: 'Slice', input: [from, 'flipSt', 'flipEn', 'flipAx', 'flipSp'], output: [to] },
    inits: [int64Init('flipSt', [-1, -1]), int64Init('flipEn', [INT64_MIN, INT64_MIN]), int64Init('flipAx', [0, 1]), int64Init('flipSp', [-1, -1])],
  };
}

export function graph(nodes: O.INodeProto[], inputs: [string, number][], output: string, inits: O.ITensorProto[] = [], outRank = 4): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: 8, producerName: 'pixelwise',
    // ONNX's own operators, and any other domain a node names (ONNX Runtime's contrib operators).
    opsetImport: [{ domain: '', version: 13 }, ...[...new Set(nodes.map((n) => n.domain).filter((d): d is string => !!d))].map((domain) => ({ domain, version: 1 }))],
    graph: { name: 'conv', node: nodes, initializer: inits, input: inputs.map(([n, r]) => valueInfo(n, FLOAT, r)), output: [valueInfo(output, FLOAT, outRank)] },
  });
  return onnx.ModelProto.encode(m).finish();
}

/**
 * Sessions by graph configuration (strides, dilations, pads, ...; tensor shapes are dynamic), least
 * recently used first. A model needs a few dozen; the bound keeps a long-lived process that meets
 * many models from keeping every one (a released configuration is rebuilt if it comes back).
 */
const sessions = new Map<string, NativeSession>();
export const MAX_SESSIONS = 256;
export const sessionCount = () => sessions.size;

export function session(key: string, build: () => Uint8Array): NativeSession {
  let s = sessions.get(key);
  if (s) { sessions.delete(key); sessions.set(key, s); } // most recently used last
  if (!s) {
    if (sessions.size >= MAX_SESSIONS) {
      const [oldKey, old] = sessions.entries().next().value as [string, NativeSession];
      sessions.delete(oldKey);
      old.dispose();
    }
    const bytes = build();
    s = new (loadNative()!.binding.InferenceSession)();
    s.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
      intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
      // No arena: buffers go back after each run (a lower peak RSS per training process at the
      // same speed), so memory stays close to the wasm-only kernels'.
      enableCpuMemArena: false,
      // Idle pool threads must not spin between kernels: TF.js runs the other ops meanwhile.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    sessions.set(key, s);
  }
  return s;
}

// ---- running against the wasm heap -----------------------------------------------------------
export interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId): boolean;
}

/** Runs `s` on views of the wasm heap (taken after every allocation of the kernel), writing `out`. */
export function runViews(s: NativeSession, feeds: Record<string, { data: Float32Array; dims: number[] }>, outName: string, out: { data: Float32Array; dims: number[] }): void {
  const { Tensor } = loadNative()!;
  const f: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(feeds)) f[k] = new Tensor('float32', t.data, t.dims);
  s.run(f, { [outName]: new Tensor('float32', out.data, out.dims) }, {});
}

/**
 * Runs `s` on heap tensors, into a new tensor of `outShape`. `dims` gives a feed (or, as `out`,
 * the output) another shape of the same elements for the graph (a 1x1 convolution's tensors as
 * the matrices [pixels, channels]).
 */
export function run(backend: WasmBackend, s: NativeSession, feeds: Record<string, tf.TensorInfo>, outName: string, outShape: number[], dims: Record<string, number[]> = {}): tf.TensorInfo {
  const { Tensor } = loadNative()!;
  // Allocate the output first: a heap growth would detach views taken before it.
  const out = backend.makeOutput(outShape, 'float32');
  const f: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(feeds)) f[k] = new Tensor('float32', backend.typedArrayFromHeap(t), dims[k] ?? t.shape);
  s.run(f, { [outName]: new Tensor('float32', backend.typedArrayFromHeap(out), dims.out ?? outShape) }, {});
  return out;
}

