// Training runs under --runs DIR for the dashboard: each folder with a log.jsonl (written by the
// trainer, one JSON object per epoch) is a run; names are checked against the listing, never joined blindly.
// Everything here is asynchronous and reads regular files only: a request handler must never
// block the event loop on a user's path (a FIFO named log.jsonl would hold a synchronous read forever).
import fsp from 'node:fs/promises';
import path from 'node:path';
import { finishedEpochs, parseLog, type LogEntry } from '../train/run_log.js';

export interface RunSummary { name: string; arch: string | null; epochs: number; bestMIoU: number | null; lastLoss: number | null; updated: string }

/** A file's text if it is a regular file below the size a run's log or config can reach, else null. */
async function readRegular(file: string, maxBytes = 64 * 2 ** 20): Promise<{ text: string; mtime: Date } | null> {
  try {
    const st = await fsp.stat(file);
    if (!st.isFile() || st.size > maxBytes) return null;
    return { text: await fsp.readFile(file, 'utf8'), mtime: st.mtime };
  } catch { return null; }
}

export async function listRuns(dir: string): Promise<RunSummary[]> {
  let entries;
  try { entries = await fsp.readdir(dir, { withFileTypes: true }); } catch { return []; }
  const runs = await Promise.all(entries.filter((d) => d.isDirectory()).map((d) => summarize(dir, d.name)));
  return runs.filter((r): r is RunSummary => r !== null).sort((a, b) => b.updated.localeCompare(a.updated));
}

async function summarize(dir: string, name: string): Promise<RunSummary | null> {
  const logFile = await readRegular(path.join(dir, name, 'log.jsonl'));
  if (!logFile) return null;
  const log = parseLog(logFile.text);
  const vals = log.map((e) => e.val?.mIoU).filter((v): v is number => typeof v === 'number');
  let arch: string | null = null;
  const cfg = await readRegular(path.join(dir, name, 'train.json'));
  try { arch = cfg ? JSON.parse(cfg.text).model?.arch ?? null : null; } catch { /* a run without its config still lists */ }
  return {
    name, arch, epochs: finishedEpochs(log), bestMIoU: vals.length ? Math.max(...vals) : null,
    lastLoss: log.at(-1)?.loss ?? null, updated: logFile.mtime.toISOString(),
  };
}

/** The log of run `name` if it is one of the listed runs (no path from a request reaches the disk otherwise). */
export async function runLog(dir: string, name: string): Promise<LogEntry[] | null> {
  const run = (await listRuns(dir)).find((r) => r.name === name);
  if (!run) return null;
  const f = await readRegular(path.join(dir, run.name, 'log.jsonl'));
  return f ? parseLog(f.text) : null;
}
