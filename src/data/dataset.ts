// A segmentation dataset on disk: an images folder and a masks folder paired by file stem (the
// path below the folder, without extension, when recursive; without the image and mask suffixes
// when given: `a_leftImg8bit.png` pairs with `a_gtFine_labelIds.png`), optionally restricted by a
// split list (one entry per line, e.g. CamVid's train.txt), plus the rules that turn mask pixels
// into class ids. The standard dataset layouts (layouts.ts) resolve to this.
import fs from 'node:fs';
import path from 'node:path';
import { IMAGE_EXTS } from './image_io.js';
import { readMask, type LabelMap } from './mask_io.js';
import type { Rgb } from './classes.js';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { isDir, isFile, notFolder, stem } from '../util/fs.js';
import { IMAGE_KINDS } from './image_exts.js';
import { filesUnder } from './image_list.js';

/** Where a split's files are and how they pair. */
export interface PairingSpec {
  images: string;
  masks?: string;
  list?: string;
  /** Image files end their stem with this (removed before pairing); files without it are not images. */
  imageSuffix?: string;
  /** Mask files end their stem with this (removed before pairing); files without it are not masks. */
  maskSuffix?: string;
  /** Look in subfolders too: the pairing key is the path below the folder. */
  recursive?: boolean;
}

export interface DatasetSpec extends PairingSpec {
  numClasses: number;
  ignoreIndex: number;
  labelMap?: LabelMap;
  /** Class colours, needed for RGB colour masks. */
  colors?: Rgb[];
}

/** Every key of DatasetSpec (the compiler holds this to the interface). */
export const DATASET_SPEC_KEYS: Record<keyof DatasetSpec, true> = {
  images: true, masks: true, list: true, imageSuffix: true, maskSuffix: true, recursive: true, numClasses: true, ignoreIndex: true, labelMap: true, colors: true,
};

export interface Sample { id: string; image: string; mask?: string }

export interface PairingReport {
  samples: Sample[]; imagesWithoutMask: string[]; masksWithoutImage: string[];
  /** Files that share a stem with another in the same folder (a.png beside a.jpg): which one is meant is unclear. */
  sameStem: [string, string][];
  /** Masks in a lossy format (JPEG, WebP): compression changes class ids along every edge. */
  lossyMasks: string[];
}

interface Listing { files: Map<string, string>; sameStem: [string, string][] }

interface ListOptions { recursive?: boolean; suffix?: string; skipSuffix?: string }

/** Files of `exts` under `dir` by pairing key: the stem (with its subfolder path when recursive) less `suffix`. */
function listFiles(dir: string, exts: string[], what: string, o: ListOptions = {}): Listing {
  if (!isDir(dir)) throw argumentError(what, dir, notFolder(dir));
  const files = new Map<string, string>();
  const sameStem: [string, string][] = [];
  for (const rel of filesUnder(dir, !!o.recursive, (f) => exts.includes(path.extname(f).toLowerCase()))) {
    const sub = path.posix.dirname(rel);
    let s = stem(rel);
    if (o.skipSuffix && s.endsWith(o.skipSuffix)) continue;
    if (o.suffix) { if (!s.endsWith(o.suffix)) continue; s = s.slice(0, -o.suffix.length); }
    // Unicode-normalised: a mask named on macOS (decomposed accents) pairs with its image named elsewhere.
    const key = (sub !== '.' ? `${sub}/${s}` : s).normalize('NFC');
    const prev = files.get(key);
    if (prev) sameStem.push([prev, path.join(dir, rel)]);
    else files.set(key, path.join(dir, rel));
  }
  return { files, sameStem };
}

/** Mask formats: PNG holds class ids exactly; the other image formats are listed only to be refused by name. */
const LOSSLESS_MASK_EXTS = ['.png'];

/**
 * The entries of a split list, each line (a stem, a file name or a path; names may hold spaces)
 * less an image's extension, '/'-separated: `train/a.png` stays `train/a` (two subfolders may hold
 * an `a.png`), and a stem keeps its dots (`frame.0001` is the stem of frame.0001.png). A line of
 * an image and its mask (SBD's and SegNet's lists) is its first path. Blank lines and lines
 * beginning with '#' are passed over.
 */
export function readSplitList(file: string): string[] {
  if (!isFile(file)) throw argumentError('list', file, 'file not found');
  return fs.readFileSync(file, 'utf8').split(/\r?\n/).map(listEntry).filter((e): e is string => e != null);
}

const isImageName = (t: string) => IMAGE_EXTS.includes(path.extname(t).toLowerCase());

