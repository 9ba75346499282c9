// predict's record of the images it has finished (OUT/predict.jsonl): a line per image, appended
// once all of the image's files are written, so that `predict --resume` after a stop (Ctrl-C, a
// kill, a full disk) passes over exactly the images whose files are complete and still as written,
// predicted from the same input by the same model with the same settings.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ConfidenceSums } from '../../data/annotations/export.js';
import { appendLine, fileStamp, readJsonLines } from '../../util/fs.js';

export const PREDICT_RECORD = 'predict.jsonl';

/** One finished image. Output paths are relative to --out. */
export interface PredictRecord {
  image: string; bytes: number; mtimeMs: number; settings: string; name: string;
  outputs: { file: string; bytes: number; mtimeMs: number }[];
  width: number; height: number; classes: unknown;
  /** What the exports take from the probabilities, when the run computed them (with --export). */
  confidence?: ConfidenceSums;
}

const isStamp = (v: unknown): v is { bytes: number; mtimeMs: number } => Number.isFinite((v as { bytes?: unknown })?.bytes) && Number.isFinite((v as { mtimeMs?: unknown })?.mtimeMs);

/** A record as this version writes it (a line edited by hand, or another's, is passed over: its image predicted again). */
function wellFormed(r: PredictRecord): boolean {
  const c = r.confidence;
  return typeof r.image === 'string' && typeof r.name === 'string' && isStamp(r) && Number.isInteger(r.width) && Number.isInteger(r.height) && r.width > 0 && r.height > 0
    && Array.isArray(r.outputs) && r.outputs.length > 0 && r.outputs.every((o) => typeof o?.file === 'string' && isStamp(o))
    && (c === undefined || (Number.isFinite(c?.total) && Array.isArray(c.byLabel) && c.byLabel.every(Number.isFinite)));
}

const sameStamp = (a: { bytes: number; mtimeMs: number } | null, b: { bytes: number; mtimeMs: number }) => !!a && a.bytes === b.bytes && a.mtimeMs === b.mtimeMs;

/**
 * A digest of what shapes an image's files: the model (modelIdentity: its card and files by
 * content) and every setting that changes a pixel or a figure of them (files named by settings,
 * such as a checkpoint or an effect's replacement picture, stamped too).
 */
export function settingsDigest(model: string, settings: Record<string, unknown>, files: string[] = []): string {
  const what = { model, settings, files: files.map((f) => [path.resolve(f), fileStamp(f)]) };
  return createHash('sha1').update(JSON.stringify(what)).digest('hex');
}

/**
 * The images of `files` (named `names` in this run) that an earlier run finished with these
 * settings, their inputs unchanged and every file it wrote still as written (size and time); with `confidence`,
 * only those whose record holds the exports' figures.
 */
export function finishedEarlier(out: string, settings: string, files: string[], names: string[], confidence: boolean): Map<string, PredictRecord> {
  const byImage = new Map<string, PredictRecord[]>();
  for (const r of readJsonLines<PredictRecord>(path.join(out, PREDICT_RECORD))) {
    if (r?.settings !== settings || !wellFormed(r)) continue;
    byImage.set(r.image, [...(byImage.get(r.image) ?? []), r]);
  }
  const done = new Map<string, PredictRecord>();
  files.forEach((f, i) => {
    const image = path.resolve(f);
    const stamp = fileStamp(image);
    // The latest record that still holds.
    const r = (byImage.get(image) ?? []).reverse().find((r) => r.name === names[i] && r.outputs[0].file === path.normalize(`${names[i]}_labels.png`) && sameStamp(stamp, r)
      && (!confidence || r.confidence) && r.outputs.every((o) => sameStamp(fileStamp(path.join(out, o.file)), o)));
    if (r) done.set(image, r);
  });
  return done;
}

/** Appends `image`'s record once its files (`outputs`, paths under `out`) are written. */
export function recordFinished(out: string, image: string, r: Omit<PredictRecord, 'image' | 'bytes' | 'mtimeMs' | 'outputs'>, outputs: string[]): void {
  const stamp = fileStamp(image);
  if (!stamp) return;
  const line: PredictRecord = { image: path.resolve(image), ...stamp, ...r, outputs: outputs.map((o) => ({ file: path.relative(out, o), ...fileStamp(o)! })) };
  appendLine(path.join(out, PREDICT_RECORD), JSON.stringify(line));
}

/** The folders earlier predict runs wrote into (those holding a record), and the files their records list: predictions, not inputs. */
export class EarlierRuns {
  private readonly outputs = new Map<string, Set<string>>();

  /** Whether `dir` is a folder a predict run wrote into. */
  isRun(dir: string): boolean { return fileStamp(path.join(dir, PREDICT_RECORD)) != null; }

  /** Whether a record in a folder above `file` lists it as an output. */
  isOutput(file: string): boolean {
    const target = path.resolve(file);
    for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
      if (this.listed(dir).has(target)) return true;
      if (path.dirname(dir) === dir) return false;
    }
  }

  private listed(dir: string): Set<string> {
    let set = this.outputs.get(dir);
    if (!set) {
      let records: PredictRecord[] = [];
      try { records = readJsonLines<PredictRecord>(path.join(dir, PREDICT_RECORD)); } catch { /* not a record: no outputs known */ }
      set = new Set(records.flatMap((r) => (Array.isArray(r?.outputs) ? r.outputs.map((o) => path.resolve(dir, String(o?.file))) : [])));
      this.outputs.set(dir, set);
    }
    return set;
  }
}
