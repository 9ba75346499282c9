// npm run bench:zoo-camvid [-- --only a,b] [-- --minutes 20]
// The same fixed budget of CamVid training for each zoo architecture, from random initialisation
// (and ESPNetv2 also fine-tuned from the shipped Cityscapes model), then CamVid val mIoU (11
// classes, void ignored) at the original resolution. Each run's epoch count is what the budget
// allows at the architecture's measured training speed (docs/bench/zoo.json), so that the
// learning-rate schedule completes; --max-minutes guards the budget. Runs live in
// runs/zoo-camvid/NAME (resumable); results go to docs/bench/zoo-camvid.json, and docs/models.md
// is rewritten from both result files. Needs ../shared/data/camvid.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../src/util/fs.ts';
import { trainThenEvaluate } from './train_then_evaluate.ts';
import { ZOO, type ZooRow } from './zoo_list.ts';
import { machine } from './machine.ts';

const args = process.argv.slice(2);
const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const MINUTES = Number(opt('--minutes') ?? 20);
const CAMVID = '../shared/data/camvid'; // relative, as the recorded commands show it
const TRAIN_IMAGES = 367;
const log = (s: string) => process.stderr.write(s + '\n');

interface Run { name: string; arch: string; extra: string[]; note: string }
// MobileNetV2 architectures start from the shipped TF DeepLab weights unless told otherwise.
const START = /^mobilenetv2_/;
const RUNS: Run[] = [
  ...ZOO.map((arch) => ({ name: arch, arch, extra: START.test(arch) ? ['--encoder-weights', 'none'] : [], note: 'random init' })),
  ...ZOO.filter((a) => START.test(a)).map((arch) => ({ name: `${arch}-from-deeplab`, arch, extra: [], note: 'encoder from the shipped deeplabv3-voc start (the default)' })),
  // --proj-width 10: the shipped model's pyramid width, so only the last 1x1 conv (20 -> 12 classes) starts new.
  { name: 'espnetv2-from-cityscapes', arch: 'espnetv2', extra: ['--init-weights', 'models/cityscapes-fast/weights.safetensors', '--proj-width', '10'], note: 'fine-tuned from the shipped Cityscapes model' },
];

export interface CamvidResult { name: string; arch: string; note: string; minutes: number; epochs: number; mIoU: number; pixelAccuracy: number; command: string; date: string; machine: string }

function recipe(r: Run, epochs: number, out: string): string[] {
  return ['train', '--arch', r.arch, '--images', `${CAMVID}/train`, '--masks', `${CAMVID}/trainannot`, '--val-images', `${CAMVID}/val`, '--val-masks', `${CAMVID}/valannot`,
    '--classes', '12', '--ignore-index', '11', '--class-file', 'camvid', '--resize', '180x240', '--input-size', '176x240', '--batch-size', '8',
    '--epochs', String(epochs), '--val-every', '2', '--lr', '2e-3', '--class-weights', 'auto', '--aug-scale', '0.75,1.5', '--aug-rotate', '5',
    '--max-minutes', String(MINUTES), '--out', out, '--quiet', ...r.extra];
}

function run(r: Run, speed: Map<string, ZooRow>): CamvidResult | null {
  const imgPerS = speed.get(r.arch)?.trainImgPerS;
  if (!imgPerS) { log(`${r.name}: no measured training speed; run npm run bench:zoo first`); return null; }
  const epochs = Math.max(1, Math.floor((MINUTES * 60 * imgPerS) / TRAIN_IMAGES));
  const out = path.join('runs', 'zoo-camvid', r.name);
  fs.rmSync(out, { recursive: true, force: true });
  const argv = recipe(r, epochs, out);
  log(`${r.name}: ${epochs} epochs (${imgPerS.toFixed(2)} img/s measured), at most ${MINUTES} min`);
  const res = trainThenEvaluate(r.name, argv, out, CAMVID);
  if (!res) return null;
  const { minutes, scores: s } = res;
  return { name: r.name, arch: r.arch, note: r.note, minutes, epochs, mIoU: s.mIoU, pixelAccuracy: s.pixelAccuracy, command: `pixelwise ${argv.join(' ')}`, date: new Date().toISOString().slice(0, 10), machine: machine() };
}

