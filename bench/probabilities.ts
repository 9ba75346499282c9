// npm run bench:probabilities [-- --rounds 5]
// What class probabilities cost. Per shipped model of one graph, on the shipped photos (each at
// the size the model's card gives it back, the photo's own):
//  - probabilities8 (the 8-bit softmax behind segment()'s default `probabilities`, effects and
//    confidence masks) in WebAssembly SIMD against the JS loop, on the same class scores,
//    alternated round by round (median ms per photo), and how many values the two give differently;
//  - segment() end to end with its default (probabilities) and with `probabilities: false`,
//    alternated the same way (median ms per photo), ONNX Runtime, 2 threads;
//  - resizeChw (class scores resized back to the image) in WebAssembly against the JS loop, and
//    resizeArgmaxChw (label maps from them) with the kernels against its fused JS loop, and its
//    default (enlarged scores settled cell by cell) against the kernels, on random planes of the
//    sizes of three shipped models' scores and photos and on smooth planes of an imported
//    SegFormer's scores and a large photo, alternated (median ms);
//  - peak RSS of one process per way (bench/probabilities_peak.ts) for a 6000x4000 photo's
//    probabilities: strip by strip (probabilitiesOf) against the full-size scores first (voc and
//    cityscapes resize every image to their input size; camvid-fast tiles it).
// Writes docs/bench/probabilities.json. Needs nothing outside the repository.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { load } from '../src/inference/load.ts';
import { openSegmenter } from '../src/inference/open.ts';
import { probabilities8 } from '../src/inference/label_map.ts';
import { resizeArgmaxChw, resizeChw } from '../src/inference/chw.ts';
import { readImage } from '../src/data/image_io.ts';
import { shippedModels } from '../src/models/shipped.ts';
import { DEMO_PHOTOS, DEMO_PHOTOS_DIR } from '../src/cli/demo_photos.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { machine } from './machine.ts';

const args = process.argv.slice(2);
const ROUNDS = Number(args.includes('--rounds') ? args[args.indexOf('--rounds') + 1] : 5);
const log = (s: string) => process.stderr.write(s + '\n');
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const photos = await Promise.all(DEMO_PHOTOS.map((p) => readImage(path.join(DEMO_PHOTOS_DIR, p.file))));
const files = DEMO_PHOTOS.map((p) => path.join(DEMO_PHOTOS_DIR, p.file));

/** Median over rounds of ms per photo, for two ways alternated round by round. */
async function alternate(ways: [() => Promise<void> | void, () => Promise<void> | void]): Promise<[number, number]> {
  const ms: [number[], number[]] = [[], []];
  for (const w of ways) await w(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of r % 2 ? [1, 0] : [0, 1]) {
      const t = performance.now();
      await ways[k]();
      ms[k].push((performance.now() - t) / photos.length);
    }
  }
  return [median(ms[0]), median(ms[1])];
}

const rows = [];
for (const name of shippedModels()) {
  const seg = await openSegmenter(name, { threads: 2 });
  if (seg.card.variants?.length) { await seg.dispose(); continue; } // person: two graphs, chosen per photo's aspect
  const C = seg.card.model.numClasses;
  const scores: Float32Array[] = [];
  for (const im of photos) scores.push((await seg.scoresBatch([im]))[0].scores);
  await seg.dispose();
  let values = 0, differ = 0, worst = 0;
  for (const s of scores) {
    const a = probabilities8(s, C), b = probabilities8(s, C, { simd: false });
    values += a.length;
    for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i] - b[i]); if (d) { differ++; worst = Math.max(worst, d); } }
  }
  const [simdMs, jsMs] = await alternate([() => { for (const s of scores) probabilities8(s, C); }, () => { for (const s of scores) probabilities8(s, C, { simd: false }); }]);
  const model = await load(name, { threads: 2 });
  const [withMs, withoutMs] = await alternate([
    async () => { for (const f of files) await model.segment(f); },
    async () => { for (const f of files) await model.segment(f, { probabilities: false }); },
  ]);
  await model.dispose();
  const row = { model: name, classes: C, values, differ, worst, simdMs, jsMs, ratio: simdMs / jsMs, segmentMs: withMs, segmentNoProbabilitiesMs: withoutMs };
  log(`${name}: probabilities8 ${simdMs.toFixed(1)} ms SIMD, ${jsMs.toFixed(1)} ms JS (${(simdMs / jsMs).toFixed(2)}x), ${differ} of ${values} values differ (by ${worst} at most); segment() ${withMs.toFixed(0)} ms, without probabilities ${withoutMs.toFixed(0)} ms`);
  rows.push(row);
}

