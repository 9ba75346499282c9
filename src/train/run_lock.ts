// One trainer per run folder: a second `train --resume` on a folder that is being trained would
// interleave checkpoints and logs. The lock is a file holding the owner's pid, created exclusively;
// a lock whose process is gone (killed, crashed) is taken over.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { makeDir } from '../util/fs.js';

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** The pid of the live process that holds the run folder's lock, or null when none does. */
export function runLockOwner(runDir: string): number | null {
  let owner: number;
  try { owner = Number(fs.readFileSync(path.join(runDir, '.train.lock'), 'utf8')); } catch { return null; }
  return owner && owner !== process.pid && alive(owner) ? owner : null;
}

/** Takes the run folder's lock; returns its release. */
export function lockRun(runDir: string): () => void {
  makeDir(runDir);
  const file = path.join(runDir, '.train.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      const release = () => { try { if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.rmSync(file); } catch { /* already gone */ } };
      process.once('exit', release);
      return () => { process.off('exit', release); release(); };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = runLockOwner(runDir);
      if (owner) throw new UserError(`${runDir}: being trained by process ${owner}; stop it (Ctrl-C, or kill ${owner}) before training this run again`);
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new UserError(`${runDir}: cannot take the run's lock (${file})`);
}
