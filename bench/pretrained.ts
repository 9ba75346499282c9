// npm run bench:pretrained [-- --quick] [-- --no-reference]
// The shipped pretrained models (all of models/; EdgeNets ESPNetv2 s=2.0 in voc-fast and cityscapes-fast):
//  1. agreement with the authors' PyTorch outputs for every EdgeNets ESPNetv2 checkpoint and every
//     reference image (label maps at network and original resolution, TF.js and ONNX Runtime; max
//     abs logit difference on the stored input tensors), when ../shared/data/edgenets is present;
//  2. ms per image and peak RSS of each shipped model with ONNX Runtime (2 threads), at the
//     authors' evaluation size and end to end on the shipped photos, each model in its own process;
//  3. cold start of `pixelwise predict one.jpg` (a new process: load, segment, write the outputs).
// Writes docs/pretrained.md and docs/bench/pretrained.json (read by `pixelwise models`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initEngine } from '../src/engine/backend.ts';
import { peakRssMb } from '../src/util/peak_rss.ts';
import { openSegmenter } from '../src/inference/open.ts';
import { OnnxNetwork } from '../src/inference/onnx_runtime.ts';
import { readCard } from '../src/models/package.ts';
import { createSegmenter } from '../src/inference/segmenter.ts';
import { withFixedInput } from '../src/models/card.ts';
import { MODELS_DIR, shippedModels } from '../src/models/shipped.ts';
import { readImage } from '../src/data/image_io.ts';
import { pillowBilinear } from '../src/data/pillow_resize.ts';
import { DEMO_EXTRAS, DEMO_PHOTOS, DEMO_PHOTOS_DIR } from '../src/cli/demo_photos.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { CHECKPOINTS, compareLabelMaps, compareLogits, hasEdgenets, importCheckpoint, openOrt, type LogitRow, type MapRow } from '../test/models/edgenets_reference.ts';
import { machine as machineName } from './machine.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const THREADS = 2;
/** The authors' evaluation input size, [width, height], of the shipped models of no fixed size (the others: their own). */
const EVAL_SIZE: Record<string, [number, number]> = { 'voc-fast': [384, 384], 'cityscapes-fast': [1024, 512], camvid: [480, 360], 'camvid-fast': [480, 360] };
const evalSize = (name: string, card: ReturnType<typeof readCard>): [number, number] =>
  (card.input.rule.kind === 'fixed' ? [card.input.rule.size[1], card.input.rule.size[0]] : EVAL_SIZE[name]);
/** The photos the demo segments with each model. */
const photosOf = (name: string) => [...DEMO_PHOTOS, ...DEMO_EXTRAS].filter((p) => p.model === name);
const log = (s: string) => process.stderr.write(s + '\n');
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const differing = (r: MapRow, share: number) => { const [w, h] = r.size.split('x').map(Number); return Math.round((1 - share) * w * h); };
const pct = (v: number) => (Number.isNaN(v) ? '-' : `${(100 * v).toFixed(3)}%`);

interface SpeedRow { model: string; evalMs: number; evalInput: string; photos: { photo: string; size: string; ms: number }[]; peakRssMb: number }

/** Child process: one shipped model, ONNX Runtime, timed at the eval size and on its demo photos. */
async function speedChild(name: string, iters: number): Promise<void> {
  const dir = path.join(MODELS_DIR, name), card = readCard(dir);
  const [w, h] = evalSize(name, card);
  const photo = await readImage(path.join(DEMO_PHOTOS_DIR, photosOf(name)[0]?.file ?? 'dashcam.png'));
  const evalImg = pillowBilinear(photo, w, h);
  const ort = createSegmenter(await OnnxNetwork.create(path.join(dir, card.onnx!), card.model.numClasses, THREADS), withFixedInput(card, [h, w]), { tiling: { pixelBudget: 0 } });
  await ort.predictBatch([evalImg]);
  const t: number[] = [];
  for (let i = 0; i < iters; i++) { const t0 = performance.now(); await ort.predictBatch([evalImg]); t.push(performance.now() - t0); }
  await ort.dispose();
  // End to end from decoded RGB: Pillow resize to multiples of 32, network, label map back.
  const seg = await openSegmenter(name, { threads: THREADS });
  const photos: SpeedRow['photos'] = [];
  for (const p of photosOf(name)) {
    const img = await readImage(path.join(DEMO_PHOTOS_DIR, p.file));
    await seg.predictBatch([img]);
    const tp: number[] = [];
    for (let i = 0; i < Math.max(3, iters >> 1); i++) { const t0 = performance.now(); await seg.predictBatch([img]); tp.push(performance.now() - t0); }
    photos.push({ photo: p.file, size: `${img.width}x${img.height}`, ms: median(tp) });
  }
  await seg.dispose();
  const row: SpeedRow = { model: name, evalMs: median(t), evalInput: `${w}x${h}`, photos, peakRssMb: peakRssMb() };
  process.stdout.write(JSON.stringify(row) + '\n');
}

function speed(name: string): SpeedRow {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/pretrained.ts', '--speed-child', name, String(quick ? 5 : 20)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as SpeedRow;
}

