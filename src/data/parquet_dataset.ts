// Datasets as Hugging Face publishes them: Parquet files whose rows hold an image and its mask as
// encoded files (the `Image` feature: a struct of `bytes` and `path`), split by file name
// (data/train-00000-of-00002.parquet) or folder (default/validation/0000.parquet), class names in
// id2label.json beside them. Written out as a folder of images and PNG masks with split lists, as
// convert writes every other export: what train, evaluate and verify read.
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, asyncBufferFromFile, type Compressors, type FileMetaData } from 'hyparquet';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { isDir, isFile, writeFileAtomic, makeDir } from '../util/fs.js';
import { decodeMask } from './mask_io.js';
import { defaultPalette, type ClassInfo } from './classes.js';
import { holdOut } from './hold_out.js';
import { splitListText } from './dataset.js';
import { imageExtsOf } from './image_exts.js';

export interface ParquetImportOptions {
  /** A .parquet file, or a folder holding them (searched below it). */
  input: string;
  out: string;
  /** The columns of the image and the mask (default: found by the dataset's features and names). */
  imageColumn?: string;
  maskColumn?: string;
  /** The classes (default: id2label.json in or above the files, else class 0..N by the masks' values). */
  classes?: ClassInfo[];
  /** Hold this share of the train split out as val (by a hash of each name), for a dataset without a validation split. */
  valFraction?: number;
  onImage?: (done: number, total: number) => void;
}

export interface ParquetImportReport {
  images: string; masks: string; classFile: string; classes: ClassInfo[];
  /** Where the class names came from. */
  classSource: 'given' | 'id2label.json' | 'mask values';
  /** Each split's list of images (train.txt, val.txt, test.txt) and its count; list.txt names them all. */
  splits: { name: string; list: string; count: number }[];
  list: string;
  columns: { image: string; mask: string };
}

const SPLIT_NAMES: Record<string, string> = { train: 'train', training: 'train', validation: 'val', valid: 'val', val: 'val', dev: 'val', test: 'test', testing: 'test' };
const IMAGE_NAMES = ['image', 'img', 'pixel_values', 'rgb', 'input', 'images'];
const MASK_NAMES = ['label', 'annotation', 'mask', 'semantic_segmentation', 'segmentation', 'labels', 'gt', 'target', 'seg', 'masks', 'label_image'];

/** The split a file belongs to: its name's first word (train-00000-of-00001.parquet), else the nearest folder named like a split. */
export function splitOfFile(file: string, root: string): string {
  const word = /^([a-z]+)/i.exec(path.basename(file))?.[1]?.toLowerCase();
  if (word && SPLIT_NAMES[word]) return SPLIT_NAMES[word];
  for (const part of path.relative(root, path.dirname(file)).split(path.sep).reverse()) if (SPLIT_NAMES[part.toLowerCase()]) return SPLIT_NAMES[part.toLowerCase()];
  return 'train';
}

function parquetFiles(input: string): { root: string; files: string[] } {
  if (isFile(input)) {
    if (!input.toLowerCase().endsWith('.parquet')) throw new UserError(`${input}: not a .parquet file; give a Parquet file or the folder of a downloaded dataset`);
    return { root: path.dirname(input), files: [input] };
  }
  if (!isDir(input)) throw new UserError(`${input}: no such file or folder`);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue; // .cache/ of huggingface_hub downloads
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.toLowerCase().endsWith('.parquet')) files.push(p);
    }
  };
  walk(input);
  if (!files.length) throw new UserError(`${input}: holds no .parquet files; give the folder a Hugging Face dataset was downloaded to (its data/*.parquet)`);
  return { root: input, files };
}

/** The columns holding encoded images: the dataset's Image features where its metadata names them, else structs with a `bytes` field. */
function imageColumns(meta: FileMetaData): string[] {
  const hf = meta.key_value_metadata?.find((k) => k.key === 'huggingface')?.value;
  if (hf) {
    try {
      const features = (JSON.parse(hf) as { info?: { features?: Record<string, { _type?: string }> } }).info?.features ?? {};
      const named = Object.entries(features).filter(([, f]) => f?._type === 'Image').map(([n]) => n);
      if (named.length) return named;
    } catch { /* not JSON: found by structure */ }
  }
  return parquetSchema(meta).children.filter((c) => c.children.some((k) => k.element.name === 'bytes' && !k.children.length)).map((c) => c.element.name);
}

/** The file's top-level columns. */
const topColumns = (meta: FileMetaData): string[] => parquetSchema(meta).children.map((c) => c.element.name);

