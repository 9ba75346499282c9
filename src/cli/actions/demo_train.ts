// `pixelwise demo --train`: the training pipeline end to end on a generated dataset (loaded only
// for --train: it is what needs TF.js).
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
import { parseWorkers } from '../options.js';
import type { Opts } from '../demo.js';
import { shellArg } from '../shell_arg.js';

const say = (l = '') => process.stdout.write(l + '\n');

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
  say(`try: npx pixelwise predict --model ${shellArg(runDir)} ${shellArg(va.images)} --out ${shellArg(path.join(dir, 'more'))}`);
}