export function modelsMd(speed: ZooRow[], camvid: CamvidResult[], meta: { date?: string; machine?: string }): string {
  const byArch = new Map(camvid.map((c) => [c.name, c]));
  const pct = (v?: number) => (v == null ? '-' : (100 * v).toFixed(2));
  const run = (c?: CamvidResult) => (c ? `${pct(c.mIoU)} | ${c.epochs} / ${c.minutes.toFixed(1)}` : '- | -');
  const rows = speed.map((r) => `| ${r.arch} | ${(r.parameters / 1e6).toFixed(2)} M | ${r.tfjsMs.toFixed(0)} | ${r.onnxMs.toFixed(0)} | ${r.trainImgPerS.toFixed(2)}${r.microBatch === 1 ? ' (micro-batches of 1)' : ''} | ${r.peakRssMb.toFixed(0)} | ${run(byArch.get(r.arch))} |`);
  for (const arch of ZOO.filter((a) => !speed.some((r) => r.arch === a))) rows.push(`| ${arch} | not measured: its benchmark process failed (see the issue notes) | | | | | - | - |`);
  const ft = byArch.get('espnetv2-from-cityscapes');
  if (ft) rows.push(`| espnetv2, fine-tuned from the shipped Cityscapes model | 0.79 M | - | - | - | - | ${run(ft)} |`);
  for (const c of camvid.filter((x) => x.name.endsWith('-from-deeplab'))) rows.push(`| ${c.arch}, encoder from the shipped deeplabv3-voc start | - | - | - | - | - | ${run(c)} |`);
  // The CamVid runs take hours in all and are rerun one by one: they name their own machines and dates.
  const dates = new Map<string, Set<string>>();
  for (const c of camvid) dates.set(c.machine, (dates.get(c.machine) ?? new Set()).add(c.date));
  const where = [...dates].map(([m, d]) => `${m}: ${[...d].sort().join(', ')}`).join('; ');
  return `# Model zoo: size, speed and CamVid accuracy

Speed columns: \`npm run bench:zoo\` (${meta.machine ?? '?'}; ${meta.date ?? '?'}; each architecture in its own
process; inference per 360x480 image at batch 1, TF.js wasm with its ONNX Runtime kernels and ONNX
Runtime on the exported graph, 2 threads; training images/s at batch 4 on 176x240 crops, data-parallel
over both cores; peak RSS of that process). CamVid column: \`npm run bench:zoo-camvid\` (${where || 'no runs yet'}): the same
${MINUTES}-minute budget on both cores for each, from random initialisation unless noted, images
resized to 180x240, 176x240 crops, batch 8, Adam 2e-3 poly, median-frequency class weights, scale
and rotation augmentation; val mIoU over 11 classes (void ignored) at the original 360x480.
Each run's command is in \`docs/bench/zoo-camvid.json\`.

| architecture | parameters | TF.js ms | ONNX Runtime ms | train img/s | peak RSS MB | CamVid val mIoU | epochs / minutes |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

A "-" in the CamVid column: not run yet (the runs take ${MINUTES} minutes each; see the issue notes).
The epoch count of a run is what the budget allowed at the speed \`bench:zoo\` measured before it (on
the run's machine); a run that finished well inside the budget had its speed under-measured (see
"minutes"). A run made on a faster machine, or after training became faster, gets more epochs.
`;
}

function main() {
  const zoo = JSON.parse(fs.readFileSync('docs/bench/zoo.json', 'utf8')) as { rows: ZooRow[]; date: string; machine: string };
  const speed = new Map(zoo.rows.map((r) => [r.arch, r]));
  const file = 'docs/bench/zoo-camvid.json';
  const prev: CamvidResult[] = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).runs : [];
  const only = opt('--only')?.split(',');
  if (!args.includes('--report-only')) {
    if (!fs.existsSync(CAMVID)) { log(`${CAMVID} not found: the CamVid runs need ../shared/data/camvid`); process.exit(1); }
    const runs = only ? only.map((n) => RUNS.find((x) => x.name === n)).filter((x): x is Run => !!x) : RUNS;
    for (const r of runs) {
      const res = run(r, speed);
      if (!res) continue;
      const i = prev.findIndex((p) => p.name === res.name);
      if (i >= 0) prev[i] = res; else prev.push(res);
      writeFileAtomic(file, JSON.stringify({ runs: prev }, null, 2) + '\n');
    }
  }
  fs.writeFileSync('docs/models.md', modelsMd(zoo.rows, prev, zoo));
}

main();
