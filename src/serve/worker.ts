// An inference worker thread of `pixelwise serve`: decodes uploads, segments them with models it
// loads once, renders the requested output. The HTTP thread only parses requests and queues jobs,
// so /healthz answers while a big image is being processed.
import { parentPort, workerData } from 'node:worker_threads';
import { load, toRgbImage, type SegmentationModel } from '../inference/load.js';
import { encodeLabelPngFast } from '../render/label_png.js';
import { effectFields, parseEffect } from '../render/effects.js';
import { UserError } from '../util/errors.js';
import type { Cancel, Job, JobResult } from './protocol.js';

const { threads } = workerData as { threads?: number };
const models = new Map<string, Promise<SegmentationModel>>();

function model(job: Job): Promise<SegmentationModel> {
  let m = models.get(job.dir);
  if (!m) { m = load(job.dir, { threads }); models.set(job.dir, m); m.catch(() => models.delete(job.dir)); }
  return m;
}

/** The jobs being worked on, each with the controller that cancels it. */
const running = new Map<number, AbortController>();

async function run(job: Job, signal: AbortSignal): Promise<JobResult> {
  const seg = await model(job);
  const t0 = performance.now();
  const image = await toRgbImage(job.image);
  const t1 = performance.now();
  const r = await seg.segment(image, { probabilities: !!job.effect, signal }); // only effects need them
  const t2 = performance.now();
  let body: Uint8Array, contentType = job.format === 'jpeg' ? 'image/jpeg' : 'image/png';
  if (job.effect) {
    const effect = parseEffect(job.effect);
    if (effect.kind === 'replace') throw new UserError('effect=replace needs an image file, which the API does not read; use blur, grey or color=#RRGGBB');
    body = await r.background({ keep: job.keep ?? ['person'], ...effectFields(effect), format: job.format }) as Buffer;
  } else if (job.output === 'labels') {
    body = await encodeLabelPngFast(r.labels, r.width, r.height, seg.card.classes.map((c) => c.color)); contentType = 'image/png';
  } else if (job.output === 'mask') body = await r.colorMask({ format: job.format }) as Buffer;
  else if (job.output === 'overlay') body = await r.overlay({ alpha: job.alpha, format: job.format }) as Buffer;
  else {
    const timings = { decodeMs: round(t1 - t0), inferenceMs: round(t2 - t1) };
    const json = { model: job.model, width: r.width, height: r.height, classes: r.classes, timings, ...(job.withLabels ? { labels: Buffer.from(r.labels).toString('base64') } : {}) };
    body = Buffer.from(JSON.stringify(json)); contentType = 'application/json';
  }
  const timings = { decodeMs: round(t1 - t0), inferenceMs: round(t2 - t1), renderMs: round(performance.now() - t2) };
  return { id: job.id, ok: true, contentType, body, timings, width: r.width, height: r.height };
}

/** Releases the ONNX Runtime sessions, then lets the thread end (terminating it mid-session aborts the process). */
async function closeModels(): Promise<void> {
  for (const m of models.values()) await m.then((s) => s.dispose(), () => {});
  models.clear();
  parentPort!.close();
}

const round = (ms: number) => Math.round(ms * 10) / 10;

parentPort!.on('message', (job: Job | Cancel | 'close') => {
  if (job === 'close') { void closeModels(); return; }
  // A job past its time stops at its next tile or scale (a thread running ONNX Runtime cannot be
  // terminated without taking the process down); the server has answered it already.
  if ('cancel' in job) { running.get(job.cancel)?.abort(); return; }
  const ctl = new AbortController();
  running.set(job.id, ctl);
  // Bodies are copied, not transferred: sharp's and Buffer.from's results may share a pooled ArrayBuffer.
  run(job, ctl.signal).finally(() => running.delete(job.id)).then((res) => parentPort!.postMessage(res), (e: unknown) => {
    const user = e instanceof UserError;
    const res: JobResult = { id: job.id, ok: false, status: user ? 422 : 500, message: user ? e.message : `inference failed: ${(e as Error)?.message ?? e}` };
    parentPort!.postMessage(res);
  });
});
