// One benchmark run: `pixelwise train ARGV` in a child process, then `pixelwise evaluate` of the run
// folder on CamVid val (void ignored) at the original resolution. Shared by the CamVid benchmarks.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface RunScores { mIoU: number; pixelAccuracy: number; perClass: Record<string, { iou: number | null }> }

/**
 * The run's minutes and val scores, or null (said on stderr) when training or evaluation failed.
 * `reuse`: a run folder whose log already holds `epochs` epochs is evaluated without training again
 * (its minutes are the log's), and one stopped before (a checkpoint, fewer epochs) is resumed, so
 * a benchmark stopped anywhere continues where it stopped.
 */
export function trainThenEvaluate(name: string, argv: string[], out: string, camvid: string, reuse?: { epochs: number }): { minutes: number; scores: RunScores } | null {
  const log = (s: string) => process.stderr.write(s + '\n');
  const logFile = path.join(out, 'log.jsonl');
  const entries = reuse && fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; seconds: number; partial?: boolean }) : [];
  let minutes: number;
  if (reuse && entries.filter((e) => !e.partial).length >= reuse.epochs) {
    minutes = entries.reduce((a, e) => a + e.seconds, 0) / 60;
    log(`${name}: ${out} holds the finished run; evaluating it`);
  } else {
    const resumable = reuse && fs.existsSync(path.join(out, 'last.safetensors')) && fs.existsSync(path.join(out, 'train.json'));
    if (reuse && !resumable) fs.rmSync(out, { recursive: true, force: true });
    if (resumable) log(`${name}: resuming ${out}`);
    const t0 = Date.now();
    const t = spawnSync(process.execPath, ['bin/pixelwise.js', ...(resumable ? ['train', '--resume', out, '--quiet'] : argv)], { stdio: ['ignore', 'inherit', 'inherit'] });
    minutes = entries.reduce((a, e) => a + (resumable ? e.seconds : 0), 0) / 60 + (Date.now() - t0) / 60000;
    if (t.status !== 0) { log(`${name}: training failed (exit ${t.status})`); return null; }
  }
  const e = spawnSync(process.execPath, ['bin/pixelwise.js', 'evaluate', '--model', out, '--images', `${camvid}/val`, '--masks', `${camvid}/valannot`, '--ignore-index', '11', '--json', '--quiet', '--report', path.join(out, 'eval')], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (e.status !== 0) { log(`${name}: evaluation failed: ${e.stderr}`); return null; }
  const scores = JSON.parse(e.stdout) as RunScores;
  log(`${name}: val mIoU ${(100 * scores.mIoU).toFixed(2)} after ${minutes.toFixed(1)} min`);
  return { minutes, scores };
}
