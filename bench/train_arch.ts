// npm run bench -- --arch espnetv2|mobilenetv2_deeplabv3plus[,...] [--steps 6]
// Training step time of a zoo network against PyTorch CPU: the network is rebuilt in PyTorch from
// its own layer list (bench/torch_graph.py reads the layers, their configs, inbound layers and
// weights that this script writes), with the same weights and the same batch (8 x 256x256, 12
// classes, random pixels and labels, seeded). Checked first: eval-mode logits of both engines, and
// the first training losses (Adam 1e-3, cross-entropy, whole-batch BatchNorm statistics). Timed,
// alternating PyTorch (2 threads) and pixelwise, PyTorch before and after: pixelwise with one TF.js
// instance on ONNX Runtime kernels (1 thread, and all cores), and data-parallel over worker threads
// as `pixelwise train` runs by default. Ratio = the best pixelwise mode / PyTorch's median step.
// Writes docs/bench/train-archs.json and the section "## Training step against PyTorch, by
// architecture" of docs/benchmarks.md. Needs Debian python3-torch (installed on first use).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.ts';
import { configureOrtKernels } from '../src/engine/kernels/ort_native.ts';
import { SegModel } from '../src/models/seg_model.ts';
import { segmentationLoss } from '../src/train/losses.ts';
import { DataParallel } from '../src/train/parallel.ts';
import { Adam } from '../src/train/adam.ts';
import { Rng } from '../src/util/random.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { PY, torchReady } from './torch_ref.ts';

const B = 8, S = 256, C = 12;
const log = (s: string) => process.stderr.write(s + '\n');
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

export interface ArchRow {
  arch: string; parameters: number; torch: string; logitsMaxAbsDiff: number; logitsMaxAbs: number;
  lossesTorch: number[]; lossesPixelwise: number[];
  msPerStep: { torch: number[]; ortKernels1: number; ortKernelsAll: number; dataParallel: number };
  best: string; ratio: number; torchRssMb: number;
}

/** The layer list PyTorch rebuilds the network from, and the weights (TF.js layouts) in one blob. */
function writeGraph(model: SegModel, dir: string): void {
  const parts: Float32Array[] = [];
  let offset = 0;
  const layers = model.net.layers.map((l) => ({
    name: l.name, cls: l.getClassName(), config: l.getConfig(),
    inbound: l.inboundNodes[0].inboundLayers.map((x) => x.name),
    weights: l.weights.map((w) => {
      const data = w.read().dataSync() as Float32Array;
      parts.push(data);
      const e = { name: w.originalName, shape: w.shape as number[], offset };
      offset += data.length;
      return e;
    }),
  }));
  const blob = new Float32Array(offset);
  let o = 0;
  for (const p of parts) { blob.set(p, o); o += p.length; }
  fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(blob.buffer));
  fs.writeFileSync(path.join(dir, 'graph.json'), JSON.stringify({ layers, output: model.net.outputLayers[0].name, batch: [B, 3, S, S] }));
}

const nhwcOf = (a: Float32Array, n: number, c: number, h: number, w: number) => {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + k] = a[(b * c + k) * h * w + i];
  return out;
};

