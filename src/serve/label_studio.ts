// Label Studio's ML-backend protocol, so that a Label Studio project can point at pixelwise for
// pre-annotations. Label Studio calls `{backend URL}/health`, `/setup` (the project's labelling
// config, its own hostname and an access token) and `/predict` (tasks), and takes back the regions
// its config's control draws: brush masks (<BrushLabels>) or polygons (<PolygonLabels>).
// The backend URL names the model: http://HOST:PORT/ls/MODEL (http://HOST:PORT alone: the default
// model). A config's <Label> names a class of the model, or names them in predicted_values (as
// Label Studio's ML backends read it). Task images are read from a data: URL, from --ls-files for
// Label Studio's local files (/data/local-files/?d=PATH), or fetched from the Label Studio host
// itself (uploads), never from another origin. With --ls-train, Label Studio's training calls
// fine-tune the model on the project's annotations (ls_training.ts), and the project's
// predictions come from its trained model from then on.
import path from 'node:path';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { CatalogEntry } from './catalog.js';
import type { Job, JobResult } from './protocol.js';
import { isInside } from '../util/fs.js';
import { dataUrlBytes } from '../util/data_url.js';
import { readCapped } from '../util/response_body.js';
import { regionConfig, type RegionConfig } from '../data/annotations/labelstudio_config.js';
import { ProjectTraining, projectId, type ProjectLink, type TrainingSettings } from './ls_training.js';
import { LabelStudioAuth } from './ls_auth.js';

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
  /** Label Studio's access token, when its setup call sends none (LABEL_STUDIO_API_KEY). */
  token?: string;
  /** Training from Label Studio's calls; left out, they are answered 501. */
  training?: TrainingSettings;
  /** A model package opened and added to the served models (a project's trained model). */
  addModel: (name: string, dir: string) => Promise<CatalogEntry>;
  log: (line: string) => void;
}

const NO_TRAINING = 'this pixelwise serve does not train from Label Studio; start it with --ls-train DIR (trained models are kept there), or export the project (JSON), turn it into masks with pixelwise convert FILE --from labelstudio, and train with pixelwise train';
/** Label Studio's webhook events that ask for training: Start Training, and annotations submitted, changed or deleted (a project set to train on them). */
const TRAIN_EVENTS = new Set(['START_TRAINING', 'ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATION_DELETED']);

/**
 * The config's labels by the model classes they stand for (lower case -> the label as the config
 * spells it): a label's predicted_values that are classes, else its own name when it is one; and
 * the labels that stand for none.
 */
export function labelsByClass(config: RegionConfig, classes: string[]): { byClass: Map<string, string>; unknown: string[] } {
  const known = new Set(classes.map((c) => c.toLowerCase()));
  const byClass = new Map<string, string>(), unknown: string[] = [];
  for (const l of config.labels) {
    // As Label Studio's ML backends map labels; the name also serves a project's trained model,
    // whose classes are the labels themselves.
    const predicted = l.predicted.filter((v) => known.has(v.toLowerCase()));
    const named = predicted.length ? predicted : known.has(l.value.toLowerCase()) ? [l.value] : [];
    if (!named.length) unknown.push(l.value);
    for (const c of named) byClass.set(c.toLowerCase(), l.value);
  }
  return { byClass, unknown };
}

interface Connection { host?: string; token?: string; config?: RegionConfig }

