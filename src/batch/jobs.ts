// What a batch job is: a chunk of images, the model and the output options, named by a hash of
// all three (image contents, the model's card and files, the options), so that submitting the same
// work twice names the same jobs, and a job finished once leaves a marker its id names.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, makeDir } from '../util/fs.js';
import { fileSha256 as fileHash, sha256 } from '../util/hash.js';
export { modelIdentity } from '../models/identity.js';

/** The outputs a job writes, as `predict` writes them. */
export interface BatchOutputOptions { alpha: number }

export interface JobImage { file: string; name: string }

/** A job's data in the queue: absolute paths, so that any worker that sees them can run it. */
export interface BatchJobData { images: JobImage[]; model: string; out: string; options: BatchOutputOptions }

/** The folder, inside the output folder, of the markers of finished jobs. */
export const MARKERS = '.pixelwise-batch';


/** A job's id: its images' contents and names, the model and the options. Never all digits (BullMQ's rule). */
export function jobId(images: JobImage[], model: string, out: string, options: BatchOutputOptions): string {
  const content = images.map((im) => `${fileHash(im.file)}:${im.name}`).join(',');
  return `pw-${sha256(JSON.stringify({ content, model, out: path.resolve(out), options })).slice(0, 40)}`;
}

/** A finished job: its image files and (since markers list them) its outputs, relative to the output folder. */
export interface DoneMarker { id: string; images: string[]; outputs?: string[]; worker: string; finishedAt: string }

const markerFile = (out: string, id: string) => path.join(out, MARKERS, `${id}.json`);

/** Whether a job of this id has finished (its outputs written) in this output folder. */
export function isDone(out: string, id: string): boolean {
  return fs.existsSync(markerFile(out, id));
}

/** The outputs the finished jobs' markers in `out` list, as absolute paths. */
export function markedOutputs(out: string): Set<string> {
  const dir = path.join(out, MARKERS);
  const set = new Set<string>();
  let names: string[] = [];
  try { names = fs.readdirSync(dir).filter((f) => f.endsWith('.json')); } catch { return set; }
  for (const f of names) {
    try {
      const m = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Partial<DoneMarker>;
      if (Array.isArray(m.outputs)) for (const o of m.outputs) if (typeof o === 'string') set.add(path.resolve(out, o));
    } catch { /* not a marker of ours */ }
  }
  return set;
}

/** Written after every output of the job, atomically: a job with a marker left nothing half-done. */
export function markDone(out: string, m: DoneMarker): void {
  makeDir(path.join(out, MARKERS));
  writeFileAtomic(markerFile(out, m.id), JSON.stringify(m) + '\n');
}
