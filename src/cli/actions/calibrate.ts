// The `calibrate` command's work, loaded when the command runs (the definition in ../calibrate.ts stays light).
import path from 'node:path';
import { openSegmenter } from '../../inference/open.js';
import { loadSamples } from '../../data/dataset.js';
import { readImage } from '../../data/image_io.js';
import { readCheckedMask } from '../../data/loader.js';
import { CalibrationBins, ScoreSample, fitTemperature } from '../../metrics/calibration.js';
import { copyPackage, readCard, writeCard } from '../../models/package.js';
import { isShippedDir, resolveModelDir } from '../../models/shipped.js';
import { makeSpec, resolveData, masksLabelMap, scoringClasses } from './shared.js';
import { packageTarget } from '../output_paths.js';
import { progressBar } from '../../util/progress.js';
import { UserError } from '../../util/errors.js';
import { cliLog } from '../flags.js';
import type { Opts } from '../calibrate.js';

export async function run(o: Opts): Promise<void> {
  const dir = resolveModelDir(o.model);
  const target = packageTarget(o.model, dir, o.out, 'a calibrated copy', isShippedDir(dir));
  const log = cliLog;
  const { pairing, layout } = resolveData(o, 'val', log);
  const seg = await openSegmenter(o.model, { weights: o.weights });
  let fit: ReturnType<typeof fitTemperature>, before: number, t0: number, pixels: number;
  try {
    const card = seg.card;
    if (card.output.kind === 'labels') throw new UserError(`--model ${o.model}: gives label maps only (an argmax graph), no probabilities to calibrate`);
    const k = card.model.numClasses;
    const ignore = o.ignoreIndex ?? layout?.ignoreIndex ?? card.ignoreIndex ?? 255;
    const labelMap = await masksLabelMap(layout, pairing, o.labelMap, k, o.ignoreIndex, log);
    const spec = makeSpec(pairing, k, ignore, labelMap, scoringClasses(o.model, card.classes, o.classFile));
    const samples = loadSamples(spec);
    const first = await readImage(samples[0].image);
    const sample = new ScoreSample(k, { images: samples.length, firstPixels: first.width * first.height, pixels: o.pixels });
    const bins = new CalibrationBins();
    const bar = progressBar('calibrate', samples.length, 'img', o.quiet);
    for (const [i, s] of samples.entries()) {
      const img = i === 0 ? first : await readImage(s.image);
      const gt = readCheckedMask(s.mask!, spec, img);
      const [r] = await seg.scoresBatch([img]);
      bins.add(r.scores, k, gt, ignore);
      sample.add(r.scores, gt, ignore);
      bar.update(i + 1);
    }
    bar.stop();
    const fitOn = sample.samples();
    if (!fitOn.truth.length) throw new UserError(`${pairing.masks}: no labelled pixel to fit on (every pixel is the ignore label ${ignore})`);
    fit = fitTemperature(fitOn);
    before = bins.ece(); t0 = card.temperature ?? 1; pixels = fitOn.truth.length;
  } finally { await seg.dispose(); }
  // The scores seen were already divided by the card's temperature: the new one compounds it.
  const temperature = t0 * fit.temperature;
  if (o.out) copyPackage(dir, o.out);
  const card = readCard(target);
  writeCard(target, { ...card, temperature });
  process.stdout.write(`temperature ${temperature.toFixed(4)} (fitted on ${pixels.toLocaleString('en-US')} pixels of ${pairing.images}): mean log-loss ${fit.nllBefore.toFixed(4)} -> ${fit.nllAfter.toFixed(4)}; ECE before ${(100 * before).toFixed(2)}% on these images (measure it on others: evaluate --calibration); written to ${path.join(target, 'model.json')}\n`);
}
