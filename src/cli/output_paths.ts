// Output paths checked before any work: a file where a folder goes (or the reverse), a folder
// that cannot be created, a read-only mount or a folder without write permission each end in one
// line naming the option and the fix, instead of an error after the work is done.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { makeDir, pathKind } from '../util/fs.js';

/** The nearest folder that exists on the way up from `p` (p itself if it is one); a file on the way is refused. */
function existingAncestor(flag: string, p: string): string {
  let d = path.resolve(p);
  for (;;) {
    const k = pathKind(d);
    if (k === 'dir') return d;
    if (k !== null) throw new UserError(`${flag} ${p}: ${d} is ${k === 'file' ? 'a file' : 'a device or pipe'}, not a folder; choose another path`);
    const up = path.dirname(d);
    if (up === d) return d;
    d = up;
  }
}

function requireWritable(flag: string, p: string, dir: string): void {
  try { fs.accessSync(dir, fs.constants.W_OK); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'is on a read-only file system' : 'is not writable (permission denied)';
    throw new UserError(`${flag} ${p}: ${dir} ${why}; write somewhere else`);
  }
}

/**
 * A path starting with ~ that reached pixelwise was not expanded (quoted on the command line, or in
 * a recipe): written as given, it would make a folder named ~ here. Refused unless one exists.
 */
function refuseUnexpandedHome(flag: string, p: string): void {
  if (/^~[\\/]/.test(p) && !fs.existsSync('~')) throw new UserError(`${flag} ${p}: starts with ~, which only a shell expands (unquoted); give the full path (${path.join(os.homedir(), p.slice(2))})`);
}

/** `flag` names a folder the command writes files into: it may exist (as a folder) or not yet. */
export function checkOutputDir(flag: string, dir: string): void {
  refuseUnexpandedHome(flag, dir);
  const k = pathKind(dir);
  if (k === 'other') throw new UserError(`${flag} ${dir}: is a device or pipe, not a folder; name a folder`);
  if (k !== null && k !== 'dir') throw new UserError(`${flag} ${dir}: is a file, not a folder; name a folder (or remove the file)`);
  requireWritable(flag, dir, existingAncestor(flag, dir));
}

/** `flag` names one file the command writes (replaced when it exists); its folder is created. `ext`: the kind of file it is, for the example a folder's refusal gives. */
export function checkOutputFile(flag: string, file: string, ext: string): void {
  if (file === '-') return;
  refuseUnexpandedHome(flag, file);
  const k = pathKind(file);
  if (k === 'dir') throw new UserError(`${flag} ${file}: is a folder; name a file (e.g. ${path.join(file, 'out' + ext)})`);
  if (k === 'other') throw new UserError(`${flag} ${file}: is not a regular file; name a file to write`);
  const parent = path.dirname(path.resolve(file));
  requireWritable(flag, file, existingAncestor(flag, parent));
  try { makeDir(parent); } catch (e) {
    const why = e instanceof UserError ? e.message.slice(parent.length + 2) : (e as NodeJS.ErrnoException).code ?? String(e);
    throw new UserError(`${flag} ${file}: cannot create its folder ${parent} (${why.replace(/; choose another path$/, '')}); choose another path`);
  }
}

/**
 * Where a command that adds to a model package writes (calibrate, quantize): the package itself,
 * or with `--out` a new folder for a copy. A shipped model is part of the installed package and is
 * never rewritten; a copy never lands among other files.
 */
export function packageTarget(model: string, dir: string, out: string | undefined, copy: string, isShipped: boolean): string {
  if (out) {
    checkOutputDir('--out', out);
    if (pathKind(out) === 'dir' && fs.readdirSync(out).length) throw new UserError(`--out ${out}: not empty; name a new folder for ${copy}`);
    return out;
  }
  if (isShipped) throw new UserError(`--model ${model}: a shipped model is not changed in place; give --out DIR for ${copy}`);
  return dir;
}
