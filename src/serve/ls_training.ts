// Training from Label Studio (`serve --ls-train DIR`): its Start Training button (a START_TRAINING
// webhook, or a /train call from older versions), and the annotation webhooks of a project set to
// train on each submission, fine-tune the model the project is connected to on the project's
// annotations. A training fetches the project's JSON export from Label Studio (with the token its
// setup call sent, or LABEL_STUDIO_API_KEY), each annotated task's image (as predictions read them),
// turns the export into masks (convert's Label Studio reader), and runs `pixelwise train` and
// `pixelwise export --package` as child processes: the server keeps answering, and a training that
// fails or is stopped leaves the server as it was. The package becomes the project's model,
// named MODEL-project-ID, in DIR/MODEL/project-ID/model-N (N counts the trainings; the newest is
// used, after a restart too).
//
// Trainings run one at a time, in the order asked. A request for a project queued or training
// already is not run twice: asked during its training, one more training follows it (the
// annotations submitted meanwhile are in that one). A training the server's stop cut short (a
// restart, an update, a kill: its child saves a checkpoint) is marked in its project's folder
// (training.json) and resumed from its checkpoint when a server starts on the folder again.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CatalogEntry } from './catalog.js';
import { configClasses, type RegionConfig } from '../data/annotations/labelstudio_config.js';
import { convertAnnotations } from '../data/annotations/convert.js';
import { isRecord } from '../data/annotations/types.js';
import { IMAGE_EXTS } from '../data/image_io.js';
import { builtOptions } from '../models/registry.js';
import { parseJsonBytes } from '../util/json_file.js';
import { writeFileAtomic, makeDir } from '../util/fs.js';
import { readCapped } from '../util/response_body.js';
import { runLockOwner } from '../train/run_lock.js';

const BIN = fileURLToPath(new URL('../../bin/pixelwise.js', import.meta.url));

export interface TrainingSettings {
  /** Where each project's data, runs and trained models are kept. */
  dir: string;
  /** Epochs of each training; left out, enough for the network to see 2000 crops (20 at least). */
  epochs?: number;
  /** The training crop, and Adam's learning rate (train's default when left out). */
  inputSize: [number, number];
  lr?: number;
}

/** Epochs for a training on `images` images: as given, else about 2000 crops seen (a few tasks need many epochs, many tasks few). */
export const trainingEpochs = (s: TrainingSettings, images: number): number => s.epochs ?? Math.max(20, Math.ceil(2000 / images));

/** A project as connected: the model it fine-tunes, Label Studio's address and token, the labelling config. */
export interface ProjectLink { model: CatalogEntry; project: string; host?: string; token?: string; config: RegionConfig }

export interface TrainingDeps {
  settings: TrainingSettings;
  /** A task's image, read as predictions read it (data: URL, local files, Label Studio's host). */
  taskImage: (url: string, link: ProjectLink) => Promise<Uint8Array>;
  /** The Authorization header for Label Studio's API (ls_auth.ts). */
  authHeaders: (host: string, token: string | undefined) => Promise<Record<string, string>>;
  /** The most bytes of a project export read. */
  maxExportBytes: number;
  log: (line: string) => void;
}

/** The last training of a project: the model it made, or why it failed (beside the model still in use, if one was trained before). */
export interface TrainingOutcome {
  finished: string; model?: string; version?: number; tasks?: number;
  /** The held-out tasks (about a fifth, from 20 tasks on) and the model's mIoU on them (its best epoch's). */
  validation?: { tasks: number; miou: number };
  error?: string;
}

/** The number of annotated tasks from which a fifth is held out for validation. */
const VALIDATED_FROM = 20;

/** A training in progress, on disk: what finishing it (after a restart) needs besides its run folder. */
interface PendingTraining { version: number; tasks: number; heldOut?: number; started: string }
const PENDING = 'training.json';
/** How long a resumed training waits for the stopped server's child to let its run go. */
const LOCK_WAIT_MS = 120_000;

/** `resume`: a training a stopped server left, continued from its checkpoint; `link` arrives with a request for the project. */
interface Job { key: string; link?: ProjectLink; resume?: { model: string; project: string; pending: PendingTraining }; running: boolean; again: boolean; id: number }

const key = (model: string, project: string) => `${model}/${project}`;
/** Label Studio's project as given: an id, or "id.timestamp" (predict and setup calls). */
export const projectId = (p: unknown): string => String(isRecord(p) ? p.id ?? '' : p ?? '').split('.')[0];

