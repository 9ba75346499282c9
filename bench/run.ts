// npm run bench [-- --quick] [-- --no-torch]; npm run bench -- --arch NAME[,NAME] (bench/train_arch.ts)
// The identical U-Net (256x256x3 -> 12 classes, 16-32-64-128 + 256, conv-BN-ReLU x2, transposed-conv
// up; 1,942,764 trainable parameters) trained and run in pixelwise (TF.js wasm, single thread and
// data-parallel over worker threads; ONNX Runtime for inference) and in PyTorch CPU (Debian
// python3-torch, through ../shared/reference/pytorch-unet), with the same weights and batches.
// Prints a table, writes docs/benchmarks.md; the last line is machine readable.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.ts';
import { configureOrtKernels } from '../src/engine/kernels/ort_native.ts';
import { SegModel } from '../src/models/seg_model.ts';
import { segmentationLoss } from '../src/train/losses.ts';
import { DataParallel } from '../src/train/parallel.ts';
import { readImage } from '../src/data/image_io.ts';
import { normalizeInto, IMAGENET_NORM } from '../src/data/normalize.ts';
import { augmentPair, DEFAULT_AUGMENT } from '../src/data/augment.ts';
import { encodeLabelPngFast } from '../src/render/label_png.ts';
import { exportOnnx } from '../src/io/onnx_export.ts';
import { OnnxNetwork } from '../src/inference/onnx_runtime.ts';
import { modelSegmenter } from '../src/inference/predictor.ts';
import { Rng } from '../src/util/random.ts';
import { PY, REF, torchReady } from './torch_ref.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { Adam } from '../src/train/adam.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wantTorch = !args.includes('--no-torch');
const CAMVID = path.resolve('../shared/data/camvid');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-bench-'));
const N = { warm: quick ? 1 : 2, infer: quick ? 3 : 7, train: quick ? 3 : 6 };
const log = (s: string) => process.stderr.write(s + '\n');
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

interface TorchResult { infer: Record<string, { medianMsPerBatch: number; msPerImage: number; imagesPerSec: number }>; train: { medianMsPerStep: number; imagesPerSec: number; losses: number[] }; maxRssMb: number }

function runTorch(): TorchResult | null {
  if (!wantTorch) { log('PyTorch: skipped (--no-torch)'); return null; }
  if (!fs.existsSync(REF)) { log(`PyTorch: skipped (${REF} not found)`); return null; }
  if (!torchReady(log)) { log('PyTorch: skipped (python3-torch not installable here)'); return null; }
  const env = { ...process.env, PYTHONPATH: REF, OMP_NUM_THREADS: '2' };
  log('PyTorch: exporting the reference weights and batches ...');
  execFileSync(PY, [path.join(REF, 'export_torch.py')], { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'] });
  log('PyTorch: timing (2 threads) ...');
  const wrapper = `import runpy,sys,resource,json\nsys.argv=['bench_torch.py','--threads','2','--timed','${N.infer}','--warmup','${N.warm}','--steps','${N.train + N.warm}','--out','torch.json']\nrunpy.run_path('${path.join(REF, 'bench_torch.py')}',run_name='__main__')\nprint(json.dumps({'maxRssKb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}),file=open('rss.json','w'))`;
  execFileSync(PY, ['-c', wrapper], { cwd: work, env, stdio: ['ignore', 'ignore', 'ignore'] });
  const j = JSON.parse(fs.readFileSync(path.join(work, 'torch.json'), 'utf8'));
  const rss = JSON.parse(fs.readFileSync(path.join(work, 'rss.json'), 'utf8'));
  return { infer: j.infer, train: j.train, maxRssMb: rss.maxRssKb / 1024 };
}

const MAP: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^(enc\d|dec\d)\.conv(\d)\/kernel$/, (m) => `${m[1]}${m[2] === '1' ? 'a' : 'b'}_conv/kernel`],
  [/^(enc\d|dec\d)\.bn(\d)\/(\w+)$/, (m) => `${m[1]}${m[2] === '1' ? 'a' : 'b'}_bn/${m[3]}`],
  [/^bott\.conv(\d)\/kernel$/, (m) => `bottleneck_${m[1] === '1' ? 'a' : 'b'}_conv/kernel`],
  [/^bott\.bn(\d)\/(\w+)$/, (m) => `bottleneck_${m[1] === '1' ? 'a' : 'b'}_bn/${m[2]}`],
  [/^(up\d)\/(\w+)$/, (m) => `${m[1]}/${m[2]}`],
  [/^head\/(\w+)$/, (m) => `classifier/${m[1]}`],
];

