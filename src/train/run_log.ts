// A run's log.jsonl (one JSON object per epoch, appended by the trainer), read by the trainer on
// resume, by the dashboard and by `export --package`.
import fs from 'node:fs';

export interface LogEntry { epoch?: number; loss?: number; lr?: number; val?: { mIoU?: number }; [k: string]: unknown }

/** The epochs of a run; a line being written (or damaged) is skipped, not fatal. */
export function readLog<T = LogEntry>(file: string): T[] {
  const out: T[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try { out.push(JSON.parse(line)); } catch { /* partial last line */ }
  }
  return out;
}
