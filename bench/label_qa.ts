// npm run bench:label-qa [-- --model camvid-fast] [-- --seed 1]
// QA recall on real labels: a copy of CamVid val with 5% of its masks corrupted (two with two
// classes swapped, two with every id shifted by one, one paired with another image's mask), then
// `verify --model`; reports how many corrupted masks its ranking puts in the top 10%. Results go to
// docs/bench/label-qa.json, one entry per model and seed. Needs ../shared/data/camvid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readMask, encodeLabelPng } from '../src/data/mask_io.ts';
import { Rng } from '../src/util/random.ts';
import { writeFileAtomic } from '../src/util/fs.ts';

const args = process.argv.slice(2);
const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const MODEL = opt('--model') ?? 'camvid-fast';
const SEED = Number(opt('--seed') ?? 1);
const CAMVID = '../shared/data/camvid';
const VOID = 11;
if (!fs.existsSync(CAMVID)) { process.stderr.write(`${CAMVID} not found: the QA benchmark needs ../shared/data/camvid\n`); process.exit(1); }

const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-qa-'));
const masks = path.join(d, 'masks');
fs.mkdirSync(masks);
const files = fs.readdirSync(`${CAMVID}/valannot`).sort();
for (const f of files) fs.copyFileSync(`${CAMVID}/valannot/${f}`, path.join(masks, f));
const rng = new Rng(SEED);
const picked = rng.shuffle([...files]).slice(0, Math.round(files.length * 0.05));
const kinds = ['swap', 'swap', 'offset', 'offset', 'other-image'];
const corrupted: { file: string; kind: string; detail: string }[] = [];
picked.forEach((f, i) => {
  const kind = kinds[i % kinds.length];
  let src = f, map = (v: number) => v, detail = '';
  if (kind === 'swap') { const [a, b] = rng.shuffle([0, 1, 3, 4, 5, 8]).slice(0, 2); map = (v) => (v === a ? b : v === b ? a : v); detail = `classes ${a} and ${b}`; }
  if (kind === 'offset') { map = (v) => (v < VOID - 1 ? v + 1 : v); detail = 'ids + 1'; }
  if (kind === 'other-image') { src = files.find((g) => g !== f && !picked.includes(g) && g.slice(0, 6) !== f.slice(0, 6)) ?? files[0]; detail = `mask of ${src}`; }
  const m = readMask(`${CAMVID}/valannot/${src}`);
  fs.writeFileSync(path.join(masks, f), encodeLabelPng(m.data.map((v) => (v === VOID ? VOID : map(v))), m.width, m.height, []));
  corrupted.push({ file: f, kind, detail });
});
const report = path.join(d, 'qa');
const t0 = Date.now();
const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'verify', '--images', `${CAMVID}/val`, '--masks', masks, '--classes', '12', '--ignore-index', String(VOID), '--class-file', 'camvid', '--model', MODEL, '--report', report, '--quiet'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (r.status !== 0) { process.stderr.write(r.stdout); process.exit(1); }
const qa = JSON.parse(fs.readFileSync(path.join(report, 'qa.json'), 'utf8')) as { image: string; findings: { kind: string }[] }[];
const top = Math.ceil(files.length / 10);
const rankOf = (f: string) => qa.findIndex((x) => path.basename(x.image) === f) + 1;
const rows = corrupted.map((c) => ({ ...c, rank: rankOf(c.file), named: qa[rankOf(c.file) - 1].findings.map((x) => x.kind) }));
const found = rows.filter((x) => x.rank <= top).length;
for (const x of rows) process.stderr.write(`${x.file}: ${x.kind} (${x.detail}): rank ${x.rank}, findings ${x.named.join(' ') || 'none'}\n`);
process.stderr.write(`${found} of ${rows.length} corrupted masks in the top 10% (${top} of ${files.length}); ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
const file = 'docs/bench/label-qa.json';
const runs = (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).runs : []) as { model: string; seed: number }[];
const entry = { model: MODEL, seed: SEED, images: files.length, top, found, corrupted: rows, date: new Date().toISOString().slice(0, 10) };
const kept = runs.filter((x) => x.model !== MODEL || x.seed !== SEED);
writeFileAtomic(file, JSON.stringify({ runs: [...kept, entry].sort((a, b) => a.seed - b.seed) }, null, 2) + '\n');
fs.rmSync(d, { recursive: true, force: true });
