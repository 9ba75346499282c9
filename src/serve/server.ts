// `pixelwise serve`: an HTTP API (fastify) over the inference workers, the web page, and the
// training-run dashboard. Requests are checked before any work: body size (fastify), the image
// header's pixel count (sharp reads the header only), a known model name, the options; then the
// job waits in a bounded queue for a worker (503 + Retry-After when full).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import sharp, { type Metadata } from 'sharp';
import { z } from 'zod';
import { JobTimeout, QueueFull, WorkerPool } from '../inference/worker_pool.js';
import type { JobResult } from './protocol.js';
import { ServerMetrics } from './metrics.js';
import { cardFile, openCard } from '../models/card_file.js';
import { variantCards } from '../models/card.js';
import { buildCatalog, describeModel, type CatalogEntry } from './catalog.js';
import { listRuns, runLog } from './runs.js';
import { openApiDocument, type RouteSeen } from './openapi.js';
import { OUTPUTS, type Job } from './protocol.js';
import { parseEffect } from '../render/compose.js';
import { classIds, classList } from '../inference/label_map.js';
import { UserError, argumentError } from '../util/errors.js';
import { bmpSize, isBmp } from '../data/bmp.js';

export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
const ORT_WEB_DIST = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));

import { DEFAULT_MAX_MODELS, hostName, LOOPBACK_HOSTS, originProblem, type ServeOptions } from './options.js';
import { registerLabelStudio } from './label_studio.js';
import { LS_REGIONS } from '../data/annotations/format_names.js';

class HttpError extends Error { constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) { super(message); } }

// The descriptions are the OpenAPI document's (openapi.ts).
const segmentQuery = z.object({
  model: z.string().optional().describe('a model of GET /v1/models (default: voc)'),
  output: z.enum(OUTPUTS).default('json').describe('the answer: labels (indexed PNG), mask (colour), overlay, json (classes present), coco, labelstudio, cvat-xml, yolo, labelme, supervisely (pre-annotations of the image), probabilities (confidence masks of `classes`)'),
  alpha: z.coerce.number().min(0).max(1).default(0.5).describe('overlay: the mask\'s opacity'),
  effect: z.string().optional().describe('a background effect: blur, blur=SIGMA, grey, color=RRGGBB, transparent (an RGBA PNG)'),
  keep: z.string().optional().describe('effect: the classes it leaves as they are (comma-separated; default person)'),
  format: z.enum(['png', 'jpeg']).default('png').describe('mask, overlay, effect: the image format'),
  labels: z.enum(['true', 'false', '1', '0']).optional().describe('json: also the label map, base64, a byte per pixel'),
  name: z.string().max(1000).optional().describe('pre-annotations: the image\'s name (or URL) in them'),
  from_name: z.string().max(200).optional().describe('labelstudio: the BrushLabels (or PolygonLabels) control\'s name'),
  to_name: z.string().max(200).optional().describe('labelstudio: the Image object\'s name'),
  classes: z.string().max(4000).optional().describe('probabilities: the classes (comma-separated names or ids, or all)'),
  tolerance: z.coerce.number().min(0).max(1e6).default(0).describe('yolo, labelme, cvat-xml, labelstudio polygons: how far thinned outlines may stray, pixels (0: exact)'),
  regions: z.enum(LS_REGIONS).optional().describe('labelstudio: brush masks or polygons'),
}).strict(); // a misspelt parameter (aplha=0.3) is refused, not answered with its default

export type InferencePool = WorkerPool<Job, JobResult>;
export interface Server { app: FastifyInstance; pool: InferencePool; catalog: Map<string, CatalogEntry>; routes: RouteSeen[]; close(): Promise<void> }

