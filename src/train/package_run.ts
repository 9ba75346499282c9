// A training run made into a model package to ship: its best weights, the ONNX export, the curves,
// and a card that says how the model was made and how good it is: the run's own card, plus the
// training summary (recipe, command, initialisation, data, epochs, wall time, images/s, peak RSS,
// machine) and the validation scores per class, read from the run's files rather than retyped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { loadModelPackage, writeCard } from '../models/package.js';
import { buildCard, RESIZE_FILTERS, type ModelCard } from '../models/card.js';
import { exportOnnx } from '../io/onnx_export.js';
import { finishedEpochs, readLog } from './run_log.js';
import { argumentError } from '../util/errors.js';
import { isFile, writeFileAtomic, makeDir } from '../util/fs.js';

/**
 * What only a person can say about the model: licences, sources, where the data came from; and
 * `resizeFilter`, the filter the package resizes its input with where the run's differs (a run
 * resized by sharp's filter ships with Pillow's, which runs the same in Node and in the browser,
 * once its validation score has been checked with it).
 */
const aboutSchema = z.object({
  licence: z.string().optional(), source: z.string().optional(), notes: z.string().optional(),
  initialisation: z.string().optional(), data: z.string().optional(), recipe: z.string().optional(), command: z.string().optional(),
  resizeFilter: z.enum(RESIZE_FILTERS).optional(),
}).strict();
export type About = z.infer<typeof aboutSchema>;

export function readAbout(file: string | undefined): About {
  if (!file) return {};
  let raw: unknown;
  try { raw = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { throw argumentError('about', file, `not readable JSON (${(e as Error).message})`); }
  const r = aboutSchema.safeParse(raw);
  if (!r.success) throw argumentError('about', file, `${r.error.issues[0].path.join('.') || 'file'}: ${r.error.issues[0].message} (keys: ${Object.keys(aboutSchema.shape).join(', ')})`);
  return r.data;
}

interface Scores { mIoU: number; pixelAccuracy: number; perClass: { name: string; iou: number | null }[] }

/** Writes the package to `outDir`; returns its card and file sizes. */
export function packageRun(runDir: string, outDir: string, about: About): { card: ModelCard; weightsBytes: number; onnxBytes: number } {
  const { model, card, weightsFile } = loadModelPackage(runDir);
  try {
    const log = isFile(path.join(runDir, 'log.jsonl')) ? readLog(path.join(runDir, 'log.jsonl')) : [];
    const scoresFile = path.join(runDir, 'best_scores.json');
    const scores = isFile(scoresFile) ? JSON.parse(fs.readFileSync(scoresFile, 'utf8')) as Scores : null;
    const cfg = JSON.parse(fs.readFileSync(path.join(runDir, 'train.json'), 'utf8')) as { train?: { images?: string }; val?: { images?: string }; valFraction?: number; batchSize?: number; inputSize?: number[]; epochs?: number };
    const seconds = log.reduce((a, e) => a + (Number(e.seconds) || 0), 0);
    const images = log.reduce((a, e) => a + (Number(e.imagesPerSec) || 0) * (Number(e.seconds) || 0), 0);
    const peaks = log.map((e) => Number(e.peakRssMb)).filter(Number.isFinite);
    // The epoch whose validation gave the best scores (the weights shipped), and whether the run
    // had finished its schedule when it was packaged.
    const bestEpoch = scores ? log.find((e) => e.val?.mIoU === scores.mIoU)?.epoch : undefined;
    const epochs = finishedEpochs(log);
    const weights = fs.readFileSync(weightsFile);
    const onnx = exportOnnx(model);
    const rule = card.input.rule.kind !== 'native' && about.resizeFilter ? { ...card.input.rule, filter: about.resizeFilter } : card.input.rule;
    const out = buildCard({
      ...card, input: { ...card.input, rule }, weights: 'weights.safetensors', onnx: 'model.onnx', parameters: model.trainableParamCount(), // learned parameters, as papers (and the shipped cards) count them
      ...(about.licence ? { licence: about.licence } : {}), ...(about.source ? { source: about.source } : {}), ...(about.notes ? { notes: about.notes } : {}),
      training: {
        recipe: about.recipe, command: about.command, initialisation: about.initialisation, data: about.data ?? cfg.train?.images,
        epochs, ...(cfg.epochs && cfg.epochs !== epochs ? { plannedEpochs: cfg.epochs } : {}),
        ...(bestEpoch != null ? { bestEpoch } : {}), batchSize: cfg.batchSize, inputSize: cfg.inputSize, wallSeconds: Math.round(seconds),
        imagesPerSec: seconds ? +(images / seconds).toFixed(2) : undefined, peakRssMb: peaks.length ? Math.max(...peaks) : undefined,
        machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`, curves: 'curves.png',
      },
      ...(scores ? {
        // The score pixelwise measured (listed with the imported models' published ones).
        scores: [{ metric: 'mIoU', value: +(scores.mIoU * 100).toFixed(2), dataset: `${validationData(cfg)} (validation; at its own size)`, source: 'measured by pixelwise during training (best_scores.json of the run)' }],
        evaluation: {
          dataset: validationData(cfg), ignoreIndex: card.ignoreIndex, mIoU: scores.mIoU, pixelAccuracy: scores.pixelAccuracy,
          perClassIoU: Object.fromEntries(scores.perClass.map((c) => [c.name, c.iou])),
        },
      } : {}),
    });
    makeDir(outDir);
    writeFileAtomic(path.join(outDir, 'weights.safetensors'), weights);
    writeFileAtomic(path.join(outDir, 'model.onnx'), onnx);
    if (isFile(path.join(runDir, 'curves.png'))) writeFileAtomic(path.join(outDir, 'curves.png'), fs.readFileSync(path.join(runDir, 'curves.png')));
    writeCard(outDir, out);
    return { card: out, weightsBytes: weights.length, onnxBytes: onnx.length };
  } finally { model.dispose(); }
}

/** Where a run's validation images came from, as its card says. */
function validationData(cfg: { train?: { images?: string }; val?: { images?: string }; valFraction?: number }): string {
  if (cfg.valFraction != null && cfg.train?.images) return `${cfg.train.images}, a held-out ${Math.round(cfg.valFraction * 100)}% of its pairs`;
  return cfg.val?.images ?? 'validation split';
}
