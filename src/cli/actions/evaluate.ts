// The `evaluate` command's work, loaded when the command runs (the definition in ../evaluate.ts stays light).
import { predictsAde20kOther } from '../../data/class_sets.js';
import path from 'node:path';
import { checkOutputDir, checkOutputFile } from '../output_paths.js';
import { imageConfusion, imageScore, type ImageConfusion } from '../../metrics/per_image.js';
import { bootstrapScores } from '../../metrics/bootstrap.js';
import { CalibrationBins } from '../../metrics/calibration.js';
import type { PixelImage } from '../../data/pixels.js';
import { openSegmenter } from '../../inference/open.js';
import { loadSamples } from '../../data/dataset.js';
import { evaluateSamples } from '../../metrics/evaluate.js';
import { scoresJson, scoresMarkdown, scoresTable, type BoundaryReport } from '../../metrics/report.js';
import { BoundaryF1 } from '../../metrics/boundary.js';
import { datasetClasses, makeSpec, resolveData, masksLabelMap, scoringClasses, segmenterOptions } from './shared.js';
import { progressBar } from '../../util/progress.js';
import { isDir, writeFileAtomic } from '../../util/fs.js';
import { openCard, writeCard } from '../../models/card_file.js';
import { resolveModelDir } from '../../models/shipped.js';
import { commandArgs } from '../command_args.js';
import type { ConfusionOptions, Scores } from '../../metrics/confusion.js';
import { IGNORED, classMapping, describeClassMapping, mappedColors } from '../../metrics/class_map.js';
import { writeWorstSheet } from './worst_sheet.js';
import { classMapSpec } from '../class_map_option.js';
import type { Segmenter } from '../../inference/segmenter.js';
import type { ModelCard } from '../../models/card.js';
import type { BootstrapResult } from '../../metrics/bootstrap.js';
import { UserError } from '../../util/errors.js';
import { cliLog } from '../flags.js';
import type { Opts } from '../evaluate.js';

/** What the report folder holds. */
const REPORT_FILES = ['scores.json', 'scores.md', 'reliability.svg'];

/** Where the scores go: --report, else eval/<model name> in the working directory (never inside the model's folder: a shipped model's is the installed package). */
function reportDir(o: Opts): string {
  return o.report ?? path.join('eval', path.basename(path.resolve(o.model)));
}