export async function buildServer(o: ServeOptions): Promise<Server> {
  const log = o.log ?? ((line: string) => { process.stderr.write(`${line}\n`); });
  const badOrigin = (o.cors ?? []).find((c) => originProblem(c));
  if (badOrigin != null) throw argumentError('cors', badOrigin, 'not an origin: give scheme://host[:port] as a browser sends it (e.g. http://localhost:3000), or * for any');
  const catalog = await buildCatalog(o.modelsDir);
  if (!catalog.size) throw new UserError(`no models to serve: none shipped and none in ${o.modelsDir ?? '(no --models)'}`);
  // One job per worker at a time (a request has its worker's threads to itself), the rest waiting in a bounded queue.
  const pool: InferencePool = new WorkerPool({ moduleUrl: import.meta.url, name: 'worker', workerData: { threads: o.threads || undefined, precision: o.precision, maxModels: o.maxModels ?? DEFAULT_MAX_MODELS }, size: o.workers, perWorker: 1, queueLimit: o.queue, timeoutMs: o.timeoutMs });
  await pool.ready;
  const metrics = new ServerMetrics(pool);
  const app = Fastify({ bodyLimit: o.maxBodyBytes, requestTimeout: o.timeoutMs, logger: false });
  // Only images (and multipart forms) are request bodies here: no JSON or text parsing.
  app.removeAllContentTypeParsers();
  await app.register(multipart, { limits: { fileSize: o.maxBodyBytes, files: 1, fields: 20 } });
  app.addContentTypeParser(/^(image\/[\w.+-]+|application\/octet-stream)$/, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // JSON bodies: Label Studio's ML-backend calls only.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try { done(null, JSON.parse(body as string)); } catch (e) { done(new HttpError(400, `the JSON body does not parse (${(e as Error).message})`), undefined); }
  });

  // Every route, as registered: what the OpenAPI document describes.
  const routes: RouteSeen[] = [];
  app.addHook('onRoute', (r) => { for (const method of [r.method].flat()) routes.push({ method, url: r.url }); });

  const allowed = new Set((o.allowedHosts ?? LOOPBACK_HOSTS).map((h) => hostName(h)));
  app.addHook('onRequest', async (req) => {
    if (allowed.has('*')) return;
    const name = hostName(req.headers.host);
    if (!allowed.has(name)) throw new HttpError(403, `Host ${name || '(none)'} is not served here; start the server with --allowed-hosts ${name || 'NAME'} to allow it`);
  });
  // Pages of other origins (a web app calling the API, the browser module loading a model from
  // here) are answered with CORS headers only when named; a preflight asks before a POST.
  if (o.cors?.length) await app.register(cors, { origin: o.cors.includes('*') ? '*' : o.cors, methods: ['GET', 'HEAD', 'POST'], maxAge: 600 });
  // Cross-origin isolation: the page may use SharedArrayBuffer, so onnxruntime-web runs wasm with
  // threads. Everything the page loads is this server's own.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-embedder-policy', 'require-corp');
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: req.method, status: reply.statusCode });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof HttpError) return reply.status(err.status).headers(err.headers).send({ error: err.message });
    const status = err.statusCode ?? 500;
    let message = err.message;
    if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE') message = `the upload is over the ${Math.round(o.maxBodyBytes / 2 ** 20)} MB limit (pixelwise serve --max-body)`;
    else if (status === 415) message = 'send the image as the request body (Content-Type image/* or application/octet-stream) or as multipart/form-data';
    else if (status >= 500) { log(`serve: ${err.message}`); message = 'internal error; the server log has the details'; }
    return reply.status(status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE' ? 413 : status).send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: `${req.method} ${req.url.split('?')[0]}: no such endpoint (see GET /v1/models, POST /v1/segment)` }));

  app.get('/openapi.json', async () => openApiDocument(routes, segmentQuery, PACKAGE_VERSION));
  app.get('/healthz', async () => ({ status: 'ok', models: catalog.size, queue: pool.depth, running: pool.running }));
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/v1/models', async () => ({ models: [...catalog.values()].map(describeModel) }));
  app.get<{ Params: { name: string } }>('/v1/models/:name/model.json', async (req) => entry(catalog, req.params.name).card); // as read: migrated to the current version
  app.get<{ Params: { name: string; file: string } }>('/v1/models/:name/:file', async (req, reply) => {
    const e = entry(catalog, req.params.name);
    // Only the ONNX files the card names (its own and its variants'), for the browser path; nothing else in the folder.
    const named = e.card.onnx ? variantCards(e.card) : [];
    const c = named.find((x) => req.params.file === path.basename(x.onnx!));
    if (!c) throw new HttpError(404, `model ${e.name} has no file ${req.params.file} to download (only its ONNX files: ${named.map((x) => x.onnx).join(', ') || 'none'})`);
    let file: string;
    try { file = cardFile(e.dir, c, 'onnx'); } catch (err) { throw new HttpError(404, `model ${e.name}: ${(err as Error).message}`); }
    return reply.type('application/octet-stream').send(fs.createReadStream(file));
  });

  // Refused before the upload is read or its header parsed: when overloaded, a 503 costs almost nothing.
  const refuseWhenFull = async () => { if (pool.full) { metrics.rejected.inc(); throw busy(); } };
  app.post('/v1/segment', { onRequest: refuseWhenFull }, async (req, reply) => {
    // A multipart form's fields are parameters as the query's are (`curl -F file=@a.jpg -F model=voc`);
    // without reading the form, they would be dropped in silence and the defaults answered.
    const form = req.isMultipart() ? await multipartUpload(req) : null;
    const q = parseQuery(form ? withFormFields(req.query, form.fields) : req.query, form ? 'parameter' : 'query parameter');
    const model = entry(catalog, q.model ?? (catalog.has('voc') ? 'voc' : [...catalog.keys()][0]));
    const keep = q.keep ? classList(q.keep) : undefined;
    if (q.effect) checkEffect(q.effect, keep ?? ['person'], model, q.format);
    const classes = q.classes?.trim() === 'all' ? model.card.classes.map((c) => c.name) : q.classes ? classList(q.classes) : undefined;
    if (q.output === 'probabilities') {
      if (!classes?.length) throw new HttpError(400, `output=probabilities needs classes=NAME[,NAME...] or classes=all (of ${model.card.classes.map((c) => c.name).join(', ')})`);
      try { classIds(model.card.classes, classes, 'classes'); } catch (e) { throw new HttpError(400, (e as Error).message); }
    }
    const image = form?.image ?? bodyUpload(req);
    await checkPixels(image, o.maxPixels);
    const job: Job = {
      model: model.name, dir: model.dir, image, output: q.output, alpha: q.alpha, format: q.format,
      effect: q.effect, keep, withLabels: q.labels === 'true' || q.labels === '1', name: q.name, fromName: q.from_name, toName: q.to_name, classes, tolerance: q.tolerance, regions: q.regions,
    };
    const res = await runJob(pool, job, metrics, o.timeoutMs);
    if (!res.ok) throw new HttpError(res.status, res.message);
    metrics.inference.observe({ model: model.name }, (res.timings.decodeMs + res.timings.inferenceMs + res.timings.renderMs) / 1000);
    return reply.type(res.contentType).header('x-image-size', `${res.width}x${res.height}`)
      .header('server-timing', `load;dur=${res.timings.loadMs}, decode;dur=${res.timings.decodeMs}, inference;dur=${res.timings.inferenceMs}, render;dur=${res.timings.renderMs}`)
      .send(Buffer.from(res.body.buffer, res.body.byteOffset, res.body.byteLength));
  });

  const labelStudio = registerLabelStudio(app, {
    catalog, defaultModel: catalog.has('voc') ? 'voc' : [...catalog.keys()][0], files: o.lsFiles, url: o.lsUrl, tolerance: o.lsTolerance ?? 0,
    run: (job) => runJob(pool, job, metrics, o.timeoutMs), checkPixels: (image) => checkPixels(image, o.maxPixels),
    httpError: (status, message) => new HttpError(status, message), maxBytes: o.maxBodyBytes, fetchTimeoutMs: o.timeoutMs,
    token: o.lsToken, training: o.lsTrain,
    addModel: async (name, dir) => { const e = { name, dir, card: await openCard(dir) }; catalog.set(name, e); return e; },
    log,
  });

  app.get('/v1/runs', async () => ({ runs: o.runsDir ? await listRuns(o.runsDir) : [], dir: o.runsDir ?? null }));
  app.get<{ Params: { name: string } }>('/v1/runs/:name/log', async (req) => {
    const log = o.runsDir ? await runLog(o.runsDir, req.params.name) : null;
    if (!log) throw new HttpError(404, `no training run named ${req.params.name}${o.runsDir ? ` in ${o.runsDir}` : ' (start serve with --runs DIR)'}`);
    return { name: req.params.name, epochs: log };
  });

  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', index: ['index.html'] });
  await app.register(fastifyStatic, { root: ORT_WEB_DIST, prefix: '/vendor/ort/', decorateReply: false });
  return { app, pool, catalog, routes, async close() { await labelStudio.close(); await app.close(); await pool.close(); } };
}

