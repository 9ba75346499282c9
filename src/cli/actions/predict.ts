// The `predict` command's work, loaded when the command runs (the definition in ../predict.ts stays light).
import fs from 'node:fs';
import path from 'node:path';
import { openSegmenter } from '../../inference/open.js';
import { probabilitiesOf } from '../../inference/probabilities.js';
import { IMAGE_EXTS, readImage } from '../../data/image_io.js';
import { writePredictionOutputs, writtenFiles, PREDICTION_EXTRAS, type PredictionExtra } from '../../inference/outputs.js';
import { modelForEffect, segmenterOptions } from './shared.js';
import { parseEffect } from '../../render/compose.js';
import { classIds, probabilities8, classList } from '../../inference/label_map.js';
import { makeSegmentation } from '../../inference/result.js';
import { writeApplied, cutoutFileName, outputOverInput, PREDICTION_FILE, PREDICTION_SUFFIXES } from '../../inference/outputs.js';
import { checkOutputDir } from '../output_paths.js';
import { onStopSignal } from '../stop_signals.js';
import { progressBar } from '../../util/progress.js';
import { UserError } from '../../util/errors.js';
import { isDir, isFile, isInside, stem, makeDir } from '../../util/fs.js';
import type { Opts } from '../predict.js';
import { labelProbability } from '../../inference/label_map.js';
import { ExportBuilder, confidenceSums, exportNamesProblem, type ConfidenceSums, type LabelStudioNames } from '../../data/annotations/export.js';
import { checkExportDir, checkLabelmeEdits, parseExports, writeExports } from './exports.js';
import { geoTiffLabels, readModelInput, type Raster } from '../../data/raster.js';
import { displayRgb } from '../../data/display_bands.js';
import { endCutLine, writeFileAtomic } from '../../util/fs.js';
import { readMask } from '../../data/mask_io.js';
import { resolveModelDir } from '../../models/shipped.js';
import { modelIdentity } from '../../models/identity.js';
import { weightsFile } from '../../models/card_file.js';
import { EarlierRuns, PREDICT_RECORD, finishedEarlier, recordFinished, settingsDigest, type PredictRecord } from './predict_record.js';
import { collectInputs, outputNames } from '../../data/image_list.js';

/** A finished image's label map from its labels file, or null when that file no longer reads as one of its size. */
function writtenLabels(file: string, width: number, height: number): Uint8Array | null {
  try {
    const m = readMask(file);
    return m.width === width && m.height === height && m.mode !== 'rgb' ? m.data : null;
  } catch { return null; }
}

/** --outputs: the pictures and lists beside each label map (all by default; none: the label maps alone). */
function parseExtras(v: string | undefined): PredictionExtra[] {
  if (v == null) return [...PREDICTION_EXTRAS];
  const asked = v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
  if (asked.length === 1 && asked[0] === 'none') return [];
  const bad = asked.find((x) => !(PREDICTION_EXTRAS as readonly string[]).includes(x) && x !== 'labels');
  if (bad || !asked.length) throw new UserError(`--outputs ${v}: ${bad ? `no output ${bad}; ` : ''}name some of ${PREDICTION_EXTRAS.join(', ')} (comma-separated; the label map is always written), or none`);
  return PREDICTION_EXTRAS.filter((x) => asked.includes(x));
}

/** Outputs are named after their input (NAME_labels.png, ...): none of the final names may land on an input file. */
function refuseOverwritingInputs(files: string[], names: string[], out: string, cutout: string[], probabilities: string[]): void {
  const target = outputOverInput(files, names, out, [...PREDICTION_SUFFIXES, '_effect.png', '_effect.jpg', ...cutout.map((c) => `_cutout_${cutoutFileName(c)}.png`), ...probabilities.map((c) => `_prob_${cutoutFileName(c)}.png`)]);
  if (target) throw new UserError(`--out ${out}: predicting would overwrite the input ${target}; choose another --out folder`);
}

