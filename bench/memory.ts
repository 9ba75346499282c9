// npm run bench:memory [-- --steps N] [-- --no-torch] [-- --only ARCH[@HxW]]: training memory. The bench U-Net (the
// PyTorch reference's, 1.94 M parameters) trained for a few steps on random batches by pixelwise
// (main thread only; data-parallel over both cores) and by PyTorch (../shared/reference/pytorch-unet,
// 2 threads), at 256x256 and 352x480, batch 4 and 8; plus resnet50_pspnet at 176x240 batch 4 and
// at PSPNet's 473x473 batch 8 (which fits the heap only recomputing activations). Each mode also
// runs with gradient checkpointing (--checkpoint-blocks 8). Each run is its own process: peak RSS (VmHWM, all threads) and, for pixelwise, each TF.js
// instance's wasm heap high-water mark and the micro-batch the heap plan chose. Results:
// docs/bench/memory.json and a table on stdout.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, wasmHeapBytes } from '../src/engine/backend.ts';
import { configureOrtKernels } from '../src/engine/kernels/ort_native.ts';
import { SegModel } from '../src/models/seg_model.ts';
import { DataParallel } from '../src/train/parallel.ts';
import { accumulatedGradients } from '../src/train/grad_accum.ts';
import { planMicroBatch } from '../src/train/micro_batch.ts';
import { Rng } from '../src/util/random.ts';
import { Adam } from '../src/train/adam.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { peakRssMb } from '../src/util/peak_rss.ts';
import { PY, REF, torchReady } from './torch_ref.ts';

const args = process.argv.slice(2);
const STEPS = Number(args[args.indexOf('--steps') + 1] || 0) || 3;
const C = 12;
const OUT = 'docs/bench/memory.json';
const log = (s: string) => process.stderr.write(s + '\n');

type Mode = 'main' | 'dp' | 'main-recompute' | 'dp-recompute';
const MODES: Mode[] = ['main', 'dp', 'main-recompute', 'dp-recompute'];
const WHO: Record<Mode, string> = {
  main: 'pixelwise, main thread', dp: 'pixelwise, data-parallel (2 threads)',
  'main-recompute': 'pixelwise, main thread, --checkpoint-blocks 8', 'dp-recompute': 'pixelwise, data-parallel, --checkpoint-blocks 8',
};
interface Job { arch: string; h: number; w: number; batch: number; modes?: Mode[]; steps?: number }
interface Row extends Job { who: string; peakRssMb: number | null; heapMb?: number[]; micro?: number; note?: string }

const JOBS: Job[] = [
  ...[[256, 256], [352, 480]].flatMap(([h, w]) => [4, 8].map((batch) => ({ arch: 'unet', h, w, batch }))),
  { arch: 'resnet50_pspnet', h: 176, w: 240, batch: 4 },
  // Minutes per step on 2 cores: two steps show the peak (the second repeats the first's allocations).
  { arch: 'resnet50_pspnet', h: 473, w: 473, batch: 8, modes: ['dp-recompute'], steps: 2 },
];

/** One pixelwise training run in this (child) process; prints its row as JSON. */
async function child(mode: Mode, j: Job): Promise<void> {
  await initEngine('wasm');
  const rng = new Rng(1);
  const m = new SegModel({ arch: j.arch, numClasses: C, seed: 1 });
  const x = Float32Array.from({ length: j.batch * j.h * j.w * 3 }, () => rng.uniform(-2, 2));
  const y = Int32Array.from({ length: j.batch * j.h * j.w }, () => rng.int(C));
  const spec = { loss: 'ce' as const, options: { numClasses: C, ignoreIndex: 255 } };
  const threads = mode.startsWith('dp') ? 2 : 1;
  const blocks = mode.endsWith('recompute') ? 8 : 0;
  const { micro } = await planMicroBatch(m, spec, Math.ceil(j.batch / threads), [j.h, j.w], 'auto', blocks);
  m.setCheckpointBlocks(blocks);
  const steps = j.steps ?? STEPS;
  const opt = new Adam(1e-3); // the trainer's: its moments live outside the wasm heap
  const batch = { x, y, n: j.batch, height: j.h, width: j.w, ids: [] };
  let heaps: (number | null)[];
  if (threads === 2) {
    configureOrtKernels({ threads: 1 });
    const dp = await DataParallel.start(m, spec, micro, 1, 'wasm', blocks);
    for (let s = 0; s < steps; s++) await dp.step(batch, opt);
    heaps = [wasmHeapBytes(), ...dp.workerHeapBytes];
    await dp.close();
  } else {
    configureOrtKernels({ threads: 2 });
    const vars = m.trainableVariables;
    for (let s = 0; s < steps; s++) {
      const r = accumulatedGradients(m, vars, spec, batch, micro);
      opt.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: r.grads[k] })));
      tf.dispose(r.grads);
    }
    heaps = [wasmHeapBytes()];
  }
  const row: Row = { ...j, who: WHO[mode], peakRssMb: peakRssMb(), heapMb: heaps.map((b) => (b ?? 0) / 2 ** 20), micro };
  process.stdout.write(JSON.stringify(row) + '\n');
}

