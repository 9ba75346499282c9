// Atomic file writes: temp file in the same folder, flushed to disk, then renamed, so a crash or a
// full disk never leaves a torn file under the final name.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.js';

/**
 * `mkdir -p`: the folder and those above it that are missing. Node's own recursive mkdir never
 * returns (nor hears Ctrl-C) where a pseudo file system refuses new folders (/proc/x: ENOENT for
 * the folder, EEXIST for its parent, and again); this walks down once and says why it stopped.
 */
export function makeDir(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !isDir(d);) {
    missing.push(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const d of missing.reverse()) {
    try { fs.mkdirSync(d); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && isDir(d)) continue; // made meanwhile by another process
      if (code === 'EEXIST' && fs.lstatSync(d, { throwIfNoEntry: false })?.isSymbolicLink()) throw new UserError(`${dir}: ${d} is a link to ${fs.readlinkSync(d)}, which is not there; create it or choose another path`);
      if (code === 'EEXIST' || code === 'ENOTDIR') throw new UserError(`${dir}: ${d} is a file, not a folder; choose another path`);
      if (code === 'ENOENT') throw new UserError(`${dir}: ${path.dirname(d)} does not take new folders; choose another path`);
      throw userFacing(dir, e, 'no folder was made') ?? e;
    }
  }
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  makeDir(path.dirname(file));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try { fs.writeFileSync(fd, data); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw userFacing(file, e, 'nothing was written under this name') ?? e;
  }
}

/** Copies `from` to `to` through writeFileAtomic: a full disk leaves nothing under `to`'s name, said in one line. */
export function copyFileAtomic(from: string, to: string): void {
  writeFileAtomic(to, fs.readFileSync(from));
}

/**
 * Why `file` could not be opened to read `what` (an image, a mask), as the one line a user acts on:
 * it is missing, a folder, or not readable; undefined for other errors (the reader words those).
 */
export function readFailure(file: string, what: string, e: unknown): UserError | undefined {
  const code = (e as NodeJS.ErrnoException)?.code, a = /^[aeiou]/.test(what) ? 'an' : 'a';
  if (code === 'ENOENT') return new UserError(`${file}: cannot read ${what} (no such file); check the path`);
  if (code === 'EISDIR') return new UserError(`${file}: a folder, not ${a} ${what} file; give ${a} ${what} in it`);
  if (code === 'EACCES') return new UserError(`${file}: cannot read ${what} (permission denied); make the file readable (chmod)`);
  return undefined;
}

/** A file system error as the one line a user acts on, or null when it is not one of those. */
function userFacing(file: string, e: unknown, what: string): UserError | null {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new UserError(`${file}: the disk is full; ${what} (free some space and run again)`);
  if (code === 'EACCES' || code === 'EROFS') return new UserError(`${file}: cannot write here (${code === 'EROFS' ? 'read-only file system' : 'permission denied'})`);
  return null;
}

/**
 * Appends one line to a log of JSON lines (readJsonLines). A kill can cut the last line short;
 * the reader passes over it.
 */
export function appendLine(file: string, line: string): void {
  try { fs.appendFileSync(file, line + '\n'); } catch (e) { throw userFacing(file, e, 'its last line may be cut short, which is passed over') ?? e; }
}

/** Before appending to a log of lines: a last line cut short by a kill is ended, so that it spoils itself alone. */
export function endCutLine(file: string): void {
  let fd: number;
  try { fd = fs.openSync(file, 'r+'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw userFacing(file, e, 'nothing was written') ?? e;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const last = Buffer.alloc(1);
    if (size && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) fs.writeSync(fd, '\n', size);
  } catch (e) { throw userFacing(file, e, 'nothing was written') ?? e; } finally { fs.closeSync(fd); }
}

/** The one line for a file past what is read whole (`limit`), with its size and `remedy` (how to make it smaller). */
const tooLarge = (file: string, limit: string, remedy: string) =>
  new UserError(`${file}: ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB, more than one file is read as (${limit}); ${remedy}`);

/** A file's bytes, whole; past what Node reads at once (2 GB), one line naming it, its size and `remedy`. */
export function readWholeFile(file: string, remedy: string): Buffer {
  try { return fs.readFileSync(file); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_FS_FILE_TOO_LARGE') throw tooLarge(file, '2 GB', remedy);
    throw e;
  }
}

/** A text file as one string; past what a string holds (V8: 2^29 - 24 characters, about 512 MB), one line as readWholeFile's. */
export function readTextFile(file: string, remedy: string): string {
  const bytes = readWholeFile(file, remedy);
  try { return bytes.toString('utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') throw tooLarge(file, '512 MB of text', remedy);
    throw e;
  }
}

/** The JSON values of a file's lines (none when there is no file), passing over lines that do not parse (cut short by a kill). */
export function readJsonLines<T>(file: string): T[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new UserError(`${file}: cannot read (${code === 'EISDIR' ? 'a folder, not a file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}); move it away`);
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try { out.push(JSON.parse(line) as T); } catch { /* cut short */ }
  }
  return out;
}

/** Size and modification time: a file changed since has other ones (as make and rank judge it). */
export function fileStamp(file: string): { bytes: number; mtimeMs: number } | null {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st?.isFile() ? { bytes: st.size, mtimeMs: st.mtimeMs } : null;
}

/** Whether `p` is `dir` or lies under it (by path, links not followed). */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(p));
  return rel.split(path.sep)[0] !== '..' && !path.isAbsolute(rel);
}

export function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

/** Why a path is not a folder, in a message's words: a file, or nothing there at all. */
export function notFolder(p: string): string {
  return isFile(p) ? 'a file, not a folder; give the folder that holds it' : 'folder not found';
}

/** What is at a path, links followed: a folder, a regular file, something else (a pipe, socket or device), or nothing readable (null). */
export function pathKind(p: string): 'dir' | 'file' | 'other' | null {
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch { return null; }
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
}

export function isFile(p: string): boolean {
  try { return fs.statSync(p).isFile(); } catch { return false; }
}

export function stem(p: string): string {
  const b = path.basename(p);
  const i = b.lastIndexOf('.');
  return i > 0 ? b.slice(0, i) : b;
}
