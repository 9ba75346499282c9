// The `quantize` command's work, loaded when the command runs (the definition in ../quantize.ts stays light).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { calibrate, quantizeWithGate, timeGraphs } from '../../inference/quantize.js';
import { NODE_FILTERS } from '../../inference/node_filters.js';
import { readImage } from '../../data/image_io.js';
import { collectImages } from '../../data/image_list.js';
import { exportOnnx } from '../../io/onnx_export.js';
import { fixedInputSize } from '../../formats/onnx_view.js';
import { initEngine } from '../../engine/backend.js';
import { cardFile, copyPackage, loadModelPackage, readCard, writeCard } from '../../models/package.js';
import { runsFromOnnxFile } from '../../models/card_file.js';
import { withFixedInput, type ModelCard } from '../../models/card.js';
import { commandArgs } from '../command_args.js';
import { isShippedDir, resolveModelDir } from '../../models/shipped.js';
import { packageTarget } from '../output_paths.js';
import { progressBar } from '../../util/progress.js';
import { UserError } from '../../util/errors.js';
import { cliLog } from '../flags.js';
import { writeFileAtomic, makeDir } from '../../util/fs.js';
import type { Opts } from '../quantize.js';

const INT8_FILE = 'model-int8.onnx';

/** `n` of `list` spread evenly over it, and the rest. */
function spread<T>(list: T[], n: number): [T[], T[]] {
  if (n >= list.length) return [list.slice(), []];
  const picked = new Set(Array.from({ length: n }, (_, i) => Math.floor(((i + 0.5) * list.length) / n)));
  return [list.filter((_, i) => picked.has(i)), list.filter((_, i) => !picked.has(i))];
}

export async function run(o: Opts): Promise<void> {
  for (const [flag, on] of [['--input-size', o.inputSize], ['--int8-only', o.int8Only]] as const) {
    if (on && !o.out) throw new UserError(`${flag}: makes a new model package; give --out DIR for it`);
  }
  const dir = resolveModelDir(o.model);
  const target = packageTarget(o.model, dir, o.out, 'a copy with the 8-bit graph', isShippedDir(dir));
  const own = readCard(dir);
  // Calibrated, checked and timed where the copy will run.
  const card = o.inputSize ? withFixedInput(own, o.inputSize) : own;
  if (card.precision === 'int8') throw new UserError(`--model ${o.model}: is an 8-bit graph already`);
  if (card.variants?.length) throw new UserError(`--model ${o.model}: has per-aspect graphs (variants); quantize takes a model with one graph`);
  const files = collectImages([o.calibration]);
  if (files.length < 2) throw new UserError(`--calibration ${o.calibration}: ${files.length} image; give at least 2 (calibration, and one held apart to check against the float graph)`);
  // Held apart first, so that a small folder still checks on images calibration never saw.
  const nCheck = Math.min(o.check, Math.max(1, Math.floor(files.length / 4)));
  const [checkFiles, rest] = spread(files, nCheck);
  const [calFiles] = spread(rest, o.images);
  const log = cliLog;

  let float: Uint8Array, floatFile: string;
  if (runsFromOnnxFile(dir, card, { weights: o.weights })) float = fs.readFileSync(floatFile = cardFile(dir, card, 'onnx'));
  else {
    // A copy of a package keeps its float graph: an 8-bit graph of other weights beside it would not be its own.
    if (card.onnx && !o.int8Only) throw new UserError(`--weights ${o.weights}: the copy of ${o.model} keeps its float graph (${card.onnx}, of the card's own weights), which an 8-bit graph of other weights would not match; make the checkpoint a package first (pixelwise export --package) or quantize it alone (--int8-only --out DIR)`);
    // A training run's checkpoint (or a package's other weights) exported as the float graph.
    await initEngine('auto');
    const { model, weightsFile } = loadModelPackage(dir, o.weights);
    float = exportOnnx(model);
    floatFile = weightsFile;
    model.dispose();
  }
  const fixed = fixedInputSize(float);
  if (o.inputSize && fixed && (o.inputSize[0] !== fixed[0] || o.inputSize[1] !== fixed[1])) throw new UserError(`--input-size ${o.inputSize.join('x')}: this model's graph takes ${fixed.join('x')} (height x width) only: its ONNX file fixes the size; leave --input-size out`);
  const bar = progressBar('calibrate', calFiles.length, 'img', o.quiet);
  const c = await calibrate(float, card, async function* () { for (const f of calFiles) yield await readImage(f); }, { filters: NODE_FILTERS, onImage: (n) => bar.update(n) });
  bar.stop();
  const check = await Promise.all(checkFiles.map((f) => readImage(f)));
  const sens = progressBar('sensitivity', c.convolutions.length, 'conv', o.quiet);
  let sensStarted = false;
  const q = await quantizeWithGate(float, c, card, check, {
    filters: NODE_FILTERS, threads: o.threads, keepFloat: o.keepFloat, minAgreement: o.minAgreement || undefined,
    onSensitivity: (done, of) => { if (!sensStarted) { sensStarted = true; log(`labels agree on less than ${(100 * o.minAgreement).toFixed(1)}% of the check pixels: measuring each of ${of} convolutions alone`); } sens.update(done); },
  });
  if (sensStarted) sens.stop();

  const speed = await timeGraphs(float, q.bytes, card, check, { filters: NODE_FILTERS, threads: o.threads });
  const record = {
    onnx: INT8_FILE, method: 'static QDQ: int8 weights per output channel (two of one sign at most 128 steps together outside depthwise convolutions: no 16-bit saturation on any CPU), uint8 activations (min/max averaged over calibration images), BatchNorm folded', calibrationImages: c.images,
    quantized: q.quantized, convolutions: q.convolutions, keptFloat: q.keptFloat, agreement: q.agreement, checkImages: check.length,
    speed: { floatMs: speed.floatMs, int8Ms: speed.int8Ms, threads: speed.threads },
  };
  let written: string;
  if (o.int8Only) {
    makeDir(target);
    writeFileAtomic(written = path.join(target, 'model.onnx'), q.bytes);
    writeCard(target, int8OnlyCard(card, record, float, path.join(path.basename(dir), path.basename(floatFile)), o));
  } else {
    if (o.out) copyPackage(dir, o.out);
    writeFileAtomic(written = path.join(target, INT8_FILE), q.bytes);
    const copied = readCard(target);
    writeCard(target, { ...(o.inputSize ? resized(copied, o.inputSize) : copied), int8: record });
  }
  const kb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
  process.stdout.write(`8-bit graph: ${q.quantized} of ${q.convolutions} convolutions on 8 bits${q.keptFloat.length ? ` (${q.keptFloat.length} kept in float)` : ''}, ${kb(q.bytes.length)} (float ${kb(float.length)}); labels equal the float graph's on ${(100 * q.agreement).toFixed(2)}% of ${check.length} held-apart ${check.length === 1 ? 'image\'s' : 'images\''} pixels${o.minAgreement && q.agreement < o.minAgreement ? ` (below --min-agreement ${o.minAgreement}: keep more in float with --keep-float, or calibrate on more images)` : ''}; ${speed.int8Ms.toFixed(1)} ms an image against the float graph's ${speed.floatMs.toFixed(1)} (${speed.threads} thread${speed.threads > 1 ? 's' : ''}, ${(speed.int8Ms / speed.floatMs).toFixed(2)}x the time)${speed.int8Ms >= speed.floatMs ? ': slower in 8 bits on this machine, so keep running it in float (ONNX Runtime\'s integer kernels favour dense convolutions)' : ''}; written to ${written}${o.int8Only ? ' (an 8-bit model: run it as any other)' : ' (run it with --precision int8)'}\n`);
}