const busy = () => new HttpError(503, 'busy: the inference queue is full; retry shortly', { 'retry-after': '1' });

function entry(catalog: Map<string, CatalogEntry>, name: string): CatalogEntry {
  const e = catalog.get(name);
  if (!e) throw new HttpError(404, `no model named ${name} (served: ${[...catalog.keys()].join(', ')})`);
  return e;
}

/** `what` names the parameters in errors: 'query parameter', or 'parameter' where a form's fields are parameters too. */
function parseQuery(query: unknown, what: string): z.infer<typeof segmentQuery> {
  const r = segmentQuery.safeParse(query);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  if (i.code === 'unrecognized_keys') throw new HttpError(400, `${what} ${i.keys[0]}: not one POST /v1/segment takes (${Object.keys(segmentQuery.shape).join(', ')})`);
  const hints: Record<string, string> = { output: OUTPUTS.join('|'), alpha: 'a number from 0 to 1', format: 'png|jpeg', labels: 'true|false', tolerance: 'a distance in pixels, 0 (exact) or more', regions: LS_REGIONS.join('|') };
  const key = String(i.path[0]);
  // A parameter given twice arrives as a list: say that rather than the schema's words.
  if (Array.isArray((query as Record<string, unknown>)?.[key])) throw new HttpError(400, `${what} ${key}: given more than once; give it once`);
  throw new HttpError(400, `${what} ${key}: expected ${hints[key] ?? i.message}`);
}

