// npm run bench:quantize [-- --models camvid,voc] [-- --rounds 5]
// Every shipped float model quantised as `pixelwise quantize` does (calibrated on 32 CamVid train
// images spread over the split, the gate off), then, per model:
//  - ms per image, float graph against 8-bit graph, ONNX Runtime with 2 threads, end to end
//    (resize, network, labels back) on the shipped photos, the two alternated round by round (median);
//    and the network's run alone (the first photo's input, class scores out), alternated the same way;
//  - accuracy: CamVid val mIoU of both for camvid; for the others the share of pixels of the shipped
//    photos whose label is the float graph's.
// An 8-bit package made by `quantize --int8-only` (camvid-live) is compared with the shipped float graph
// its card names, run by its own card (its input size). Models imported 8-bit (cityscapes) and models
// of several graphs (person) are listed as such.
// Writes docs/bench/quantize.json (with --models, replacing those models' rows). Needs ../shared/data/camvid.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { calibrate, buildInt8, graphSegmenter } from '../src/inference/quantize.ts';
import { OnnxNetwork } from '../src/inference/onnx_runtime.ts';
import { ImageProcessor } from '../src/inference/processor.ts';
import { NODE_FILTERS } from '../src/inference/node_filters.ts';
import { cardFile, readCard } from '../src/models/package.ts';
import { MODELS_DIR, shippedModels } from '../src/models/shipped.ts';
import type { ModelCard } from '../src/models/card.ts';
import { readImage } from '../src/data/image_io.ts';
import { readMask } from '../src/data/mask_io.ts';
import { ConfusionMatrix } from '../src/metrics/confusion.ts';
import { CAMVID_CLASSES } from '../src/data/class_sets.ts';
import { DEMO_PHOTOS, DEMO_PHOTOS_DIR } from '../src/cli/demo_photos.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { machine } from './machine.ts';

const args = process.argv.slice(2);
const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const ROUNDS = Number(opt('--rounds') ?? 5);
const CAMVID = '../shared/data/camvid';
const log = (s: string) => process.stderr.write(s + '\n');
if (!fs.existsSync(CAMVID)) { log(`${CAMVID} not found: the quantisation bench calibrates on CamVid train`); process.exit(1); }
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const train = fs.readdirSync(path.join(CAMVID, 'train')).filter((f) => f.endsWith('.png')).sort();
const calFiles = Array.from({ length: 32 }, (_, i) => path.join(CAMVID, 'train', train[Math.floor(((i + 0.5) * train.length) / 32)]));
const photos = await Promise.all(DEMO_PHOTOS.map((p) => readImage(path.join(DEMO_PHOTOS_DIR, p.file))));
const open = (bytes: Uint8Array, card: ModelCard) => graphSegmenter(bytes, card, { filters: NODE_FILTERS, threads: 2 });

/** Median ms of the network's run alone on the first photo's input, float and 8-bit alternated. */
async function networkMs(float: Uint8Array, int8: Uint8Array, card: ModelCard): Promise<{ float: number; int8: number }> {
  const proc = new ImageProcessor(card, NODE_FILTERS);
  const e = proc.encode(await proc.toNetwork([photos[0]]));
  const nets = { float: await OnnxNetwork.create(float, card.model.numClasses, 2), int8: await OnnxNetwork.create(int8, card.model.numClasses, 2) };
  const ms: Record<'float' | 'int8', number[]> = { float: [], int8: [] };
  try {
    for (const n of Object.values(nets)) await n.run(e.x, e.dims);
    for (let r = 0; r < ROUNDS * 2; r++) {
      for (const k of (r % 2 ? ['int8', 'float'] : ['float', 'int8']) as ('float' | 'int8')[]) {
        const t = performance.now();
        await nets[k].run(e.x, e.dims);
        ms[k].push(performance.now() - t);
      }
    }
  } finally { for (const n of Object.values(nets)) await n.dispose(); }
  return { float: median(ms.float), int8: median(ms.int8) };
}

async function camvidVal(seg: Awaited<ReturnType<typeof open>>): Promise<number> {
  const cm = new ConfusionMatrix(11, { ignoreIndex: 11 });
  for (const f of fs.readdirSync(path.join(CAMVID, 'val')).filter((x) => x.endsWith('.png')).sort()) {
    const [labels] = await seg.predictBatch([await readImage(path.join(CAMVID, 'val', f))]);
    cm.add(labels, readMask(path.join(CAMVID, 'valannot', f)).data);
  }
  return cm.scores(CAMVID_CLASSES.slice(0, 11).map((c) => c.name)).mIoU;
}

