// An inference worker thread of `pixelwise serve`: decodes uploads, segments them with models it
// loads once, renders the requested output. The HTTP thread only parses requests and queues jobs,
// so /healthz answers while a big image is being processed.
import { workerData } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import { load, toModelInput, type SegmentationModel } from '../inference/load.js';
import { encodeLabelPngFast } from '../render/label_png.js';
import { effectFields, parseEffect } from '../render/compose.js';
import { UserError } from '../util/errors.js';
import type { Job, JobResult } from './protocol.js';
import { ExportBuilder } from '../data/annotations/export.js';
import { probabilityPng } from '../render/probability_png.js';
import { serveWorker } from '../inference/worker_pool.js';
import { openCard } from '../models/card_file.js';
import { cardAtPrecision } from '../models/card.js';

const { threads, precision, maxModels } = workerData as { threads?: number; precision?: 'int8'; maxModels: number };
// The models this worker holds, by folder: the least recently used one is disposed when one more
// would be held (a project trained from Label Studio is served from a new folder each version).
// Jobs run one at a time here, so the one disposed is never in use.
const models = new LRUCache<string, Promise<SegmentationModel>>({ max: maxModels, dispose: (m) => { m.then((s) => s.dispose(), () => {}).catch(() => {}); } });

function model(job: Job): Promise<SegmentationModel> {
  let m = models.get(job.dir);
  if (!m) {
    // --precision int8: the 8-bit graph of the models that have one.
    m = (async () => {
      const p = precision && cardAtPrecision(await openCard(job.dir), precision) ? precision : undefined;
      return load(job.dir, { threads, precision: p });
    })();
    models.set(job.dir, m);
    m.catch(() => models.delete(job.dir));
  }
  return m;
}

async function run(job: Job, signal: AbortSignal): Promise<JobResult> {
  const held = models.has(job.dir), tLoad = performance.now();
  const seg = await model(job);
  const loadMs = held ? 0 : round(performance.now() - tLoad);
  const t0 = performance.now();
  const image = await toModelInput(job.image, seg.card.input, 'upload');
  const t1 = performance.now();
  const exporting = job.output === 'coco' || job.output === 'labelstudio' || job.output === 'probabilities';
  const r = await seg.segment(image, { probabilities: !!job.effect || exporting, signal }); // effects and exports' scores need them
  const t2 = performance.now();
  let body: Uint8Array, contentType = job.format === 'jpeg' ? 'image/jpeg' : 'image/png';
  if (job.effect) {
    const effect = parseEffect(job.effect);
    if (effect.kind === 'replace') throw new UserError('effect=replace needs an image file, which the API does not read; use blur, grey or color=#RRGGBB');
    body = await r.background({ keep: job.keep ?? ['person'], ...effectFields(effect), format: job.format }) as Buffer;
  } else if (job.output === 'probabilities') {
    // Confidence masks, MediaPipe's convention: one 8-bit mask per class, 255 = certain.
    const masks: Record<string, Buffer> = {};
    for (const c of job.classes ?? []) masks[c] = Buffer.from(probabilityPng(r.probability([c]), r.width, r.height));
    const names = Object.keys(masks);
    if (names.length === 1) { body = masks[names[0]]; contentType = 'image/png'; }
    else { body = Buffer.from(JSON.stringify({ width: r.width, height: r.height, masks: Object.fromEntries(names.map((n) => [n, masks[n].toString('base64')])) })); contentType = 'application/json'; }
  } else if (job.output === 'coco' || job.output === 'labelstudio') {
    // The image's entry of a pre-annotation file (predict --export writes whole ones).
    const confidence = new Float32Array(r.labels.length);
    for (const c of new Set(r.labels)) { const p = r.probability([c]); for (let i = 0; i < p.length; i++) if (r.labels[i] === c) confidence[i] = p[i]; }
    // The name is the task's image as the caller (or Label Studio) gives it: a URL, used as it is.
    const b = new ExportBuilder(seg.card.classes, [job.output], { fromName: job.fromName ?? 'tag', toName: job.toName ?? 'image', imageUrlPrefix: '', modelVersion: `pixelwise ${job.model}`, urlNames: true, regions: job.regions }, { outlineTolerance: job.tolerance });
    await b.add({ name: job.name ?? 'image', width: r.width, height: r.height, labels: r.labels, confidence });
    body = Buffer.from(JSON.stringify(job.output === 'coco' ? b.coco() : b.labelStudio()[0])); contentType = 'application/json';
  } else if (job.output === 'yolo' || job.output === 'labelme' || job.output === 'cvat-xml' || job.output === 'supervisely') {
    // The image's outlines: its YOLO label rows (class indices of the classes but background), its
    // labelme file, or a CVAT XML of it; or its Supervisely annotation (bitmaps; it names no image).
    const b = new ExportBuilder(seg.card.classes, [job.output], { fromName: '', toName: '', imageUrlPrefix: '', modelVersion: '' }, { outlineTolerance: job.tolerance });
    await b.add({ name: job.output === 'supervisely' ? 'image' : job.name ?? 'image', width: r.width, height: r.height, labels: r.labels });
    if (job.output === 'yolo') { body = Buffer.from(b.yoloLabels()[0].rows); contentType = 'text/plain; charset=utf-8'; }
    else if (job.output === 'cvat-xml') { body = Buffer.from(b.cvatXml()); contentType = 'application/xml; charset=utf-8'; }
    else if (job.output === 'supervisely') { body = Buffer.from(JSON.stringify(b.supervisely().anns[0].json)); contentType = 'application/json'; }
    else { body = Buffer.from(JSON.stringify(b.labelme()[0].json)); contentType = 'application/json'; }
  } else if (job.output === 'labels') {
    body = await encodeLabelPngFast(r.labels, r.width, r.height, seg.card.classes.map((c) => c.color)); contentType = 'image/png';
  } else if (job.output === 'mask') body = await r.colorMask({ format: job.format }) as Buffer;
  else if (job.output === 'overlay') body = await r.overlay({ alpha: job.alpha, format: job.format }) as Buffer;
  else {
    const timings = { loadMs, decodeMs: round(t1 - t0), inferenceMs: round(t2 - t1) };
    const json = { model: job.model, width: r.width, height: r.height, classes: r.classes, timings, ...(job.withLabels ? { labels: Buffer.from(r.labels).toString('base64') } : {}) };
    body = Buffer.from(JSON.stringify(json)); contentType = 'application/json';
  }
  const timings = { loadMs, decodeMs: round(t1 - t0), inferenceMs: round(t2 - t1), renderMs: round(performance.now() - t2) };
  return { ok: true, contentType, body, timings, width: r.width, height: r.height };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

// Bodies are copied, not transferred: sharp's and Buffer.from's results may share a pooled ArrayBuffer.
serveWorker<Job, JobResult, null>({
  start: async () => null,
  run: async (job, signal) => ({
    result: await run(job, signal).catch((e: unknown): JobResult => {
      const user = e instanceof UserError;
      return { ok: false, status: user ? 422 : 500, message: user ? e.message : `inference failed: ${(e as Error)?.message ?? e}` };
    }),
  }),
  // Releases the ONNX Runtime sessions before the thread ends (terminating it mid-session aborts the process).
  async close() {
    for (const m of models.values()) await m.then((s) => s.dispose(), () => {});
    models.clear();
  },
});
