// Batch segmentation on a real Redis (redis-server started here) with worker processes: jobs named
// by their work (a second submit adds nothing), a worker SIGKILLed mid-run loses nothing and no job
// completes twice, a corrupt image lands in the failed set with its message, outputs are
// byte-identical to `predict`'s, the queue survives a Redis restart (AOF), and SIGTERM stops a
// worker after its job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import { Redis } from 'ioredis';
import { parseAllDocuments } from 'yaml';
import { tempDir } from '../helpers.ts';
import { MARKERS, openQueue, startWorker, status, submit } from '../../src/batch/index.ts';

const REDIS = '/usr/bin/redis-server';
const skip = !fs.existsSync(REDIS) && `no redis-server at ${REDIS} (apt-get install redis-server; .ci/run installs it)`;
const BIN = path.resolve('bin/pixelwise.js');

const freePort = () => new Promise<number>((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const p = tracked(spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' }));
  for (let i = 0; i < 100; i++) {
    if (await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); }).on('error', () => r(false)); })) return p;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}

// Each process's end is its 'close', not its 'exit': its last lines on a pipe may still be in
// flight when it has exited (the log counts below read them).
const ended = new WeakMap<ChildProcess, Promise<number | null>>();
const tracked = (p: ChildProcess) => { ended.set(p, new Promise((r) => p.once('close', (code) => r(code)))); return p; };
const stopProcess = (p: ChildProcess, sig: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
  if (p.exitCode === null && p.signalCode === null) p.kill(sig);
  return ended.get(p)!;
};