/**
 * The card of a package that is the 8-bit graph alone: an 8-bit model (precision int8) whose graph
 * is `model.onnx`, with where it came from. The float network's scores describe another graph (and
 * maybe another input size), so they say so; its validation record stays with the float package.
 */
function int8OnlyCard(card: ModelCard, record: NonNullable<ModelCard['int8']>, float: Uint8Array, floatFile: string, o: Opts): ModelCard {
  // floatFile: the float graph (or checkpoint) as its model folder's name and file name.
  const size = card.input.rule.kind === 'fixed' ? ` at ${card.input.rule.size[1]}x${card.input.rule.size[0]}` : '';
  const here = `the 8-bit graph of ${o.model}${size}`;
  const { variants: _v, ...rest } = scoresNotOf(card, `the float network${o.inputSize ? ' at its own size' : ''}, not ${here}`);
  return {
    ...rest,
    weights: '', onnx: 'model.onnx', precision: 'int8', int8: { ...record, onnx: 'model.onnx' },
    provenance: { file: floatFile, sha256: crypto.createHash('sha256').update(float).digest('hex'), command: `pixelwise quantize ${commandArgs(process.argv, 'quantize')}` },
    notes: [card.notes, `This package is ${here} (pixelwise quantize --int8-only)${o.inputSize ? ': every image resized to that size with Pillow BILINEAR, the label map back with Pillow NEAREST' : ''}.`].filter(Boolean).join(' '),
  };
}

/** A copy run at another fixed size: its scores (of the model at its own size) say so. */
function resized(card: ModelCard, size: [number, number]): ModelCard {
  return scoresNotOf(withFixedInput(card, size), `at the model's own size, not this copy's ${size[1]}x${size[0]}`);
}

/** The card without the model's validation record, each score marked with what it is not of. */
function scoresNotOf(card: ModelCard, note: string): ModelCard {
  const { evaluation: _e, ...rest } = card;
  return { ...rest, scores: card.scores?.map((sc) => ({ ...sc, dataset: `${sc.dataset} (${note})` })) };
}
