// The demo's work (its definition and the shipped photo list are in ../demo.ts).
import fs from 'node:fs';
import path from 'node:path';
import { initEngine } from '../../engine/backend.js';
import { writeSyntheticDataset, SYNTHETIC_CLASSES } from '../../data/synthetic.js';
import { train } from '../../train/trainer.js';
import { DEFAULT_AUGMENT } from '../../data/augment.js';
import { IMAGENET_NORM } from '../../data/normalize.js';
import { loadModelPackage } from '../../models/package.js';
import { loadSamples } from '../../data/dataset.js';
import { evaluateSamples } from '../../metrics/evaluate.js';
import { scoresTable } from '../../metrics/report.js';
import { readImage } from '../../data/image_io.js';
import { createSegmenter } from '../../inference/segmenter.js';
import { TfjsNetwork } from '../../inference/tfjs_network.js';
import { NODE_FILTERS } from '../../inference/node_filters.js';
import { writePredictionOutputs } from '../../inference/outputs.js';
import { load } from '../../inference/load.js';
import { colorize, overlay } from '../../render/colorize.js';
import { overviewJpeg, type Tile } from '../../render/overview.js';
import { writeFileAtomic } from '../../util/fs.js';
import { parseWorkers } from '../options.js';
import { DEMO_EXTRAS, DEMO_PHOTOS, DEMO_PHOTOS_DIR } from '../demo_photos.js';
import type { RgbImage } from '../../data/image_io.js';
import type { Opts } from '../demo.js';

const say = (l = '') => process.stdout.write(l + '\n');

export interface DemoRow { photo: string; model: string; width: number; height: number; ms: number; classes: { name: string; share: number }[] }

/** Segments each shipped photo with its model; returns what was found in each. */
export async function demoPhotos(o: Pick<Opts, 'out' | 'backend'>, log = say): Promise<DemoRow[]> {
  const t0 = performance.now();
  const rows: DemoRow[] = [], tiles: Tile[] = [];
  const runs: { file: string; model: string; blur?: number; extra: boolean }[] = [...DEMO_PHOTOS.map((p) => ({ ...p, extra: false })), ...DEMO_EXTRAS.map((p) => ({ ...p, extra: true }))];
  for (const name of [...new Set(runs.map((p) => p.model))]) {
    const seg = await load(name, { backend: o.backend });
    for (const p of runs.filter((q) => q.model === name)) {
      const t = performance.now();
      const r = await seg.segment(path.join(DEMO_PHOTOS_DIR, p.file));
      const ms = performance.now() - t;
      // A photo's first model writes to <photo>/, the others to <photo>-<model>/.
      const id = path.parse(p.file).name + (p.extra ? `-${name}` : '');
      await writePredictionOutputs(path.join(o.out, id), id, r.image, r.labels, seg.card.classes, 0.5);
      const found = r.classes.filter((c) => c.share >= 0.01).map((c) => ({ name: c.name, share: c.share }));
      rows.push({ photo: p.file, model: name, width: r.width, height: r.height, ms, classes: found });
      const top = found.filter((c) => c.name !== 'background' && c.name !== 'other').slice(0, 2).map((c) => `${c.name} ${Math.round(100 * c.share)}%`).join(', ');
      if (p.blur) {
        const picture = await r.background({ keep: ['person'], blur: p.blur, format: 'raw' }) as RgbImage;
        writeFileAtomic(path.join(o.out, id, `${id}_effect.png`), await r.background({ keep: ['person'], blur: p.blur }) as Buffer);
        tiles.push({ image: picture, caption: `${name}: background blurred` });
      } else tiles.push({ image: overlay(r.image, colorize(r.labels, r.width, r.height, seg.card.classes.map((c) => c.color)), 0.55), caption: `${name}: ${top || 'background'}` });
    }
    await seg.dispose();
  }
  const overview = path.join(o.out, 'overview.jpg');
  writeFileAtomic(overview, await overviewJpeg(tiles));
  log(`pixelwise demo: ${rows.length} photos segmented with the shipped models in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  log();
  log(demoTable(rows));
  log();
  log(`outputs (label maps, colour masks, overlays, legends, class shares): ${o.out}/<photo>/`);
  log(`overview picture: ${overview}`);
  log('try your own photo:   npx pixelwise predict my-photo.jpg --out predictions');
  log('a street scene:       npx pixelwise predict street.jpg --model cityscapes --out predictions');
  log('what else ships:      npx pixelwise models');
  return rows;
}

function demoTable(rows: DemoRow[]): string {
  const cells = rows.map((r) => [r.photo, `${r.width}x${r.height}`, r.model, `${r.ms.toFixed(0)} ms`,
    r.classes.map((c) => `${c.name} ${(100 * c.share).toFixed(1)}%`).join(', ')]);
  const head = ['photo', 'size', 'model', 'time', 'classes found (>= 1% of the pixels)'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [head, w.map((n) => '-'.repeat(n)), ...cells].map((r) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd()).join('\n');
}

/** The training pipeline end to end on a generated dataset (the demo before models shipped). */
export async function demoTrain(o: Opts): Promise<void> {
  const dir = o.out;
  say(`pixelwise demo in ${dir}`);
  const backend = await initEngine(o.backend);
  say(`1/4 generating a synthetic dataset (4 classes: ${SYNTHETIC_CLASSES.map((c) => c.name).join(', ')})`);
  const tr = await writeSyntheticDataset(path.join(dir, 'data', 'train'), 64, 96, 96, 1);
  const va = await writeSyntheticDataset(path.join(dir, 'data', 'val'), 16, 96, 96, 2);
  say(`2/4 training a small U-Net on ${backend}`);
  const runDir = path.join(dir, 'run');
  fs.rmSync(runDir, { recursive: true, force: true });
  await train({
    model: { arch: 'unet', numClasses: 4, width: 8, depth: 3 }, train: tr, val: va, classes: SYNTHETIC_CLASSES,
    ignoreIndex: 255, labelMap: [], inputSize: [96, 96], batchSize: 8, epochs: Math.round(o.epochs), lr: 5e-3, schedule: 'poly',
    warmupSteps: 0, loss: 'ce', classWeights: 'auto', focalGamma: 2, augment: { ...DEFAULT_AUGMENT, rotate: 0, scale: [0.8, 1.25] }, norm: IMAGENET_NORM,
    seed: 1, valBatchSize: 8, backend, workers: parseWorkers('auto'),
  }, runDir, false);
  say('3/4 evaluating the best checkpoint on the validation images');
  const { model, card } = loadModelPackage(runDir);
  const spec = { images: va.images, masks: va.masks, numClasses: 4, ignoreIndex: 255 };
  const samples = loadSamples(spec);
  const seg = createSegmenter(new TfjsNetwork(model), card, { filters: NODE_FILTERS });
  const cm = await evaluateSamples((imgs) => seg.predictBatch(imgs), samples, spec, { batchSize: 8 });
  say(scoresTable(cm.scores(card.classes.map((c) => c.name))));
  say('4/4 predicting the validation images');
  const outDir = path.join(dir, 'predictions');
  for (const s of samples.slice(0, 8)) {
    const img = await readImage(s.image);
    await writePredictionOutputs(outDir, s.id, img, (await seg.predictBatch([img]))[0], card.classes, 0.5);
  }
  await seg.dispose();
  say('');
  say(`run folder (config, log.jsonl, checkpoints, curves.png): ${runDir}`);
  say(`predictions (labels, colour masks, overlays, legends):   ${outDir}`);
  say(`try: npx pixelwise predict --model ${runDir} ${va.images} --out ${path.join(dir, 'more')}`);
}