/** Both graphs under one card's rules: end to end and alone, alternated; labels compared; CamVid val for CamVid models. */
async function compare(name: string, float: Uint8Array, int8: Uint8Array, card: ModelCard): Promise<Record<string, unknown>> {
  const floatCard: ModelCard = { ...card, precision: undefined }, int8Card: ModelCard = { ...card, precision: 'int8' };
  const segs = { float: await open(float, floatCard), int8: await open(int8, int8Card) };
  // Warm-up: first runs build each graph's kernels.
  for (const s of Object.values(segs)) await s.predictBatch([photos[0]]);
  const ms: Record<'float' | 'int8', number[]> = { float: [], int8: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of (r % 2 ? ['int8', 'float'] : ['float', 'int8']) as ('float' | 'int8')[]) {
      const t = performance.now();
      for (const im of photos) await segs[k].predictBatch([im]);
      ms[k].push((performance.now() - t) / photos.length);
    }
  }
  let same = 0, all = 0;
  for (const im of photos) {
    const [[a], [b]] = [await segs.float.predictBatch([im]), await segs.int8.predictBatch([im])];
    all += a.length; for (let p = 0; p < a.length; p++) if (a[p] === b[p]) same++;
  }
  for (const s of Object.values(segs)) await s.dispose();
  const net = await networkMs(float, int8, floatCard);
  const row: Record<string, unknown> = {
    model: name, floatMb: float.length / 1e6, int8Mb: int8.length / 1e6,
    msFloat: median(ms.float), msInt8: median(ms.int8), speedup: median(ms.float) / median(ms.int8), networkMsFloat: net.float, networkMsInt8: net.int8, photosAgreement: same / all,
  };
  if (name.startsWith('camvid')) {
    const again = { float: await open(float, floatCard), int8: await open(int8, int8Card) };
    row.camvidValMiouFloat = await camvidVal(again.float); row.camvidValMiouInt8 = await camvidVal(again.int8);
    for (const s of Object.values(again)) await s.dispose();
  }
  log(`${name}: ${(row.msFloat as number).toFixed(1)} ms float, ${(row.msInt8 as number).toFixed(1)} ms int8 (${(row.speedup as number).toFixed(2)}x); the network alone ${net.float.toFixed(1)} / ${net.int8.toFixed(1)} ms; photos' labels as float: ${(100 * same / all).toFixed(2)}%${row.camvidValMiouFloat != null ? `; CamVid val mIoU ${(100 * (row.camvidValMiouFloat as number)).toFixed(2)} -> ${(100 * (row.camvidValMiouInt8 as number)).toFixed(2)}` : ''}`);
  return row;
}

/** The shipped float graph an 8-bit package was quantised from (quantize --int8-only names it in its card), if it is here unchanged. */
function floatSource(card: ModelCard): Uint8Array | null {
  const from = card.int8 && card.provenance?.file;
  if (!from || !/^[\w-]+\/[\w.-]+\.onnx$/.test(from) || !fs.existsSync(path.join(MODELS_DIR, from))) return null;
  const bytes = fs.readFileSync(path.join(MODELS_DIR, from));
  return crypto.createHash('sha256').update(bytes).digest('hex') === card.provenance!.sha256 ? bytes : null;
}

const rows: Record<string, unknown>[] = [];
for (const name of opt('--models')?.split(',') ?? shippedModels()) {
  const dir = path.join(MODELS_DIR, name), card = readCard(dir);
  if (card.precision === 'int8') {
    // An 8-bit package made by quantize: against the float graph it came from, run by this card's rules.
    const float = floatSource(card);
    if (float) { rows.push({ ...(await compare(name, float, fs.readFileSync(cardFile(dir, card, 'onnx')), card)), quantizedFrom: card.provenance!.file }); continue; }
    rows.push({ model: name, note: 'an 8-bit graph already (imported so)' }); log(`${name}: 8-bit already`); continue;
  }
  if (card.variants?.length) { rows.push({ model: name, note: 'several graphs (per aspect): quantize takes one' }); log(`${name}: several graphs, skipped`); continue; }
  const float = fs.readFileSync(cardFile(dir, card, 'onnx'));
  const t0 = Date.now();
  const c = await calibrate(float, card, async function* () { for (const f of calFiles) yield await readImage(f); }, { filters: NODE_FILTERS });
  const q = buildInt8(c);
  const quantizeSeconds = (Date.now() - t0) / 1000;
  rows.push({ ...(await compare(name, float, q.bytes, card)), convolutions: q.convolutions, quantized: q.quantized, quantizeSeconds });
}
// With --models, those models' rows replace theirs in the results file; the others stay, each row with its date and command.
const OUT = 'docs/bench/quantize.json';
const date = new Date().toISOString().slice(0, 10), command = `npm run bench:quantize${args.length ? ` -- ${args.join(' ')}` : ''}`;
for (const r of rows) Object.assign(r, { date, command });
type Results = { date: string; command: string; rows: Record<string, unknown>[] };
const before: Results | null = opt('--models') && fs.existsSync(OUT) ? JSON.parse(fs.readFileSync(OUT, 'utf8')) as Results : null;
const earlier: Record<string, unknown>[] = (before?.rows ?? []).map((r) => ({ date: before!.date, command: before!.command, ...r }));
const merged = [...earlier.map((r) => rows.find((n) => n.model === r.model) ?? r), ...rows.filter((n) => !earlier.some((r) => r.model === n.model))];
writeFileAtomic(OUT, JSON.stringify({
  date, machine: machine(), command,
  calibration: '32 CamVid train images spread over the split', timing: `ONNX Runtime, 2 threads, the shipped photos end to end, ${ROUNDS} alternated rounds (median ms per image); the network alone on the first photo's input, ${ROUNDS * 2} alternated runs (median)`, rows: merged,
}, null, 2) + '\n');
