// The images a command is given (files and folders) and the output name of each.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { isDir, isFile, pathKind, stem } from '../util/fs.js';
import { IMAGE_EXTS, IMAGE_KINDS, UNREADABLE_PHOTO_EXTS } from './image_exts.js';

const HEIC_HINT = 'pixelwise cannot decode HEIC (sharp has no HEVC decoder): convert them to JPEG or AVIF first';

/** An image a command is given: its file, and its name: the file's name or, under a folder given, its path there (`sub/x.png`). */
export interface InputImage { file: string; name: string }

const byExt = (exts: readonly string[]) => (f: string) => exts.includes(path.extname(f).toLowerCase());

/**
 * The images named: files as given, folders' images (by extension; with `recursive`, those of
 * their subfolders too) in name order, hidden files left out. HEIC photos in a folder are not
 * images here: `onPassedOver` hears of them (a folder of nothing else is refused); without
 * `recursive`, `onSubfolders` hears of a folder's subfolders, not looked in (given for a caller
 * that offers `recursive`: a folder of subfolders alone is refused naming it).
 */
export function collectInputs(inputs: string[], o: {
  recursive?: boolean; onPassedOver?: (files: string[], why: string) => void; onSubfolders?: (folder: string, subfolders: string[]) => void;
  /** Image files of the folders that are not inputs (a command's own outputs there). */
  exclude?: (file: string) => boolean;
  /** An image given again (a file also in a folder given, or by another path or link): taken once, as first given. */
  onRepeated?: (file: string, first: string) => void;
} = {}): InputImage[] {
  const out: InputImage[] = [];
  const seen = new Map<string, string>();
  const add = (x: InputImage) => {
    const real = fs.realpathSync(x.file);
    const first = seen.get(real);
    if (first === undefined) { seen.set(real, x.file); out.push(x); } else o.onRepeated?.(x.file, first);
  };
  for (const p of inputs) {
    if (isDir(p)) {
      const found = filesUnder(p, !!o.recursive, byExt(IMAGE_EXTS)).filter((f) => !o.exclude?.(path.join(p, f)));
      const heic = filesUnder(p, !!o.recursive, byExt(UNREADABLE_PHOTO_EXTS)).map((f) => path.join(p, f));
      const subfolders = o.recursive || !o.onSubfolders ? [] : fs.readdirSync(p, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => path.join(p, e.name));
      if (!found.length) {
        const n = subfolders.length;
        throw new UserError(`${p}: no images (${IMAGE_KINDS}) in this folder${o.recursive ? ' or its subfolders' : ''}${heic.length ? `; ${heic.length} HEIC photo${heic.length > 1 ? 's' : ''}: ${HEIC_HINT}` : n ? `; its ${n} subfolder${n > 1 ? 's' : ''} not looked in (options.recursive takes their images)` : ''}`);
      }
      if (heic.length) o.onPassedOver?.(heic, HEIC_HINT);
      if (subfolders.length) o.onSubfolders?.(p, subfolders);
      for (const name of found) add({ file: path.join(p, name), name });
    } else if (isFile(p)) add({ file: p, name: path.basename(p) });
    else if (p === '-') throw new UserError('-: images are read from files and folders, not from a stream on stdin (only video reads one); save the image and give its path');
    else if (fs.existsSync(p)) throw new UserError(`${p}: not a file or folder (a pipe, socket or device); save the image and give its path`);
    else throw new UserError(`${p}: no such file or folder`);
  }
  return out;
}

/** The image files named (collectInputs, folders without their subfolders). */
export function collectImages(inputs: string[], onPassedOver?: (files: string[], why: string) => void): string[] {
  return collectInputs(inputs, { onPassedOver }).map((x) => x.file);
}

/**
 * The files in `dir` that `keep` takes by name (in subfolders too when `recursive`), as paths
 * relative to it, in name order; hidden ones left out. A folder reached again through a link (a
 * link to a folder above it) is walked once.
 */
export function filesUnder(dir: string, recursive: boolean, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (rel: string) => {
    const here = path.join(dir, rel);
    let names: string[], real: string;
    try { names = fs.readdirSync(here).sort(); real = fs.realpathSync(here); } catch (e) {
      throw new UserError(`${here}: cannot read this folder (${(e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (e as Error).message}); make it readable or move it out of the folders given`);
    }
    if (seen.has(real)) return;
    seen.add(real);
    for (const f of names) {
      if (f.startsWith('.')) continue;
      const r = rel ? `${rel}/${f}` : f, kind = pathKind(path.join(dir, r)); // a broken link (null) stays: its reader names it
      if (kind === 'dir') { if (recursive) walk(r); continue; }
      // A pipe, socket or device is no image file: reading one named like an image (b.png) would wait for ever.
      if (kind !== 'other' && keep(f)) out.push(r);
    }
  };
  walk('');
  return out;
}

/** The images in `dir` (by extension; in subfolders too when `recursive`) as paths relative to it, in name order. */
export const imagesUnder = (dir: string, recursive: boolean): string[] => filesUnder(dir, recursive, byExt(IMAGE_EXTS));

/**
 * Each input's output name, from its name (InputImage.name: `x.png`, `sub/x.png`): the name less
 * its extension (`sub/x`), or for a second input of that stem (a.jpg beside a.png) the stem with
 * its extension (a_png), made unique.
 */
export function outputNames(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((n) => {
    const dir = path.posix.dirname(n.split(path.sep).join('/'));
    let name = (dir === '.' ? '' : `${dir}/`) + stem(n);
    if (used.has(name)) name = `${name}_${path.extname(n).slice(1).toLowerCase()}`;
    while (used.has(name)) name += '_';
    used.add(name);
    return name;
  });
}