test('batch: submit, workers (one SIGKILLed), poison image, predict-identical outputs, Redis restart, retry, drain', { skip, timeout: 240_000 }, async () => {
  const d = tempDir('pw-batch-');
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let redis = await startRedis(port, d);
  const workers: ChildProcess[] = [];
  try {
    // 8 images cut from a demo photo at different places and sizes, and a corrupt one (sorted last: a job of its own).
    const imgs = path.join(d, 'imgs');
    fs.mkdirSync(imgs);
    const photo = 'assets/photos/chelsea.png';
    for (let i = 0; i < 8; i++) {
      await sharp(photo).extract({ left: 10 + 20 * i, top: 5 + 10 * i, width: 120 + 8 * i, height: 96 }).toFile(path.join(imgs, `img${i}.png`));
    }
    fs.writeFileSync(path.join(imgs, 'zz_corrupt.png'), 'not an image');
    const out = path.join(d, 'out');
    const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'batch', ...args, '--queue', url], { encoding: 'utf8', timeout: 60_000 });
    const submit = () => cli('submit', '--images', imgs, '--model', 'camvid-fast', '--out', out, '--chunk', '2', '--attempts', '2', '--json');
    const counts = (r: ReturnType<typeof cli>) => { assert.equal(r.status, 0, r.stderr); return JSON.parse(r.stdout); };
    assert.deepEqual(counts(submit()), { images: 9, jobs: 5, added: 5, done: 0, queued: 0, failed: 0 });
    assert.deepEqual(counts(submit()), { images: 9, jobs: 5, added: 0, done: 0, queued: 5, failed: 0 });

    const logs: string[] = [];
    const worker = (...extra: string[]) => {
      const i = logs.length;
      logs.push('');
      const p = tracked(spawn(process.execPath, [BIN, 'batch', 'worker', '--queue', url, '--lock-seconds', '2', '--threads', '1', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] }));
      p.stderr!.on('data', (b) => { logs[i] += b.toString(); });
      workers.push(p);
      return { p, log: () => logs[i] };
    };
    // The first worker is killed right after its first job: the job it holds then goes to the others.
    const a = worker();
    for (let t = 0; t < 600 && !/completed pw-/.test(a.log()); t++) await sleep(100);
    assert.match(a.log(), /completed pw-/);
    await stopProcess(a.p, 'SIGKILL');
    const b = worker('--metrics-port', '0'), c = worker();
    const status = () => JSON.parse(cli('status', '--json').stdout);
    let s = status();
    for (let t = 0; t < 60 && (s.waiting + s.active + s.delayed > 0 || s.failed < 1); t++) { await sleep(500); s = status(); }
    assert.equal(s.waiting + s.active + s.delayed, 0, JSON.stringify(s));
    assert.equal(s.failed, 1);
    assert.equal(s.failures[0].attempts, 2);
    assert.match(s.failures[0].reason, /zz_corrupt\.png: cannot read image/);
    // The queue's state for scraping, from the worker started with a metrics port.
    const metricsPort = /queue metrics on :(\d+)\/metrics/.exec(b.log())?.[1];
    assert.ok(metricsPort, b.log());
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(scraped, /pixelwise_batch_jobs\{queue="pixelwise",state="failed"\} 1/);
    assert.match(scraped, /pixelwise_batch_completed\{queue="pixelwise"\} 4/);

    // SIGTERM: a worker stops (after its job, here none) and exits cleanly.
    assert.equal(await stopProcess(b.p), 0);
    assert.match(b.log(), /SIGTERM: finishing the current job, then stopping[\s\S]*stopped/);
    await stopProcess(c.p);

    // Every job completed exactly once: a done marker for each of the 4 good jobs, none completed twice
    // in the workers' logs (read once they have exited), and each finished by a living worker in its
    // log. (The SIGKILLed worker may finish a second job before the kill, its log line lost unflushed.)
    const markers = fs.readdirSync(path.join(out, MARKERS)).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(out, MARKERS, f), 'utf8')) as { id: string; worker: string });
    assert.equal(markers.length, 4, logs.join('\n---\n'));
    const completed = (logs.join('').match(/completed (pw-\w+)/g) ?? []).map((l) => l.slice('completed '.length));
    assert.equal(new Set(completed).size, completed.length, 'a job completed twice');
    const living = [b.p.pid, c.p.pid].map((pid) => `:${pid}`);
    for (const m of markers) if (living.some((w) => m.worker.endsWith(w))) assert.ok(completed.includes(m.id), `${m.id}: finished by ${m.worker}, not in its log`);
    // Outputs: byte-identical to a single-process predict of the same images.
    const ref = path.join(d, 'ref');
    fs.mkdirSync(path.join(d, 'good'));
    for (let i = 0; i < 8; i++) fs.copyFileSync(path.join(imgs, `img${i}.png`), path.join(d, 'good', `img${i}.png`));
    const p = spawnSync(process.execPath, [BIN, 'predict', '--model', 'camvid-fast', path.join(d, 'good'), '--out', ref, '--quiet'], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    // (predict's record of the images it finished is its own.)
    const files = fs.readdirSync(ref).filter((f) => f !== 'predict.jsonl').sort();
    assert.equal(files.length, 8 * 5);
    for (const f of files) assert.ok(fs.readFileSync(path.join(ref, f)).equals(fs.readFileSync(path.join(out, f))), `${f} differs from predict's`);

    // Redis restarted: the queue (its failed job) is still there; finished work is still known.
    await stopProcess(redis);
    redis = await startRedis(port, d);
    assert.equal(status().failed, 1);
    assert.deepEqual(counts(submit()), { images: 9, jobs: 5, added: 0, done: 4, queued: 0, failed: 1 });
    assert.match(cli('retry-failed').stdout, /^1 failed job back in the queue/);
    assert.equal(status().waiting, 1);
    // The list deploy/k8s/worker.yaml's KEDA scaler reads for the queue's depth.
    const listName = (parseAllDocuments(fs.readFileSync('deploy/k8s/worker.yaml', 'utf8'))[1].toJS() as { spec: { triggers: { metadata: { listName: string } }[] } }).spec.triggers[0].metadata.listName;
    const redisClient = new Redis(url, { lazyConnect: true });
    try { await redisClient.connect(); assert.equal(await redisClient.llen(listName), 1); } finally { redisClient.disconnect(); }
    assert.match(cli('status', '--metrics').stdout, /pixelwise_batch_jobs\{queue="pixelwise",state="waiting"\} 1/);
    assert.match(cli('drain').stdout, /^1 job not started removed/);
    assert.equal(status().waiting, 0);

    // --recursive: a tree's images (one name in two subfolders), their outputs in the same subfolders.
    const tree = path.join(d, 'tree');
    for (const [sub, i] of [['a', 0], ['b/c', 1]] as const) {
      fs.mkdirSync(path.join(tree, sub), { recursive: true });
      fs.copyFileSync(path.join(imgs, `img${i}.png`), path.join(tree, sub, 'img.png'));
    }
    const out2 = path.join(tree, 'labels');
    assert.deepEqual(counts(cli('submit', '--images', tree, '--recursive', '--model', 'camvid-fast', '--out', out2, '--json')), { images: 2, jobs: 2, added: 2, done: 0, queued: 0, failed: 0 });
    const e = worker();
    const busy = () => { const q = status(); return q.active + q.waiting > 0; };
    for (let t = 0; t < 120 && (!fs.existsSync(path.join(out2, 'b', 'c', 'img_labels.png')) || busy()); t++) await sleep(250);
    await stopProcess(e.p);
    // Submitted again: the predictions now under the tree are not images to predict.
    assert.deepEqual(counts(cli('submit', '--images', tree, '--recursive', '--model', 'camvid-fast', '--out', out2, '--json')), { images: 2, jobs: 2, added: 0, done: 2, queued: 0, failed: 0 });
    // A photo named as another's overlay, with --out their folder: refused, not written over.
    fs.copyFileSync(path.join(tree, 'a', 'img.png'), path.join(tree, 'a', 'img_overlay.png'));
    const clash = cli('submit', '--images', path.join(tree, 'a'), '--out', path.join(tree, 'a'));
    assert.equal(clash.status, 2);
    assert.match(clash.stderr, /^pixelwise: --out .*: predicting would overwrite the image .*img_overlay\.png; choose another output folder\n$/);
    for (const [sub, i] of [['a', 0], ['b/c', 1]] as const) {
      for (const suffix of ['_labels.png', '_overlay.png']) assert.ok(fs.readFileSync(path.join(ref, `img${i}${suffix}`)).equals(fs.readFileSync(path.join(out2, sub, `img${suffix}`))), `${sub}/img${suffix}`);
    }
  } finally {
    for (const w of workers) await stopProcess(w, 'SIGKILL');
    await stopProcess(redis);
  }
});

