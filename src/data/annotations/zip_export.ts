// A labelling tool's zip download (CVAT's "COCO 1.0" or "CVAT for images" with its images, Label
// Studio's and VIA's exports zipped with theirs, a labelme folder, a Supervisely project) read as
// it is: extracted, streamed entry by entry, into OUT/export; the export's own file found in it by
// the format's rule; and the images folder found as the folder where the most of the images the
// export names are.
import fs from 'node:fs';
import path from 'node:path';
import { Unzip, UnzipInflate } from 'fflate';
import { UserError } from '../../util/errors.js';
import { isDir } from '../../util/fs.js';
import { filesUnder } from '../image_list.js';
import { IMAGE_EXTS } from '../image_exts.js';
import type { AnnotationFormat } from './format_names.js';

/**
 * Extracts `zip` into `dest` (replaced), entry by entry: memory stays bounded by an entry's chunk,
 * whatever the download's size. An entry naming a path out of `dest` (`../x`, `/etc/x`: a "zip
 * slip") is refused; macOS's `__MACOSX/` resource forks are left out. Written to a sibling folder
 * first and renamed: a stopped extraction leaves no half folder under the name. `onBytes`: the
 * archive's bytes read so far, of its size.
 */
export async function extractZip(zip: string, dest: string, onBytes?: (read: number, total: number) => void): Promise<void> {
  const partial = `${dest}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const root = path.resolve(partial);
  let failure: Error | null = null;
  const open = new Set<number>();
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (entry) => {
    // Zips made on Windows may separate folders by backslashes.
    const name = entry.name.replace(/\\/g, '/');
    if (failure || name.endsWith('/') || name.startsWith('__MACOSX/')) return;
    const target = path.resolve(root, name);
    if (path.isAbsolute(name) || !target.startsWith(root + path.sep)) {
      failure = new UserError(`${zip}: the entry "${entry.name}" would be written out of the folder it is extracted to; the zip is not a tool's download`);
      return;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const fd = fs.openSync(target, 'w');
    open.add(fd);
    entry.ondata = (err, chunk, final) => {
      if (err) { failure ??= new UserError(`${zip}: ${name} does not decompress (${err.message}); download the export again`); return; }
      if (chunk.length) fs.writeSync(fd, chunk);
      if (final) { fs.closeSync(fd); open.delete(fd); }
    };
    entry.start();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = fs.createReadStream(zip);
      const total = fs.statSync(zip).size;
      let read = 0;
      stream.on('data', (chunk) => {
        read += chunk.length;
        onBytes?.(read, total);
        try { unzip.push(chunk as Buffer); } catch (e) { failure ??= unzipError(zip, dest, e); stream.destroy(); resolve(); }
        if (failure) { stream.destroy(); resolve(); }
      });
      stream.on('end', () => {
        try { unzip.push(new Uint8Array(0), true); } catch (e) { failure ??= unzipError(zip, dest, e); }
        resolve();
      });
      stream.on('error', reject);
    });
  } finally {
    for (const fd of open) fs.closeSync(fd);
  }
  if (!failure && open.size) failure = new UserError(`${zip}: the zip ends inside an entry (cut short?); download the export again`);
  if (failure) { fs.rmSync(partial, { recursive: true, force: true }); throw failure; }
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(partial, dest);
}

/** A failure while extracting: the disk's (full, read-only: writing the entries) or the archive's. */
function unzipError(zip: string, dest: string, e: unknown): UserError {
  // The file system's errors carry a string code (ENOSPC); fflate's a number.
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code === 'string') return new UserError(`${zip}: cannot extract it into ${dest} (${code === 'ENOSPC' ? 'the disk is full' : (e as Error).message}); free space, or give another output folder`);
  return new UserError(`${zip}: not a readable zip (${(e as Error).message}); download the export again`);
}

/** Every file (relative, '/'-separated) under an extracted download. */
const filesIn = (root: string): string[] => filesUnder(root, true, () => true);

