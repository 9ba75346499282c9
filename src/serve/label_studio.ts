// Label Studio's ML-backend protocol, so that a Label Studio project can point at pixelwise for
// pre-annotations. Label Studio calls `{backend URL}/health`, `/setup` (the project's labelling
// config, its own hostname and an access token) and `/predict` (tasks), and takes back the regions
// its config's control draws: brush masks (<BrushLabels>) or polygons (<PolygonLabels>).
// The backend URL names the model: http://HOST:PORT/ls/MODEL (http://HOST:PORT alone: the default
// model). Task images are read from a data: URL, from --ls-files for Label Studio's local files
// (/data/local-files/?d=PATH), or fetched from the Label Studio host itself (uploads), never from
// another origin.
import path from 'node:path';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import type { CatalogEntry } from './catalog.js';
import type { Job, JobResult } from './protocol.js';
import { isInside } from '../util/fs.js';
import { dataUrlBytes } from '../util/data_url.js';
import type { LabelStudioRegions } from '../data/annotations/format_names.js';

export interface LabelStudioDeps {
  catalog: Map<string, CatalogEntry>;
  defaultModel: string;
  run: (job: Job) => Promise<JobResult>;
  checkPixels: (image: Uint8Array) => Promise<void>;
  /** The folder behind Label Studio's local-files storage (LOCAL_FILES_DOCUMENT_ROOT). */
  files?: string;
  /** Label Studio's URL, when /setup does not say it. */
  url?: string;
  httpError: (status: number, message: string) => Error;
  /** The most bytes, and the longest wait, for an image read from Label Studio's server. */
  maxBytes: number; fetchTimeoutMs: number;
  /** How far (pixels) polygons may stray from the exact outlines (0: exact). */
  tolerance: number;
}

const NO_TRAINING = 'pixelwise serve makes predictions and does not train from Label Studio; export the project (JSON), turn it into masks with pixelwise convert FILE --from labelstudio, and train with pixelwise train';

interface RegionConfig { fromName: string; toName: string; dataKey: string; labels: string[]; regions: LabelStudioRegions }

/** The controls answered, by the regions they draw. */
const CONTROLS: Record<string, LabelStudioRegions> = { BrushLabels: 'brush', PolygonLabels: 'polygon' };

/**
 * The BrushLabels (else PolygonLabels) control of a labelling config, its image and its labels;
 * the reason when there is neither.
 */
export function regionConfig(xml: string): RegionConfig | string {
  let doc: unknown;
  try { doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml); } catch (e) { return `the labelling config is not XML (${(e as Error).message.split('\n')[0]})`; }
  const found: Partial<Record<LabelStudioRegions, RegionConfig>> = {};
  const images = new Map<string, string>();
  const walk = (node: unknown, tag: string) => {
    if (Array.isArray(node)) { node.forEach((n) => walk(n, tag)); return; }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (tag === 'Image' && typeof o.name === 'string' && typeof o.value === 'string') images.set(o.name, o.value.replace(/^\$/, ''));
    const regions = Object.hasOwn(CONTROLS, tag) ? CONTROLS[tag] : undefined;
    if (regions && !found[regions] && typeof o.name === 'string' && typeof o.toName === 'string') {
      const labels = ([] as unknown[]).concat(o.Label ?? []).map((l) => (l as Record<string, string>).value).filter((v): v is string => typeof v === 'string');
      found[regions] = { fromName: o.name, toName: o.toName, dataKey: '', labels, regions };
    }
    for (const [k, v] of Object.entries(o)) if (typeof v === 'object') walk(v, k);
  };
  walk(doc, '');
  // Both in one config: brush masks, the label maps' pixels exactly.
  const f = found.brush ?? found.polygon;
  if (!f) return 'the labelling config has no <BrushLabels> or <PolygonLabels> (pixelwise answers brush or polygon regions)';
  f.dataKey = images.get(f.toName) ?? f.toName;
  return f;
}