export async function run(o: Opts): Promise<void> {
  const dir = reportDir(o);
  checkOutputDir(o.report ? '--report' : 'the report folder (--report)', dir);
  if (o.bootstrap < 0) throw new UserError(`--bootstrap ${o.bootstrap}: a number of resamples, 0 for none`);
  if (o.perImage) checkOutputFile('--per-image', o.perImage, '.csv');
  if (o.perImage && !/\.(csv|json)$/i.test(o.perImage)) throw new UserError(`--per-image ${o.perImage}: name a .csv or .json file`);
  // Nor one of the report's files, nor a file the command reads (a class file is JSON too).
  if (o.perImage) {
    const taken = [...REPORT_FILES.map((f) => [path.join(dir, f), o.report ? `--report's ${f}` : `the report's ${f} (--report)`]), [o.classFile, '--class-file'], [o.list, '--list']];
    const clash = taken.find(([f]) => f && path.resolve(f) === path.resolve(o.perImage!));
    if (clash) throw new UserError(`--per-image ${o.perImage}: is ${clash[1]}; name another file`);
  }
  if (o.boundaryTolerance != null && !o.boundary) throw new UserError(`--boundary-tolerance ${o.boundaryTolerance}: sets the tolerance of --boundary; add --boundary`);
  if (o.boundaryTolerance != null && !(o.boundaryTolerance >= 0 && Number.isFinite(o.boundaryTolerance))) throw new UserError(`--boundary-tolerance ${o.boundaryTolerance}: a distance in pixels, 0 or more`);
  if (o.classMap != null) {
    const other = ([['--void-index', o.voidIndex != null], ['--calibration', o.calibration], ['--record', o.record]] as const).find(([, on]) => on);
    if (other) throw new UserError(`--class-map: scores the map's classes, not the model's; drop ${other[0]}`);
  }
  if (o.record) await checkRecord(o);
  const seg = await openSegmenter(o.model, { ...segmenterOptions(o), weights: o.weights });
  if (o.classMap != null) return runMapped(o, dir, seg);
  const card = seg.card;
  const k = card.model.numClasses;
  if (o.voidIndex != null && (o.voidIndex < 0 || o.voidIndex >= k + 1)) throw new UserError(`--void-index ${o.voidIndex}: must be a class id 0..${k}`);
  // With a void class outside the model's classes the matrix gets one more row/column.
  const matrixClasses = o.voidIndex != null && o.voidIndex >= k ? o.voidIndex + 1 : k;
  // ADE20K's label 0 is "other": a model that predicts it as its first class of 151 is scored with it.
  const reduceZeroLabel = o.reduceZeroLabel ?? !predictsAde20kOther(card.classes);
  const { pairing, layout } = resolveData({ ...o, reduceZeroLabel }, 'val', cliLog);
  const ignore = o.ignoreIndex ?? layout?.ignoreIndex ?? card.ignoreIndex ?? 255;
  if (layout?.classes && (layout.classes.length !== k)) {
    throw new UserError(`--model ${o.model}: predicts ${k} classes, the ${layout.layout} dataset has ${layout.classes.length}; evaluate a model of the dataset's classes, or join the two with --class-map (auto: the same names; cityscapes-camvid; MODEL=DATASET pairs)`);
  }
  const labelMap = await masksLabelMap(layout, pairing, o.labelMap, k, o.ignoreIndex ?? (ignore === 255 ? undefined : ignore), cliLog);
  const classes = [...scoringClasses(o.model, card.classes, o.classFile)];
  while (classes.length < matrixClasses) classes.push({ name: `void ${classes.length}`, color: [0, 0, 0] });
  const spec = makeSpec(pairing, matrixClasses, o.voidIndex ?? ignore, labelMap, classes);
  const samples = loadSamples(spec);
  const bar = progressBar('evaluate', samples.length, 'img', o.quiet || o.json);
  const cmOpts = { ignoreIndex: o.voidIndex != null ? -1 : ignore, voidIndex: o.voidIndex };
  const images: ImageConfusion[] = [];
  const scratch = new Float64Array(matrixClasses * matrixClasses);
  if (o.calibration && card.output.kind === 'labels') throw new UserError(`--calibration: ${o.model} gives label maps only (an argmax graph), no probabilities to calibrate`);
  // With --calibration, the scores path: label maps and the probabilities they come from.
  const bins = o.calibration ? new CalibrationBins() : null;
  const pending: Float32Array[] = [];
  const predict = async (imgs: PixelImage[]) => {
    if (!bins) return seg.predictBatch(imgs);
    const r = await seg.scoresBatch(imgs);
    pending.push(...r.map((x) => x.scores));
    return r.map((x) => x.labels);
  };
  const bf = o.boundary ? new BoundaryF1(matrixClasses, { tolerance: o.boundaryTolerance, ignoreIndex: cmOpts.ignoreIndex, unscored: o.voidIndex != null ? [o.voidIndex] : [] }) : null;
  const cm = await evaluateSamples(predict, samples, spec, {
    batchSize: o.batchSize, ...cmOpts, input: card.input, onImage: (d) => bar.update(d),
    onPair: (s, pred, gt, size) => {
      images.push(imageConfusion(s.id, pred, gt, matrixClasses, cmOpts, scratch));
      if (bins) bins.add(pending.shift()!, k, gt, o.voidIndex ?? ignore);
      bf?.add(pred, gt, size.width, size.height);
    },
  });
  bar.stop();
  if (cm.outOfRange) {
    process.stderr.write(`pixelwise: warning: ${cm.outOfRange} ground-truth pixels in ${pairing.masks} have labels >= ${matrixClasses} and were not scored; check --ignore-index / --label-map (pixelwise verify lists the files)\n`);
  }
  const scores = cm.scores(classes.map((c) => c.name));
  if (scores.pixels === 0) throw new UserError(`${pairing.masks}: no pixel was scored (every ground-truth pixel is the ignore label ${ignore}); check --ignore-index / --label-map`);
  const boot = o.bootstrap > 0 ? bootstrapScores(images, matrixClasses, cmOpts, o.bootstrap, o.seed) : undefined;
  const calibration = bins ? { ece: bins.ece(), bins: bins.bins(), temperature: card.temperature ?? 1 } : undefined;
  const boundary = bf ? boundaryReport(bf, classes.map((c) => c.name), o.boundaryTolerance) : undefined;
  const json = { ...scoresJson(scores, { model: o.model, runtime: seg.runtime, images: pairing.images, count: samples.length, ignoreIndex: o.voidIndex != null ? null : ignore, voidIndex: o.voidIndex ?? null }, boot, boundary), ...(calibration ? { calibration } : {}) };
  if (bins) writeFileAtomic(path.join(dir, 'reliability.svg'), bins.svg(`${path.basename(o.model)} on ${path.basename(pairing.images)}`));
  if (o.perImage) writePerImage(o.perImage, images, matrixClasses, cmOpts);
  const worst = o.worst ? await writeWorstSheet(path.join(dir, 'worst.jpg'), images, matrixClasses, cmOpts, o.worst, spec, classes.map((c) => c.color), seg) : null;
  writeFileAtomic(path.join(dir, 'scores.json'), JSON.stringify(worst ? { ...json, worst } : json, null, 2) + '\n');
  writeFileAtomic(path.join(dir, 'scores.md'), scoresMarkdown(scores, `Evaluation of ${o.model} on ${pairing.images} (${samples.length} images)`, boot, boundary));
  if (o.record) await record(o, scores, boot, { images: pairing.images, masks: pairing.masks, count: samples.length, ignoreIndex: ignore, runtime: seg.runtime });
  if (o.json) process.stdout.write(JSON.stringify(worst ? { ...json, worst } : json) + '\n');
  else process.stdout.write(`${scoresTable(scores, boot, boundary)}${calibration ? `\nexpected calibration error ${(100 * calibration.ece).toFixed(2)}% (15 bins; temperature ${calibration.temperature.toFixed(3)}); reliability diagram ${path.join(dir, 'reliability.svg')}` : ''}\n\nwrote ${path.join(dir, 'scores.json')} and scores.md${o.perImage ? `, per image ${o.perImage}` : ''}${worst ? `, the ${worst.length} worst images ${path.join(dir, 'worst.jpg')}` : ''}${o.record ? `; recorded in ${path.join(o.model, 'model.json')}` : ''}\n`);
  await seg.dispose();
}

