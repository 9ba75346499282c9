// The one network interface over the runtimes: a normalised, padded NCHW input in, the network's
// output out. Everything around it (resizing, normalising, padding, cropping, resizing back) is the
// processor's (processor.ts); a runtime is a file that implements this (tfjs_network.ts,
// onnx_runtime.ts, web/index.ts).

/** Where a network runs: TF.js (Node), ONNX Runtime (Node), onnxruntime-web (browser). */
export type RuntimeKind = 'tfjs' | 'onnx' | 'onnx-web';

export interface Network {
  readonly runtime: RuntimeKind;
  /** The [height, width] the graph is fixed at (an ONNX file's input dims), where it is; null or absent: any size. */
  readonly inputSize?: [number, number] | null;
  /** The output [n, C, h, w] (as the card's `output.kind` says) for an input [n, 3, h, w]. */
  run(x: Float32Array, dims: [number, number, number, number]): Promise<Float32Array>;
  /** The label map [n, h, w] computed by the runtime itself, where it can (faster than `run` + argmax). */
  labels?(x: Float32Array, dims: [number, number, number, number]): Promise<Uint8Array>;
  dispose(): Promise<void>;
}
