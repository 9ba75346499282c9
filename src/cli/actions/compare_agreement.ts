// `compare A B --images DIR` without masks: how far model B's label maps agree with model A's on
// images nobody labelled (a distilled student and its teacher, an 8-bit graph and its float one, a
// smaller input size against the model's own): the share of equal pixels, and B scored against A's
// label maps as truth (per-class IoU, mIoU), with the images where they differ most.
import fs from 'node:fs';
import path from 'node:path';
import { loadSamples, type PairingSpec, type Sample } from '../../data/dataset.js';
import { readModelInput } from '../../data/raster.js';
import { displayRgb } from '../../data/display_bands.js';
import type { Segmenter } from '../../inference/segmenter.js';
import { bootstrapScores, type Interval } from '../../metrics/bootstrap.js';
import { imageConfusion, sumConfusions, type ImageConfusion } from '../../metrics/per_image.js';
import { colorize } from '../../render/colorize.js';
import { overviewJpeg, stackJpeg } from '../../render/overview.js';
import { progressBar } from '../../util/progress.js';
import { writeFileAtomic, makeDir } from '../../util/fs.js';
import { errorImage } from './worst_sheet.js';

const pts = (v: number) => (v * 100).toFixed(2);
const range = (i: Interval) => `[${pts(i.low)}, ${pts(i.high)}]`;

export interface AgreementRun { a: string; b: string; segA: Segmenter; segB: Segmenter; images: PairingSpec; report: string; worst: number; quiet?: boolean;
  /** Resamples of the images for the 95% intervals, and their seed. */
  resamples: number; seed: number;
}

/** Writes REPORT/agreement.json, agreement.md and differ.jpg; prints the summary line. */
export async function compareAgreement(r: AgreementRun): Promise<void> {
  const { segA, segB } = r;
  const names = segA.card.classes.map((c) => c.name), k = names.length;
  const samples = loadSamples({ ...r.images, masks: undefined, numClasses: k, ignoreIndex: 255 });
  const per: (ImageConfusion & { agreement: number })[] = [];
  const scratch = new Float64Array(k * k);
  const bar = progressBar('A and B', samples.length, 'img', r.quiet);
  try {
    for (const [i, s] of samples.entries()) {
      const input = await readModelInput(s.image, segA.card.input);
      const [[la], [lb]] = [await segA.predictBatch([input]), await segB.predictBatch([input])];
      let same = 0;
      for (let p = 0; p < la.length; p++) if (la[p] === lb[p]) same++;
      // A's label map is the truth B is scored against.
      per.push({ ...imageConfusion(s.id, lb, la, k, {}, scratch), agreement: same / la.length });
      bar.update(i + 1);
    }
  } finally { bar.stop(); }
  const scores = sumConfusions(per, k, {}).scores(names);
  // Images, not pixels, are the unit: how far the figures would move on other pictures like these.
  const ci = bootstrapScores(per, k, {}, r.resamples, r.seed);
  const differ = [...per].sort((x, y) => x.agreement - y.agreement).slice(0, r.worst).map((p) => ({ id: p.id, agreement: p.agreement }));
  const perClass = Object.fromEntries(scores.perClass.flatMap((c, i) => (c.gtPixels || c.predPixels ? [[c.name, { iou: c.iou, interval: ci.perClass[i], aPixels: c.gtPixels, bPixels: c.predPixels }]] : [])));
  makeDir(r.report);
  writeFileAtomic(path.join(r.report, 'agreement.json'), JSON.stringify({
    a: r.a, b: r.b, images: r.images.images, count: per.length, agreement: scores.pixelAccuracy, agreementInterval: ci.pixelAccuracy, mIoU: scores.mIoU, mIoUInterval: ci.mIoU,
    resamples: ci.resamples, seed: ci.seed, perClass, differMost: differ,
  }, null, 1) + '\n');
  writeFileAtomic(path.join(r.report, 'agreement.md'), [
    `# ${r.b} against ${r.a}'s label maps`, '', `${per.length} images without masks: ${r.a}'s label maps are the truth ${r.b} is scored against.`, '',
    `Pixels where they agree: **${pts(scores.pixelAccuracy)}%** ${range(ci.pixelAccuracy)}; mIoU of B against A: **${pts(scores.mIoU)}** ${range(ci.mIoU)} (over the classes either predicts).`, '',
    `Intervals at 95%: bootstrap over images (${ci.resamples} resamples, seed ${ci.seed}).`, '',
    '| class | IoU [95% interval] | A pixels | B pixels |', '|---|---|---|---|',
    ...Object.entries(perClass).map(([n, c]) => `| ${n} | ${c.iou == null ? 'n/a' : pts(c.iou)}${c.interval ? ` ${range(c.interval)}` : ''} | ${c.aPixels} | ${c.bPixels} |`), '',
    '## Where they differ most', '', '| image | pixels agreeing |', '|---|---|', ...differ.map((d) => `| ${d.id} | ${pts(d.agreement)}% |`), '',
    'differ.jpg: image | A | B | where B differs (red) for each.', '',
  ].join('\n'));
  await differSheet(path.join(r.report, 'differ.jpg'), differ, samples, segA, segB);
  process.stdout.write(`B agrees with A on ${pts(scores.pixelAccuracy)}% of pixels ${range(ci.pixelAccuracy)}; mIoU of B against A's label maps ${pts(scores.mIoU)} ${range(ci.mIoU)} (95% intervals, bootstrap over ${per.length} images without masks); per class and the images where they differ most: ${path.join(r.report, 'agreement.md')}\n`);
}

async function differSheet(file: string, differ: { id: string; agreement: number }[], samples: Sample[], segA: Segmenter, segB: Segmenter): Promise<void> {
  const byId = new Map(samples.map((s) => [s.id, s]));
  const palette = segA.card.classes.map((c) => c.color);
  const strips: Buffer[] = [];
  for (const d of differ) {
    const input = await readModelInput(byId.get(d.id)!.image, segA.card.input), img = displayRgb(input);
    const [[la], [lb]] = [await segA.predictBatch([input]), await segB.predictBatch([input])];
    strips.push(await overviewJpeg([
      { image: img, caption: `${d.id}: ${pts(d.agreement)}% agree` },
      { image: colorize(la, img.width, img.height, palette), caption: 'A' },
      { image: colorize(lb, img.width, img.height, palette), caption: 'B' },
      { image: errorImage(img, lb, la, () => true), caption: 'B differs (red)' },
    ], 140));
  }
  if (strips.length) writeFileAtomic(file, await stackJpeg(strips));
}
