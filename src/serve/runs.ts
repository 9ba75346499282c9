// Training runs under --runs DIR for the dashboard: each folder with a log.jsonl (written by the
// trainer, one JSON object per epoch) is a run; names are checked against the listing, never joined blindly.
import fs from 'node:fs';
import path from 'node:path';
import { readLog, type LogEntry } from '../train/run_log.js';

export interface RunSummary { name: string; arch: string | null; epochs: number; bestMIoU: number | null; lastLoss: number | null; updated: string }

export function listRuns(dir: string): RunSummary[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'log.jsonl')))
    .map((d) => summarize(dir, d.name)).sort((a, b) => b.updated.localeCompare(a.updated));
}

function summarize(dir: string, name: string): RunSummary {
  const log = readLog(path.join(dir, name, 'log.jsonl'));
  const vals = log.map((e) => e.val?.mIoU).filter((v): v is number => typeof v === 'number');
  let arch: string | null = null;
  try { arch = JSON.parse(fs.readFileSync(path.join(dir, name, 'train.json'), 'utf8')).model?.arch ?? null; } catch { /* a run without its config still lists */ }
  return {
    name, arch, epochs: log.length, bestMIoU: vals.length ? Math.max(...vals) : null,
    lastLoss: log.at(-1)?.loss ?? null, updated: fs.statSync(path.join(dir, name, 'log.jsonl')).mtime.toISOString(),
  };
}

/** The log of run `name` if it is one of the listed runs (no path from a request reaches the disk otherwise). */
export function runLog(dir: string, name: string): LogEntry[] | null {
  const run = listRuns(dir).find((r) => r.name === name);
  return run ? readLog(path.join(dir, run.name, 'log.jsonl')) : null;
}
