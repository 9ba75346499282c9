// The settings of `pixelwise serve` and their defaults (no server import: the command definition reads this).
import type { TrainingSettings } from './ls_training.js';
export interface ServeOptions {
  modelsDir?: string; runsDir?: string;
  /** Inference worker threads, ONNX Runtime threads each (0: all cores), jobs allowed to wait. */
  workers: number; threads: number; queue: number;
  /** The most models a worker holds loaded; the least recently used is disposed past it. */
  maxModels?: number;
  /** int8: run each model's 8-bit graph where it has one (`pixelwise quantize`), its float graph otherwise. */
  precision?: 'int8';
  maxBodyBytes: number; maxPixels: number; timeoutMs: number;
  /**
   * Host header names (without port) the server answers; others get 403, so a web page on another
   * name that resolves here (DNS rebinding) cannot reach it. '*' answers every name.
   */
  allowedHosts?: string[];
  /**
   * Origins (scheme://host[:port]) whose pages may call the API and fetch the models' files from
   * their scripts (CORS); '*' any. None by default: only the server's own page.
   */
  cors?: string[];
  /** Label Studio's ML backend: the folder behind its local files, its URL (for uploaded images), how far its polygons may be thinned (pixels). */
  lsFiles?: string; lsUrl?: string; lsTolerance?: number;
  /** Label Studio's access token, for a setup call that sends none (the project export, uploaded images). */
  lsToken?: string;
  /** Train from Label Studio's calls (its Start Training button): where, how long, the crop. */
  lsTrain?: TrainingSettings;
  /** Where the server's lines go (a training started or finished, an error it answered 500 to); default stderr. */
  log?: (line: string) => void;
}

export const DEFAULT_MAX_MODELS = 16;

/** `origin` as the Origin header spells it (scheme://host[:port], no path), or why it is not one. */
export function originProblem(origin: string): string | null {
  if (origin === '*') return null;
  let u: URL;
  try { u = new URL(origin); } catch { return 'not an origin'; }
  if (!['http:', 'https:'].includes(u.protocol) || u.origin !== origin) return 'not an origin';
  return null;
}

/** The names a loopback server is reached by. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** The Host header's name (port removed, lower case); an IPv6 literal keeps its brackets. */
export function hostName(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export const DEFAULT_SERVE: ServeOptions = { workers: 1, threads: 0, queue: 16, maxBodyBytes: 32 << 20, maxPixels: 50e6, timeoutMs: 60_000, allowedHosts: LOOPBACK_HOSTS };