/**
 * --class-map: the model scored on a dataset of other classes (its layout's, or --class-file's),
 * both mapped into the map's classes.
 */
async function runMapped(o: Opts, dir: string, seg: Segmenter): Promise<void> {
  const { pairing, layout } = resolveData(o, 'val', cliLog);
  const dataset = datasetClasses(layout, o.classFile);
  if (!dataset) throw new UserError(`--class-map ${o.classMap}: needs the dataset's classes: --data in a standard layout, or --class-file (the dataset's class list)`);
  const ignore = o.ignoreIndex ?? layout?.ignoreIndex ?? 255;
  const map = classMapping(seg.card.classes.map((c) => c.name), dataset.map((c) => c.name), classMapSpec(o.classMap!), ignore);
  cliLog(describeClassMapping(map));
  const k = dataset.length;
  const labelMap = await masksLabelMap(layout, pairing, o.labelMap, k, o.ignoreIndex ?? (ignore === 255 ? undefined : ignore), cliLog);
  const spec = makeSpec(pairing, k, ignore, labelMap, dataset);
  const samples = loadSamples(spec);
  const bar = progressBar('evaluate', samples.length, 'img', o.quiet || o.json);
  const n = map.names.length, cmOpts = { ignoreIndex: IGNORED, unscored: map.unscored };
  const images: ImageConfusion[] = [];
  const scratch = new Float64Array(n * n);
  const bf = o.boundary ? new BoundaryF1(n, { tolerance: o.boundaryTolerance, ...cmOpts }) : null;
  const cm = await evaluateSamples((imgs) => seg.predictBatch(imgs), samples, spec, {
    batchSize: o.batchSize, classMap: map, input: seg.card.input, onImage: (d) => bar.update(d),
    onPair: (s, pred, gt, size) => { images.push(imageConfusion(s.id, pred, gt, n, cmOpts, scratch)); bf?.add(pred, gt, size.width, size.height); },
  });
  bar.stop();
  if (cm.outOfRange) process.stderr.write(`pixelwise: warning: ${cm.outOfRange} ground-truth pixels in ${pairing.masks} have labels >= ${k} and were not scored; check --ignore-index / --label-map (pixelwise verify lists the files)\n`);
  const all = cm.scores(map.names);
  if (all.pixels === 0) throw new UserError(`${pairing.masks}: no pixel was scored (every ground-truth pixel is the ignore label ${ignore} or a class no model class maps to); check --class-map / --ignore-index`);
  const boot = o.bootstrap > 0 ? bootstrapScores(images, n, cmOpts, o.bootstrap, o.seed) : undefined;
  const classMap = { groups: map.groups, modelClassesLeftOut: map.leftOut, datasetClassesNotScored: map.notScored };
  const boundary = bf ? boundaryReport(bf, map.names, o.boundaryTolerance) : undefined;
  const json = { ...scoresJson(all, { model: o.model, runtime: seg.runtime, images: pairing.images, count: samples.length, ignoreIndex: ignore, voidIndex: null, classMap }, boot, boundary) };
  if (o.perImage) writePerImage(o.perImage, images, n, cmOpts);
  const worst = o.worst ? await writeWorstSheet(path.join(dir, 'worst.jpg'), images, n, cmOpts, o.worst, spec, mappedColors(map, dataset), seg, map) : null;
  writeFileAtomic(path.join(dir, 'scores.json'), JSON.stringify(worst ? { ...json, worst } : json, null, 2) + '\n');
  writeFileAtomic(path.join(dir, 'scores.md'), scoresMarkdown(all, `Evaluation of ${o.model} on ${pairing.images} (${samples.length} images), classes joined by --class-map ${o.classMap}`, boot, boundary));
  if (o.json) process.stdout.write(JSON.stringify(worst ? { ...json, worst } : json) + '\n');
  else process.stdout.write(`${scoresTable(all, boot, boundary)}\n\nwrote ${path.join(dir, 'scores.json')} and scores.md${o.perImage ? `, per image ${o.perImage}` : ''}${worst ? `, the ${worst.length} worst images ${path.join(dir, 'worst.jpg')}` : ''}\n`);
  await seg.dispose();
}

