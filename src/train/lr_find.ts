// The learning-rate range test (Smith, "Cyclical Learning Rates for Training Neural Networks", 2017;
// fastai's lr_find): a short run whose learning rate grows exponentially each step from minLr to
// maxLr, its loss recorded, stopped when the loss has blown up. The rate to train with lies where
// the loss still falls steeply: the suggestion is fastai's "valley" (two thirds down the longest
// stretch over which the smoothed loss keeps falling), with the steepest point and a tenth of the
// minimum beside it. The run is thrown away: the model is trained from the configuration's start.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSamples } from '../data/dataset.js';
import { argumentError } from '../util/errors.js';
import { refuseUnknownKeys, expectArgs } from '../util/call_options.js';
import { progressBar } from '../util/progress.js';
import { datasetSpec, train } from './trainer.js';
import type { TrainConfig } from './config.js';

export interface LrFindOptions {
  /** The first and the last step's learning rate (default 1e-7 and 10, as fastai's). */
  minLr?: number; maxLr?: number;
  /** Steps from minLr to maxLr (default 100). */
  steps?: number;
  signal?: AbortSignal; quiet?: boolean;
}

export interface LrPoint { step: number; lr: number; loss: number; smoothed: number }

export interface LrFindResult {
  points: LrPoint[];
  /** fastai's valley: two thirds down the longest fall of the smoothed loss. */
  suggested: number;
  /** Where the smoothed loss falls fastest against log(lr). */
  steepest: number;
  /** A tenth of the rate of the lowest smoothed loss. */
  minimumTenth: number;
  /** The loss blew up (over 4 times its lowest, or not finite) before maxLr. */
  diverged: boolean;
  /** Stopped by the signal before the range was covered. */
  interrupted: boolean;
}

const SMOOTHING = 0.98;

/** Runs the range test on `cfg`'s model and data (its schedule, epochs and validation set aside). */
export async function findLearningRate(cfg: TrainConfig, o: LrFindOptions = {}): Promise<LrFindResult> {
  expectArgs('findLearningRate', [['cfg', cfg, 'object']]);
  expectArgs('findLearningRate', [['cfg.model', cfg.model, 'object'], ['cfg.train', cfg.train, 'object']]);
  refuseUnknownKeys(o, { minLr: true, maxLr: true, steps: true, signal: true, quiet: true } satisfies Record<keyof LrFindOptions, true>, 'findLearningRate()');
  const minLr = o.minLr ?? 1e-7, maxLr = o.maxLr ?? 10, steps = o.steps ?? 100;
  if (!(minLr > 0 && Number.isFinite(minLr))) throw argumentError('minLr', minLr, 'expected a learning rate above 0');
  if (!(maxLr > minLr && Number.isFinite(maxLr))) throw argumentError('maxLr', maxLr, `expected a learning rate above minLr (${minLr})`);
  if (!(Number.isInteger(steps) && steps >= 10 && steps <= 100_000)) throw argumentError('steps', steps, 'expected a whole number of steps, 10 to 100000');
  const perEpoch = Math.max(1, Math.ceil(loadSamples(datasetSpec(cfg, cfg.train)).length / cfg.batchSize));
  const run: TrainConfig = {
    ...cfg, val: undefined, valFraction: undefined, epochs: Math.ceil(steps / perEpoch), earlyStopPatience: undefined, maxMinutes: undefined,
    preciseBn: 0, then: undefined, onNaN: 'skip', warmupSteps: 0,
  };
  const rateAt = (step: number) => minLr * (maxLr / minLr) ** (step / (steps - 1));
  const points: LrPoint[] = [];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort);
  let avg = 0, best = Infinity, diverged = false;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-lr-find-'));
  // The short run's own epochs and checkpoints are not this test's: one bar over its steps instead.
  const bar = progressBar('lr range test', steps, 'step', o.quiet);
  try {
    await train(run, dir, false, {
      log: () => {}, quiet: true, signal: stop.signal, learningRate: rateAt,
      onStep: (s, loss) => {
        const step = s.step - 1;
        bar.update(step + 1, { info: `| lr ${rateAt(step).toExponential(1)} | loss ${loss.toFixed(4)}` });
        if (!Number.isFinite(loss)) { diverged = true; stop.abort(); return; }
        avg = SMOOTHING * avg + (1 - SMOOTHING) * loss;
        const smoothed = avg / (1 - SMOOTHING ** (step + 1));
        points.push({ step, lr: rateAt(step), loss, smoothed });
        if (smoothed < best) best = smoothed;
        if (step > steps / 10 && smoothed > 4 * best) { diverged = true; stop.abort(); }
        if (step >= steps - 1) stop.abort();
      },
    });
  } finally {
    bar.stop();
    o.signal?.removeEventListener('abort', onAbort);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const interrupted = (o.signal?.aborted ?? false) && !diverged && points.length < steps;
  if (points.length < 10) throw argumentError('steps', steps, `${points.length} step${points.length === 1 ? '' : 's'} ran before the loss ${diverged ? 'blew up' : 'run stopped'}; nothing to read a rate from${diverged ? ': lower minLr' : ''}`);
  return { points, ...suggestions(points), diverged, interrupted };
}

/** The suggested rates read off the smoothed curve. */
export function suggestions(points: LrPoint[]): { suggested: number; steepest: number; minimumTenth: number } {
  const losses = points.map((p) => p.smoothed), lrs = points.map((p) => p.lr), n = points.length;
  let lowest = 0;
  for (let i = 1; i < n; i++) if (losses[i] < losses[lowest]) lowest = i;
  // The steepest fall, by central differences over log(lr), before the lowest point and after the
  // first tenth (where the average still settles).
  const from = Math.max(1, Math.floor(n / 10));
  let steepest = Math.min(from, n - 1), slope = Infinity;
  for (let i = from; i < Math.max(from + 1, lowest); i++) {
    const d = (losses[Math.min(n - 1, i + 1)] - losses[i - 1]) / (Math.log(lrs[Math.min(n - 1, i + 1)]) - Math.log(lrs[i - 1]));
    if (d < slope) { slope = d; steepest = i; }
  }
  // fastai's valley: the longest decreasing subsequence, and two thirds down it.
  const lds = new Array<number>(n).fill(1);
  let end = 0, start = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
    if (lds[end] < lds[i]) { end = i; start = end - lds[end]; }
  }
  const third = (end - start) / 3;
  const valley = Math.min(n - 1, Math.max(0, start + Math.floor(third) + Math.floor(third / 2)));
  return { suggested: lrs[valley], steepest: lrs[steepest], minimumTenth: lrs[lowest] / 10 };
}