function pickColumns(meta: FileMetaData, file: string, o: ParquetImportOptions): { image: string; mask: string } {
  const all = topColumns(meta), images = imageColumns(meta);
  for (const [k, v] of [['imageColumn', o.imageColumn], ['maskColumn', o.maskColumn]] as const) {
    if (v != null && !all.includes(v)) throw argumentError(k, v, `${file} has no such column (columns: ${all.join(', ')})`);
    if (v != null && !images.includes(v)) throw argumentError(k, v, `in ${file}, not a column of encoded images (those: ${images.join(', ') || 'none'})`);
  }
  const byName = (names: string[], not?: string) => images.find((c) => c !== not && names.includes(c.toLowerCase()));
  const image = o.imageColumn ?? byName(IMAGE_NAMES) ?? images.find((c) => !MASK_NAMES.includes(c.toLowerCase()));
  const mask = o.maskColumn ?? byName(MASK_NAMES, image) ?? images.find((c) => c !== image);
  if (!image || !mask || image === mask) throw new UserError(`${file}: cannot tell the image and mask columns apart (columns: ${all.join(', ')}; of images: ${images.join(', ') || 'none'}); name them with options.imageColumn and options.maskColumn`);
  return { image, mask };
}

/** id2label.json beside the files, as Hugging Face's segmentation datasets carry it ({"0": "road", ...}): in the folder given, or by the file given or its folder's parent. */
function id2label(input: string): ClassInfo[] | null {
  const places = isDir(input) ? [input] : [path.dirname(input), path.dirname(path.dirname(input))];
  const f = places.map((d) => path.join(d, 'id2label.json')).find(isFile);
  if (!f) return null;
  let raw: unknown;
  try { raw = JSON.parse(fs.readFileSync(f, 'utf8')); } catch (e) { throw new UserError(`${f}: not JSON (${(e as Error).message}); expected {"0": "name", ...}`); }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${f}: expected {"0": "name", "1": "name", ...}`);
  const entries = Object.entries(raw as Record<string, unknown>).map(([k, v]) => [Number(k), v] as const);
  if (!entries.length || entries.some(([k, v]) => !Number.isInteger(k) || k < 0 || k > 254 || typeof v !== 'string')) throw new UserError(`${f}: expected class ids 0..254 as keys and names as values`);
  const n = Math.max(...entries.map(([k]) => k)) + 1, palette = defaultPalette(n), names = new Map(entries);
  return Array.from({ length: n }, (_, i) => ({ name: (names.get(i) as string | undefined) ?? `class ${i}`, color: palette[i] }));
}

/** Codecs beyond hyparquet's own (snappy, uncompressed), from Node's zlib: gzip, brotli, and zstd where this Node has it (22.15 on). */
const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
const COMPRESSORS: Compressors = {
  GZIP: (input) => zlib.gunzipSync(input),
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  ...(zstd ? { ZSTD: (input: Uint8Array) => zstd(input) } : {}),
};

export async function importParquet(o: ParquetImportOptions): Promise<ParquetImportReport> {
  expectArgs('importParquet', [['options', o, 'object']]);
  if (o.valFraction != null && !(o.valFraction > 0 && o.valFraction < 1)) throw argumentError('valFraction', o.valFraction, 'the share of images held out for validation, above 0 and below 1 (e.g. 0.2)');
  const { root, files } = parquetFiles(o.input);
  const metas: FileMetaData[] = [];
  for (const f of files) {
    try { metas.push(await parquetMetadataAsync(await asyncBufferFromFile(f))); } catch (e) { throw new UserError(`${f}: not a readable Parquet file (${(e as Error).message})`); }
  }
  const columns = pickColumns(metas[0], files[0], o);
  files.forEach((f, i) => { const c = topColumns(metas[i]); for (const k of [columns.image, columns.mask]) if (!c.includes(k)) throw new UserError(`${f}: no column ${k} (the first file's; columns here: ${c.join(', ')})`); });
  const images = path.join(o.out, 'images'), masks = path.join(o.out, 'masks');
  makeDir(images);
  makeDir(masks);
  const total = metas.reduce((n, m) => n + Number(m.num_rows), 0);
  const bySplit = new Map<string, string[]>(), taken = new Set<string>();
  let done = 0, maxValue = -1, rgbMasks = 0;
  for (const [k, file] of files.entries()) {
    const split = splitOfFile(file, root), rows = Number(metas[k].num_rows), buffer = await asyncBufferFromFile(file);
    // A row group at a time: its pages are decompressed whole, so reading part of one would decode it again for the rest.
    for (let start = 0, g = 0; start < rows; start += Number(metas[k].row_groups[g++]?.num_rows ?? rows - start)) {
      const end = Math.min(rows, start + Number(metas[k].row_groups[g]?.num_rows ?? rows - start));
      let read: Record<string, unknown>[];
      try {
        read = await parquetReadObjects({ file: buffer, metadata: metas[k], columns: [columns.image, columns.mask], rowStart: start, rowEnd: end, utf8: false, compressors: COMPRESSORS });
      } catch (e) {
        const codec = /unsupported compression codec: (\w+)/.exec((e as Error).message)?.[1];
        if (codec) throw new UserError(`${file}: its pages are compressed with ${codec}, which ${codec === 'ZSTD' ? `Node ${process.versions.node} cannot read; run pixelwise on Node 22.15 or later, or save` : 'pixelwise does not read; save'} the dataset with snappy or gzip compression`);
        throw new UserError(`${file}: rows ${start}..${end - 1} do not read (${(e as Error).message})`);
      }
      for (const [j, row] of read.entries()) {
        const at = `${file} row ${start + j}`;
        const cell = (c: string) => {
          const v = row[c] as { bytes?: unknown; path?: unknown } | null;
          if (!v || !(v.bytes instanceof Uint8Array) || !v.bytes.length) {
            throw new UserError(`${at}: no ${c} bytes${typeof v?.path === 'string' ? ` (${v.path} is named, not held: download the dataset's Parquet files, which embed the images)` : ' (the cell is empty); leave the row out of the dataset, or fix it'}`);
          }
          return { bytes: v.bytes, path: typeof v.path === 'string' ? v.path : undefined };
        };
        const img = cell(columns.image), mask = cell(columns.mask);
        const kind = imageExtsOf(img.bytes)?.[0].slice(1);
        if (!kind) throw new UserError(`${at}: the ${columns.image} column holds no image format pixelwise reads (PNG, JPEG, WebP, GIF, BMP, TIFF)`);
        const maskKind = imageExtsOf(mask.bytes)?.[0];
        if (maskKind !== '.png') throw new UserError(`${at}: the ${columns.mask} column holds ${maskKind === '.jpg' || maskKind === '.webp' ? `${maskKind === '.jpg' ? 'JPEG' : 'WebP'} masks (lossy compression changes class ids along every edge)` : 'no PNG'}; masks are read from PNG files only${o.maskColumn == null ? ' (if it is not the mask, name the mask column)' : ''}`);
        // Named after the file the dataset was made from, where it says (unique across splits), else split and row.
        const stem = img.path ? path.basename(img.path).replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') : '';
        let name = stem && !taken.has(stem) ? stem : `${split}_${String(done).padStart(6, '0')}`;
        while (taken.has(name)) name += '_';
        taken.add(name);
        const m = decodeMask(mask.bytes, at);
        if (m.mode === 'rgb') rgbMasks++;
        else for (const v of m.data) if (v !== 255 && v > maxValue) maxValue = v;
        writeFileAtomic(path.join(images, `${name}.${kind}`), img.bytes);
        writeFileAtomic(path.join(masks, `${name}.png`), mask.bytes);
        (bySplit.get(split) ?? bySplit.set(split, []).get(split)!).push(`${name}.${kind}`);
        o.onImage?.(++done, total);
      }
    }
  }
  if (!done) throw new UserError(`${o.input}: its Parquet files hold no rows`);
  if (o.valFraction != null) {
    if (bySplit.has('val')) throw argumentError('valFraction', o.valFraction, `the dataset has a validation split (${bySplit.get('val')!.length} images); leave it out`);
    const { train, val } = holdOut(bySplit.get('train') ?? [], o.valFraction);
    bySplit.set('train', train).set('val', val);
  }
  let classes: ClassInfo[], classSource: ParquetImportReport['classSource'];
  if (o.classes) { classes = o.classes; classSource = 'given'; }
  else {
    const named = id2label(o.input);
    if (rgbMasks && !named) throw new UserError(`${o.input}: ${rgbMasks} mask${rgbMasks > 1 ? 's are' : ' is'} in colour (RGB): its classes' colours are needed; give the class file (names and colours)`);
    classes = named ?? Array.from({ length: maxValue + 1 }, (_, i) => ({ name: `class ${i}`, color: defaultPalette(maxValue + 1)[i] }));
    classSource = named ? 'id2label.json' : 'mask values';
  }
  if (maxValue >= classes.length) throw new UserError(`${o.input}: masks hold class ${maxValue}, beyond the ${classes.length} classes ${classSource === 'given' ? 'given' : 'of id2label.json'}; give a class list that covers it`);
  const classFile = path.join(o.out, 'classes.json');
  writeFileAtomic(classFile, JSON.stringify(classes, null, 2) + '\n');
  const order = ['train', 'val', 'test'];
  const splits = [...bySplit.entries()].sort(([a], [b]) => (order.indexOf(a) + 1 || 9) - (order.indexOf(b) + 1 || 9)).map(([name, names]) => {
    const list = path.join(o.out, `${name}.txt`);
    writeFileAtomic(list, splitListText(names, list));
    return { name, list, count: names.length };
  });
  const list = path.join(o.out, 'list.txt');
  writeFileAtomic(list, splitListText([...bySplit.values()].flat(), list));
  const report: ParquetImportReport = { images, masks, classFile, classes, classSource, splits, list, columns };
  writeFileAtomic(path.join(o.out, 'report.json'), JSON.stringify({ format: 'parquet', input: o.input, ...report, classes: undefined }, null, 2) + '\n');
  return report;
}
