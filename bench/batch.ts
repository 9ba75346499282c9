// `npm run bench:batch`: pixelwise batch on a real Redis (redis-server started here, AOF on) with
// 300 CamVid images (val + train) and 2 corrupt ones.
//   1. Throughput: jobs/s with 1 and 2 worker processes against an in-process `predict` of the same
//      folder, and the queue's overhead per job.
//   2. Faults: 3 workers, one SIGKILLed twice at random moments (and started again), Redis restarted
//      once; every output byte-identical to predict's, no job completed twice (the workers' logs),
//      the 2 corrupt images in the failed set with their messages.
// Writes docs/bench/batch.json. Needs ../shared/data/camvid and /usr/bin/redis-server.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openQueue, status as queueStatus } from '../src/batch/queue.ts';

const CAMVID = '../shared/data/camvid';
const REDIS = '/usr/bin/redis-server';
const BIN = path.resolve('bin/pixelwise.js');
if (!fs.existsSync(path.join(CAMVID, 'val')) || !fs.existsSync(REDIS)) {
  console.log(`bench:batch: skipped (needs ${CAMVID} and ${REDIS})`);
  process.exit(0);
}
const MODEL = 'camvid-fast';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise<number>((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;
const stop = (p: ChildProcess, sig: NodeJS.Signals = 'SIGTERM') => new Promise<void>((r) => { if (!alive(p)) return r(); p.once('exit', () => r()); p.kill(sig); });

async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const p = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    if (await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); }).on('error', () => r(false)); })) return p;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-batch-'));
const good = path.join(root, 'good'), all = path.join(root, 'all');
fs.mkdirSync(good); fs.mkdirSync(all);
const sources = [
  ...fs.readdirSync(path.join(CAMVID, 'val')).sort().map((f) => path.join(CAMVID, 'val', f)),
  ...fs.readdirSync(path.join(CAMVID, 'train')).sort().map((f) => path.join(CAMVID, 'train', f)),
].slice(0, 300);
for (const f of sources) { fs.copyFileSync(f, path.join(good, path.basename(f))); fs.copyFileSync(f, path.join(all, path.basename(f))); }
fs.writeFileSync(path.join(all, 'zz_corrupt1.png'), 'not an image');
fs.writeFileSync(path.join(all, 'zz_corrupt2.jpg'), Buffer.alloc(100, 7));

// In-process predict of the same images: the reference outputs and the reference rate.
const ref = path.join(root, 'ref');
let t0 = Date.now();
const pr = spawnSync(process.execPath, [BIN, 'predict', '--model', MODEL, good, '--out', ref, '--quiet'], { encoding: 'utf8' });
if (pr.status !== 0) throw new Error(pr.stderr);
const predictSeconds = (Date.now() - t0) / 1000;
console.log(`predict (one process): ${sources.length} images in ${predictSeconds.toFixed(1)} s, ${(sources.length / predictSeconds).toFixed(2)} images/s`);

const port = await freePort();
const url = `redis://127.0.0.1:${port}`;
let redis = await startRedis(port, root);
const batch = (...args: string[]) => spawnSync(process.execPath, [BIN, 'batch', ...args, '--queue', url], { encoding: 'utf8', timeout: 120_000 });
// Polled in this process (a CLI per poll would take a core's worth of start-ups from the workers).
const queues = new Map<string, ReturnType<typeof openQueue>>();
const status = (name: string) => { if (!queues.has(name)) queues.set(name, openQueue(url, name)); return queueStatus(queues.get(name)!); };

interface W { p: ChildProcess; log: string }
function worker(name: string, threads: number): W {
  const w: W = { p: spawn(process.execPath, [BIN, 'batch', 'worker', '--queue', url, '--name', name, '--threads', String(threads), '--lock-seconds', '5'], { stdio: ['ignore', 'ignore', 'pipe'] }), log: '' };
  w.p.stderr!.on('data', (b) => { w.log += b.toString(); });
  return w;
}

async function waitDone(name: string, failed: number, onTick?: () => Promise<void>): Promise<void> {
  for (;;) {
    const s = await status(name).catch(() => null); // Redis restarting
    if (s && s.waiting + s.active + s.delayed === 0 && s.failed >= failed) return;
    await onTick?.();
    await sleep(500);
  }
}

