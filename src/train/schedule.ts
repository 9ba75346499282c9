// Learning-rate schedules over the whole run, with optional linear warm-up.
import { argumentError } from '../util/errors.js';

export type ScheduleName = 'poly' | 'cosine' | 'constant';
export const SCHEDULES: ScheduleName[] = ['poly', 'cosine', 'constant'];

export function learningRate(name: ScheduleName, base: number, step: number, total: number, warmup = 0): number {
  // A name the schedules do not have was a constant rate, without a word.
  if (!SCHEDULES.includes(name)) throw argumentError('schedule', name, `unknown schedule; use one of ${SCHEDULES.join(', ')}`);
  if (warmup > 0 && step < warmup) return base * (step + 1) / warmup;
  const t = Math.min(1, Math.max(0, (step - warmup) / Math.max(1, total - warmup)));
  switch (name) {
    case 'poly': return base * (1 - t) ** 0.9;
    case 'cosine': return base * 0.5 * (1 + Math.cos(Math.PI * t));
    default: return base;
  }
}
