// Atomic file writes: temp file in the same folder, flushed to disk, then renamed, so a crash or a
// full disk never leaves a torn file under the final name.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.js';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try { fs.writeFileSync(fd, data); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new UserError(`${file}: the disk is full; nothing was written under this name (free some space and run again)`);
    if (code === 'EACCES' || code === 'EROFS') throw new UserError(`${file}: cannot write here (${code === 'EROFS' ? 'read-only file system' : 'permission denied'})`);
    throw e;
  }
}

export function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

export function isFile(p: string): boolean {
  try { return fs.statSync(p).isFile(); } catch { return false; }
}

export function stem(p: string): string {
  const b = path.basename(p);
  const i = b.lastIndexOf('.');
  return i > 0 ? b.slice(0, i) : b;
}