const TORCH = (j: Job, steps: number) => `
import sys, resource, json, torch
sys.path.insert(0, ${JSON.stringify(REF)})
from unet_torch import UNet
torch.set_num_threads(2); torch.manual_seed(1)
m = UNet(num_classes=${C}); opt = torch.optim.Adam(m.parameters(), 1e-3); m.train()
x = torch.rand(${j.batch}, 3, ${j.h}, ${j.w}); y = torch.randint(0, ${C}, (${j.batch}, ${j.h}, ${j.w}))
for _ in range(${steps}):
    opt.zero_grad(); loss = torch.nn.functional.cross_entropy(m(x), y); loss.backward(); opt.step()
print(json.dumps({'peakRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;
import { machine as machineName } from './machine.ts';

function runChild(argv: string[]): Row | { error: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/memory.ts', ...argv], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: (r.stderr || '').split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Row;
}

async function main() {
  if (args[0] === '--child') return child(args[1] as Mode, JSON.parse(args[2]) as Job);
  // --only ARCH or ARCH@HxW: those jobs alone; the other rows of docs/bench/memory.json stay.
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
  const picked = (x: Job) => !only || only === x.arch || only === `${x.arch}@${x.h}x${x.w}`;
  const withTorch = !args.includes('--no-torch') && fs.existsSync(REF) && torchReady(log);
  if (!withTorch) log('PyTorch reference: skipped (--no-torch, or ../shared/reference or python3-torch missing)');
  const rows: Row[] = [];
  for (const j of JOBS.filter(picked)) {
    for (const mode of j.modes ?? MODES) {
      log(`${j.arch} ${j.h}x${j.w} batch ${j.batch}, ${mode} ...`);
      const r = runChild(['--child', mode, JSON.stringify(j)]);
      rows.push('error' in r ? { ...j, who: WHO[mode], peakRssMb: null, note: r.error } : r);
    }
    if (withTorch && j.arch === 'unet') {
      const t = spawnSync(PY, ['-c', TORCH(j, STEPS)], { encoding: 'utf8' });
      const peak = t.status === 0 ? (JSON.parse(t.stdout.trim().split('\n').pop()!) as { peakRssMb: number }).peakRssMb : null;
      rows.push({ ...j, who: 'PyTorch CPU (2 threads)', peakRssMb: peak, note: t.status === 0 ? undefined : t.stderr.split('\n').filter(Boolean).pop() });
    }
    const last = rows.filter((r) => r.arch === j.arch && r.h === j.h && r.batch === j.batch);
    log(last.map((r) => `  ${r.who}: ${r.peakRssMb?.toFixed(0) ?? 'failed'} MB${r.heapMb ? ` (heap ${r.heapMb.map((v) => v.toFixed(0)).join(' + ')} MB, micro-batch ${r.micro})` : ''}${r.note ? ` ${r.note}` : ''}`).join('\n'));
  }
  if (only && fs.existsSync(OUT)) { // the other architectures' rows stay as last measured
    const kept = (JSON.parse(fs.readFileSync(OUT, 'utf8')) as { rows: Row[] }).rows.filter((r) => !picked(r));
    rows.unshift(...kept);
  }
  const machine = machineName();
  writeFileAtomic(OUT, JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine, steps: STEPS, command: 'npm run bench:memory', rows }, null, 2) + '\n');
  const torchOf = (r: Row) => rows.find((t) => t.who.startsWith('PyTorch') && t.h === r.h && t.w === r.w && t.batch === r.batch && t.arch === r.arch);
  process.stdout.write('| model | crop | batch | trained by | peak RSS MB | x PyTorch | wasm heap MB per instance | micro-batch |\n|---|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    const t = torchOf(r), ratio = t?.peakRssMb && r.peakRssMb && !r.who.startsWith('PyTorch') ? (r.peakRssMb / t.peakRssMb).toFixed(2) : '-';
    process.stdout.write(`| ${r.arch} | ${r.h}x${r.w} | ${r.batch} | ${r.who} | ${r.peakRssMb?.toFixed(0) ?? `failed: ${r.note}`} | ${ratio} | ${r.heapMb?.map((v) => v.toFixed(0)).join(' + ') ?? '-'} | ${r.micro ?? '-'} |\n`);
  }
}

main().catch((e) => { log(`bench failed: ${(e as Error).message}`); process.exit(1); });
