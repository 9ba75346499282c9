// A run's log.jsonl (one JSON object per epoch, appended by the trainer), read by the trainer on
// resume, by the dashboard and by `export --package`.
import fs from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';

export interface LogEntry { epoch?: number; loss?: number; lr?: number; val?: { mIoU?: number }; [k: string]: unknown }

/** The entries of a log's text; a line being written (or damaged) is skipped, not fatal. */
export function parseLog<T = LogEntry>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try { out.push(JSON.parse(line)); } catch { /* partial last line */ }
  }
  return out;
}

/** The epochs of a run. */
export function readLog<T = LogEntry>(file: string): T[] {
  return parseLog<T>(fs.readFileSync(file, 'utf8'));
}

/**
 * Epochs a log records as finished. An epoch cut short (Ctrl-C, --max-minutes) has an entry marked
 * partial, and the same epoch a second entry once a resumed run finishes it.
 */
export function finishedEpochs(log: LogEntry[]): number {
  return log.reduce((n, e) => (e.partial || typeof e.epoch !== 'number' ? n : Math.max(n, e.epoch)), 0);
}

/**
 * The entries of a run's log up to its checkpoint's step; lines past it (written before a kill
 * stopped the checkpoint that follows them) are removed from the file, since the resumed run does
 * those steps again and logs them anew.
 */
export function logUpTo<T = LogEntry>(file: string, step: number): T[] {
  const all = readLog<T>(file);
  const kept = all.filter((e) => { const s = (e as { step?: unknown }).step; return typeof s !== 'number' || s <= step; });
  if (kept.length < all.length) writeFileAtomic(file, kept.map((e) => JSON.stringify(e) + '\n').join(''));
  return kept;
}