export class ProjectTraining {
  private readonly jobs = new Map<string, Job>();
  private readonly outcomes = new Map<string, TrainingOutcome>();
  private readonly trained = new Map<string, { entry: CatalogEntry; version: number }>();
  private queue: Promise<void> = Promise.resolve();
  private child?: ChildProcess;
  private closed = false;
  /** Aborts a project export being read when the server stops. */
  private readonly stopping = new AbortController();
  private count = 0;

  constructor(private readonly d: TrainingDeps, private readonly open: (name: string, dir: string) => Promise<CatalogEntry>) {
    for (const r of pendingTrainings(d.settings.dir, d.log)) {
      const job: Job = { key: key(r.model, r.project), resume: r, running: false, again: false, id: ++this.count };
      this.jobs.set(job.key, job);
      this.queue = this.queue.then(() => this.runJob(job));
    }
  }

  /** A training of the project asked for: its job id, and whether it joined one queued or running. */
  request(link: ProjectLink): { job: string; joined: boolean } {
    const k = key(link.model.name, link.project);
    const job = this.jobs.get(k);
    if (job) {
      job.link = link; // the newest config and token
      // Running, or a resumed training (of the annotations it was started on): one more follows it.
      if (job.running || job.resume) job.again = true;
      return { job: `${k}#${job.id}`, joined: true };
    }
    const next: Job = { key: k, link, running: false, again: false, id: ++this.count };
    this.jobs.set(k, next);
    this.queue = this.queue.then(() => this.runJob(next));
    return { job: `${k}#${next.id}`, joined: false };
  }

  isTraining(model?: string, project?: string): boolean {
    return [...this.jobs.keys()].some((k) => { const [jm, jp] = k.split('/'); return (!model || jm === model) && (!project || jp === project); });
  }

  outcome(model: string, project: string): TrainingOutcome | undefined { return this.outcomes.get(key(model, project)); }

  /** The project's newest trained model (found on disk after a restart), if it has one. */
  async trainedModel(model: string, project: string): Promise<{ entry: CatalogEntry; version: number } | undefined> {
    const k = key(model, project);
    if (this.trained.has(k)) return this.trained.get(k);
    const dir = this.projectDir(model, project);
    const versions = modelVersions(dir, true);
    if (!versions.length) return undefined;
    const version = Math.max(...versions);
    try {
      const t = { entry: await this.open(`${model}-project-${project}`, path.join(dir, `model-${version}`)), version };
      this.trained.set(k, t);
      return t;
    } catch (e) {
      this.d.log(`serve: Label Studio project ${project}: its trained model ${path.join(dir, `model-${version}`)} does not open (${(e as Error).message}); answering with ${model}`);
      return undefined;
    }
  }

