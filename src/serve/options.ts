// The settings of `pixelwise serve` and their defaults (no server import: the command definition reads this).
export interface ServeOptions {
  modelsDir?: string; runsDir?: string;
  /** Inference worker threads, ONNX Runtime threads each (0: all cores), jobs allowed to wait. */
  workers: number; threads: number; queue: number;
  maxBodyBytes: number; maxPixels: number; timeoutMs: number;
}

export const DEFAULT_SERVE: ServeOptions = { workers: 1, threads: 0, queue: 16, maxBodyBytes: 32 << 20, maxPixels: 50e6, timeoutMs: 60_000 };