function runTorch(dir: string, steps: number): { losses: number[]; medianMsPerStep: number; torch: string; maxRssMb: number } {
  execFileSync(PY, [path.resolve('bench/torch_graph.py'), '--threads', '2', '--warmup', '2', '--steps', String(steps)], { cwd: dir, env: { ...process.env, OMP_NUM_THREADS: '2' }, stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(fs.readFileSync(path.join(dir, 'torch.json'), 'utf8'));
}

async function timeSteps(n: number, f: () => Promise<number>): Promise<{ ms: number[]; losses: number[] }> {
  const ms: number[] = [], losses: number[] = [];
  for (let i = 0; i < n + 2; i++) {
    const t0 = performance.now();
    losses.push(await f());
    if (i >= 2) ms.push(performance.now() - t0);
  }
  return { ms, losses };
}

export async function benchArch(arch: string, steps: number): Promise<ArchRow> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${arch}-`));
  await initEngine('wasm');
  const model = new SegModel({ arch, numClasses: C, seed: 0 });
  // BatchNorm statistics away from 0/1, so that the eval-mode check covers them.
  const rng = new Rng(3);
  for (const w of model.net.weights) {
    const kind = w.originalName.split('/').pop();
    if (kind !== 'moving_mean' && kind !== 'moving_variance') continue;
    const n = w.shape.reduce((a, b) => a! * b!, 1)!;
    const t = tf.tensor(Float32Array.from({ length: n }, () => (kind === 'moving_mean' ? rng.uniform(-0.1, 0.1) : rng.uniform(0.6, 1.4))), w.shape as number[]);
    w.write(t); t.dispose();
  }
  writeGraph(model, dir);
  const xNchw = Float32Array.from({ length: B * 3 * S * S }, () => rng.uniform(-1, 1));
  const y = Int32Array.from({ length: B * S * S }, () => rng.int(C));
  fs.writeFileSync(path.join(dir, 'x.bin'), new Uint8Array(xNchw.buffer));
  fs.writeFileSync(path.join(dir, 'y.bin'), new Uint8Array(y.buffer));
  const x = nhwcOf(xNchw, B, 3, S, S);
  const parameters = model.trainableParamCount();

  log(`${arch}: PyTorch (2 threads), first run ...`);
  const t1 = runTorch(dir, steps);
  const refLogits = (() => { const b = fs.readFileSync(path.join(dir, 'logits.bin')); return nhwcOf(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)), 1, C, S, S); })();
  const ours = tf.tidy(() => model.forward(tf.tensor4d(x.subarray(0, S * S * 3), [1, S, S, 3])).dataSync() as Float32Array);
  let diff = 0, mag = 0;
  for (let i = 0; i < ours.length; i++) { diff = Math.max(diff, Math.abs(ours[i] - refLogits[i])); mag = Math.max(mag, Math.abs(refLogits[i])); }
  log(`${arch}: eval-mode logits, max abs diff ${diff.toExponential(2)} (largest logit ${mag.toFixed(2)})`);

  const initial = await model.namedWeights();
  const restore = () => model.loadNamedWeights(new Map(initial.map((w) => [w.name, w])), 'initial');
  const lossOptions = { numClasses: C, ignoreIndex: 255 };
  const xt = () => tf.tensor4d(x, [B, S, S, 3]), yt = () => tf.tensor3d(y, [B, S, S], 'int32');
  const whole = async () => {
    restore();
    const opt = new Adam(1e-3);
    const r = await timeSteps(steps, async () => {
      const l = opt.minimize(() => segmentationLoss('ce', model.forward(xt(), true), yt(), lossOptions), true, model.trainableVariables)!;
      const v = (await l.data())[0]; l.dispose(); return v;
    });
    opt.dispose();
    return r;
  };
  const cores = Math.max(2, os.availableParallelism?.() ?? 2);
  log(`${arch}: pixelwise, one TF.js instance on ONNX Runtime kernels, 1 thread ...`);
  configureOrtKernels({ enabled: true, threads: 1 });
  const one = await whole();
  log(`${arch}: pixelwise, one TF.js instance on ONNX Runtime kernels, ${cores} threads ...`);
  configureOrtKernels({ threads: cores });
  const all = await whole();
  configureOrtKernels({ threads: 1 });
  log(`${arch}: pixelwise, data-parallel over ${cores} threads (train's default) ...`);
  restore();
  const opt = new Adam(1e-3);
  const dp = await DataParallel.start(model, { loss: 'ce', options: lossOptions }, B / cores, cores - 1, 'wasm');
  const par = await timeSteps(steps, () => dp.step({ x, y, n: B, height: S, width: S, ids: [] }, opt));
  await dp.close();
  opt.dispose();
  log(`${arch}: PyTorch (2 threads), second run ...`);
  const t2 = runTorch(dir, steps);
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });

  const modes = { ortKernels1: median(one.ms), ortKernelsAll: median(all.ms), dataParallel: median(par.ms) };
  const [best, bestMs] = Object.entries(modes).sort((p, q) => p[1] - q[1])[0];
  const torchMs = median([t1.medianMsPerStep, t2.medianMsPerStep]);
  return {
    arch, parameters, torch: t1.torch, logitsMaxAbsDiff: diff, logitsMaxAbs: mag,
    lossesTorch: t1.losses.slice(0, 4), lossesPixelwise: one.losses.slice(0, 4),
    msPerStep: { torch: [t1.medianMsPerStep, t2.medianMsPerStep], ...modes }, best, ratio: bestMs / torchMs, torchRssMb: Math.max(t1.maxRssMb, t2.maxRssMb),
  };
}