/** A path's entry: less an image's extension, '/'-separated, without a leading './', Unicode-normalised as pairing's keys. */
const entryOf = (p: string) => path.posix.join(path.posix.dirname(p), isImageName(p) ? stem(p) : path.posix.basename(p)).replace(/^\.\//, '').normalize('NFC');

/** A split list's line as the entry readSplitList reads (null: a blank or comment line). */
function listEntry(line: string): string | null {
  const l = line.trim();
  if (!l || l.startsWith('#')) return null;
  const tokens = l.split(/\s+/);
  const pair = tokens.length === 2 && isImageName(tokens[0]) && isImageName(tokens[1]);
  return entryOf((pair ? tokens[0] : l).replace(/\\/g, '/').replace(/^(\.\/)+/, ''));
}

/**
 * `names` (images' paths below their folder, '/'-separated, or their stems) as a split list,
 * one a line, which readSplitList reads back to the same images. A name it could not (a line
 * break in it, a leading '#' or space, two image names in one) is refused, naming `file`.
 */
export function splitListText(names: string[], file: string): string {
  const bad = names.find((n) => /[\r\n]/.test(n) || listEntry(n) !== entryOf(n));
  if (bad != null) throw new UserError(`${file}: the image ${JSON.stringify(bad)} cannot be named in a list of one name a line (a line break, a leading "#" or space, or two image names in one); rename the file`);
  return names.map((n) => `${n}\n`).join('');
}

export function pairSamples(spec: PairingSpec): PairingReport {
  expectArgs('pairSamples', [['spec', spec, 'object']]);
  // Masks kept beside their images (`a.png` with `a_mask.png`) are not images.
  const imageListing = listFiles(spec.images, IMAGE_EXTS, 'images', { recursive: spec.recursive, suffix: spec.imageSuffix, skipSuffix: spec.maskSuffix });
  const maskOpts = { recursive: spec.recursive, suffix: spec.maskSuffix };
  const maskListing = spec.masks ? listFiles(spec.masks, LOSSLESS_MASK_EXTS, 'masks', maskOpts) : null;
  const images = imageListing.files, masks = maskListing?.files ?? null;
  const sameStem = [...imageListing.sameStem, ...(maskListing?.sameStem ?? [])];
  // A mask saved as JPEG (say) for an image that has no PNG mask: refused by name, not reported missing.
  const lossyMasks: string[] = [], lossyStems = new Set<string>();
  if (spec.masks && masks) {
    for (const [s, f] of listFiles(spec.masks, IMAGE_EXTS.filter((e) => !LOSSLESS_MASK_EXTS.includes(e)), 'masks', maskOpts).files) {
      if (images.has(s) && !masks.has(s)) { lossyMasks.push(f); lossyStems.add(s); }
    }
  }
  // Names that differ in case alone (IMG_1.JPG and img_1.png, as a case-blind Windows or macOS
  // folder pairs them): matched when nothing matches exactly and the match is unique.
  const folded = (keys: Iterable<string>, skip: (k: string) => boolean) => {
    const m = new Map<string, string>();
    for (const k of keys) if (!skip(k)) m.set(k.toLowerCase(), m.has(k.toLowerCase()) ? '' : k);
    return m;
  };
  const imagesByFold = folded(images.keys(), () => false);
  const masksByFold = masks ? folded(masks.keys(), (k) => images.has(k)) : new Map<string, string>();
  let stems = [...images.keys()];
  if (spec.list) {
    // In subfolders, an entry names the file (its stem) or its path below the folder.
    const byName = new Map<string, string>();
    for (const k of images.keys()) byName.set(path.posix.basename(k), byName.has(path.posix.basename(k)) ? '' : k);
    // An entry as the images' keys name it (its path below the folder), else by its file name: a
    // stem at the top, or the one file of that name in the subfolders (CamVid's lists name absolute paths).
    const wanted = readSplitList(spec.list).map((e) => {
      if (images.has(e)) return e;
      const b = path.posix.basename(e);
      return images.has(b) ? b : byName.get(b) || imagesByFold.get(e.toLowerCase()) || e;
    });
    const missing = wanted.filter((s) => !images.has(s));
    if (missing.length) {
      throw argumentError('list', spec.list, `${missing.length} entries have no image in ${spec.images} (first: ${missing[0]})`);
    }
    stems = wanted;
  }
  const samples: Sample[] = [];
  const imagesWithoutMask: string[] = [];
  // The mask key an image without an exact mask takes by case alone (undefined: none).
  const caseMask = (s: string) => (!masks || masks.has(s) || imagesByFold.get(s.toLowerCase()) !== s ? undefined : masksByFold.get(s.toLowerCase()) || undefined);
  for (const s of stems) {
    const k = masks?.has(s) ? s : caseMask(s);
    const m = k != null ? masks?.get(k) : undefined;
    if (masks && !m) { if (!lossyStems.has(s)) imagesWithoutMask.push(images.get(s)!); continue; }
    samples.push({ id: s, image: images.get(s)!, mask: m });
  }
  const stemSet = new Set(stems);
  const byCase = (s: string) => { const img = imagesByFold.get(s.toLowerCase()); return !!img && caseMask(img) === s; };
  const masksWithoutImage = masks ? [...masks.entries()].filter(([s]) => !stemSet.has(s) && !images.has(s) && !byCase(s)).map(([, f]) => f) : [];
  return { samples, imagesWithoutMask, masksWithoutImage, sameStem, lossyMasks };
}

/**
 * What a failed pairing most likely needs, as a hint for its error line: masks named after their
 * images plus a suffix (`a.png` and `a_mask.png`: --mask-suffix _mask), the reverse (--image-suffix),
 * or files in subfolders (--recursive). Empty when nothing suggests itself.
 */
export function pairingHint(spec: PairingSpec, r: Pick<PairingReport, 'imagesWithoutMask' | 'masksWithoutImage' | 'samples'>): string {
  const keyOf = (f: string, root: string) => path.relative(root, f).split(path.sep).join('/').replace(/\.[^./]+$/, '');
  const common = (pairs: [string[], string[]]) => {
    const [shorter, longer] = pairs;
    const counts = new Map<string, number>();
    for (const k of shorter) {
      const m = longer.find((l) => l.startsWith(k) && l.length > k.length);
      if (m) counts.set(m.slice(k.length), (counts.get(m.slice(k.length)) ?? 0) + 1);
    }
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    return best && best[1] * 2 >= shorter.length ? best[0] : null;
  };
  if (spec.masks && r.imagesWithoutMask.length && r.masksWithoutImage.length) {
    const imgs = r.imagesWithoutMask.map((f) => keyOf(f, spec.images)), masks = r.masksWithoutImage.map((f) => keyOf(f, spec.masks!));
    const ms = common([imgs, masks]);
    if (ms && !spec.maskSuffix) return `; the masks are named after their images plus "${ms}": add options.maskSuffix ${ms}`;
    const is = common([masks, imgs]);
    if (is && !spec.imageSuffix) return `; the images are named after their masks plus "${is}": add options.imageSuffix ${is}`;
  }
  if (!spec.recursive && !r.samples.length && hasSubfolderImages(spec.images)) return '; the images are in subfolders: add options.recursive';
  return '';
}

function hasSubfolderImages(dir: string): boolean {
  if (!isDir(dir)) return false;
  return fs.readdirSync(dir).some((f) => !f.startsWith('.') && isDir(path.join(dir, f)) && listFiles(path.join(dir, f), IMAGE_EXTS, 'images', { recursive: true }).files.size > 0);
}

/** The one line for each pairing problem that training and evaluation refuse (verify lists them all). */
export const sameStemProblem = ([a, b]: [string, string]) => `${b}: has the same name as ${path.basename(a)} (which one is the sample is unclear); rename or remove one`;
export const lossyMaskProblem = (f: string) => (/^\.(jpe?g|webp|avif)$/i.test(path.extname(f))
  ? `${f}: masks must be PNG files (${path.extname(f).slice(1).toUpperCase()} compression changes class ids along every edge); save the masks as PNG`
  : `${f}: masks are read from PNG files only; save the masks as PNG`);

/** The samples of a dataset for training/evaluation; a missing pair is an error, never skipped silently. */
export function loadSamples(spec: DatasetSpec): Sample[] {
  expectArgs('loadSamples', [['spec', spec, 'object']]);
  const r = pairSamples(spec);
  if (r.sameStem.length) throw new UserError(sameStemProblem(r.sameStem[0]) + (r.sameStem.length > 1 ? ` (${r.sameStem.length} such pairs; run \`pixelwise verify\`)` : ''));
  if (r.lossyMasks.length) throw new UserError(lossyMaskProblem(r.lossyMasks[0]));
  if (r.imagesWithoutMask.length) {
    throw new UserError(`${r.imagesWithoutMask[0]}: no mask with the same name in ${spec.masks} (${r.imagesWithoutMask.length} image${r.imagesWithoutMask.length === 1 ? '' : 's'} unpaired${pairingHint(spec, r) || '; run `pixelwise verify`'})`);
  }
  if (!r.samples.length) throw argumentError('images', spec.images, `no images (${IMAGE_KINDS}) found${pairingHint(spec, r)}`);
  return r.samples;
}

/**
 * Binary masks stored as 0/255 (ISBI and most medical data): with 2 classes and the default
 * ignore label 255, the foreground would silently vanish. Returns true when the masks hold only
 * 0 and 255, so callers apply (and report) the rule 255 -> 1: judged on the first `probe` masks
 * that mark something, masks of background alone passed over (a dataset of scans without a
 * lesion first), reading `limit` masks at most.
 */
export async function looksBinary255(samples: Sample[], probe = 8, limit = 512): Promise<boolean> {
  let marked = 0, read = 0;
  for (const s of samples) {
    if (!s.mask) continue;
    if (++read > limit || marked >= probe) break;
    const m = readMask(s.mask);
    let saw255 = false;
    for (let i = 0; i < m.data.length; i++) {
      const v = m.data[i];
      if (v === 255) saw255 = true;
      else if (v !== 0) return false;
    }
    if (saw255) marked++;
  }
  return marked > 0;
}
