// A labelling tool's download (a zip: CVAT's "COCO 1.0" or "CVAT for images" with its images, Label
// Studio's and VIA's exports zipped with theirs, a labelme folder; a tar: a Supervisely project) read
// as it is: extracted, streamed entry by entry, into OUT/export; the export's own file found in it by
// the format's rule; and the images folder found as the folder where the most of the images the
// export names are.
import fs from 'node:fs';
import path from 'node:path';
import { Unzip, UnzipInflate } from 'fflate';
import { Parser as TarParser, type ReadEntry } from 'tar';
import { UserError } from '../../util/errors.js';
import { isDir, makeDir } from '../../util/fs.js';
import { filesUnder } from '../image_list.js';
import { IMAGE_EXTS } from '../image_exts.js';
import type { AnnotationFormat } from './format_names.js';
import { headOf, topLevelKeys } from './sniff.js';

/** The archives a download comes as: a zip (most tools), a tar or gzip-compressed tar (Supervisely's). */
export type ArchiveKind = 'zip' | 'tar';

/** How refusals name an archive and say to unpack it by hand. */
export const archiveWords = (kind: ArchiveKind, file: string): { noun: string; unpack: string } =>
  kind === 'zip' ? { noun: 'zip', unpack: 'unzip it' } : { noun: 'archive', unpack: `unpack it (tar -xf ${path.basename(file)})` };

/**
 * Extracts the download `archive` into `dest` (replaced), entry by entry: memory stays bounded by
 * an entry's chunk, whatever the download's size. An entry naming a path out of `dest` (`../x`,
 * `/etc/x`: a "zip slip") is refused; macOS's `__MACOSX/` folders and `._` files (resource forks)
 * are left out, and so are a tar's symbolic links (a download holds files; a hard link is a copy).
 * Written to a sibling folder first and renamed: a stopped extraction leaves no half folder under
 * the name. `onBytes`: the archive's bytes read so far, of its size.
 */
export async function extractArchive(archive: string, kind: ArchiveKind, dest: string, onBytes?: (read: number, total: number) => void): Promise<void> {
  const partial = `${dest}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  makeDir(partial);
  const files = new EntryFiles(archive, kind, path.resolve(partial));
  const total = fs.statSync(archive).size;
  let failure: Error | null;
  try {
    failure = await (kind === 'zip' ? unzipInto : untarInto)(archive, files, (read) => onBytes?.(read, total));
  } finally {
    files.closeAll();
  }
  if (failure) { fs.rmSync(partial, { recursive: true, force: true }); throw failure; }
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(partial, dest);
}

/** The files an extraction writes: each entry's place checked, its descriptor held until its last chunk. */
class EntryFiles {
  private readonly open = new Set<number>();
  constructor(private readonly archive: string, private readonly kind: ArchiveKind, private readonly root: string) {}

  /** Where the entry `given` goes, or null for an entry left out; a path out of the folder throws. */
  private place(given: string): string | null {
    // Archives made on Windows may separate folders by backslashes.
    const name = given.replace(/\\/g, '/');
    if (name.endsWith('/') || name.startsWith('__MACOSX/') || path.posix.basename(name).startsWith('._')) return null;
    const target = path.resolve(this.root, name);
    if (path.isAbsolute(name) || !target.startsWith(this.root + path.sep)) {
      throw new UserError(`${this.archive}: the entry "${given}" would be written out of the folder it is extracted to; the ${archiveWords(this.kind, this.archive).noun} is not a tool's download`);
    }
    return target;
  }

  /** A descriptor to write the entry `given` to, or null for an entry left out; a path out of the folder throws. */
  create(given: string): number | null {
    const target = this.place(given);
    if (!target) return null;
    makeDir(path.dirname(target));
    const fd = fs.openSync(target, 'w');
    this.open.add(fd);
    return fd;
  }

  /** A tar's hard link: a copy of the file it names, extracted before it (tar writes a file once, then links to it). */
  copy(given: string, of: string): void {
    const target = this.place(given), source = this.place(of);
    if (!target || !source || !fs.existsSync(source)) return;
    makeDir(path.dirname(target));
    fs.copyFileSync(source, target);
  }

  close(fd: number): void { fs.closeSync(fd); this.open.delete(fd); }

  /** Entries begun and not ended: the archive stops inside one. */
  get unfinished(): number { return this.open.size; }

  closeAll(): void { for (const fd of this.open) fs.closeSync(fd); }

  /** A failure while writing the entries (the disk full or read-only) or reading the archive. */
  failure(e: unknown, readable: string): UserError {
    if (e instanceof UserError) return e;
    // The file system's errors carry a string code (ENOSPC) and a syscall; the archive readers' do not.
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === 'string' && err.syscall) return new UserError(`${this.archive}: cannot extract it into ${path.dirname(this.root)} (${err.code === 'ENOSPC' ? 'the disk is full' : err.message}); free space, or give another output folder`);
    return new UserError(`${this.archive}: not a readable ${readable} (${err.message}); download the export again`);
  }

  cutShort(): UserError {
    return new UserError(`${this.archive}: the ${archiveWords(this.kind, this.archive).noun} stops before its end (cut short?); download the export again`);
  }
}