/** Whether a JSON file's start suggests this format's export (cheap: the first 64 KB). */
function jsonLooksLike(file: string, from: AnnotationFormat): boolean {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(65536);
  let n = 0;
  try { n = fs.readSync(fd, head, 0, head.length, 0); } finally { fs.closeSync(fd); }
  const text = head.subarray(0, n).toString('utf8');
  if (from === 'coco') return /"annotations"\s*:/.test(text) && /"categories"\s*:/.test(text);
  if (from === 'labelstudio') return /^\s*\[/.test(text) && /"(annotations|predictions)"\s*:/.test(text);
  if (from === 'via') return /"(regions|_via_img_metadata|shape_attributes)"/.test(text);
  return true;
}

/**
 * The file or folder in an extracted download that `from` reads: COCO's annotations JSON, CVAT's
 * annotations.xml, Label Studio's or VIA's JSON, labelme's folder of JSON files, Supervisely's
 * project folder (the one holding meta.json). None, or several that are not one export, is refused
 * naming what was found.
 */
export function exportIn(root: string, zip: string, from: AnnotationFormat): string {
  const files = filesIn(root);
  const pick = (found: string[], what: string): string => {
    if (found.length === 1) return path.join(root, found[0]);
    if (!found.length) {
      const masks = files.some((f) => path.posix.basename(f) === 'labelmap.txt');
      throw new UserError(`${zip}: no ${what} in the zip; ${masks ? 'it looks like a CVAT Segmentation mask download: options.from cvat-mask' : `is it the tool's ${from} download?`}`);
    }
    throw new UserError(`${zip}: ${found.length} ${what}s in the zip (${found.slice(0, 4).join(', ')}${found.length > 4 ? ', ...' : ''}); unzip it and convert each with its images folder`);
  };
  const json = files.filter((f) => f.toLowerCase().endsWith('.json'));
  switch (from) {
    case 'cvat': return pick(files.filter((f) => f.toLowerCase().endsWith('.xml')), 'XML annotation file');
    case 'yolo': return pick(files.filter((f) => /\.ya?ml$/i.test(f)), 'dataset YAML (data.yaml)');
    case 'supervisely': {
      const metas = files.filter((f) => path.posix.basename(f) === 'meta.json').map((f) => path.posix.dirname(f));
      if (metas.length === 1) return metas[0] === '.' ? root : path.join(root, metas[0]);
      return pick(metas.map((m) => `${m}/meta.json`), 'Supervisely project (meta.json)');
    }
    case 'labelme': {
      const dirs = [...new Set(json.map((f) => path.posix.dirname(f)))];
      if (!dirs.length) return pick([], 'labelme JSON file');
      // One folder of JSON files, or a tree of them (labelme's train/ and test/): the folder above them all.
      const common = dirs.map((d) => (d === '.' ? [] : d.split('/'))).reduce((a, b) => a.filter((p, i) => b[i] === p));
      return common.length ? path.join(root, ...common) : root;
    }
    default: return pick(json.filter((f) => jsonLooksLike(path.join(root, f), from)), `${from === 'coco' ? 'COCO' : from === 'via' ? 'VIA' : 'Label Studio'} JSON file`);
  }
}

/** A split's name as downloads name their folders (Roboflow: train/, valid/, test/). */
const SPLIT_FOLDERS: Record<string, 'train' | 'val' | 'test'> = { train: 'train', training: 'train', valid: 'val', val: 'val', validation: 'val', test: 'test', testing: 'test' };

/** The split a folder's name says (train, valid, test and their other spellings), if any. */
export const splitFolder = (name: string): 'train' | 'val' | 'test' | undefined => SPLIT_FOLDERS[name.toLowerCase()];

/**
 * COCO files of a download that holds one per split: each in a folder named as the split, beside
 * its images (Roboflow's train/, valid/, test/), or named by it (CVAT's subsets:
 * annotations/instances_Train.json, its images in images/Train/). The files by split, with the
 * name of the folder their images are likeliest in; null unless every file names a split and no
 * two the same.
 */
export function cocoSplitsIn(root: string): { split: 'train' | 'val' | 'test'; file: string; folder: string }[] | null {
  const found = filesIn(root).filter((f) => f.toLowerCase().endsWith('.json') && jsonLooksLike(path.join(root, f), 'coco'));
  if (found.length < 2) return null;
  const splits = found.map((f) => {
    const dir = path.posix.dirname(f).split('/').pop()!;
    const subset = /^instances_(.+)\.json$/i.exec(path.posix.basename(f))?.[1];
    const folder = splitFolder(dir) ? dir : subset ?? '';
    return { split: splitFolder(folder), file: path.join(root, f), folder };
  });
  if (splits.some((s) => !s.split) || new Set(splits.map((s) => s.split)).size !== splits.length) return null;
  return splits as { split: 'train' | 'val' | 'test'; file: string; folder: string }[];
}

/**
 * The folder under `root` where the most of the export's images are found (`found(dir)`: how many
 * of them a folder holds, by the export's own paths and names); on a tie, one named `prefer`, else
 * the shallower. Folders that hold image files are tried, and each folder above them.
 */
export function imagesFolderIn(root: string, found: (dir: string) => number, prefer = ''): { dir: string; found: number } {
  const images = filesIn(root).filter((f) => IMAGE_EXTS.includes(path.posix.extname(f).toLowerCase()));
  const dirs = new Set<string>(['']);
  for (const f of images) {
    const parts = path.posix.dirname(f).split('/').filter((p) => p !== '.');
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  let best = { dir: root, found: -1, depth: Infinity };
  for (const d of dirs) {
    const dir = d ? path.join(root, d) : root;
    if (!isDir(dir)) continue;
    // A folder named `prefer` (the split's) wins a tie before a shallower one: a name in two splits' folders.
    const n = found(dir), depth = prefer && path.posix.basename(d).toLowerCase() === prefer.toLowerCase() ? -1 : d ? d.split('/').length : 0;
    if (n > best.found || (n === best.found && depth < best.depth)) best = { dir, found: n, depth };
  }
  return { dir: best.dir, found: Math.max(0, best.found) };
}