export async function run(inputs: string[], o: Opts): Promise<void> {
  if (o.alpha < 0 || o.alpha > 1) throw new UserError(`--alpha ${o.alpha}: must be between 0 and 1`);
  const recorded = new EarlierRuns();
  const repeated: [string, string][] = [];
  const given = collectInputs(inputs, { recursive: o.recursive, onRepeated: (file, first) => repeated.push([file, first]), onPassedOver: (skipped, why) => process.stderr.write(`passed over ${skipped.length} HEIC photo${skipped.length > 1 ? 's' : ''} (${path.basename(skipped[0])}${skipped.length > 1 ? ', ...' : ''}): ${why}\n`),
    // Predictions are not inputs: those an earlier run's record lists (a file only named like one may
    // be a user's image: taken, and refused below if this run would write over it).
    exclude: (f) => PREDICTION_FILE.test(f) && recorded.isOutput(f),
    onSubfolders: (dir, subfolders) => {
      const n = subfolders.filter((d) => !isInside(o.out, d) && !recorded.isRun(d)).length;
      if (n) process.stderr.write(`${dir}: its ${n} subfolder${n > 1 ? 's' : ''} not looked in (--recursive takes their images)\n`);
    } });
  if (repeated.length) {
    const [file, first] = repeated[0];
    process.stderr.write(`${repeated.length} image${repeated.length > 1 ? 's' : ''} given more than once (${file}${file === first ? '' : `, the same file as ${first}`}${repeated.length > 1 ? ', ...' : ''}): each predicted once\n`);
  }
  const files = given.map((g) => g.file);
  // The exports name an image as it was given (under a folder: its path there, sub/x.png); the files are named after it.
  const exportNames = given.map((g) => g.name.split(path.sep).join('/'));
  const names = outputNames(exportNames);
  checkOutputDir('--out', o.out);
  const extras = parseExtras(o.outputs);
  const effect = o.effect ? parseEffect(o.effect) : null;
  const replacement = effect?.kind === 'replace' ? await readImage(effect.file) : undefined;
  if (o.keep && !effect) throw new UserError('--keep goes with --effect (the classes the effect leaves as they are)');
  const keep = o.keep ? classList(o.keep) : ['person'];
  const cutout = o.cutout ? classList(o.cutout) : [];
  const model = modelForEffect(o.model, effect, keep, cutout);
  const seg = await openSegmenter(model, { ...segmenterOptions(o), weights: o.weights });
  const card = seg.card;
  // Names are checked before the first image, not after it.
  if (effect) classIds(card.classes, keep, '--keep');
  classIds(card.classes, cutout, '--cutout');
  // Confidence masks are named after the class, whether given by name or id.
  const probabilities = !o.probabilities ? [] : o.probabilities.trim() === 'all' ? card.classes.map((c) => c.name)
    : classIds(card.classes, classList(o.probabilities), '--probabilities').map((id) => card.classes[id].name);
  if (o.probabilities !== undefined && !probabilities.length) throw new UserError(`--probabilities ${JSON.stringify(o.probabilities)}: name classes (comma-separated) or all`);
  refuseOverwritingInputs(files, names, o.out, cutout, probabilities);
  const exports = o.export ? parseExports(o.export) : [];
  if (exports.length) checkExportDir(o.out);
  const clash = exports.length ? exportNamesProblem(exportNames, exports) : null;
  if (clash) throw new UserError(`--export: ${clash}; predict them in separate runs`);
  checkLabelmeEdits(o.out, exports, exportNames);
  const lsNames: LabelStudioNames = { fromName: o.lsFromName, toName: o.lsToName, imageUrlPrefix: o.imageUrlPrefix, regions: o.lsRegions, modelVersion: `pixelwise ${path.basename(path.resolve(o.model ?? 'voc'))}` };
  const builder = new ExportBuilder(card.classes, exports, lsNames, { outlineTolerance: o.outlineTolerance });
  // Every setting that shapes an image's files; with exports, the scores path (the same label maps) and its figures.
  const settings = settingsDigest(await modelIdentity(model), {
    weights: o.weights ?? null, alpha: o.alpha, displayBands: o.displayBands ?? null, effect: o.effect ?? null, keep: effect ? keep : null, cutout, probabilities,
    runtime: o.runtime, backend: o.backend, tta: o.tta, tile: o.tile ?? null, overlap: o.overlap, reflectPad: o.reflectPad ?? null,
    threshold: o.threshold ?? null, inputSize: o.inputSize ?? null, precision: o.precision ?? null, scores: exports.length > 0,
    ...(extras.length < PREDICTION_EXTRAS.length ? { outputs: extras } : {}), // all: as before --outputs, so earlier runs' records still match
  }, [...(o.weights ? [weightsFile(resolveModelDir(model), card, o.weights)] : []), ...(effect?.kind === 'replace' ? [effect.file] : [])]);
  const record = path.join(o.out, PREDICT_RECORD);
  if (fs.existsSync(record) && !isFile(record)) throw new UserError(`--out ${o.out}: ${PREDICT_RECORD} there is not a file (predict's record of the images it finished); move it away`);
  const earlier = o.resume ? finishedEarlier(o.out, settings, files, names, exports.length > 0) : new Map<string, PredictRecord>();
  if (o.resume && !o.json) process.stderr.write(`${earlier.size} of ${files.length} images finished by an earlier run with these settings (${record}); predicting ${files.length - earlier.size}\n`);
  if (!o.resume && !o.json && isFile(record)) {
    // After a stop that said nothing (a kill, a power cut): the way to go on.
    const n = finishedEarlier(o.out, settings, files, names, exports.length > 0).size;
    if (n) process.stderr.write(`${n} of ${files.length} images were finished by an earlier run with these settings (${record}): predicting them again (--resume passes over them)\n`);
  }
  makeDir(o.out);
  endCutLine(record);
  const applied = !!effect || cutout.length > 0 || probabilities.length > 0;
  const bar = progressBar('predict', files.length - earlier.size, 'img', o.quiet || o.json || files.length - earlier.size < 2);
  const report: object[] = [];
  let done = 0;
  const stop = onStopSignal(() => bar.stop(), () => `the files of ${earlier.size + done} of ${files.length} images are complete; the same command with --resume predicts the other ${files.length - earlier.size - done}`);
  for (const [i, f] of files.entries()) {
    const finished = earlier.get(path.resolve(f));
    const earlierOutputs = finished?.outputs.map((x) => path.join(o.out, x.file)) ?? [];
    // The exports take its label map from its labels file, as written (size and time checked).
    const written = finished && exports.length ? writtenLabels(earlierOutputs[0], finished.width, finished.height) : null;
    if (finished && (!exports.length || written)) {
      if (written) await builder.add({ name: exportNames[i], width: finished.width, height: finished.height, labels: written, confidenceSums: finished.confidence });
      report.push({ image: f, width: finished.width, height: finished.height, classes: finished.classes, outputs: earlierOutputs });
      continue;
    }
    if (finished) earlier.delete(path.resolve(f)); // predicted again after all
    const input = await readModelInput(f, card.input);
    // What people see (overlays, effects): RGB, or the chosen bands of other images.
    const img = displayRgb(input, o.displayBands);
    const name = names[i];
    let labels: Uint8Array, extra: string[] = [], sums: ConfidenceSums | undefined;
    if (exports.length) {
      // The exported regions' scores (and probabilities for soft edges): the scores path (the same label maps).
      const [r] = await seg.scoresBatch([input]);
      labels = r.labels;
      sums = confidenceSums(labels, labelProbability(r.scores, card.model.numClasses, labels));
      await builder.add({ name: exportNames[i], width: img.width, height: img.height, labels, confidenceSums: sums });
      if (applied) extra = await writeApplied(o.out, name, f, makeSegmentation(img, labels, probabilities8(r.scores, card.model.numClasses), card.classes), { effect, replacement, keep, cutout, probabilities });
    } else if (applied) {
      // Probabilities for soft edges and confidence masks (the same label maps).
      const [r] = await probabilitiesOf(seg, [input]);
      labels = r.labels;
      extra = await writeApplied(o.out, name, f, makeSegmentation(img, labels, r.prob8, card.classes), { effect, replacement, keep, cutout, probabilities });
    } else [labels] = await seg.predictBatch([input]);
    const w = await writePredictionOutputs(o.out, name, img, labels, card.classes, o.alpha, extras);
    const geo = (input as Raster).geo;
    if (geo) {
      // Beside the PNG: the label map where GIS tools place it, over its source image.
      const file = path.join(o.out, `${name}_labels.tif`);
      writeFileAtomic(file, geoTiffLabels(labels, img.width, img.height, geo));
      extra.push(file);
    }
    const outputs = [...writtenFiles(w), ...extra];
    recordFinished(o.out, f, { settings, name, width: img.width, height: img.height, classes: w.areas, ...(sums ? { confidence: sums } : {}) }, outputs);
    report.push({ image: f, width: img.width, height: img.height, classes: w.areas, outputs });
    bar.update(++done);
    if (files.length === 1 && !o.json) process.stdout.write(`${f} -> ${[w.labels, ...outputs.slice(1).map((x) => path.basename(x))].join(', ')}\n`);
  }
  bar.stop();
  stop.dispose();
  if (exports.length) {
    const byName = new Map(exportNames.map((n, i) => [n, files[i]]));
    const written = writeExports(o.out, exports, builder, card.classes, lsNames, (n) => byName.get(n)!);
    if (!o.json) process.stdout.write(`pre-annotations: ${written.join(', ')}\n`);
  }
  if (o.json) process.stdout.write(JSON.stringify(report, null, 1) + '\n');
  else if (files.length > 1) process.stdout.write(`${files.length} images -> ${o.out}\n`);
  await seg.dispose();
}