// 1. Throughput: 1 and 2 workers (threads split over the 2 cores), the good images only.
const throughput: { workers: number; seconds: number; jobsPerSecond: number; overheadMsPerJob: number }[] = [];
for (const n of [1, 2]) {
  const name = `throughput${n}`, out = path.join(root, `out-${n}`);
  const sub = batch('submit', '--name', name, '--images', good, '--model', MODEL, '--out', out, '--json');
  if (sub.status !== 0) throw new Error(sub.stderr);
  // Workers start (load the model) before the clock: the rate is the queue's, not start-up's.
  const ws = Array.from({ length: n }, () => worker(name, Math.max(1, Math.floor(2 / n))));
  t0 = Date.now();
  await waitDone(name, 0);
  const seconds = (Date.now() - t0) / 1000;
  for (const w of ws) await stop(w.p);
  // Overhead: the time per job beyond predict's per image, on one worker (with two, the cores are shared).
  throughput.push({ workers: n, seconds, jobsPerSecond: sources.length / seconds, overheadMsPerJob: (seconds - predictSeconds) * 1000 / sources.length });
  console.log(`batch, ${n} worker${n > 1 ? 's' : ''}: ${sources.length} jobs in ${seconds.toFixed(1)} s, ${(sources.length / seconds).toFixed(2)} jobs/s (predict ${(sources.length / predictSeconds).toFixed(2)} images/s)`);
}

// 2. Faults: 3 workers, one SIGKILLed twice at random moments, Redis restarted once.
const name = 'faults', out = path.join(root, 'out-faults');
const sub = batch('submit', '--name', name, '--images', all, '--model', MODEL, '--out', out, '--attempts', '2', '--json');
if (sub.status !== 0) throw new Error(sub.stderr);
const workers: W[] = [worker(name, 1), worker(name, 1), worker(name, 1)], killed: W[] = [];
const rng = (() => { let s = 12345; return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; })();
const killAt = [0.15 + 0.2 * rng(), 0.45 + 0.2 * rng()], restartAt = 0.3 + 0.1 * rng();
const events: string[] = [];
let kills = 0, restarted = false;
const done = async () => (await status(name).catch(() => null))?.completed ?? 0;
await waitDone(name, 2, async () => {
  const progress = (await done()) / sources.length;
  if (kills < 2 && progress >= killAt[kills]) {
    const victim = workers[0];
    await stop(victim.p, 'SIGKILL');
    events.push(`SIGKILL worker ${victim.p.pid} at ${(100 * progress).toFixed(0)}%`);
    killed.push(victim); // its log counts too
    workers[0] = worker(name, 1);
    kills++;
  }
  if (!restarted && progress >= restartAt) {
    await stop(redis);
    redis = await startRedis(port, root);
    events.push(`Redis restarted at ${(100 * progress).toFixed(0)}%`);
    restarted = true;
  }
});
const final = await status(name);
for (const w of workers) await stop(w.p);
const logs = [...workers, ...killed].map((w) => w.log).join('');
const completions = logs.match(/completed (pw-\w+)/g) ?? [];
const twice = completions.length - new Set(completions).size;
let identical = 0, missing = 0, different = 0;
for (const f of fs.readdirSync(ref)) {
  const o = path.join(out, f);
  if (!fs.existsSync(o)) missing++;
  else if (fs.readFileSync(o).equals(fs.readFileSync(path.join(ref, f)))) identical++;
  else different++;
}
const faults = {
  workers: 3, images: sources.length + 2, events, outputsIdentical: identical, outputsMissing: missing, outputsDifferent: different,
  completionsLogged: completions.length, completedTwice: twice, failed: final.failures.map((f: { images: string[]; reason: string }) => ({ image: path.basename(f.images[0]), reason: f.reason.replace(root, '.') })),
};
console.log(`faults: ${events.join('; ')}; outputs ${identical} identical, ${missing} missing, ${different} different; ${completions.length} completions logged, ${twice} twice; failed: ${faults.failed.map((f: { image: string }) => f.image).join(', ')}`);
for (const q of queues.values()) await q.close();
await stop(redis);

const result = {
  date: new Date().toISOString().slice(0, 10), machine: `${os.cpus().length} cores, ${os.cpus()[0].model}`, model: MODEL,
  predict: { images: sources.length, seconds: predictSeconds, imagesPerSecond: sources.length / predictSeconds },
  throughput, faults, command: 'npm run bench:batch',
};
fs.mkdirSync('docs/bench', { recursive: true });
fs.writeFileSync('docs/bench/batch.json', JSON.stringify(result, null, 2) + '\n');
fs.rmSync(root, { recursive: true, force: true });
console.log('wrote docs/bench/batch.json');
process.exit(0);