/** The query's parameters and the form's fields together; one given in both (or twice) is refused as given more than once. */
function withFormFields(query: unknown, fields: [string, string][]): Record<string, unknown> {
  const all: Record<string, unknown> = { ...(query as Record<string, unknown>) };
  for (const [k, v] of fields) {
    const had = all[k];
    all[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  return all;
}

/** The effect and the classes it keeps, checked before the upload is processed. */
function checkEffect(effect: string, keep: string[], model: CatalogEntry, format: 'png' | 'jpeg'): void {
  try {
    const kind = parseEffect(effect).kind;
    if (kind === 'replace') throw new UserError('effect=replace needs an image file, which the API does not read; use blur, blur=SIGMA, grey, color=RRGGBB or transparent');
    if (kind === 'transparent' && format === 'jpeg') throw new UserError('effect=transparent: JPEG keeps no transparency; use format=png');
    classIds(model.card.classes, keep, 'keep');
  } catch (e) { throw new HttpError(400, (e as Error).message.replace('--effect', 'effect')); }
}

/** A multipart form's one file and its text fields (in order). */
async function multipartUpload(req: FastifyRequest): Promise<{ image: Uint8Array; fields: [string, string][] }> {
  // A body that is not the multipart form its header announces (no boundary, garbage) is the
  // client's mistake: 400, not a server error. Only the size limit keeps its own status (413).
  try {
    let image: Buffer | undefined;
    const fields: [string, string][] = [];
    // Every part is read: a second file is refused, not dropped (which of them was segmented would be a guess).
    for await (const part of req.parts()) {
      if (part.type === 'file') image = await part.toBuffer();
      else fields.push([part.fieldname, String(part.value)]);
    }
    if (!image) throw new HttpError(400, 'multipart upload without a file part; send the image as a file field');
    return { image, fields };
  } catch (e) {
    const err = e as Error & { code?: string; statusCode?: number };
    if (err.code === 'FST_FILES_LIMIT') throw new HttpError(400, 'multipart upload with more than one file; send one image per request');
    if (err.code === 'FST_FIELDS_LIMIT') throw new HttpError(400, 'multipart upload with more than 20 fields; send the parameters once each');
    if (e instanceof HttpError || err.code === 'FST_REQ_FILE_TOO_LARGE' || err.statusCode === 413) throw e;
    throw new HttpError(400, `malformed multipart/form-data body (${err.message.split('\n')[0]}); send one file field, or the image as the body`);
  }
}

function bodyUpload(req: FastifyRequest): Uint8Array {
  const body = req.body as Buffer | undefined;
  // JSON is parsed for Label Studio's calls only; here it is not an image.
  if (body != null && !Buffer.isBuffer(body)) throw new HttpError(415, 'send the image as the request body (Content-Type image/* or application/octet-stream) or as multipart/form-data');
  if (!body || !Buffer.isBuffer(body) || !body.length) throw new HttpError(400, 'empty request body; send the image as the body (Content-Type image/*) or as multipart/form-data');
  return body;
}

/** The pixel count from the image header, before anything is decoded. */
async function checkPixels(image: Uint8Array, maxPixels: number): Promise<void> {
  let meta: Pick<Metadata, 'width' | 'height'>;
  try { meta = isBmp(image) ? bmpSize(image) ?? { width: 0, height: 0 } : await sharp(image, { limitInputPixels: false }).metadata(); } catch {
    throw new HttpError(415, 'the upload is not an image pixelwise can read (PNG, JPEG, WebP, TIFF, GIF, AVIF, BMP)');
  }
  const px = (meta.width ?? 0) * (meta.height ?? 0);
  if (!px) throw new HttpError(415, 'the upload has no image size in its header');
  if (px > maxPixels) throw new HttpError(413, `the image is ${meta.width}x${meta.height} (${(px / 1e6).toFixed(1)} megapixels); this server takes up to ${(maxPixels / 1e6).toFixed(1)} (pixelwise serve --max-pixels)`);
}

async function runJob(pool: InferencePool, job: Job, metrics: ServerMetrics, timeoutMs: number) {
  try { return await pool.run(job); } catch (e) {
    if (e instanceof QueueFull) { metrics.rejected.inc(); throw busy(); }
    if (e instanceof JobTimeout) throw new HttpError(504, `no result within ${timeoutMs / 1000} s (pixelwise serve --timeout)`);
    throw e;
  }
}