function loadTorchWeights(model: SegModel): void {
  const meta = JSON.parse(fs.readFileSync(path.join(work, 'data', 'weights.json'), 'utf8')) as { entries: { name: string; shape: number[]; offset: number }[] };
  const blob = fs.readFileSync(path.join(work, 'data', 'weights.bin'));
  const all = new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.length));
  const src = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const e of meta.entries) {
    const rule = MAP.find(([re]) => re.test(e.name));
    if (!rule) throw new Error(`no mapping for ${e.name}`);
    const size = e.shape.reduce((a, b) => a * b, 1);
    src.set(rule[1](e.name.match(rule[0])!), { shape: e.shape, data: all.subarray(e.offset, e.offset + size) });
  }
  model.loadNamedWeights(src, 'reference weights.bin');
}

function nchwToNhwc(a: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + k] = a[(b * c + k) * h * w + i];
  return out;
}

function readF32(f: string): Float32Array { const b = fs.readFileSync(f); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)); }

async function timeIt(n: number, warm: number, f: () => Promise<void> | void): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warm + n; i++) { const t0 = performance.now(); await f(); if (i >= warm) out.push(performance.now() - t0); }
  return out;
}

async function main() {
  const torch = runTorch();
  const haveRef = torch != null;
  await initEngine('wasm');
  const spec = { arch: 'unet', numClasses: 12, width: 16, depth: 4, bnEpsilon: 1e-5, seed: 0 };
  const model = new SegModel(spec);
  const trainable = model.net.trainableWeights.reduce((a, w) => a + w.shape.reduce((x, y) => x! * y!, 1)!, 0);
  let maxDiff = NaN;
  const rng = new Rng(1);
  let x1: Float32Array = Float32Array.from({ length: 256 * 256 * 3 }, () => rng.next());
  let xt: Float32Array = Float32Array.from({ length: 4 * 256 * 256 * 3 }, () => rng.next());
  let yt = Int32Array.from({ length: 4 * 256 * 256 }, () => rng.int(12));
  if (haveRef) {
    loadTorchWeights(model);
    x1 = nchwToNhwc(readF32(path.join(work, 'data', 'infer_x.bin')), 1, 3, 256, 256);
    const ref = nchwToNhwc(readF32(path.join(work, 'data', 'ref_logits.bin')), 1, 12, 256, 256);
    const out = tf.tidy(() => model.forward(tf.tensor4d(x1, [1, 256, 256, 3])).dataSync() as Float32Array);
    maxDiff = out.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
    xt = nchwToNhwc(readF32(path.join(work, 'data', 'train_x.bin')), 4, 3, 256, 256);
    const yb = fs.readFileSync(path.join(work, 'data', 'train_y.bin'));
    yt = new Int32Array(yb.buffer.slice(yb.byteOffset, yb.byteOffset + yb.length));
    log(`TF.js vs PyTorch logits (eval mode, same weights): max abs diff ${maxDiff.toExponential(2)}`);
  }
  const initial = await model.namedWeights();
  const restore = () => model.loadNamedWeights(new Map(initial.map((w) => [w.name, w])), 'initial');

  // ONNX Runtime on pixelwise's own export of the same model (the default predict runtime), first:
  // a predict process does not carry the training benchmarks' multi-GB heap.
  log('ONNX Runtime: inference on the pixelwise export (all cores) ...');
  const ort = await OnnxNetwork.create(exportOnnx(model), 12);
  const seg = modelSegmenter(model, { norm: IMAGENET_NORM }, {}, ort);
  const ortT: Record<string, number> = {};
  for (const b of [1, 8]) {
    const xb = new Float32Array(b * 3 * 256 * 256);
    for (let i = 0; i < b; i++) xb.set(tf.tidy(() => tf.transpose(tf.tensor4d(x1, [1, 256, 256, 3]), [0, 3, 1, 2]).dataSync() as Float32Array), i * 3 * 256 * 256);
    const t = await timeIt(b === 8 ? Math.max(2, N.infer >> 1) : N.infer, N.warm, async () => { await ort.run(xb, [b, 3, 256, 256]); });
    ortT[`b${b}`] = median(t);
  }

  // End to end with the default runtime: PNG on disk -> label PNG on disk, against the bare call.
  let e2e: { totalMs: number; bareMs: number; preMs: number; postMs: number } | null = null;
  const sample = path.join(CAMVID, 'val');
  if (fs.existsSync(sample)) {
    const file = path.join(sample, fs.readdirSync(sample).sort()[0]);
    const norm = IMAGENET_NORM;
    const parts = { total: [] as number[], bare: [] as number[], pre: [] as number[], post: [] as number[] };
    const img0 = await readImage(file);
    const ph = Math.ceil(img0.height / 16) * 16, pw = Math.ceil(img0.width / 16) * 16;
    const bareX = new Float32Array(3 * ph * pw);
    await timeIt(N.infer, N.warm, async () => {
      const t0 = performance.now();
      const img = await readImage(file);
      const t1 = performance.now();
      const [ids] = await seg.predictBatch([img]);
      const t2 = performance.now();
      fs.writeFileSync(path.join(work, 'labels.png'), await encodeLabelPngFast(ids, img.width, img.height, [[0, 0, 0]]));
      const t3 = performance.now();
      await ort.run(bareX, [1, 3, ph, pw]);
      const t4 = performance.now();
      parts.total.push(t3 - t0); parts.pre.push(t1 - t0); parts.post.push(t3 - t2); parts.bare.push(t4 - t3);
    });
    e2e = { totalMs: median(parts.total), bareMs: median(parts.bare), preMs: median(parts.pre), postMs: median(parts.post) };
  }
  await ort.dispose();

  // TF.js modes: XNNPACK-only kernels (what tfjs-backend-wasm + the project's XNNPACK gradient
  // formulations give) and the default, with convolutions and reductions on ONNX Runtime kernels.
  const inferTfjs = async (): Promise<Record<string, number>> => {
    const r: Record<string, number> = {};
    for (const b of [1, 8]) {
      const xb = new Float32Array(b * 256 * 256 * 3);
      for (let i = 0; i < b; i++) xb.set(x1, i * x1.length);
      const t = await timeIt(b === 8 ? Math.max(2, N.infer >> 1) : N.infer, N.warm, async () => { const y = tf.tidy(() => model.forward(tf.tensor4d(xb, [b, 256, 256, 3]))); await y.data(); y.dispose(); });
      r[`b${b}`] = median(t);
    }
    return r;
  };
  const lossOptions = { numClasses: 12, ignoreIndex: 255 };
  const trainTfjs = async (): Promise<{ t: number[]; losses: number[] }> => {
    restore();
    const o = new Adam(1e-3); // the trainer's
    const losses: number[] = [];
    const t = await timeIt(N.train, N.warm, async () => {
      const l = o.minimize(() => segmentationLoss('ce', model.forward(tf.tensor4d(xt, [4, 256, 256, 3]), true), tf.tensor3d(yt, [4, 256, 256], 'int32'), lossOptions), true, model.trainableVariables)!;
      losses.push((await l.data())[0]); l.dispose();
    });
    o.dispose();
    return { t, losses };
  };
  const cores = Math.max(2, os.availableParallelism?.() ?? 2);
  log('TF.js wasm, XNNPACK kernels only: inference and training steps, one thread ...');
  configureOrtKernels({ enabled: false });
  const inferX = await inferTfjs();
  const trainX = await trainTfjs();
  configureOrtKernels({ enabled: true, threads: 1 });
  log('TF.js wasm + ONNX Runtime kernels: inference and training steps, one thread ...');
  const infer = await inferTfjs();
  const { t: tSingle, losses: lossesSingle } = await trainTfjs();
  log(`TF.js wasm + ONNX Runtime kernels on ${cores} threads (one TF.js instance) ...`);
  configureOrtKernels({ threads: cores });
  const trainOrtMt = await trainTfjs();
  configureOrtKernels({ threads: 1 });
  restore();
  let opt: tf.Optimizer;
  const threads = cores;
  log(`TF.js wasm + ONNX Runtime kernels: training steps, data-parallel over ${threads} threads ...`);
  opt = new Adam(1e-3);
  const dp = await DataParallel.start(model, { loss: 'ce', options: lossOptions }, 4, threads - 1, 'wasm');
  const lossesDp: number[] = [];
  const tDp = await timeIt(N.train, N.warm, async () => { lossesDp.push(await dp.step({ x: xt, y: yt, n: 4, height: 256, width: 256, ids: [] }, opt)); });
  await dp.close();
  opt.dispose();
  // The same with gradient checkpointing (--checkpoint-blocks 8): what recomputation costs.
  restore();
  opt = new Adam(1e-3);
  model.setCheckpointBlocks(8);
  const dpRe = await DataParallel.start(model, { loss: 'ce', options: lossOptions }, 4, threads - 1, 'wasm', 8);
  const tDpRe = await timeIt(N.train, N.warm, async () => { await dpRe.step({ x: xt, y: yt, n: 4, height: 256, width: 256, ids: [] }, opt); });
  await dpRe.close();
  model.setCheckpointBlocks(0);
  opt.dispose();

  // Data loading + augmentation per 360x480 training image (JS, main thread).
  let augMs = NaN;
  if (fs.existsSync(path.join(CAMVID, 'train'))) {
    const img = await readImage(path.join(CAMVID, 'train', fs.readdirSync(path.join(CAMVID, 'train')).sort()[0]));
    const pair = { image: img.data, mask: new Uint8Array(img.width * img.height), width: img.width, height: img.height };
    const x = new Float32Array(360 * 480 * 3);
    augMs = median(await timeIt(10, 2, () => { const a = augmentPair(pair, new Rng(1), DEFAULT_AUGMENT, 480, 360, 255); normalizeInto(x, 0, a.image as Uint8Array, IMAGENET_NORM); }));
  }
  const rssMb = process.resourceUsage().maxRSS / 1024;

  const single = median(tSingle), par = median(tDp), xnn = median(trainX.t), ortMt = median(trainOrtMt.t);
  const best = Math.min(single, par, ortMt);
  const rows: string[][] = [
    ['engine', 'infer b1 (ms)', 'infer b8 (img/s)', 'train step b4 (s)', 'train img/s'],
    ...(torch ? [['PyTorch ' + 'CPU, 2 threads', torch.infer.b1.medianMsPerBatch.toFixed(0), torch.infer.b8.imagesPerSec.toFixed(1), (torch.train.medianMsPerStep / 1000).toFixed(2), torch.train.imagesPerSec.toFixed(2)]] : []),
    [`pixelwise ONNX Runtime (own export), ${os.cpus().length} threads`, ortT.b1.toFixed(0), (8000 / ortT.b8).toFixed(1), '-', '-'],
    ['pixelwise TF.js wasm, XNNPACK kernels only, 1 thread', inferX.b1.toFixed(0), (8000 / inferX.b8).toFixed(1), (xnn / 1000).toFixed(2), (4000 / xnn).toFixed(2)],
    ['pixelwise TF.js wasm + ONNX Runtime kernels, 1 thread', infer.b1.toFixed(0), (8000 / infer.b8).toFixed(1), (single / 1000).toFixed(2), (4000 / single).toFixed(2)],
    [`pixelwise TF.js wasm + ONNX Runtime kernels on ${cores} threads`, '-', '-', (ortMt / 1000).toFixed(2), (4000 / ortMt).toFixed(2)],
    [`pixelwise TF.js wasm + ONNX Runtime kernels, data-parallel ${threads} threads (train default)`, '-', '-', (par / 1000).toFixed(2), (4000 / par).toFixed(2)],
    [`the same, recomputing activations (--checkpoint-blocks 8)`, '-', '-', (median(tDpRe) / 1000).toFixed(2), (4000 / median(tDpRe)).toFixed(2)],
  ];
  const table = rows.map((r, i) => `| ${r.join(' | ')} |` + (i === 0 ? `\n|${r.map(() => '---').join('|')}|` : '')).join('\n');
  const trainRatio = torch ? best / torch.train.medianMsPerStep : NaN;
  const tfjsRatio = torch ? infer.b1 / torch.infer.b1.medianMsPerBatch : NaN;
  const inferRatio = torch ? ortT.b1 / torch.infer.b1.medianMsPerBatch : NaN; // ORT is predict's default runtime
  const notes = [
    `- Trainable parameters: ${trainable.toLocaleString('en-US')} (pixelwise) — same architecture and weights as the PyTorch reference.`,
    haveRef ? `- Logits, eval mode, same weights: max abs diff TF.js vs PyTorch ${maxDiff.toExponential(2)}.` : '- PyTorch not run: no cross-engine check.',
    torch ? `- First training losses — PyTorch: ${torch.train.losses.slice(0, 3).map((l) => l.toFixed(4)).join(', ')}; TF.js XNNPACK: ${trainX.losses.slice(0, 3).map((l) => l.toFixed(4)).join(', ')}; TF.js + ONNX Runtime kernels: ${lossesSingle.slice(0, 3).map((l) => l.toFixed(4)).join(', ')}; data-parallel: ${lossesDp.slice(0, 3).map((l) => l.toFixed(4)).join(', ')} (data-parallel BatchNorm uses per-shard batch statistics).` : '',
    `- Ratios vs PyTorch: training ${trainRatio.toFixed(2)}x (best pixelwise mode); inference with ONNX Runtime (predict's default) ${inferRatio.toFixed(2)}x, with TF.js ${tfjsRatio.toFixed(2)}x.`,
    e2e ? `- End to end with ONNX Runtime, one 360x480 CamVid PNG -> label PNG on disk: ${e2e.totalMs.toFixed(0)} ms vs ${e2e.bareMs.toFixed(0)} ms for the bare runtime call on the same (padded) size = ${(e2e.totalMs / e2e.bareMs).toFixed(2)}x; decode ${e2e.preMs.toFixed(0)} ms, label PNG encode+write ${e2e.postMs.toFixed(0)} ms; normalisation and padding (JS) and the argmax (appended to the ONNX graph) make up the rest.` : '',
    Number.isFinite(augMs) ? `- Augmentation + normalisation of one 360x480 training image: ${augMs.toFixed(1)} ms (JS); a 360x480 batch-4 step takes seconds, so data work is ~${(((4 * augMs) / (single * (360 * 480) / (256 * 256))) * 100).toFixed(1)}% of a single-thread step and is prefetched.` : '',
    `- Peak RSS: pixelwise bench process ${rssMb.toFixed(0)} MB${torch ? `, PyTorch ${torch.maxRssMb.toFixed(0)} MB` : ''}.`,
  ].filter(Boolean);
  const machine = `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const md = `# Benchmarks\n\nMachine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench${quick ? ' -- --quick' : ''}\`.\nU-Net 256x256x3 -> 12 classes, batch 4 for training (Adam 1e-3, cross-entropy); medians after warm-up.\n\n${table}\n\n${notes.join('\n')}\n`;
  // This script owns the top of the page; the sections after it (## ...) come from other benchmarks.
  const doc = path.join('docs', 'benchmarks.md');
  const old = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '';
  const rest = old.indexOf('\n## ') >= 0 ? old.slice(old.indexOf('\n## ')) : '';
  fs.mkdirSync('docs', { recursive: true });
  writeFileAtomic(doc, md + rest);
  process.stdout.write(`${table}\n\n${notes.join('\n')}\n\ntrain_ratio=${trainRatio.toFixed(3)} infer_ratio=${inferRatio.toFixed(3)}\n`);
  model.dispose();
  fs.rmSync(work, { recursive: true, force: true });
}

// --arch NAME[,NAME]: the training step of zoo networks against PyTorch (bench/train_arch.ts) instead.
const archs = args.includes('--arch') ? args[args.indexOf('--arch') + 1]?.split(',').filter(Boolean) : undefined;
const run = archs?.length
  ? async () => { fs.rmSync(work, { recursive: true, force: true }); await (await import('./train_arch.ts')).benchArchs(archs, Number(args.includes('--steps') ? args[args.indexOf('--steps') + 1] : 6)); }
  : main;
run().catch((e) => { process.stderr.write(`bench failed: ${(e as Error).stack}\n`); process.exit(1); });
