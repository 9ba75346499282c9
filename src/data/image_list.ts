// The images a command is given (files and folders) and the output name of each.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { isDir, isFile, stem } from '../util/fs.js';
import { IMAGE_EXTS, IMAGE_KINDS, UNREADABLE_PHOTO_EXTS } from './image_exts.js';

const HEIC_HINT = 'pixelwise cannot decode HEIC (sharp has no HEVC decoder): convert them to JPEG or AVIF first';

/**
 * The images named: files as given, folders' images (by extension) in name order. HEIC photos in a
 * folder are not images here: `onPassedOver` hears of them (a folder of nothing else is refused).
 */
export function collectImages(inputs: string[], onPassedOver?: (files: string[], why: string) => void): string[] {
  const files: string[] = [];
  for (const p of inputs) {
    if (isDir(p)) {
      const names = fs.readdirSync(p).sort();
      const found = names.filter((f) => IMAGE_EXTS.includes(path.extname(f).toLowerCase())).map((f) => path.join(p, f));
      const heic = names.filter((f) => UNREADABLE_PHOTO_EXTS.includes(path.extname(f).toLowerCase())).map((f) => path.join(p, f));
      if (!found.length) throw new UserError(`${p}: no images (${IMAGE_KINDS}) in this folder${heic.length ? `; ${heic.length} HEIC photo${heic.length > 1 ? 's' : ''}: ${HEIC_HINT}` : ''}`);
      if (heic.length) onPassedOver?.(heic, HEIC_HINT);
      files.push(...found);
    } else if (isFile(p)) files.push(p);
    else throw new UserError(`${p}: no such file or folder`);
  }
  return files;
}

/** The files in `dir` that `keep` takes by name (in subfolders too when `recursive`), as paths relative to it, in name order; hidden ones left out. */
export function filesUnder(dir: string, recursive: boolean, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const f of fs.readdirSync(path.join(dir, rel)).sort()) {
      if (f.startsWith('.')) continue;
      const r = rel ? `${rel}/${f}` : f;
      if (isDir(path.join(dir, r))) { if (recursive) walk(r); continue; }
      if (keep(f)) out.push(r);
    }
  };
  walk('');
  return out;
}

/** The images in `dir` (by extension; in subfolders too when `recursive`) as paths relative to it, in name order. */
export const imagesUnder = (dir: string, recursive: boolean): string[] => filesUnder(dir, recursive, (f) => IMAGE_EXTS.includes(path.extname(f).toLowerCase()));

/**
 * Each input's output name: its stem, or for a second input with the same stem (a.jpg beside
 * a.png) the stem with its extension (a_png), made unique.
 */
export function outputNames(files: string[]): string[] {
  const used = new Set<string>();
  return files.map((f) => {
    let name = stem(f);
    if (used.has(name)) name = `${name}_${path.extname(f).slice(1).toLowerCase()}`;
    while (used.has(name)) name += '_';
    used.add(name);
    return name;
  });
}