const MODE_NAMES: Record<string, string> = { ortKernels1: 'one instance, 1 thread', ortKernelsAll: 'one instance, all cores', dataParallel: 'data-parallel (train default)' };

export async function benchArchs(archs: string[], steps: number): Promise<void> {
  if (!torchReady(log)) { log('PyTorch (Debian python3-torch) is not available: nothing to compare against'); process.exit(1); }
  const rows: ArchRow[] = [];
  for (const a of archs) rows.push(await benchArch(a, steps));
  const f = (ms: number) => (ms / 1000).toFixed(2);
  const table = [
    '| architecture | parameters | PyTorch step (s) | pixelwise 1 thread (s) | all cores (s) | data-parallel (s) | ratio (best / PyTorch) | first losses PyTorch / pixelwise | eval logits max diff |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.arch} | ${r.parameters.toLocaleString('en-US')} | ${r.msPerStep.torch.map(f).join(' / ')} | ${f(r.msPerStep.ortKernels1)} | ${f(r.msPerStep.ortKernelsAll)} | ${f(r.msPerStep.dataParallel)} | **${r.ratio.toFixed(2)}x** (${MODE_NAMES[r.best]}) | ${r.lossesTorch.slice(0, 3).map((l) => l.toFixed(4)).join(', ')} / ${r.lossesPixelwise.slice(0, 3).map((l) => l.toFixed(4)).join(', ')} | ${r.logitsMaxAbsDiff.toExponential(1)} of ${r.logitsMaxAbs.toFixed(1)} |`),
  ].join('\n');
  const machine = `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, Node ${process.version}, PyTorch ${rows[0]?.torch} (2 threads)`;
  const section = `## Training step against PyTorch, by architecture\n\n\`npm run bench -- --arch ${archs.join(',')}\` (${new Date().toISOString().slice(0, 10)}; ${machine}). Batch ${B} x ${S}x${S}, ${C} classes, Adam 1e-3, cross-entropy; each network rebuilt in PyTorch from pixelwise's own layer list with the same weights and batch (bench/torch_graph.py); PyTorch timed before and after pixelwise; medians of ${steps} steps after 2 warm-up steps.\n\n${table}\n`;
  const doc = path.join('docs', 'benchmarks.md');
  const old = fs.readFileSync(doc, 'utf8');
  const head = '## Training step against PyTorch, by architecture';
  const at = old.indexOf(head);
  const next = at >= 0 ? old.indexOf('\n## ', at + head.length) : -1;
  const updated = at >= 0 ? old.slice(0, at) + section + (next >= 0 ? old.slice(next) : '') : old.replace(/\n## /, `\n${section}\n## `);
  writeFileAtomic(doc, updated);
  writeFileAtomic(path.join('docs', 'bench', 'train-archs.json'), JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine, command: `npm run bench -- --arch ${archs.join(',')}`, rows }, null, 2) + '\n');
  process.stdout.write(`${table}\n`);
}
