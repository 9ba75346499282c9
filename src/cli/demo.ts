// `pixelwise demo` (npm run demo): the whole pipeline on a generated dataset in a temp folder:
// train a small U-Net for about a minute, evaluate it, write predictions and overlays.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { initEngine, BACKENDS, type BackendName } from '../engine/backend.js';
import { writeSyntheticDataset, SYNTHETIC_CLASSES } from '../data/synthetic.js';
import { train } from '../train/trainer.js';
import { DEFAULT_AUGMENT } from '../data/augment.js';
import { IMAGENET_NORM } from '../data/loader.js';
import { loadModelPackage } from '../models/package.js';
import { loadSamples } from '../data/dataset.js';
import { evaluateSamples } from '../metrics/evaluate.js';
import { scoresTable } from '../metrics/report.js';
import { readImage } from '../data/image_io.js';
import { predictBatch, predictLabels } from '../inference/predictor.js';
import { writePredictionOutputs } from '../inference/outputs.js';
import { parseFloatArg } from './options.js';
import { parseWorkers } from './train.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('train, evaluate and predict on a generated dataset (about a minute)')
    .option('--dir <dir>', 'working folder (default: a new temp folder)')
    .option('--epochs <n>', 'epochs', parseFloatArg, 10)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .action(async (o: { dir?: string; epochs: number; backend: BackendName }) => {
      const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-demo-'));
      const say = (l: string) => process.stdout.write(l + '\n');
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
      const cm = await evaluateSamples((imgs) => predictBatch(model, imgs, { norm: card.normalization }), samples, spec, { batchSize: 8 });
      say(scoresTable(cm.scores(card.classes.map((c) => c.name))));
      say('4/4 predicting the validation images');
      const outDir = path.join(dir, 'predictions');
      for (const s of samples.slice(0, 8)) {
        const img = await readImage(s.image);
        await writePredictionOutputs(outDir, s.id, img, await predictLabels(model, img, { norm: card.normalization }), card.classes, 0.5);
      }
      model.dispose();
      say('');
      say(`run folder (config, log.jsonl, checkpoints, curves.png): ${runDir}`);
      say(`predictions (labels, colour masks, overlays, legends):   ${outDir}`);
      say(`try: npx pixelwise predict --model ${runDir} ${va.images} --out ${path.join(dir, 'more')}`);
    });
}