/** --boundary's scores by class name, and its tolerance in words. */
function boundaryReport(bf: BoundaryF1, names: string[], tolerance?: number): BoundaryReport {
  const s = bf.scores();
  return { tolerance: tolerance != null ? `${tolerance} px` : '0.75% of each image\'s diagonal', mean: s.mean, perClass: new Map(names.map((n, i) => [n, s.perClass[i]])) };
}

/** Each image's mIoU and pixel accuracy, worst first, as CSV or JSON. */
function writePerImage(file: string, images: ImageConfusion[], k: number, cmOpts: ConfusionOptions): void {
  const rows = images.map((im) => imageScore(im, k, cmOpts)).sort((a, b) => a.mIoU - b.mIoU || a.pixelAccuracy - b.pixelAccuracy);
  writeFileAtomic(file, file.toLowerCase().endsWith('.json') ? JSON.stringify(rows, null, 1) + '\n'
    : ['image,mIoU,pixelAccuracy,pixels', ...rows.map((r) => `${JSON.stringify(r.id)},${r.mIoU.toFixed(5)},${r.pixelAccuracy.toFixed(5)},${r.pixels}`)].join('\n') + '\n');
}

/**
 * --record writes what the model scores as it runs by default, into a card its user owns: options
 * that change how it runs are refused, and so is a shipped model named by name (the installed
 * package); its folder's path says the change is meant.
 */
