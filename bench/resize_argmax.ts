// npm run bench:resize-argmax [-- --rounds 5] [-- --models camvid-live,voc]
// Label maps of the shipped models whose graphs end in a linear Resize of the class scores, two
// ways, alternated run by run on the shipped photos (each model at its own input size): the whole
// graph with ArgMax appended (ONNX Runtime does the Resize and the ArgMax; OnnxNetwork's session
// options), and OnnxNetwork.labels
// (the graph cut before the Resize, linear_resize_argmax.ts on its low-resolution scores). ONNX
// Runtime with 1 thread (as each of video's two networks runs) and with 2. Median ms per label map,
// and the pixels where the two label maps differ (expected: none). Only models whose predict path
// asks the network for label maps are measured (a native input rule, or label maps resized back),
// and whose Resize enlarges the scores enough for OnnxNetwork to cut it (the others are listed).
// Peak RSS: a process of its own per way (2 threads), loading the model and labelling the photos.
// Writes docs/bench/resize-argmax.json.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ortNode from 'onnxruntime-node';
import { OnnxNetwork, withLabelsOutput } from '../src/inference/onnx_runtime.ts';
import { linearResizeTail } from '../src/inference/onnx_tail.ts';
import { ImageProcessor } from '../src/inference/processor.ts';
import { NODE_FILTERS } from '../src/inference/node_filters.ts';
import { cardFile, readCard } from '../src/models/package.ts';
import { MODELS_DIR, shippedModels } from '../src/models/shipped.ts';
import { readImage } from '../src/data/image_io.ts';
import { DEMO_PHOTOS, DEMO_PHOTOS_DIR } from '../src/cli/demo_photos.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { machine } from './machine.ts';

const args = process.argv.slice(2);
const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const ROUNDS = Number(opt('--rounds') ?? 5);
const only = opt('--models')?.split(',');
const log = (s: string) => process.stderr.write(s + '\n');
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const photos = await Promise.all(DEMO_PHOTOS.map((p) => readImage(path.join(DEMO_PHOTOS_DIR, p.file))));

/** A model's network inputs, one per shipped photo, at its own size. */
async function inputsOf(card: ReturnType<typeof readCard>) {
  const proc = new ImageProcessor(card, NODE_FILTERS);
  return Promise.all(photos.map(async (im) => proc.encode(await proc.toNetwork([im]))));
}

const wholeSession = (bytes: Uint8Array, threads: number) => ortNode.InferenceSession.create(withLabelsOutput(bytes)!, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } });

// --child whole|cut MODEL: the label maps of the photos one way, in a process of its own; prints its peak RSS (MB).
if (opt('--child')) {
  const way = opt('--child'), model = args[args.indexOf('--child') + 2], dir = path.join(MODELS_DIR, model), card = readCard(dir);
  const bytes = fs.readFileSync(cardFile(dir, card, 'onnx')), inputs = await inputsOf(card);
  if (way === 'whole') {
    const s = await wholeSession(bytes, 2);
    for (const e of inputs) await s.run({ [s.inputNames[0]]: new ortNode.Tensor('float32', e.x, e.dims) }, ['pixelwise_labels']);
  } else {
    const net = await OnnxNetwork.create(bytes, card.model.numClasses, 2);
    for (const e of inputs) await net.labels(e.x, e.dims);
  }
  process.stdout.write(`${Math.round(process.resourceUsage().maxRSS / 1024)}\n`);
  process.exit(0);
}
/** Peak RSS (MB) of a process that loads the model and makes the photos' label maps one way. */
function peakMb(way: 'whole' | 'cut', model: string): number {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--child', way, model], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${model} ${way}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

interface Row { model: string; classes: number; input: string; threads: number; wholeMs: number; cutMs: number; ratio: number; pixelsDiffering: number; pixels: number; wholePeakMb?: number; cutPeakMb?: number }
const rows: Row[] = [];
for (const model of shippedModels().filter((m) => !only || only.includes(m))) {
  const dir = path.join(MODELS_DIR, model), card = readCard(dir);
  if (!card.onnx || card.variants?.length) continue;
  const bytes = fs.readFileSync(cardFile(dir, card, 'onnx'));
  if (!linearResizeTail(bytes)) { log(`${model}: its graph does not end in a linear Resize`); continue; }
  if (card.input.rule.kind !== 'native' && card.output.resizeBack !== 'labels') { log(`${model}: resizes class scores back (its predict path does not ask for label maps)`); continue; }
  const inputs = await inputsOf(card);
  for (const threads of [1, 2]) {
    const whole = await wholeSession(bytes, threads);
    const cut = await OnnxNetwork.create(bytes, card.model.numClasses, threads);
    const ms = { whole: [] as number[], cut: [] as number[] };
    let differ = 0, pixels = 0;
    try {
      for (const e of inputs) await cut.labels(e.x, e.dims); // warm-up
      if (!cut.labelsFromHead) { log(`${model}: label maps come from the whole graph (its Resize enlarges the scores less than 3 times a side)`); break; }
      for (let r = 0; r < ROUNDS; r++) {
        for (const e of inputs) {
          let t = performance.now();
          const want = (await whole.run({ [whole.inputNames[0]]: new ortNode.Tensor('float32', e.x, e.dims) }, ['pixelwise_labels'])).pixelwise_labels.data as Uint8Array;
          ms.whole.push(performance.now() - t);
          t = performance.now();
          const got = await cut.labels(e.x, e.dims);
          ms.cut.push(performance.now() - t);
          for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) differ++;
          pixels += want.length;
        }
      }
    } finally {
      await whole.release();
      await cut.dispose();
    }
    if (!ms.cut.length) break;
    const row = { model, classes: card.model.numClasses, input: `${inputs[0].dims[3]}x${inputs[0].dims[2]}`, threads, wholeMs: +median(ms.whole).toFixed(1), cutMs: +median(ms.cut).toFixed(1), ratio: 0, pixelsDiffering: differ, pixels };
    row.ratio = +(row.cutMs / row.wholeMs).toFixed(2);
    if (threads === 2) Object.assign(row, { wholePeakMb: peakMb('whole', model), cutPeakMb: peakMb('cut', model) });
    rows.push(row);
    log(`${model} (${row.input}, ${threads} thread${threads > 1 ? 's' : ''}): whole graph ${row.wholeMs} ms, cut ${row.cutMs} ms (${row.ratio}x); ${differ} of ${pixels} pixels differ`);
  }
}
process.stdout.write('| model | classes | input (first photo) | threads | whole graph + ArgMax, ms | cut graph + linearResizeArgmax, ms | ratio | pixels differing | peak RSS, MB (whole -> cut) |\n|---|---|---|---|---|---|---|---|---|\n');
for (const r of rows) process.stdout.write(`| ${r.model} | ${r.classes} | ${r.input} | ${r.threads} | ${r.wholeMs} | ${r.cutMs} | ${r.ratio} | ${r.pixelsDiffering} of ${r.pixels} | ${r.wholePeakMb ? `${r.wholePeakMb} -> ${r.cutPeakMb}` : ''} |\n`);
writeFileAtomic('docs/bench/resize-argmax.json', JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine: machine(), rounds: ROUNDS, rows }, null, 1) + '\n');
