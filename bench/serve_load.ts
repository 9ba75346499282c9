// npm run bench:serve: `pixelwise serve` under load on loopback. N concurrent clients post a
// shipped photo (chelsea.png, 451x300, VOC model, JSON answer) for a fixed time; we report
// requests/s, p50/p99 latency, answers by status and the server's peak RSS (all threads), and, as
// the reference in this same script, the images/s of the library segmenting the same photo in a
// loop. Scenarios: clients within the queue bound (no errors expected) and far beyond it (only
// 503s expected). Writes docs/bench/serve.json. Needs nothing from ../shared.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { load } from '../src/inference/load.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { peakRssMb } from '../src/util/peak_rss.ts';
import { machine } from './machine.ts';

const PHOTO = 'assets/photos/chelsea.png';
const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(name) + 1] || 0) || dflt;
const SECONDS = arg('--seconds', 20);
const log = (s: string) => process.stderr.write(s + '\n');

interface Scenario { name: string; clients: number; queue: number; workers: number; threads?: number }
const SCENARIOS: Scenario[] = [
  { name: 'within the queue bound', clients: 4, queue: 16, workers: 1 },
  { name: 'two workers, one thread each', clients: 4, queue: 16, workers: 2, threads: 1 },
  { name: 'overload: 32 clients, queue 4', clients: 32, queue: 4, workers: 1 },
];

async function libraryRate(): Promise<number> {
  const seg = await load('voc');
  const photo = fs.readFileSync(PHOTO);
  await seg.segment(photo, { probabilities: false });
  let n = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < SECONDS * 1000) { await seg.segment(photo, { probabilities: false }); n++; }
  await seg.dispose();
  return n / ((Date.now() - t0) / 1000);
}

function startServer(s: Scenario, port: number): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['bin/pixelwise.js', 'serve', '--port', String(port), '--queue', String(s.queue), '--workers', String(s.workers), ...(s.threads ? ['--threads', String(s.threads)] : []), '--runs', os.tmpdir()], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    p.stdout!.once('data', () => resolve(p));
    p.once('exit', (c) => reject(new Error(`server exited (${c})`)));
  });
}


async function run(s: Scenario, port: number) {
  const server = await startServer(s, port);
  const url = `http://127.0.0.1:${port}/v1/segment?model=voc&output=json`;
  const photo = fs.readFileSync(PHOTO);
  const post = () => fetch(url, { method: 'POST', body: photo, headers: { 'content-type': 'image/png' } }).then(async (r) => { await r.arrayBuffer(); return r.status; }, () => 0);
  await post(); // the model loads on first use
  const latencies: number[] = [], statuses = new Map<number, number>();
  const t0 = Date.now(), end = t0 + SECONDS * 1000;
  await Promise.all(Array.from({ length: s.clients }, async () => {
    while (Date.now() < end) {
      const t = performance.now();
      const status = await post();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 200) latencies.push(performance.now() - t);
      else await new Promise((r) => setTimeout(r, 50)); // a client told to retry waits a little
    }
  }));
  const secs = (Date.now() - t0) / 1000;
  const rss = peakRssMb(server.pid!);
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  latencies.sort((a, b) => a - b);
  const q = (f: number) => latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))] ?? NaN;
  return { ...s, seconds: +secs.toFixed(1), ok: latencies.length, okPerSec: +(latencies.length / secs).toFixed(2), p50Ms: +q(0.5).toFixed(0), p99Ms: +q(0.99).toFixed(0), statuses: Object.fromEntries(statuses), peakRssMb: Math.round(rss) };
}

async function main() {
  const reference = await libraryRate();
  log(`library loop (reference): ${reference.toFixed(2)} images/s`);
  const rows = [];
  let port = 18_000 + Math.floor(Math.random() * 1000);
  for (const s of SCENARIOS) {
    const r = await run(s, port++);
    log(`${s.name}: ${r.okPerSec} ok/s (${(r.okPerSec / reference).toFixed(2)}x the library loop), p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, statuses ${JSON.stringify(r.statuses)}, peak RSS ${r.peakRssMb} MB`);
    rows.push({ ...r, ratioToLibrary: +(r.okPerSec / reference).toFixed(2) });
  }
  writeFileAtomic('docs/bench/serve.json', JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine: machine(), photo: PHOTO, model: 'voc', seconds: SECONDS, command: 'npm run bench:serve', libraryImagesPerSec: +reference.toFixed(2), rows }, null, 2) + '\n');
}

main().catch((e) => { log(`bench failed: ${(e as Error).message}`); process.exit(1); });