/** Reads `file` chunk by chunk into `push` until it ends or `push` returns a failure. */
function streamInto(file: string, push: (chunk: Buffer) => Error | null, onRead: (read: number) => void, end: () => Error | null): Promise<Error | null> {
  return new Promise((resolve, reject) => {
    const stream = fs.createReadStream(file);
    let read = 0;
    stream.on('data', (chunk) => {
      read += chunk.length;
      onRead(read);
      const failure = push(chunk as Buffer);
      if (failure) { stream.destroy(); resolve(failure); }
    });
    stream.on('end', () => resolve(end()));
    stream.on('error', reject);
  });
}

/** A zip's entries into `files` (fflate's streaming reader). */
async function unzipInto(zip: string, files: EntryFiles, onRead: (read: number) => void): Promise<Error | null> {
  let failure: Error | null = null;
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (entry) => {
    if (failure) return;
    const fd = files.create(entry.name);
    if (fd == null) return;
    entry.ondata = (err, chunk, final) => {
      if (failure) return;
      if (err) { failure = new UserError(`${zip}: ${entry.name} does not decompress (${err.message}); download the export again`); return; }
      // A write that fails (a full disk) is the disk's failure, not the zip's.
      try { if (chunk.length) fs.writeSync(fd, chunk); } catch (e) { failure = files.failure(e, 'zip'); return; }
      if (final) files.close(fd);
    };
    entry.start();
  };
  const push = (chunk: Uint8Array, final = false): Error | null => {
    try { unzip.push(chunk, final); } catch (e) { failure ??= files.failure(e, 'zip'); }
    return failure;
  };
  const done = await streamInto(zip, (c) => push(c), onRead, () => push(new Uint8Array(0), true));
  return done ?? (files.unfinished || !zipEnds(zip) ? files.cutShort() : null);
}

/** The last `n` bytes of a file (all of a shorter one). */
function tailOf(file: string, n: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size, buf = Buffer.alloc(Math.min(n, size));
    fs.readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf;
  } finally { fs.closeSync(fd); }
}

// The streaming readers pass over an archive cut between entries, or inside an entry's header, in
// silence: what was read is all there seems to be. Each archive's end is checked instead.

/** Whether a zip ends as a whole one does: in its end-of-central-directory record (22 bytes and its comment, up to 64 KB). */
function zipEnds(zip: string): boolean {
  const tail = tailOf(zip, 22 + 0xffff);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50 && i + 22 + tail.readUInt16LE(i + 20) === tail.length) return true;
  }
  return false;
}

/**
 * Whether a tar ends as a whole one does: its size a multiple of 512 and its last two blocks zero
 * (the end-of-archive marker). A compressed one's stream ends in gzip's trailer, without which zlib
 * refuses it.
 */
function tarEnds(tar: string): boolean {
  const head = headOf(tar, 2);
  if (head && head[0] === 0x1f && head[1] === 0x8b) return true;
  const tail = tailOf(tar, 1024);
  return fs.statSync(tar).size % 512 === 0 && tail.length === 1024 && tail.every((b) => b === 0);
}

