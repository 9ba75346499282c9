// npm run bench:zoo [-- --quick] [-- --only a,b]
// Every zoo architecture of docs/models.md, each in its own process: trainable parameters, output
// stride, inference ms per 360x480 image at batch 1 (TF.js wasm with its ONNX Runtime kernels, and
// ONNX Runtime on the exported graph, 2 threads), training images/s at batch 4 on 176x240 crops
// (the CamVid recipe's crop; data-parallel over both cores, as `pixelwise train` runs), peak RSS.
// Writes docs/bench/zoo.json (read by `pixelwise models`) and the speed table of docs/models.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.ts';
import { configureOrtKernels } from '../src/engine/kernels/ort_native.ts';
import { SegModel } from '../src/models/seg_model.ts';
import { exportOnnx } from '../src/io/onnx_export.ts';
import { OnnxNetwork } from '../src/inference/onnx_runtime.ts';
import { DataParallel } from '../src/train/parallel.ts';
import { planMicroBatch } from '../src/train/micro_batch.ts';
import { Adam } from '../src/train/adam.ts';
import { Rng } from '../src/util/random.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { peakRssMb } from '../src/util/peak_rss.ts';
import { ZOO, type ZooRow } from './zoo_list.ts';
import { machine as machineName } from './machine.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const C = 12, [H, W] = [360, 480], [TH, TW] = [176, 240], BATCH = 4;
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const log = (s: string) => process.stderr.write(s + '\n');

async function timeIt(n: number, f: () => Promise<void>): Promise<number> {
  await f();
  const t: number[] = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await f(); t.push(performance.now() - t0); }
  return median(t);
}

async function child(arch: string): Promise<void> {
  await initEngine('wasm');
  const m = new SegModel({ arch, numClasses: C, seed: 1 });
  const rng = new Rng(3);
  const s = m.stride, ph = Math.ceil(H / s) * s, pw = Math.ceil(W / s) * s;
  const x = Float32Array.from({ length: 3 * ph * pw }, () => rng.uniform(-2, 2));
  const ort = await OnnxNetwork.create(exportOnnx(m), C, 2);
  const onnxMs = await timeIt(quick ? 2 : 5, async () => { await ort.run(x, [1, 3, ph, pw]); });
  await ort.dispose();
  configureOrtKernels({ threads: 2 });
  const tfjsMs = await timeIt(quick ? 1 : 3, async () => { const y = tf.tidy(() => m.forward(tf.tensor4d(x, [1, ph, pw, 3]))); await y.data(); y.dispose(); });
  configureOrtKernels({ threads: 1 });
  const xt = Float32Array.from({ length: BATCH * TH * TW * 3 }, () => rng.uniform(-2, 2));
  const yt = Int32Array.from({ length: BATCH * TH * TW }, () => rng.int(C));
  const opt = new Adam(1e-3); // the trainer's
  // As train does: micro-batches when a thread's half of the batch would not fit the wasm heap.
  const lossSpec = { loss: 'ce' as const, options: { numClasses: C, ignoreIndex: 255 } };
  const { micro } = await planMicroBatch(m, lossSpec, BATCH / 2, [TH, TW], 'auto');
  const dp = await DataParallel.start(m, lossSpec, micro, 1, 'wasm');
  const stepMs = await timeIt(quick ? 1 : 3, async () => { await dp.step({ x: xt, y: yt, n: BATCH, height: TH, width: TW, ids: [] }, opt); });
  await dp.close();
  const row: ZooRow = {
    arch, microBatch: micro, parameters: m.trainableParamCount(), outputStride: m.stride, tfjsMs, onnxMs, trainImgPerS: BATCH / (stepMs / 1000), peakRssMb: peakRssMb(),
  };
  process.stdout.write(JSON.stringify(row) + '\n');
}

function speedTable(rows: ZooRow[]): string {
  return `| architecture | parameters | input multiple | TF.js ms/image | ONNX Runtime ms/image | training images/s (batch ${BATCH}, ${TH}x${TW}) | peak RSS MB |
|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.arch} | ${(r.parameters / 1e6).toFixed(2)} M | ${r.outputStride} | ${r.tfjsMs.toFixed(0)} | ${r.onnxMs.toFixed(0)} | ${r.trainImgPerS.toFixed(2)} | ${r.peakRssMb.toFixed(0)} |`).join('\n')}
`;
}

async function main() {
  if (args[0] === '--child') return child(args[1]);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : ZOO;
  const rows: ZooRow[] = [];
  for (const arch of only) {
    log(`${arch} ...`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/zoo.ts', '--child', arch, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) { log(`${arch} failed: ${r.stderr.split('\n').filter(Boolean).slice(-3).join(' | ')}`); continue; }
    const row = JSON.parse(r.stdout.trim().split('\n').pop()!) as ZooRow;
    log(`  ${(row.parameters / 1e6).toFixed(2)} M parameters, TF.js ${row.tfjsMs.toFixed(0)} ms, ONNX Runtime ${row.onnxMs.toFixed(0)} ms, training ${row.trainImgPerS.toFixed(2)} img/s, peak RSS ${row.peakRssMb.toFixed(0)} MB`);
    rows.push(row);
  }
  const date = new Date().toISOString().slice(0, 10), machine = machineName();
  const prev = fs.existsSync('docs/bench/zoo.json') ? JSON.parse(fs.readFileSync('docs/bench/zoo.json', 'utf8')) as { rows: ZooRow[] } : { rows: [] };
  const merged = [...prev.rows.filter((p) => !rows.some((r) => r.arch === p.arch)), ...rows].sort((a, b) => ZOO.indexOf(a.arch) - ZOO.indexOf(b.arch));
  writeFileAtomic('docs/bench/zoo.json', JSON.stringify({ date, machine, command: `npm run bench:zoo${quick ? ' -- --quick' : ''}`, input: `${H}x${W}`, rows: merged }, null, 2) + '\n');
  process.stdout.write(speedTable(merged));
}

main().catch((e) => { process.stderr.write(`bench failed: ${(e as Error).message}\n`); process.exit(1); });