/** Wall time of a fresh `pixelwise predict` process on one photo (median of n), and of `--version`. */
function coldStart(n: number): { predictMs: number; versionMs: number; image: string } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-cold-'));
  const image = path.join(DEMO_PHOTOS_DIR, 'chelsea.png');
  const time = (argv: string[]) => median(Array.from({ length: n }, () => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['bin/pixelwise.js', ...argv], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pixelwise ${argv.join(' ')}: ${r.stderr}`);
    return performance.now() - t0;
  }));
  return { predictMs: time(['predict', image, '--out', out]), versionMs: time(['--version']), image: 'assets/photos/chelsea.png (451x300)' };
}

async function reference(): Promise<{ logits: LogitRow[]; maps: MapRow[] }> {
  await initEngine('wasm');
  const logits: LogitRow[] = [], maps: MapRow[] = [];
  for (const ck of CHECKPOINTS) {
    log(`reference comparison: ${ck}`);
    const m = importCheckpoint(ck), ort = await openOrt(m);
    logits.push(...await compareLogits(ck, m, ort));
    maps.push(...await compareLabelMaps(ck, m, ort));
    await ort.dispose(); m.dispose();
  }
  return { logits, maps };
}

function referenceMd(ref: { logits: LogitRow[]; maps: MapRow[] } | null): string {
  if (!ref) return 'The reference comparison needs `../shared/data/edgenets` (absent on this run, or `--no-reference`).\n';
  const worst = (k: keyof MapRow) => Math.min(...ref.maps.map((r) => r[k] as number));
  return `Share of pixels equal to the PyTorch label map (\`reference_outputs/<checkpoint>/<image>_net.png\` and \`_orig.png\`),
from the image files through pixelwise's own decode and Pillow-exact resizes. Worst image: TF.js ${pct(worst('tfjsNet'))} / ${pct(worst('tfjsOrig'))},
ONNX Runtime ${pct(worst('onnxNet'))} / ${pct(worst('onnxOrig'))} (network / original resolution; target >= 99.9%).

| checkpoint | image | network input | TF.js net | TF.js orig | ONNX net | ONNX orig | differing pixels at net res. (TF.js / ONNX) |
|---|---|---|---|---|---|---|---|
${ref.maps.map((r) => `| ${r.checkpoint} | ${r.image} | ${r.size} | ${pct(r.tfjsNet)} | ${pct(r.tfjsOrig)} | ${pct(r.onnxNet)} | ${pct(r.onnxOrig)} | ${differing(r, r.tfjsNet)} / ${differing(r, r.onnxNet)} |`).join('\n')}

Max abs logit difference on the stored input tensors (\`*_logits.safetensors\`; target <= 1e-4):

| checkpoint | reference | TF.js | ONNX Runtime |
|---|---|---|---|
${ref.logits.map((r) => `| ${r.checkpoint} | ${r.file.replace('_logits.safetensors', '')} | ${r.tfjs.toExponential(2)} | ${r.onnx.toExponential(2)} |`).join('\n')}
`;
}

async function main() {
  if (args[0] === '--speed-child') return speedChild(args[1], Number(args[2]));
  const ref = !args.includes('--no-reference') && hasEdgenets() ? await reference() : null;
  const rows = shippedModels().map((n) => { log(`speed: ${n}`); return speed(n); });
  log('cold start');
  const cold = coldStart(quick ? 2 : 5);
  const date = new Date().toISOString().slice(0, 10);
  const machine = machineName();
  const json = {
    date, machine, command: `npm run bench:pretrained${quick ? ' -- --quick' : ''}`,
    models: Object.fromEntries(rows.map((r) => [r.model, { msPerImage: r.evalMs, input: r.evalInput, runtime: 'ONNX Runtime', threads: THREADS, peakRssMb: r.peakRssMb, date, photos: r.photos }])),
    coldStart: cold,
  };
  writeFileAtomic('docs/bench/pretrained.json', JSON.stringify(json, null, 2) + '\n');
  const md = `# Shipped pretrained models: agreement with PyTorch, speed, memory

Machine: ${machine}. Date: ${date}. Command: \`${json.command}\` (writes this file and
\`docs/bench/pretrained.json\`, which \`pixelwise models\` reads). Models: every shipped one (\`models/\`); the
reference rows compare \`voc\` and \`cityscapes\` (ESPNetv2 s=2.0 from EdgeNets) and s=1.0 with the
authors' PyTorch outputs (the TFLite imports are compared with Google's runtime by
test/io/tflite_import.test.ts).

## Agreement with the authors' PyTorch outputs

${referenceMd(ref)}
## Speed and memory (ONNX Runtime, ${THREADS} threads, batch 1)

Each model runs in its own process; peak RSS is that whole process (Node, ONNX Runtime, the model,
the images). "Eval size" is the network alone on an image already resized to the authors'
evaluation input (normalise, run, argmax in the graph); the photo columns are end to end from
decoded RGB (the card's input rule, network, label map resized back). Medians.

| model | ms/image at eval size | photos: ms/image (size) | peak RSS MB |
|---|---|---|---|
${rows.map((r) => `| ${r.model} | ${r.evalMs.toFixed(1)} (${r.evalInput}) | ${r.photos.map((p) => `${p.photo} ${p.ms.toFixed(1)} (${p.size})`).join(', ')} | ${r.peakRssMb.toFixed(0)} |`).join('\n')}

## Cold start

\`pixelwise predict ${cold.image.split(' ')[0]}\` in a new process (start Node and tsx, load the
shipped VOC model's ONNX file, segment, write the five outputs): **${cold.predictMs.toFixed(0)} ms**
(median of ${quick ? 2 : 5}); \`pixelwise --version\` alone (process and module start-up): ${cold.versionMs.toFixed(0)} ms.
`;
  fs.writeFileSync('docs/pretrained.md', md);
  process.stdout.write(md);
}

main().catch((e) => { process.stderr.write(`bench failed: ${(e as Error).message}\n`); process.exit(1); });
