// npm run bench:active-learning [-- --epochs 24] [-- --only base,entropy,...]
// Does ranking by uncertainty pick better images to label than chance? On CamVid: 40 labelled
// train images (seeded), a model trained on them from the deeplabv3-voc start (the ranker), then 40 more picked from the other
// 327 three ways: by entropy, by margin (`pixelwise rank`) and at random (seeds 1-3). Each set of 80
// trains the same fixed budget from the same start (same steps: the base's epochs halved), and its
// CamVid val mIoU is reported; random's as mean and spread. Runs live in runs/al/NAME (a finished
// one is evaluated again, not retrained), results in docs/bench/active-learning.json. Six training
// runs: run it in the background (setsid nohup) and resume by running it again.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Rng } from '../src/util/random.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { trainThenEvaluate } from './train_then_evaluate.ts';

const args = process.argv.slice(2);
const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const EPOCHS = Number(opt('--epochs') ?? 24); // of the 40-image base; the 80-image runs take half as many
const CAMVID = '../shared/data/camvid';
const ROOT = path.join('runs', 'al');
const log = (s: string) => process.stderr.write(s + '\n');
if (!fs.existsSync(CAMVID)) { log(`${CAMVID} not found: the active-learning runs need ../shared/data/camvid`); process.exit(1); }
fs.mkdirSync(ROOT, { recursive: true });

const all = fs.readdirSync(`${CAMVID}/train`).filter((f) => f.endsWith('.png')).sort();
const labelled = new Rng(1).shuffle([...all]).slice(0, 40);
const pool = all.filter((f) => !labelled.includes(f));
const list = (name: string, files: string[]) => { const f = path.join(ROOT, `${name}.txt`); fs.writeFileSync(f, files.join('\n') + '\n'); return f; };

// Every run starts from the shipped deeplabv3-voc start (encoder and ASPP), as a user labelling a new
// dataset would: from scratch, 40 images train a model too weak for its uncertainty to mean much.
const recipe = (name: string, files: string[], epochs: number) => ['train', '--arch', 'mobilenetv2_deeplabv3plus', '--output-stride', '16', '--init-weights', 'deeplabv3-voc', '--images', `${CAMVID}/train`, '--masks', `${CAMVID}/trainannot`,
  '--list', list(name, files), '--val-images', `${CAMVID}/val`, '--val-masks', `${CAMVID}/valannot`, '--classes', '12', '--ignore-index', '11', '--class-file', 'camvid',
  '--resize', '180x240', '--input-size', '176x240', '--batch-size', '8', '--epochs', String(epochs), '--val-every', String(epochs), '--lr', '2e-3',
  '--class-weights', 'auto', '--aug-scale', '0.75,1.5', '--aug-rotate', '5', '--seed', '1', '--out', path.join(ROOT, name), '--quiet'];

interface Result { name: string; how: string; images: number; epochs: number; minutes: number; mIoU: number }
const file = 'docs/bench/active-learning.json';
const prev: Result[] = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).runs : [];
const save = (r: Result) => { const i = prev.findIndex((p) => p.name === r.name); if (i >= 0) prev[i] = r; else prev.push(r); writeFileAtomic(file, JSON.stringify({ labelled: 40, pool: pool.length, added: 40, runs: prev }, null, 2) + '\n'); };
const only = opt('--only')?.split(',');
const want = (name: string) => !only || only.includes(name);

function run(name: string, how: string, files: string[], epochs: number): void {
  const res = trainThenEvaluate(name, recipe(name, files, epochs), path.join(ROOT, name), CAMVID, { epochs });
  if (res) save({ name, how, images: files.length, epochs, minutes: res.minutes, mIoU: res.scores.mIoU });
}

// The ranker: the 40 labelled images.
if (want('base') || want('entropy') || want('margin')) run('base', '40 labelled images (the ranker)', labelled, EPOCHS);
// The pool as a folder for rank (links to the train images).
const poolDir = path.join(ROOT, 'pool');
fs.mkdirSync(poolDir, { recursive: true });
for (const f of pool) { const to = path.join(poolDir, f); if (!fs.existsSync(to)) fs.symlinkSync(path.resolve(CAMVID, 'train', f), to); }
for (const strategy of ['entropy', 'margin']) {
  if (!want(strategy)) continue;
  const out = path.join(ROOT, `rank-${strategy}`);
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'rank', '--images', poolDir, '--model', path.join(ROOT, 'base'), '--strategy', strategy, '--budget', '40', '--out', out, '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) { log(`rank ${strategy} failed`); continue; }
  const picked = (JSON.parse(fs.readFileSync(path.join(out, 'rank.json'), 'utf8')).ranked as { image: string; selected: boolean }[]).filter((x) => x.selected).map((x) => x.image);
  run(strategy, `40 + the 40 most uncertain by ${strategy}`, [...labelled, ...picked], EPOCHS / 2);
}
for (const seed of [1, 2, 3]) {
  const name = `random-${seed}`;
  if (!want(name) && !want('random')) continue;
  run(name, `40 + 40 at random (seed ${seed})`, [...labelled, ...new Rng(100 + seed).shuffle([...pool]).slice(0, 40)], EPOCHS / 2);
}
const rnd = prev.filter((p) => p.name.startsWith('random-')).map((p) => p.mIoU);
const mean = rnd.reduce((a, b) => a + b, 0) / Math.max(1, rnd.length);
const sd = Math.sqrt(rnd.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, rnd.length - 1));
for (const p of prev) log(`${p.name.padEnd(10)} ${(100 * p.mIoU).toFixed(2)} mIoU (${p.how}; ${p.epochs} epochs, ${p.minutes.toFixed(1)} min)`);
if (rnd.length) log(`random: ${(100 * mean).toFixed(2)} +- ${(100 * sd).toFixed(2)} (mean +- sd over ${rnd.length} seeds)`);