async function checkRecord(o: Opts): Promise<void> {
  const changed: [string, unknown][] = [
    ['--weights', o.weights], ['--input-size', o.inputSize], ['--tta', o.tta.mode !== 'none' || o.tta.scales.some((x) => x !== 1)], ['--threshold', o.threshold],
    ['--reflect-pad', o.reflectPad], ['--tile', typeof o.tile === 'number'], ['--void-index', o.voidIndex != null],
  ];
  const flag = changed.find(([, on]) => on)?.[0];
  if (flag) throw new UserError(`--record: records the model as it runs by default; drop ${flag} (or leave out --record)`);
  if (!isDir(o.model)) throw new UserError(`--record: ${o.model} is a shipped model (the installed package); give its folder's path to change its card (${resolveModelDir(o.model)}), or evaluate a copy`);
  const card = await openCard(o.model);
  if (o.precision && o.precision !== (card.precision ?? 'float32') && !(o.precision === 'int8' && card.int8)) {
    throw new UserError(`--record: records the model as it runs by default (${card.precision ?? 'float32'}); drop --precision ${o.precision}`);
  }
}

/** Whether this run scores the model's added 8-bit graph (recorded in its int8 block) rather than the model as it runs by default. */
function scoresAddedInt8(o: Opts, card: ModelCard): boolean {
  return o.precision === 'int8' && (card.precision ?? 'float32') !== 'int8' && Boolean(card.int8);
}

interface Evaluated { images: string; masks?: string; count: number; ignoreIndex: number; runtime: string }

/**
 * The card with this evaluation: its record, and the mIoU first among its scores (an earlier record
 * of the same data replaced); for the added 8-bit graph (--precision int8), its int8 block's record.
 */
async function record(o: Opts, s: Scores, boot: BootstrapResult | undefined, e: Evaluated): Promise<void> {
  const card = await openCard(o.model);
  const command = `pixelwise evaluate ${commandArgs(process.argv, 'evaluate')}`;
  const evaluation = {
    dataset: e.images, masks: e.masks, images: e.count, ignoreIndex: e.ignoreIndex, mIoU: s.mIoU, pixelAccuracy: s.pixelAccuracy,
    ...(boot ? { mIoUInterval95: [boot.mIoU.low, boot.mIoU.high] } : {}),
    perClassIoU: Object.fromEntries(s.perClass.map((c) => [c.name, c.iou])), runtime: e.runtime, command, date: new Date().toISOString().slice(0, 10),
  };
  if (scoresAddedInt8(o, card)) { writeCard(o.model, { ...card, int8: { ...card.int8!, evaluation } }); return; }
  const dataset = `${e.images} (${e.count} images)`;
  const source = 'measured by pixelwise evaluate';
  writeCard(o.model, {
    ...card,
    scores: [
      { metric: 'mIoU', value: +(100 * s.mIoU).toFixed(2), dataset, source: `${source}: ${command}` },
      ...(card.scores ?? []).filter((x) => !(x.dataset === dataset && x.source.startsWith(source))),
    ],
    evaluation,
  });
}
