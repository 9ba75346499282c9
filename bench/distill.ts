// npm run bench:distill [-- --epochs 4] [-- --teacher camvid] [-- --only plain,distilled,distilled-image,unlabelled,unlabelled-image]
// Does distillation help? The same CamVid student recipe trained for the same number of steps
// without and with a teacher (--teacher, default the shipped `camvid-fast` model), and from the
// teacher alone on the training images without their masks (the teacher on each crop, or on each
// whole image once); then CamVid val mIoU (11 classes, void ignored) at the original 360x480.
// Equal steps rather than equal minutes: the teacher's cost is reported beside (minutes), and the
// runs share the machine with whatever else runs. Runs live in runs/distill/NAME (a finished one is
// evaluated again, not retrained); results go to docs/bench/distill.json. Needs
// ../shared/data/camvid.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../src/util/fs.ts';
import { trainThenEvaluate } from './train_then_evaluate.ts';

const args = process.argv.slice(2);
const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const EPOCHS = Number(opt('--epochs') ?? 4);
const TEACHER = opt('--teacher') ?? 'camvid-fast';
const CAMVID = '../shared/data/camvid'; // relative, as the recorded commands show it
const log = (s: string) => process.stderr.write(s + '\n');

interface Run { name: string; extra: string[]; note: string; noMasks?: boolean }
const RUNS: Run[] = [
  { name: 'plain', extra: [], note: 'labels only' },
  { name: 'distilled', extra: ['--teacher', TEACHER, '--distill-weight', '0.5', '--distill-temperature', '1'], note: `labels and the ${TEACHER} model's probabilities, weight 0.5, temperature 1` },
  { name: 'distilled-image', extra: ['--teacher', TEACHER, '--teacher-view', 'image', '--distill-weight', '0.5', '--distill-temperature', '1'], note: `labels and the ${TEACHER} model's probabilities of each whole image once (--teacher-view image), weight 0.5, temperature 1` },
  // The training images without their masks: what a teacher alone passes on (its classes are the run's).
  { name: 'unlabelled', extra: ['--teacher', TEACHER], noMasks: true, note: `the ${TEACHER} model's probabilities alone (training masks not read)` },
  { name: 'unlabelled-image', extra: ['--teacher', TEACHER, '--teacher-view', 'image'], noMasks: true, note: `the ${TEACHER} model's probabilities alone, of each whole image once (--teacher-view image)` },
];

export interface DistillResult { name: string; note: string; epochs: number; minutes: number; mIoU: number; pixelAccuracy: number; perClassIoU: Record<string, number | null>; command: string; date: string }

function recipe(r: Run, out: string): string[] {
  // Without masks the classes are the teacher's, and nothing weighs them.
  const labels = r.noMasks ? [] : ['--masks', `${CAMVID}/trainannot`, '--classes', '12', '--class-file', 'camvid', '--class-weights', 'auto'];
  return ['train', '--arch', 'mobilenetv2_deeplabv3plus', '--images', `${CAMVID}/train`, ...labels,
    '--val-images', `${CAMVID}/val`, '--val-masks', `${CAMVID}/valannot`, '--ignore-index', '11',
    '--resize', '180x240', '--input-size', '176x240', '--batch-size', '8', '--epochs', String(EPOCHS), '--val-every', String(EPOCHS),
    '--lr', '2e-3', '--aug-scale', '0.75,1.5', '--aug-rotate', '5', '--seed', '1', '--out', out, '--quiet', ...r.extra];
}

function run(r: Run): DistillResult | null {
  const out = path.join('runs', 'distill', r.name);
  const argv = recipe(r, out);
  log(`${r.name}: ${EPOCHS} epochs (${r.note})`);
  const res = trainThenEvaluate(r.name, argv, out, CAMVID, { epochs: EPOCHS });
  if (!res) return null;
  const { minutes, scores: s } = res;
  return { name: r.name, note: r.note, epochs: EPOCHS, minutes, mIoU: s.mIoU, pixelAccuracy: s.pixelAccuracy, perClassIoU: Object.fromEntries(Object.entries(s.perClass).map(([k, v]) => [k, v.iou])), command: `pixelwise ${argv.join(' ')}`, date: new Date().toISOString().slice(0, 10) };
}

function main() {
  if (!fs.existsSync(CAMVID)) { log(`${CAMVID} not found: the distillation runs need ../shared/data/camvid`); process.exit(1); }
  const file = 'docs/bench/distill.json';
  const prev: DistillResult[] = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).runs : [];
  const only = opt('--only')?.split(',');
  for (const r of only ? RUNS.filter((x) => only.includes(x.name)) : RUNS) {
    const res = run(r);
    if (!res) continue;
    const i = prev.findIndex((p) => p.name === res.name);
    if (i >= 0) prev[i] = res; else prev.push(res);
    writeFileAtomic(file, JSON.stringify({ runs: prev }, null, 2) + '\n');
  }
  for (const p of prev) log(`${p.name.padEnd(10)} ${(100 * p.mIoU).toFixed(2)} mIoU, ${p.epochs} epochs, ${p.minutes.toFixed(1)} min (${p.note})`);
}

main();