const resizes = [];
/** Class scores that vary smoothly over the image, as a network's do (regions, not noise): sums of sinusoids. */
function smoothScores(c: number, h: number, w: number): Float32Array {
  const s = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) {
    const [fx, fy, px, py, b] = [0.05 + ((k * 0.37) % 0.3), 0.05 + ((k * 0.53) % 0.3), k * 1.3, k * 2.1, ((k * 0.71) % 1) * 8 - 4];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) s[(k * h + y) * w + x] = b + 3 * Math.sin(fx * x + px) * Math.cos(fy * y + py);
  }
  return s;
}

for (const [label, c, h, w, th, tw, smooth] of [['ade20k: 513x513 scores to the coffee photo, 400x600', 151, 513, 513, 400, 600, false], ['cityscapes: 513x1025 scores to the dash-cam frame, 540x960', 19, 513, 1025, 540, 960, false], ['camvid-live: 480x640 scores to a 720x960 CamVid image', 12, 480, 640, 720, 960, false],
  ['an imported SegFormer (ADE20K): 128x128 smooth scores to a 1080x1920 photo', 150, 128, 128, 1080, 1920, true]] as [string, number, number, number, number, number, boolean][]) {
  const src = smooth ? smoothScores(c, h, w) : Float32Array.from({ length: c * h * w }, (_, i) => Math.sin(i * 0.618) * 20);
  let same = true;
  const [wasmMs, jsMs] = await alternate([() => { resizeChw(src, c, h, w, th, tw); }, () => { resizeChw(src, c, h, w, th, tw, { simd: false }); }]);
  const a = resizeChw(src, c, h, w, th, tw), b = resizeChw(src, c, h, w, th, tw, { simd: false });
  for (let i = 0; i < a.length && same; i++) same = Object.is(a[i], b[i]);
  const [argKernelsMs, argJsMs] = await alternate([() => { resizeArgmaxChw(src, c, h, w, th, tw, { settle: false }); }, () => { resizeArgmaxChw(src, c, h, w, th, tw, { settle: false, simd: false }); }]);
  // The default: enlarged scores settled cell by cell from their four source pixels, against the kernels.
  const [argSettledMs, argKernelsMs2] = await alternate([() => { resizeArgmaxChw(src, c, h, w, th, tw); }, () => { resizeArgmaxChw(src, c, h, w, th, tw, { settle: false }); }]);
  const loop = Buffer.from(resizeArgmaxChw(src, c, h, w, th, tw, { settle: false, simd: false }));
  const sameLabels = Buffer.compare(Buffer.from(resizeArgmaxChw(src, c, h, w, th, tw, { settle: false })), loop) === 0;
  const settledSame = Buffer.compare(Buffer.from(resizeArgmaxChw(src, c, h, w, th, tw)), loop) === 0;
  // alternate() divides by the photo count; these are one resize each.
  const n = photos.length;
  const row = {
    shapes: label, classes: c, wasmMs: wasmMs * n, jsMs: jsMs * n, ratio: wasmMs / jsMs, identical: same, labelsKernelsMs: argKernelsMs * n, labelsJsMs: argJsMs * n, labelsRatio: argKernelsMs / argJsMs, labelsIdentical: sameLabels,
    labelsSettledMs: argSettledMs * n, labelsSettledKernelsMs: argKernelsMs2 * n, labelsSettledRatio: argSettledMs / argKernelsMs2, labelsSettledIdentical: settledSame,
  };
  log(`resizeChw ${label}: ${row.wasmMs.toFixed(1)} ms wasm, ${row.jsMs.toFixed(1)} ms JS (${row.ratio.toFixed(2)}x), values identical: ${same}; resizeArgmaxChw ${row.labelsKernelsMs.toFixed(1)} ms kernels, ${row.labelsJsMs.toFixed(1)} ms JS (${row.labelsRatio.toFixed(2)}x), labels identical: ${sameLabels}; settled ${row.labelsSettledMs.toFixed(1)} ms against the kernels' ${row.labelsSettledKernelsMs.toFixed(1)} (${row.labelsSettledRatio.toFixed(2)}x), labels identical: ${settledSame}`);
  resizes.push(row);
}

const memory = [];
for (const model of ['voc', 'cityscapes', 'camvid-fast']) {
  const row: Record<string, unknown> = { model, size: '6000x4000' };
  for (const way of ['strips', 'scores']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/probabilities_peak.ts', model, way, '6000x4000'], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) { log(`${model} ${way}: ${r.stderr.trim().split('\n').at(-1)}`); continue; }
    row[way] = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  }
  log(`${model} 6000x4000: ${JSON.stringify(row)}`);
  memory.push(row);
}
writeFileAtomic('docs/bench/probabilities.json', JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine: machine(), node: process.version, rounds: ROUNDS, command: 'npm run bench:probabilities', rows, resizes, memory }, null, 2) + '\n');