test('batch: an unreachable Redis, a database it lacks, a queue name BullMQ cannot hold and missing images are one line each', { skip }, async () => {
  const port = await freePort();
  const live = await freePort();
  const redis = await startRedis(live, tempDir());
  try {
    for (const [args, pattern] of [
      // Before: a crash with a stack (ioredis sent SELECT NaN), "start redis-server" for a Redis that answered, an internal error.
      [['status', '--queue', `redis://127.0.0.1:${port}/abc`], /--queue redis:\/\/127\.0\.0\.1:\d+\/abc: abc is not a database number; give one after the port/],
      [['status', '--queue', `redis://127.0.0.1:${live}/99`], /--queue redis:\/\/127\.0\.0\.1:\d+\/99: Redis refused the connection's set-up \(ERR DB index is out of range\); check the database number/],
      [['status', '--queue', `redis://127.0.0.1:${live}`, '--name', 'photos:2026'], /^pixelwise: --name photos:2026: a queue name is a word without ':'/],
      [['worker', '--queue', `redis://127.0.0.1:${live}`, '--name', 'photos:2026'], /^pixelwise: --name photos:2026: a queue name is a word without ':'/],
      [['status', '--queue', `redis://127.0.0.1:${port}`], /--queue redis:\/\/127\.0\.0\.1:\d+: cannot reach Redis \(connect ECONNREFUSED/],
      [['status', '--queue', 'http://x'], /--queue http:\/\/x: expected a redis:\/\/ or rediss:\/\/ URL/],
      [['submit', '--queue', `redis://127.0.0.1:${port}`, '--out', 'x'], /give --images DIR\|FILES or --list FILE/],
      [['worker', '--queue', `redis://127.0.0.1:${port}`, '--lock-seconds', '0'], /--lock-seconds 0: expected seconds above 0/],
      [['worker', '--queue', `redis://127.0.0.1:${port}`, '--metrics-port', '70000'], /--metrics-port 70000: expected a TCP port/],
    ] as const) {
      const r = spawnSync(process.execPath, [BIN, 'batch', ...args], { encoding: 'utf8', timeout: 60_000 });
      assert.notEqual(r.status, 0);
      const lines = r.stderr.trim().split('\n').filter((l) => l.trim());
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], pattern);
    }
    // The library: a misspelt option was ignored (a worker ran one job at a time; a chunk size lost).
    const url = `redis://127.0.0.1:${live}`;
    await assert.rejects(startWorker(url, { concurrancy: 2 } as never), (e: Error & { argument?: string }) => e.argument === 'options' && /^concurrancy 2: not an option of startWorker\(\) \(its options: name, concurrency, threads, lockSeconds, log\)$/.test(e.message));
    const queue = openQueue(url);
    try {
      await assert.rejects(submit(queue, { images: ['assets/photos'], model: 'voc-fast', out: tempDir(), chunks: 4 } as never), (e: Error) => /^chunks 4: not an option of submit\(\)/.test(e.message));
      assert.equal((await status(queue)).waiting, 0, 'nothing was queued');
    } finally { await queue.close(); }
  } finally { await stopProcess(redis); }
});
