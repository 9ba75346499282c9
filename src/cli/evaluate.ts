// `pixelwise evaluate`: scores of a model on a labelled folder.
import path from 'node:path';
import { Command, Option } from 'commander';
import { initEngine, BACKENDS, type BackendName } from '../engine/backend.js';
import { openSegmenter, RUNTIMES, type RuntimeName } from '../inference/segmenter.js';
import { TTA_MODES, type TtaMode } from '../inference/tta.js';
import { loadSamples } from '../data/dataset.js';
import { evaluateSamples } from '../metrics/evaluate.js';
import { scoresJson, scoresMarkdown, scoresTable } from '../metrics/report.js';
import { addDatasetOptions, makeSpec, resolveLabelMap } from './shared.js';
import { parseIntArg, parsePositiveInt } from './options.js';
import { progressBar } from '../util/progress.js';
import { writeFileAtomic } from '../util/fs.js';
import { UserError } from '../util/errors.js';

interface Opts { model: string; images: string; masks: string; list?: string; labelMap?: string; classFile?: string;
  ignoreIndex?: number; voidIndex?: number; json?: boolean; report?: string; batchSize: number; backend: BackendName; quiet?: boolean; weights?: string; runtime: RuntimeName; tta: TtaMode; reflectPad?: number; threads?: number }

export function evaluateCommand(): Command {
  return addDatasetOptions(new Command('evaluate').description('score a model on images + masks (confusion matrix, IoU, accuracy, Dice)'))
    .requiredOption('--model <dir>', 'training run folder or model package')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .option('--ignore-index <n>', 'ground-truth value dropped from scoring (default: the model\'s)', parseIntArg)
    .option('--void-index <n>', 'ground-truth value kept in the matrix (predictions there count as false positives) but left out of the means', parseIntArg)
    .option('--json', 'print the scores as JSON on stdout')
    .option('--report <dir>', 'where to write scores.json and scores.md (default: MODEL/eval)')
    .option('--batch-size <n>', 'images per forward pass', parsePositiveInt, 1)
    .addOption(new Option('--runtime <name>', 'inference runtime (auto = ONNX Runtime when the model exports, else TF.js)').choices(RUNTIMES).default('auto'))
    .addOption(new Option('--tta <mode>', 'test-time augmentation: average with the mirrored image (flip) or also upside down (flip2)').choices(TTA_MODES).default('none'))
    .option('--reflect-pad <px>', 'mirror the image outward by this many pixels for context at the borders (U-Net overlap-tile)', parseIntArg)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', parsePositiveInt)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--quiet', 'no progress bar')
    .action(async (o: Opts) => {
      await initEngine(o.backend);
      const seg = await openSegmenter(o.model, { runtime: o.runtime, weights: o.weights, threads: o.threads, tta: o.tta, reflectPad: o.reflectPad, log: (l) => process.stderr.write(l + '\n') });
      const card = seg.card;
      const k = card.model.numClasses;
      const ignore = o.ignoreIndex ?? card.ignoreIndex ?? 255;
      if (o.voidIndex != null && (o.voidIndex < 0 || o.voidIndex >= k + 1)) throw new UserError(`--void-index ${o.voidIndex}: must be a class id 0..${k}`);
      // With a void class outside the model's classes the matrix gets one more row/column.
      const matrixClasses = o.voidIndex != null && o.voidIndex >= k ? o.voidIndex + 1 : k;
      const labelMap = await resolveLabelMap(o, o.labelMap, k, ignore, (l) => process.stderr.write(l + '\n'));
      const classes = [...card.classes];
      while (classes.length < matrixClasses) classes.push({ name: `void ${classes.length}`, color: [0, 0, 0] });
      const spec = makeSpec(o, matrixClasses, o.voidIndex ?? ignore, labelMap, classes);
      const samples = loadSamples(spec);
      const bar = progressBar('evaluate', samples.length, 'img', o.quiet || o.json);
      const cm = await evaluateSamples((imgs) => seg.predictBatch(imgs), samples, spec, {
        batchSize: o.batchSize,
        ignoreIndex: o.voidIndex != null ? -1 : ignore, voidIndex: o.voidIndex, onImage: (d) => bar.update(d),
      });
      bar.stop();
      const scores = cm.scores(classes.map((c) => c.name));
      const json = scoresJson(scores, { model: o.model, runtime: seg.runtime, images: o.images, count: samples.length, ignoreIndex: o.voidIndex != null ? null : ignore, voidIndex: o.voidIndex ?? null });
      const dir = o.report ?? path.join(o.model, 'eval');
      writeFileAtomic(path.join(dir, 'scores.json'), JSON.stringify(json, null, 2) + '\n');
      writeFileAtomic(path.join(dir, 'scores.md'), scoresMarkdown(scores, `Evaluation of ${o.model} on ${o.images} (${samples.length} images)`));
      if (o.json) process.stdout.write(JSON.stringify(json) + '\n');
      else process.stdout.write(`${scoresTable(scores)}\n\nwrote ${path.join(dir, 'scores.json')} and scores.md\n`);
      await seg.dispose();
    });
}