/** Label Studio's calls on `app`; the returned close() stops a training running. */
export function registerLabelStudio(app: FastifyInstance, d: LabelStudioDeps): { close(): Promise<void> } {
  const connections = new Map<string, Connection>();
  const auth = new LabelStudioAuth(d.fetchTimeoutMs);
  const training = d.training ? new ProjectTraining({ settings: d.training, taskImage: (url, link) => taskImage(url, link), authHeaders: (host, token) => auth.headers(host, token), maxExportBytes: 2 ** 31 - 1, log: d.log }, d.addModel) : undefined;
  const modelOf = (name?: string) => {
    const m = d.catalog.get(name ?? d.defaultModel);
    if (!m) throw d.httpError(404, `no model named ${name} (served: ${[...d.catalog.keys()].join(', ')})`);
    return m;
  };
  /**
   * The config, its labels checked against the model's classes (by name, case-insensitive, or by
   * predicted_values). Labels the model lacks are refused, unless the server trains: until the
   * project's model is trained, their regions are not predicted.
   */
  const checkConfig = (m: CatalogEntry, xml: unknown): RegionConfig => {
    if (typeof xml !== 'string' || !xml.trim()) throw d.httpError(400, 'no labelling config (schema or label_config) in the request');
    const c = regionConfig(xml);
    if (typeof c === 'string') throw d.httpError(422, c);
    const { unknown } = labelsByClass(c, m.card.classes.map((k) => k.name));
    if (unknown.length && !training) throw d.httpError(422, `the labelling config's labels ${unknown.map((u) => `"${u}"`).join(', ')} are not classes of model ${m.name} (${m.card.classes.map((k) => k.name).join(', ')}); rename them to its classes, name its classes in predicted_values="CLASS,..." on the <Label>, choose another model, or start serve with --ls-train DIR to train one on the project's annotations`);
    return c;
  };
  /** The model that answers a project: its trained one, else the model its URL names. */
  const answering = async (m: CatalogEntry, project: string): Promise<{ entry: CatalogEntry; version: string }> => {
    const t = training && /^\d{1,18}$/.test(project) ? await training.trainedModel(m.name, project) : undefined;
    return t ? { entry: t.entry, version: `pixelwise ${t.entry.name} v${t.version}` } : { entry: m, version: `pixelwise ${m.name}` };
  };
  const health = async () => ({ status: 'UP', model_class: 'pixelwise', models: [...d.catalog.keys()] });
  const setup = async (model: string | undefined, body: Record<string, unknown>) => {
    const m = modelOf(model);
    const config = checkConfig(m, body.schema ?? body.label_config);
    const project = projectId(body.project);
    connections.set(`${m.name}/${project}`, { host: typeof body.hostname === 'string' && body.hostname ? body.hostname : undefined, token: typeof body.access_token === 'string' && body.access_token ? body.access_token : undefined, config });
    return { model_version: (await answering(m, project)).version };
  };
  const predict = async (model: string | undefined, body: Record<string, unknown>) => {
    const m = modelOf(model);
    const tasks = body.tasks;
    if (!Array.isArray(tasks)) throw d.httpError(400, 'no tasks in the request');
    const project = projectId(body.project);
    const conn = connections.get(`${m.name}/${project}`) ?? [...connections.entries()].find(([k]) => k.startsWith(`${m.name}/`))?.[1] ?? {};
    const config = body.label_config ? checkConfig(m, body.label_config) : conn.config;
    if (!config) throw d.httpError(400, 'no labelling config: Label Studio sends it to /setup or with the tasks (label_config)');
    const { entry: a, version } = await answering(m, project);
    const wanted = labelsByClass(config, a.card.classes.map((k) => k.name)).byClass;
    const results = [];
    for (const task of tasks as { id?: number; data?: Record<string, unknown> }[]) {
      const url = task?.data?.[config.dataKey];
      if (typeof url !== 'string') throw d.httpError(400, `task ${task?.id}: no image under data.${config.dataKey}`);
      const image = await taskImage(url, conn);
      await d.checkPixels(image);
      const res = await d.run({ model: a.name, dir: a.dir, image, output: 'labelstudio', alpha: 0.5, format: 'png', withLabels: false, name: url, fromName: config.fromName, toName: config.toName, regions: config.regions, tolerance: d.tolerance });
      if (!res.ok) throw d.httpError(res.status, `task ${task?.id}: ${res.message}`);
      const key = `${config.regions}labels`;
      const pred = (JSON.parse(Buffer.from(res.body).toString('utf8')) as { predictions: { score?: number; result: { value: Record<string, string[]> }[] }[] }).predictions[0];
      // Regions of the config's labels only, named as the config spells them.
      const result = pred.result.filter((r) => wanted.has(r.value[key][0].toLowerCase()))
        .map((r) => ({ ...r, value: { ...r.value, [key]: [wanted.get(r.value[key][0].toLowerCase())!] } }));
      results.push({ result, score: pred.score, model_version: version });
    }
    return { results, model_version: version };
  };
  /**
   * A training of the project asked for (Start Training, or annotations of a project that trains on
   * them). The project as its /setup call connected it, else as the call describes it (a webhook's
   * project holds its label_config; Label Studio's address and token then from --ls-url and
   * LABEL_STUDIO_API_KEY), as after a restart of this server.
   */
  const train = (model: string | undefined, body: Record<string, unknown>) => {
    if (!training) throw d.httpError(501, NO_TRAINING);
    const m = modelOf(model);
    const project = projectId(body.project);
    if (!project) throw d.httpError(400, 'no project in the request');
    if (!/^\d{1,18}$/.test(project)) throw d.httpError(400, `project ${project}: not a Label Studio project id (a number)`);
    const described = (body.project && typeof body.project === 'object' ? (body.project as Record<string, unknown>).label_config : undefined) ?? body.label_config;
    const conn = connections.get(`${m.name}/${project}`) ?? (described ? { config: checkConfig(m, described) } as Connection : undefined);
    if (!conn?.config) throw d.httpError(409, `project ${project} has not been set up with model ${m.name} here (Label Studio's /setup call); connect the model again in the project's settings`);
    if (!m.card.weights) throw d.httpError(422, `model ${m.name} has no weights to fine-tune (an ONNX graph); connect the project to a model with weights: ${[...d.catalog.values()].filter((e) => e.card.weights && !e.name.includes('-project-')).map((e) => e.name).join(', ') || 'none served'}`);
    const link: ProjectLink = { model: m, project, host: conn.host ?? d.url, token: conn.token ?? d.token, config: conn.config };
    return training.request(link);
  };

  const taskImage = async (url: string, conn: Pick<Connection, 'host' | 'token'>): Promise<Uint8Array> => {
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
      // A regular file within the upload limit: a named pipe would block the server for ever, a
      // file of gigabytes be read whole.
      let st: fs.Stats;
      try { st = fs.statSync(file); } catch { throw missing(); }
      if (!st.isFile()) throw d.httpError(404, `${url}: ${rel} in --ls-files is not a file (a folder, pipe or device)`);
      if (st.size > d.maxBytes) throw d.httpError(413, `${url}: over the ${Math.round(d.maxBytes / 2 ** 20)} MB limit (pixelwise serve --max-body)`);
      try { return await fs.promises.readFile(file); } catch { throw missing(); }
    }
    const host = conn.host ?? d.url;
    if (!host) throw d.httpError(422, `${url}: an image on the Label Studio server; start serve with --ls-url URL (Label Studio's address) or let Label Studio send its hostname at setup`);
    let target: URL, origin: string;
    try { origin = new URL(host).origin; } catch { throw d.httpError(422, `${host}: Label Studio's address is not a URL; give setup a hostname such as http://localhost:8080`); }
    try { target = new URL(url, host); } catch { throw d.httpError(400, `${url}: not a valid URL`); }
    if (target.origin !== origin) throw d.httpError(403, `${url}: not on the Label Studio server ${host}; images are read from it only`);
    const signal = AbortSignal.timeout(d.fetchTimeoutMs);
    const failed = (e: Error) => d.httpError(502, `${target.href}: ${e.name === 'TimeoutError' ? `no answer within ${d.fetchTimeoutMs / 1000} s` : e.message}`);
    const headers = await auth.headers(host, conn.token).catch((e: Error) => { throw d.httpError(502, e.message); });
    const r = await fetch(target, { signal, headers }).catch((e: Error) => { throw failed(e); });
    if (!r.ok) throw d.httpError(502, `${target.href}: Label Studio answered ${r.status}`);
    // Read up to the upload limit: an image from Label Studio is held to what an upload would be.
    const over = () => d.httpError(413, `${target.href}: over the ${Math.round(d.maxBytes / 2 ** 20)} MB limit (pixelwise serve --max-body)`);
    return readCapped(r, d.maxBytes, over).catch((e: Error & { status?: number }) => { throw e.status ? e : failed(e); });
  };

  const json = (b: unknown) => (b && typeof b === 'object' ? b as Record<string, unknown> : {});
  for (const prefix of ['', '/ls/:model']) {
    app.get(`${prefix}/health`, health);
    app.post<{ Params: { model?: string } }>(`${prefix}/setup`, async (req) => setup(req.params.model, json(req.body)));
    app.post<{ Params: { model?: string } }>(`${prefix}/predict`, async (req) => predict(req.params.model, json(req.body)));
    // Label Studio asks whether a project is training (its model settings page), and the outcome of the last training.
    app.get<{ Params: { model?: string }; Querystring: { project?: string } }>(`${prefix}/is_training`, async (req) => {
      const m = modelOf(req.params.model);
      const project = projectId(req.query.project);
      const last = project ? training?.outcome(m.name, project) : undefined;
      return { is_training: !!training?.isTraining(m.name, project || undefined), ...(last ? { last } : {}) };
    });
    // Its Start Training button and annotation events (webhooks), and the /train call of versions before 1.8.
    app.post<{ Params: { model?: string } }>(`${prefix}/webhook`, async (req, reply) => {
      const body = json(req.body);
      const action = typeof body.action === 'string' ? body.action : '';
      if (!TRAIN_EVENTS.has(action)) {
        if (!training) throw d.httpError(501, NO_TRAINING);
        return { status: 'ignored', action };
      }
      return reply.status(201).send(train(req.params.model, body));
    });
    app.post<{ Params: { model?: string } }>(`${prefix}/train`, async (req, reply) => reply.status(201).send(train(req.params.model, json(req.body))));
  }
  app.get('/ls/:model', health);
  return { close: async () => { await training?.close(); } };
}