  /** Stops the training running (its child process) and drops those waiting. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    this.child?.kill('SIGTERM');
    await this.queue;
  }

  private projectDir(model: string, project: string): string { return path.join(this.d.settings.dir, model, `project-${project}`); }

  private async runJob(job: Job): Promise<void> {
    for (;;) {
      if (this.closed) break;
      job.running = true; job.again = false;
      const { link, resume } = job;
      const p = resume?.project ?? link!.project, m = resume?.model ?? link!.model.name;
      job.resume = undefined; // a training asked for meanwhile is a new one
      const started = Date.now();
      try {
        const r = resume ? await this.resumeTraining(resume) : await this.train(link!);
        this.trained.set(job.key, r);
        this.outcomes.set(job.key, { finished: new Date().toISOString(), model: r.entry.name, version: r.version, tasks: r.tasks, ...(r.validation ? { validation: r.validation } : {}) });
        const scored = r.validation ? ` (mIoU ${r.validation.miou.toFixed(1)} on the ${r.validation.tasks} held out)` : '';
        this.d.log(`serve: Label Studio project ${p}: trained ${r.entry.name} v${r.version} from ${m} on ${r.tasks} annotated task${r.tasks === 1 ? '' : 's'}${scored} in ${Math.round((Date.now() - started) / 1000)} s; its predictions use it now`);
      } catch (e) {
        const error = (e as Error).message;
        // The model in use stays the one trained before, if any: said beside the error.
        const { finished: _, error: __, ...inUse } = this.outcomes.get(job.key) ?? {};
        this.outcomes.set(job.key, { finished: new Date().toISOString(), error, ...inUse });
        this.d.log(`serve: Label Studio project ${p}: training ${m} failed: ${error}`);
      }
      if (!job.again) break;
    }
    this.jobs.delete(job.key);
  }

  private async train(link: ProjectLink): Promise<{ entry: CatalogEntry; version: number; tasks: number; validation?: TrainingOutcome['validation'] }> {
    const { model: m, project: p, config } = link;
    if (!m.card.weights) throw new Error(`model ${m.name} has no weights to fine-tune (an ONNX graph); connect the project to a model with weights (pixelwise models lists them)`);
    const dir = this.projectDir(m.name, p);
    const images = path.join(dir, 'images'), data = path.join(dir, 'data'), run = path.join(dir, 'run');
    makeDir(images);
    this.d.log(`serve: Label Studio project ${p}: training ${m.name}: fetching the project's annotations`);
    const tasks = await this.fetchExport(link);
    // The annotated tasks' images, saved under names that say which task each is (fetched once).
    let annotated = 0;
    for (const task of tasks) {
      if (!isRecord(task) || !Array.isArray(task.annotations) || !task.annotations.some((a) => isRecord(a) && !a.was_cancelled)) continue;
      const fields = isRecord(task.data) ? task.data : {};
      const url = fields[config.dataKey];
      if (typeof url !== 'string') throw new Error(`task ${String(task.id)}: no image under data.${config.dataKey}`);
      const name = imageName(task.id, url);
      const file = path.join(images, name);
      if (!fs.existsSync(file)) writeFileAtomic(file, await this.d.taskImage(url, link));
      fields[config.dataKey] = name;
      annotated++;
      if (this.closed) throw new Error('the server stopped');
    }
    if (!annotated) throw new Error('the project has no annotated tasks yet; annotate some, then start training');
    const exportFile = path.join(dir, 'export.json');
    writeFileAtomic(exportFile, JSON.stringify(tasks));
    const classes = configClasses(config);
    fs.rmSync(data, { recursive: true, force: true });
    // From 20 tasks on, a fifth is held out (by a hash of its name: a task keeps its side as the
    // project grows) to pick the best epoch and to score the model the project gets.
    const report = await convertAnnotations({ from: 'labelstudio', input: exportFile, images, out: data, classes, skipInvalid: true, ...(annotated >= VALIDATED_FROM ? { valFraction: 0.2 } : {}) });
    if (!report.images) throw new Error('no annotated task gives a mask');
    const version = Math.max(0, ...modelVersions(dir, false)) + 1;
    fs.rmSync(run, { recursive: true, force: true });
    const log = path.join(dir, 'training.log');
    const trained = report.split?.counts[0] ?? report.images;
    const epochs = trainingEpochs(this.d.settings, trained);
    this.d.log(`serve: Label Studio project ${p}: training ${m.name} on ${trained} annotated task${trained === 1 ? '' : 's'}${report.split ? `, ${report.split.counts[1]} held out to validate` : ''} (${epochs} epochs; log: ${log})`);
    const files = { images, masks: path.join(data, 'masks'), list: report.split?.train ?? report.list, val: report.split?.val, classFile: path.join(data, 'classes.json'), out: run };
    const pending: PendingTraining = { version, tasks: trained, ...(report.split ? { heldOut: report.split.counts[1] } : {}), started: new Date().toISOString() };
    writeFileAtomic(path.join(dir, PENDING), JSON.stringify(pending));
    return this.finish(m.name, p, pending, ['train', ...trainArgs(m, config, classes.length, files, this.d.settings, epochs)]);
  }

  /** A training a stopped server left: its run resumed from its checkpoint, then packaged as it would have been. */
  private async resumeTraining(r: { model: string; project: string; pending: PendingTraining }): ReturnType<ProjectTraining['train']> {
    const run = path.join(this.projectDir(r.model, r.project), 'run');
    this.d.log(`serve: Label Studio project ${r.project}: resuming the training of ${r.model} that a server stop cut short (${run}; log: ${path.join(this.projectDir(r.model, r.project), 'training.log')})`);
    // A killed server's child finishes its step and saves its checkpoint before it lets the run go.
    for (const end = Date.now() + LOCK_WAIT_MS; runLockOwner(run) != null && !this.closed;) {
      if (Date.now() > end) throw new Error(`${run}: still trained by process ${runLockOwner(run)} (a stopped server's); stop it, then start the training again`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return this.finish(r.model, r.project, r.pending, ['train', '--resume', run]);
  }

  /**
   * Runs `train` (new or resumed), packages the run as the project's model, and opens it. The
   * pending mark stays when the server's stop ends the training (the next server resumes it) and
   * goes when it finishes or fails.
   */
  private async finish(model: string, p: string, pending: PendingTraining, trainCommand: string[]): ReturnType<ProjectTraining['train']> {
    const dir = this.projectDir(model, p), run = path.join(dir, 'run'), log = path.join(dir, 'training.log');
    try {
      await this.command(trainCommand, log);
      const partial = path.join(dir, `.model-${pending.version}.partial`), final = path.join(dir, `model-${pending.version}`);
      fs.rmSync(partial, { recursive: true, force: true });
      await this.command(['export', '--model', run, '--package', partial], log);
      fs.rmSync(final, { recursive: true, force: true });
      fs.renameSync(partial, final);
      fs.rmSync(path.join(dir, PENDING), { force: true });
      const entry = await this.open(`${model}-project-${p}`, final);
      const miou = entry.card.scores?.find((x) => x.metric === 'mIoU')?.value;
      return { entry, version: pending.version, tasks: pending.tasks, ...(miou != null && pending.heldOut ? { validation: { tasks: pending.heldOut, miou } } : {}) };
    } catch (e) {
      if (!this.closed) fs.rmSync(path.join(dir, PENDING), { force: true });
      throw e;
    }
  }

  /** The project's JSON export (its annotated tasks), from Label Studio's API. */
  private async fetchExport(link: ProjectLink): Promise<unknown[]> {
    if (!link.host) throw new Error('Label Studio\'s address is not known: its setup call sends it (or start serve with --ls-url)');
    const url = new URL(`/api/projects/${encodeURIComponent(link.project)}/export?exportType=JSON&download_all_tasks=false`, link.host);
    const signal = AbortSignal.any([AbortSignal.timeout(600_000), this.stopping.signal]);
    const failed = (e: Error) => new Error(this.closed ? 'the server stopped' : `${url.href}: ${e.name === 'TimeoutError' ? 'no answer within 600 s' : e.message}`);
    const r = await fetch(url, { headers: await this.d.authHeaders(link.host, link.token), signal }).catch((e: Error) => { throw failed(e); });
    if (r.status === 401 || r.status === 403) throw new Error(`${url.href}: Label Studio answered ${r.status}; give serve an access token of a user of the project (LABEL_STUDIO_API_KEY), or let Label Studio send one at setup`);
    if (!r.ok) throw new Error(`${url.href}: Label Studio answered ${r.status}`);
    const over = () => new Error(`${url.href}: the export is over ${Math.round(this.d.maxExportBytes / 2 ** 20)} MB`);
    const bytes = await readCapped(r, this.d.maxExportBytes, over)
      .catch((e: Error) => { throw this.closed || e.name === 'AbortError' || e.name === 'TimeoutError' ? failed(e) : e; });
    let json: unknown;
    try { json = parseJsonBytes(bytes); } catch (e) { throw new Error(`${url.href}: not a Label Studio JSON export (${(e as Error).message})`); }
    if (!Array.isArray(json)) throw new Error(`${url.href}: not a Label Studio JSON export (a list of tasks)`);
    return json;
  }

  /** `pixelwise ARGS` as a child process, its output appended to `log`; rejects with its last message when it fails. */
  private command(args: string[], log: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the server stopped'));
    const out = fs.openSync(log, 'a');
    fs.writeSync(out, `\n$ pixelwise ${args.join(' ')}\n`);
    return new Promise<void>((resolve, reject) => {
      // The IPC channel is how the child learns the server is gone, even when it was SIGKILLed (cli/stop_signals.ts).
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', out, out, 'ipc'] });
      this.child = child;
      child.on('error', (e) => { fs.closeSync(out); reject(e); });
      child.on('exit', (code, signal) => {
        this.child = undefined;
        fs.closeSync(out);
        if (code === 0) return resolve();
        const last = fs.readFileSync(log, 'utf8').trimEnd().split('\n').reverse().find((l) => l.startsWith('pixelwise: '));
        reject(new Error(signal || this.closed ? 'the server stopped' : `pixelwise ${args[0]}: ${last?.slice('pixelwise: '.length) ?? `exit ${code}`} (${log})`));
      });
    });
  }
}

/** The trainings a stopped server left under `dir` (DIR/MODEL/project-ID/training.json), oldest first; a mark that does not read is dropped, said. */
function pendingTrainings(dir: string, log: (line: string) => void): { model: string; project: string; pending: PendingTraining }[] {
  const found: { model: string; project: string; pending: PendingTraining }[] = [];
  const subfolders = (d: string) => { try { return fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name); } catch { return []; } };
  for (const model of subfolders(dir)) {
    for (const folder of subfolders(path.join(dir, model))) {
      const project = /^project-(\d+)$/.exec(folder)?.[1], file = path.join(dir, model, folder, PENDING);
      if (!project || !fs.existsSync(file)) continue;
      try {
        const p = JSON.parse(fs.readFileSync(file, 'utf8')) as PendingTraining;
        if (!Number.isInteger(p.version) || p.version < 1 || !Number.isInteger(p.tasks) || typeof p.started !== 'string') throw new Error('not a training mark');
        if (!fs.existsSync(path.join(dir, model, folder, 'run', 'train.json'))) throw new Error('its run folder has no train.json');
        found.push({ model, project, pending: p });
      } catch (e) {
        log(`serve: ${file}: a training cut short that cannot be resumed (${(e as Error).message}); start its training again in Label Studio`);
        fs.rmSync(file, { force: true });
      }
    }
  }
  return found.sort((a, b) => a.pending.started.localeCompare(b.pending.started));
}

/** The versions of the models in a project's folder (model-N; `complete`: those with a card only). */
function modelVersions(dir: string, complete: boolean): number[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((n) => /^model-(\d+)$/.exec(n)).filter((m): m is RegExpExecArray => !!m && (!complete || fs.existsSync(path.join(dir, m[0], 'model.json')))).map((m) => Number(m[1]));
}

/** A task's image file name: the task id, then the name in its URL (an image extension kept). */
function imageName(id: unknown, url: string): string {
  const local = /[?&]d=([^&]+)/.exec(url);
  let base = url.startsWith('data:') ? '' : path.posix.basename((local ? decodeURIComponentSafe(local[1]) : url).replace(/[?#].*$/, ''));
  base = base.replace(/[^\w.-]+/g, '_');
  const ext = path.extname(base).toLowerCase();
  const mime = /^data:image\/(\w+)/.exec(url)?.[1];
  return `task-${String(id).replace(/[^\w-]+/g, '_')}${base ? `-${base}` : ''}${IMAGE_EXTS.includes(ext) ? '' : `.${mime === 'jpeg' ? 'jpg' : mime ?? 'png'}`}`;
}

function decodeURIComponentSafe(s: string): string { try { return decodeURIComponent(s); } catch { return s; } }

/**
 * The `pixelwise train` arguments that fine-tune model `m` to the config's classes: its network
 * with its options (an ESPNetv2's projection width kept, so its decoder's weights fit), every layer
 * from its weights, each class's scores from the model's class of that name or from the one its
 * label's predicted_values names, its input rule's size when it has one.
 */
export function trainArgs(m: CatalogEntry, config: RegionConfig, numClasses: number, files: { images: string; masks: string; list: string; val?: string; classFile: string; out: string }, s: TrainingSettings, epochs: number): string[] {
  const model = m.card.model;
  const options: string[] = [];
  for (const [k, v] of Object.entries(builtOptions(model))) options.push(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v));
  const names = new Set(m.card.classes.map((c) => c.name.toLowerCase()));
  const pairs = config.labels.filter((l) => !names.has(l.value.toLowerCase())).map((l) => [l.value, l.predicted.find((v) => names.has(v.toLowerCase()))]).filter(([, from]) => from).map(([to, from]) => `${to}=${from}`);
  const rule = m.card.input.rule;
  return [
    '--images', files.images, '--masks', files.masks, '--list', files.list, '--class-file', files.classFile, '--classes', String(numClasses),
    ...(files.val ? ['--val-images', files.images, '--val-masks', files.masks, '--val-list', files.val] : []),
    '--arch', model.arch, ...options, '--init-weights', m.dir, pairs.length ? `--init-classes=${pairs.join(',')}` : '--init-classes',
    ...(rule.kind === 'fixed' ? ['--resize', rule.size.join('x')] : []),
    '--input-size', s.inputSize.join('x'), '--epochs', String(epochs), ...(s.lr ? ['--lr', String(s.lr)] : []), '--out', files.out,
  ];
}