/** A tar's (or a gzip-compressed tar's) files into `files` (node-tar's streaming parser). */
async function untarInto(tar: string, files: EntryFiles, onRead: (read: number) => void): Promise<Error | null> {
  let failure: Error | null = null;
  // strict: a damaged header or checksum, a truncated archive, bad compressed data are errors, not warnings.
  const parser = new TarParser({ strict: true });
  parser.on('entry', (entry: ReadEntry) => {
    if (!failure && entry.type === 'Link' && entry.linkpath) {
      try { files.copy(entry.path, entry.linkpath); } catch (e) { failure = files.failure(e, 'tar archive'); }
    }
    const fd = failure || !['File', 'OldFile', 'ContiguousFile'].includes(entry.type) ? null : create(entry.path);
    if (fd == null) { entry.resume(); return; }
    entry.on('data', (chunk: Buffer) => {
      if (failure) return;
      try { fs.writeSync(fd, chunk); } catch (e) { failure = files.failure(e, 'tar archive'); }
    });
    entry.on('end', () => files.close(fd));
  });
  const create = (name: string): number | null => {
    try { return files.create(name); } catch (e) { failure = files.failure(e, 'tar archive'); return null; }
  };
  // Settled when the parser has taken the whole archive, or at its first error.
  const settled = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('close', resolve);
    parser.on('error', (e: Error & { code?: string }) => {
      // Truncated: node-tar's TAR_BAD_ARCHIVE "Truncated input", or gzip data that stops (zlib's Z_BUF_ERROR).
      failure ??= /Truncated input/.test(e.message) || e.code === 'Z_BUF_ERROR' ? files.cutShort() : files.failure(e, 'tar archive');
      resolve();
    });
  });
  const stopped = await streamInto(tar, (c) => { parser.write(c); return failure; }, onRead, () => { parser.end(); return null; });
  if (!stopped) await settled;
  return failure ?? (files.unfinished || !tarEnds(tar) ? files.cutShort() : null);
}

/** Every file (relative, '/'-separated) under an extracted download. */
const filesIn = (root: string): string[] => filesUnder(root, true, () => true);

/** Whether a JSON file suggests this format's export (cheap: COCO's top-level keys scanned for, the others' first 64 KB). */
function jsonLooksLike(file: string, from: AnnotationFormat): boolean {
  // COCO's "annotations" follows its images: past the head of a large export, so its keys are scanned for.
  if (from === 'coco') return topLevelKeys(file, ['images', 'annotations']).size === 2;
  const text = (headOf(file, 65536) ?? Buffer.alloc(0)).toString('utf8');
  // JSON-MIN records name their annotation by "annotation_id".
  if (from === 'labelstudio') return /^\s*\[/.test(text) && /"(annotations|predictions|annotation_id)"\s*:/.test(text);
  if (from === 'via') return /"(regions|_via_img_metadata|shape_attributes)"/.test(text);
  return true;
}

/**
 * The file or folder in an extracted download that `from` reads: COCO's annotations JSON, CVAT's
 * annotations.xml, Label Studio's or VIA's JSON, labelme's folder of JSON files, Supervisely's
 * project folder (the one holding meta.json). None, or several that are not one export, is refused
 * naming what was found.
 */
export function exportIn(root: string, archive: string, kind: ArchiveKind, from: AnnotationFormat): string {
  const { noun, unpack } = archiveWords(kind, archive);
  const files = filesIn(root);
  const pick = (found: string[], what: string): string => {
    if (found.length === 1) return path.join(root, found[0]);
    if (!found.length) {
      const masks = files.some((f) => path.posix.basename(f) === 'labelmap.txt');
      throw new UserError(`${archive}: no ${what} in the ${noun}; ${masks ? 'it looks like a CVAT Segmentation mask download: options.from cvat-mask' : `is it the tool's ${from} download?`}`);
    }
    throw new UserError(`${archive}: ${found.length} ${what}s in the ${noun} (${found.slice(0, 4).join(', ')}${found.length > 4 ? ', ...' : ''}); ${unpack} and convert each with its images folder`);
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
