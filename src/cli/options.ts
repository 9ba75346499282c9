// Option parsers shared by the commands. Each failure is a UserError naming the option.
import { InvalidArgumentError } from 'commander';
import { UserError } from '../util/errors.js';
import { defaultWorkers } from '../train/config.js';
import { cpuCores } from '../util/cores.js';

/** Sides above this are no image size a network runs on (a typo, or a job for --tile). */
/** What --class-file takes, as every command's help says it. */
export const CLASS_FILE_HELP = 'class names and colours: JSON [{"name","color":[r,g,b]}], text a class a line (a name as in labelme\'s labels.txt, "ID NAME" as in TensorFlow\'s, or "name,r,g,b" as in class_dict.csv), a Label Studio labelling config (XML), or a built-in set: voc, cityscapes, ade20k, camvid';

export const MAX_SIDE = 16384;

export function parseSize(v: string): [number, number] {
  const m = /^(\d+)x(\d+)$/i.exec(v.trim());
  if (!m || +m[1] <= 0 || +m[2] <= 0) throw new InvalidArgumentError('expected HEIGHTxWIDTH, e.g. 360x480');
  if (+m[1] > MAX_SIDE || +m[2] > MAX_SIDE) throw new InvalidArgumentError(`expected HEIGHTxWIDTH of at most ${MAX_SIDE} a side, e.g. 360x480`);
  return [+m[1], +m[2]];
}

/** The network input the inference commands accept (--input-size): what one pass can hold in memory. */
export const MAX_INPUT_PIXELS = 2 ** 25;

export function parseIntArg(v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError('expected an integer');
  return parseInt(v, 10);
}

export function parseNonNegativeInt(v: string): number {
  const n = parseIntArg(v);
  if (n < 0) throw new InvalidArgumentError('expected 0 or a positive integer');
  return n;
}

export function parsePositiveInt(v: string): number {
  const n = parseIntArg(v);
  if (n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function parseFloatArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

/** --mean: one value per band (r,g,b; one for a grey network), in pixel/255 units. */
export function parseMean(v: string): number[] {
  const a = v.split(',').map((x) => Number(x.trim()));
  if (!v.trim() || a.some((n) => !Number.isFinite(n))) throw new InvalidArgumentError('expected comma-separated numbers, one per band in pixel/255 units (r,g,b, e.g. 0.485,0.456,0.406; one for a grey network)');
  return a;
}

/** --std: one value per band, each above 0 (pixels are divided by it). */
export function parseStd(v: string): number[] {
  const a = parseMean(v);
  if (a.some((n) => n <= 0)) throw new InvalidArgumentError('expected numbers above 0, one per band (pixels are divided by them), e.g. 0.229,0.224,0.225');
  return a;
}

export function parsePositive(v: string): number {
  const n = parseFloatArg(v);
  if (n <= 0) throw new InvalidArgumentError('expected a number above 0');
  return n;
}

export function parseNonNegative(v: string): number {
  const n = parseFloatArg(v);
  if (n < 0) throw new InvalidArgumentError('expected 0 or a positive number');
  return n;
}

export function parseNumberList(v: string): number[] {
  const parts = v.split(',').map((s) => Number(s.trim()));
  if (!parts.length || parts.some((n) => !Number.isFinite(n))) throw new InvalidArgumentError('expected comma-separated numbers');
  return parts;
}

export function parseRange(v: string): [number, number] {
  const p = parseNumberList(v);
  if (p.length !== 2 || p[0] <= 0 || p[1] < p[0]) throw new InvalidArgumentError('expected MIN,MAX with 0 < MIN <= MAX');
  return [p[0], p[1]];
}

/** CLASS=P (a class name or id and a probability in (0, 1)), e.g. membrane=0.4. */
export function parseClassThreshold(v: string): { cls: string; prob: number } {
  const m = /^(.+)=([0-9.]+)$/.exec(v.trim());
  const prob = m ? Number(m[2]) : NaN;
  if (!m || !(prob > 0 && prob < 1)) throw new InvalidArgumentError('expected CLASS=P with a class name or id and 0 < P < 1, e.g. membrane=0.4');
  return { cls: m[1], prob };
}

/** A size in bytes: 20mb, 512kb, 1gb, or a plain number of bytes. */
export function parseBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(v.trim());
  if (!m || +m[1] <= 0) throw new InvalidArgumentError('expected a size such as 32mb, 512kb or 1gb');
  return Math.round(+m[1] * { b: 1, kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30 }[(m[2] ?? 'b').toLowerCase() as 'b']);
}

/** --micro-batch: samples per forward/backward pass, or auto. */
export function parseMicroBatch(v: string): number | 'auto' {
  if (v === 'auto') return v;
  if (!/^\d+$/.test(v) || parseInt(v, 10) < 1) throw new UserError(`--micro-batch ${v}: expected a number of samples (>= 1) or "auto"`);
  return parseInt(v, 10);
}

/** --checkpoint-blocks: segments whose activations are recomputed in the backward pass, 0 or auto. */
export function parseCheckpointBlocks(v: string): number | 'auto' {
  if (v === 'auto') return v;
  if (!/^\d+$/.test(v)) throw new UserError(`--checkpoint-blocks ${v}: expected a number of segments (0 = off) or "auto"`);
  return parseInt(v, 10);
}

/**
 * The most workers (networks, or training instances) a command starts: each holds its own network
 * and memory, and beyond the cores they run no faster (and take long to start).
 */
export const maxWorkers = () => 4 * cpuCores();

const tooManyWorkers = () => `at most ${maxWorkers()} on this machine's ${cpuCores()} cores (each holds its own network and memory; beyond the cores they run no faster)`;

/** --workers of video and serve: 1 or more, at most maxWorkers(). */
export function parseWorkerCount(v: string): number {
  const n = parsePositiveInt(v);
  if (n > maxWorkers()) throw new InvalidArgumentError(tooManyWorkers());
  return n;
}

export function parseWorkers(v: string): number {
  if (v === 'auto') return defaultWorkers();
  if (!/^\d+$/.test(v)) throw new UserError(`--workers ${v}: expected a number of threads or "auto"`);
  const n = parseInt(v, 10);
  if (n > maxWorkers()) throw new UserError(`--workers ${v}: ${tooManyWorkers()}`);
  return n;
}