interface Connection { host?: string; token?: string; config?: RegionConfig }

export function registerLabelStudio(app: FastifyInstance, d: LabelStudioDeps): void {
  const connections = new Map<string, Connection>();
  const modelOf = (name?: string) => {
    const m = d.catalog.get(name ?? d.defaultModel);
    if (!m) throw d.httpError(404, `no model named ${name} (served: ${[...d.catalog.keys()].join(', ')})`);
    return m;
  };
  /** The config's labels that the model predicts, by name (case-insensitive); unknown ones refused. */
  const checkConfig = (m: CatalogEntry, xml: unknown): RegionConfig => {
    if (typeof xml !== 'string' || !xml.trim()) throw d.httpError(400, 'no labelling config (schema or label_config) in the request');
    const c = regionConfig(xml);
    if (typeof c === 'string') throw d.httpError(422, c);
    const known = new Set(m.card.classes.map((k) => k.name.toLowerCase()));
    const unknown = c.labels.filter((l) => !known.has(l.toLowerCase()));
    if (unknown.length) throw d.httpError(422, `the labelling config's labels ${unknown.map((u) => `"${u}"`).join(', ')} are not classes of model ${m.name} (${m.card.classes.map((k) => k.name).join(', ')}); rename them to its classes or choose another model`);
    return c;
  };
  const health = async () => ({ status: 'UP', model_class: 'pixelwise', models: [...d.catalog.keys()] });
  const setup = async (model: string | undefined, body: Record<string, unknown>) => {
    const m = modelOf(model);
    const config = checkConfig(m, body.schema ?? body.label_config);
    connections.set(`${m.name}/${String(body.project ?? '')}`, { host: typeof body.hostname === 'string' && body.hostname ? body.hostname : undefined, token: typeof body.access_token === 'string' ? body.access_token : undefined, config });
    return { model_version: `pixelwise ${m.name}` };
  };
  const predict = async (model: string | undefined, body: Record<string, unknown>) => {
    const m = modelOf(model);
    const tasks = body.tasks;
    if (!Array.isArray(tasks)) throw d.httpError(400, 'no tasks in the request');
    const project = String(body.project ?? '');
    const conn = connections.get(`${m.name}/${project}`) ?? connections.get(`${m.name}/${project.split('.')[0]}`) ?? [...connections.entries()].find(([k]) => k.startsWith(`${m.name}/`))?.[1] ?? {};
    const config = body.label_config ? checkConfig(m, body.label_config) : conn.config;
    if (!config) throw d.httpError(400, 'no labelling config: Label Studio sends it to /setup or with the tasks (label_config)');
    const wanted = new Map(config.labels.map((l) => [l.toLowerCase(), l]));
    const results = [];
    for (const task of tasks as { id?: number; data?: Record<string, unknown> }[]) {
      const url = task?.data?.[config.dataKey];
      if (typeof url !== 'string') throw d.httpError(400, `task ${task?.id}: no image under data.${config.dataKey}`);
      const image = await taskImage(url, conn);
      await d.checkPixels(image);
      const res = await d.run({ model: m.name, dir: m.dir, image, output: 'labelstudio', alpha: 0.5, format: 'png', withLabels: false, name: url, fromName: config.fromName, toName: config.toName, regions: config.regions, tolerance: d.tolerance });
      if (!res.ok) throw d.httpError(res.status, `task ${task?.id}: ${res.message}`);
      const key = `${config.regions}labels`;
      const pred = (JSON.parse(Buffer.from(res.body).toString('utf8')) as { predictions: { score?: number; result: { value: Record<string, string[]> }[] }[] }).predictions[0];
      // Regions of the config's labels only, named as the config spells them.
      const result = pred.result.filter((r) => wanted.has(r.value[key][0].toLowerCase()))
        .map((r) => ({ ...r, value: { ...r.value, [key]: [wanted.get(r.value[key][0].toLowerCase())!] } }));
      results.push({ result, score: pred.score, model_version: `pixelwise ${m.name}` });
    }
    return { results, model_version: `pixelwise ${m.name}` };
  };

  const taskImage = async (url: string, conn: Connection): Promise<Uint8Array> => {
    const data = dataUrlBytes(url);
    if (data) return data;
    const local = /^\/data\/local-files\/?\?d=(.+)$/.exec(url);
    if (local) {
      if (!d.files) throw d.httpError(422, `${url}: a Label Studio local file; start serve with --ls-files DIR (the folder behind Label Studio's local files)`);
      let rel: string;
      try { rel = decodeURIComponent(local[1]); } catch { throw d.httpError(400, `${url}: not a valid URL (a % not followed by two hex digits)`); }
      // Confined by name first (nothing is told of files outside), then by real path: a link in
      // the folder to a file outside it is outside.
      const outside = () => d.httpError(403, `${url}: outside --ls-files`);
      const missing = () => d.httpError(404, `${url}: no file ${rel} in --ls-files ${d.files}`);
      const named = path.resolve(d.files, rel);
      if (named === path.resolve(d.files) || !isInside(d.files, named)) throw outside();
      let file: string;
      try { file = fs.realpathSync(named); } catch { throw missing(); }
      if (!isInside(fs.realpathSync(d.files), file)) throw outside();
      try { return fs.readFileSync(file); } catch { throw missing(); }
    }
    const host = conn.host ?? d.url;
    if (!host) throw d.httpError(422, `${url}: an image on the Label Studio server; start serve with --ls-url URL (Label Studio's address) or let Label Studio send its hostname at setup`);
    let target: URL, origin: string;
    try { origin = new URL(host).origin; } catch { throw d.httpError(422, `${host}: Label Studio's address is not a URL; give setup a hostname such as http://localhost:8080`); }
    try { target = new URL(url, host); } catch { throw d.httpError(400, `${url}: not a valid URL`); }
    if (target.origin !== origin) throw d.httpError(403, `${url}: not on the Label Studio server ${host}; images are read from it only`);
    const signal = AbortSignal.timeout(d.fetchTimeoutMs);
    const failed = (e: Error) => d.httpError(502, `${target.href}: ${e.name === 'TimeoutError' ? `no answer within ${d.fetchTimeoutMs / 1000} s` : e.message}`);
    const r = await fetch(target, { signal, headers: conn.token ? { authorization: `Token ${conn.token}` } : {} }).catch((e: Error) => { throw failed(e); });
    if (!r.ok) throw d.httpError(502, `${target.href}: Label Studio answered ${r.status}`);
    // Read up to the upload limit: an image from Label Studio is held to what an upload would be.
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of r.body ?? []) {
        size += chunk.byteLength;
        if (size > d.maxBytes) throw d.httpError(413, `${target.href}: over the ${Math.round(d.maxBytes / 2 ** 20)} MB limit (pixelwise serve --max-body)`); // leaving the loop cancels the body
        chunks.push(chunk);
      }
    } catch (e) { throw (e as { status?: number }).status ? e : failed(e as Error); }
    return Buffer.concat(chunks);
  };

  const json = (b: unknown) => (b && typeof b === 'object' ? b as Record<string, unknown> : {});
  for (const prefix of ['', '/ls/:model']) {
    app.get(`${prefix}/health`, health);
    app.post<{ Params: { model?: string } }>(`${prefix}/setup`, async (req) => setup(req.params.model, json(req.body)));
    app.post<{ Params: { model?: string } }>(`${prefix}/predict`, async (req) => predict(req.params.model, json(req.body)));
    // Training from Label Studio's calls (its Start Training button, annotation webhooks) is not
    // done here: said in words, not as a missing endpoint.
    app.get(`${prefix}/is_training`, async () => ({ is_training: false }));
    for (const call of ['train', 'webhook']) app.post(`${prefix}/${call}`, async () => { throw d.httpError(501, NO_TRAINING); });
  }
  app.get('/ls/:model', health);
}
