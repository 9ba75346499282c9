// A segmentation dataset on disk: an images folder and a masks folder paired by file stem,
// optionally restricted by a split list (one entry per line, e.g. CamVid's train.txt), plus the
// rules that turn mask pixels into class ids.
import fs from 'node:fs';
import path from 'node:path';
import { IMAGE_EXTS } from './image_io.js';
import { readMask, type LabelMap } from './mask_io.js';
import type { Rgb } from './classes.js';
import { UserError, argumentError } from '../util/errors.js';
import { isDir, isFile, stem } from '../util/fs.js';

export interface DatasetSpec {
  images: string;
  masks?: string;
  list?: string;
  numClasses: number;
  ignoreIndex: number;
  labelMap?: LabelMap;
  /** Class colours, needed for RGB colour masks. */
  colors?: Rgb[];
}

export interface Sample { id: string; image: string; mask?: string }

export interface PairingReport {
  samples: Sample[]; imagesWithoutMask: string[]; masksWithoutImage: string[];
  /** Files that share a stem with another in the same folder (a.png beside a.jpg): which one is meant is unclear. */
  sameStem: [string, string][];
  /** Masks in a lossy format (JPEG, WebP): compression changes class ids along every edge. */
  lossyMasks: string[];
}

interface Listing { files: Map<string, string>; sameStem: [string, string][] }

function listFiles(dir: string, exts: string[], what: string): Listing {
  if (!isDir(dir)) throw new UserError(`${what} ${dir}: folder not found`);
  const files = new Map<string, string>();
  const sameStem: [string, string][] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    if (f.startsWith('.')) continue;
    if (!exts.includes(path.extname(f).toLowerCase())) continue;
    const s = stem(f), prev = files.get(s);
    if (prev) sameStem.push([prev, path.join(dir, f)]);
    else files.set(s, path.join(dir, f));
  }
  return { files, sameStem };
}

/** Mask formats: PNG holds class ids exactly; the other image formats are listed only to be refused by name. */
const LOSSLESS_MASK_EXTS = ['.png'];

/** Stems named by a split list. Each line's first token is a path or stem; the stem is kept. */
export function readSplitList(file: string): string[] {
  if (!isFile(file)) throw argumentError('list', file, 'file not found');
  return fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => stem(l.split(/\s+/)[0]));
}

export function pairSamples(spec: Pick<DatasetSpec, 'images' | 'masks' | 'list'>): PairingReport {
  const imageListing = listFiles(spec.images, IMAGE_EXTS, '--images');
  const maskListing = spec.masks ? listFiles(spec.masks, LOSSLESS_MASK_EXTS, '--masks') : null;
  const images = imageListing.files, masks = maskListing?.files ?? null;
  const sameStem = [...imageListing.sameStem, ...(maskListing?.sameStem ?? [])];
  // A mask saved as JPEG (say) for an image that has no PNG mask: refused by name, not reported missing.
  const lossyMasks: string[] = [], lossyStems = new Set<string>();
  if (spec.masks && masks) {
    for (const [s, f] of listFiles(spec.masks, IMAGE_EXTS.filter((e) => !LOSSLESS_MASK_EXTS.includes(e)), '--masks').files) {
      if (images.has(s) && !masks.has(s)) { lossyMasks.push(f); lossyStems.add(s); }
    }
  }
  let stems = [...images.keys()];
  if (spec.list) {
    const wanted = readSplitList(spec.list);
    const missing = wanted.filter((s) => !images.has(s));
    if (missing.length) {
      throw argumentError('list', spec.list, `${missing.length} entries have no image in ${spec.images} (first: ${missing[0]})`);
    }
    stems = wanted;
  }
  const samples: Sample[] = [];
  const imagesWithoutMask: string[] = [];
  for (const s of stems) {
    const m = masks?.get(s);
    if (masks && !m) { if (!lossyStems.has(s)) imagesWithoutMask.push(images.get(s)!); continue; }
    samples.push({ id: s, image: images.get(s)!, mask: m });
  }
  const stemSet = new Set(stems);
  const masksWithoutImage = masks ? [...masks.entries()].filter(([s]) => !stemSet.has(s) && !images.has(s)).map(([, f]) => f) : [];
  return { samples, imagesWithoutMask, masksWithoutImage, sameStem, lossyMasks };
}

/** The one line for each pairing problem that training and evaluation refuse (verify lists them all). */
export const sameStemProblem = ([a, b]: [string, string]) => `${b}: has the same name as ${path.basename(a)} (which one is the sample is unclear); rename or remove one`;
export const lossyMaskProblem = (f: string) => `${f}: masks must be PNG files (${path.extname(f).slice(1).toUpperCase()} compression changes class ids along every edge); save the masks as PNG`;

/** The samples of a dataset for training/evaluation; a missing pair is an error, never skipped silently. */
export function loadSamples(spec: DatasetSpec): Sample[] {
  const r = pairSamples(spec);
  if (r.sameStem.length) throw new UserError(sameStemProblem(r.sameStem[0]) + (r.sameStem.length > 1 ? ` (${r.sameStem.length} such pairs; run \`pixelwise verify\`)` : ''));
  if (r.lossyMasks.length) throw new UserError(lossyMaskProblem(r.lossyMasks[0]));
  if (r.imagesWithoutMask.length) {
    throw new UserError(`${r.imagesWithoutMask[0]}: no mask with the same name in ${spec.masks} (${r.imagesWithoutMask.length} images unpaired; run \`pixelwise verify\`)`);
  }
  if (!r.samples.length) throw argumentError('images', spec.images, 'no images (jpg/png/bmp/webp/tiff) found');
  return r.samples;
}

/**
 * Binary masks stored as 0/255 (ISBI and most medical data): with 2 classes and the default
 * ignore label 255, the foreground would silently vanish. Returns true when the first masks
 * hold only 0 and 255, so callers apply (and report) the rule 255 -> 1.
 */
export async function looksBinary255(samples: Sample[], probe = 8): Promise<boolean> {
  let saw255 = false;
  for (const s of samples.slice(0, probe)) {
    if (!s.mask) continue;
    const m = readMask(s.mask);
    for (let i = 0; i < m.data.length; i++) {
      const v = m.data[i];
      if (v === 255) saw255 = true;
      else if (v !== 0) return false;
    }
  }
  return saw255;
}
