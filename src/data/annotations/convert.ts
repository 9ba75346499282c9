// Annotation files of labelling tools -> index-PNG masks (value = class id) beside a class file, so
// that they train like any mask folder. Drawing rules:
// - a pixel belongs to a polygon when its centre is inside (polygon.ts; even-odd by default);
// - background is class 0; crowd regions (COCO iscrowd) are drawn first, as the ignore label 255,
//   and objects over them (an object annotated on its own is more specific than a crowd), unless
//   asked to draw them as their classes (CVAT's COCO export marks every mask as a crowd);
// - objects are drawn in z order (CVAT's z_order), then in file order: a later one covers an
//   earlier one where they overlap;
// - classes are matched by name (case-insensitive; "background" and labelme's "_background_" are
//   class 0); a label that the class file lacks is skipped and reported.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { encodeLabelPng } from '../mask_io.js';
import { defaultPalette, type ClassInfo } from '../classes.js';
import { fillEllipse, fillPolygon, fillPolygonCoco, type FillRule } from '../polygon.js';
import { readCoco } from './coco.js';
import { isLabelme, readLabelme } from './labelme.js';
import { filesUnder } from '../image_list.js';
import { decoderWords } from '../image_io.js';
import { readCvatMasks, readCvatXml } from './cvat.js';
import { readLabelStudio } from './labelstudio.js';
import { readYolo } from './yolo.js';
import { readVia } from './via.js';
import { readSupervisely, superviselyImages } from './supervisely.js';
import { ImageFinder } from './locate.js';
import { gatherImages } from './embedded.js';
import { archiveKind, otherArchive, sniffFormat } from './sniff.js';
import { archiveWords, cocoSplitsIn, exportIn, extractArchive, imagesFolderIn, splitFolder } from './download.js';
import { distinctColors } from './export.js';
import { drawBits, readJsonFile, ShapeProblems, type AnnotatedImage, type AnnotationSet, type Shape, type SkippedShape } from './types.js';
import { UserError, argumentError } from '../../util/errors.js';
import { isDir, isFile, notFolder, readTextFile, writeFileAtomic, makeDir } from '../../util/fs.js';
import { ANNOTATION_FORMATS, CROWD_RULES, type AnnotationFormat, type CrowdRule } from './format_names.js';
import { refuseUnknownKeys, expectArgs } from '../../util/call_options.js';
import { holdOut } from '../hold_out.js';
import { splitListText } from '../dataset.js';

export { ANNOTATION_FORMATS, CROWD_RULES, type AnnotationFormat, type CrowdRule };

/** The ignore label crowd regions are drawn with. */
export const CROWD_LABEL = 255;

export interface ConvertOptions {
  from: AnnotationFormat;
  /** The export: a JSON or XML file, a labelme folder of JSON files, a CVAT mask zip or its folder, a YOLO data.yaml or labels folder. */
  input: string;
  /**
   * Where the images are (the export's image names are looked up here). labelme: left out, the
   * images are taken from the JSON files (imageData) into OUT/images; Supervisely: left out, the
   * project's own (DATASET/img/).
   */
  images?: string;
  out: string;
  /** Classes to map the labels onto by name (default: background, then the export's labels). */
  classes?: ClassInfo[];
  fillRule?: FillRule;
  /**
   * COCO crowd regions (iscrowd: 1): the ignore label under the objects (default), or their class
   * like any object ('class': CVAT's COCO export marks every brush mask as a crowd).
   */
  crowd?: CrowdRule;
  /**
   * Label Studio: tasks not annotated yet take their last prediction (pre-annotations) as their
   * labels; by default they are left out (no mask) and listed in the report.
   */
  predictions?: boolean;
  /**
   * Also write train.txt and val.txt, this share of the images in val. An image's side follows from
   * its name alone (a hash), so it keeps its side when the export grows.
   */
  valFraction?: number;
  /** Skip shapes that cannot be drawn (reported) instead of stopping at the first. */
  skipInvalid?: boolean;
  onImage?: (done: number, total: number) => void;
  /** A zip download being extracted: its bytes read so far, of its size. */
  onExtract?: (read: number, total: number) => void;
}

export interface ConvertReport {
  format: AnnotationFormat; images: number;
  /** The folder of the images masked: options.images, or where they were taken from the labelme files. */
  imagesDir: string;
  masks: string; classFile: string; classes: ClassInfo[];
  /**
   * Where the class order came from: options.classes, the export's own class list (COCO
   * categories, CVAT's labels, data.yaml, meta.json, a VIA project's attribute options), or, for
   * exports that hold none (Label Studio JSON, labelme, VIA without options), the order the
   * export first uses its labels in, which another export of the same project may not share.
   */
  classOrder: 'given' | 'export' | 'first use';
  /** Per class id, the shapes drawn. */
  shapesPerClass: number[];
  /** Crowd regions drawn as the ignore label (crowd: 'ignore'). */
  crowdIgnored: number;
  /** Objects without a usable outline drawn as the ignore label over their COCO bbox. */
  boxesIgnored: number;
  skipped: SkippedShape[];
  /**
   * Images left out of list.txt (and train.txt, val.txt): a shape of theirs was skipped with its
   * region unknown, so their masks mark that object as background. Their masks are written.
   */
  leftOut: string[];
  /** Images that several entries of the export name (their shapes drawn together, in file order). */
  merged: { image: string; entries: string[] }[];
  /** Images the export names without an annotation yet (Label Studio tasks): no mask written. */
  unannotated: string[];
  /** Video frames the export lists whose image is not under options.images: no mask written. */
  absent: string[];
  /** Masks already in masks/ (an earlier conversion) for images this export gives none: left, not in list.txt. */
  stale: string[];
  /** The images given masks, one path per line relative to options.images (train's split list). */
  list: string;
  /**
   * With valFraction: the list cut in two (train.txt, val.txt) and their lengths. A download of one
   * COCO file per split folder (Roboflow's train/, valid/, test/): its own split, and test.txt.
   */
  split?: { train: string; val: string; counts: [number, number]; test?: string; testCount?: number };
}

/** The files under a folder, each read when asked for, by '/'-separated path. */
function filesOf(dir: string): Map<string, () => Uint8Array> {
  return new Map(filesUnder(dir, true, () => true).map((r) => [r, () => fs.readFileSync(path.join(dir, r))]));
}

function readExport(o: ConvertOptions): AnnotationSet {
  if (!ANNOTATION_FORMATS.includes(o.from)) throw argumentError('from', o.from, `use ${ANNOTATION_FORMATS.join(', ')}`);
  const skip = !!o.skipInvalid;
  switch (o.from) {
    case 'coco': return readCoco(readJsonFile(o.input), o.input, skip);
    case 'labelstudio': return readLabelStudio(readJsonFile(o.input), o.input, skip, !!o.predictions);
    case 'yolo': return readYolo(o.input, o.images!, skip);
    case 'via': return readVia(readJsonFile(o.input), o.input, skip);
    case 'supervisely': return readSupervisely(o.input, skip);
    case 'cvat': {
      if (!isFile(o.input)) throw new UserError(`${o.input}: file not found`);
      return readCvatXml(readTextFile(o.input, 'export the task in parts (CVAT exports each job of a task on its own)'), o.input, skip);
    }
    case 'cvat-mask': {
      // Its download is a zip, extracted before (unzipped): here, its folder; each file read when needed.
      if (isFile(o.input)) throw new UserError(`${o.input}: not a zip file; give CVAT's Segmentation mask download (a zip) or its folder`);
      if (!isDir(o.input)) throw new UserError(`${o.input}: not found`);
      return readCvatMasks(filesOf(o.input), o.input);
    }
    case 'labelme': {
      // A folder: its JSON files, in subfolders too (train/, test/ beside their images); other JSON
      // files there (a class list, a report) are passed over, listed.
      const folder = isDir(o.input);
      const files = folder ? filesUnder(o.input, true, (f) => f.toLowerCase().endsWith('.json')).map((f) => path.join(o.input, f)) : [o.input];
      const images: AnnotatedImage[] = [], labels: string[] = [], skipped: SkippedShape[] = [];
      for (const f of files) {
        const json = readJsonFile(f);
        if (folder && !isLabelme(json)) { skipped.push({ image: f, what: 'file', reason: 'not a labelme file (no "imagePath" and "shapes")' }); continue; }
        const problems = new ShapeProblems(f, skip);
        const img = readLabelme(json, f, problems);
        skipped.push(...problems.skipped);
        for (const s of img.shapes) if (!labels.includes(s.label)) labels.push(s.label);
        images.push(img);
      }
      if (!images.length) throw new UserError(`${o.input}: no labelme .json files in this folder${files.length ? ` (${files.length} other JSON files)` : ''}`);
      return { format: 'labelme', images, labels, firstUse: true, skipped };
    }
  }
}

async function imageSize(file: string): Promise<[number, number]> {
  try {
    const m = await sharp(file).metadata();
    // EXIF orientations 5-8 turn the image: training sees it turned (image_io.ts readImage).
    return (m.orientation ?? 1) >= 5 ? [m.height!, m.width!] : [m.width!, m.height!];
  } catch (e) { throw new UserError(`${file}: cannot read image (${decoderWords(e)})`); }
}

/**
 * The images given masks as train's split list (list.txt: for an images folder that holds others
 * too) and, with a validation share, cut in two (train.txt, val.txt). Masks an earlier conversion
 * into this folder wrote for other images stay (named by the caller, left out of the lists); its
 * train.txt and val.txt go when this one holds none out, as they would no longer match.
 */
function writeLists(out: string, names: string[], valFraction?: number, splitOf?: Map<string, 'train' | 'val' | 'test'>): { list: string; split?: ConvertReport['split'] } {
  const list = path.join(out, 'list.txt');
  writeFileAtomic(list, splitListText(names, list));
  const earlier = earlierSplit(out);
  if (earlier) for (const f of ['train.txt', 'val.txt', 'test.txt']) if (isFile(path.join(out, f))) fs.rmSync(path.join(out, f));
  if (valFraction == null && !splitOf) return { list };
  // The download's own split (its folders), unless a share is asked for: then the hash's, over every image.
  const { train, val } = valFraction != null ? holdOut(names, valFraction) : { train: names.filter((n) => splitOf!.get(n) === 'train'), val: names.filter((n) => splitOf!.get(n) === 'val') };
  const test = valFraction != null ? [] : names.filter((n) => splitOf!.get(n) === 'test');
  const split: NonNullable<ConvertReport['split']> = { train: path.join(out, 'train.txt'), val: path.join(out, 'val.txt'), counts: [train.length, val.length] };
  writeFileAtomic(split.train, splitListText(train, split.train));
  writeFileAtomic(split.val, splitListText(val, split.val));
  if (test.length) { split.test = path.join(out, 'test.txt'); split.testCount = test.length; writeFileAtomic(split.test, splitListText(test, split.test)); }
  return { list, split };
}

/** The report.json of an earlier conversion into `out` (written as it starts, and again when it ends); null when there is none. */
function earlierReport(out: string): { split?: unknown } | null {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as { format?: unknown; masks?: unknown; split?: unknown };
    return typeof r.format === 'string' && typeof r.masks === 'string' ? r : null;
  } catch { return null; }
}

/** Whether the report.json in `out` records a split that convert wrote (its train.txt and val.txt are convert's own). */
function earlierSplit(out: string): boolean {
  return !!earlierReport(out)?.split;
}

/** The names convert writes at the top of its folder, besides masks/. */
const CONVERT_FILES = ['classes.json', 'list.txt', 'train.txt', 'val.txt', 'report.json'];

/**
 * A folder convert may write into: new, empty of its names, or an earlier conversion's (its
 * report.json says so). Files of those names that convert did not write (a dataset's own
 * classes.json or masks) are never written over.
 */
function checkOutFolder(out: string): void {
  if (!isDir(out) || earlierReport(out)) return;
  const found = CONVERT_FILES.filter((f) => fs.existsSync(path.join(out, f)));
  const masks = path.join(out, 'masks');
  if (isDir(masks) && filesUnder(masks, true, (f) => f.toLowerCase().endsWith('.png')).length) found.push('masks/');
  if (found.length) throw argumentError('out', out, `holds ${found.join(', ')} that no earlier conversion wrote (there is no report.json of convert's); convert would write over them; give a new or empty folder`);
}


/** Whether a label or class name is background's (labelme spells it _background_). */
export const isBackground = (name: string) => ['background', '_background_'].includes(name.trim().toLowerCase());

/** readExport; when it refuses the file and the file looks like another tool's export, the refusal says which. */
function readWithHint(o: ConvertOptions): AnnotationSet {
  try { return readExport(o); } catch (e) {
    const looks = e instanceof UserError && !e.argument && isFile(o.input) ? sniffFormat(o.input) : null;
    if (!looks || looks === o.from) throw e;
    throw new UserError(`${(e as Error).message}; it looks like ${FORMAT_NAMES[looks]}: options.from ${looks}`);
  }
}

/** How the refusal names each format. */
const FORMAT_NAMES: Record<AnnotationFormat, string> = {
  coco: 'a COCO export', labelme: 'a labelme file', cvat: 'a CVAT for images/video XML', 'cvat-mask': 'a zip (a CVAT Segmentation mask download?)',
  labelstudio: 'a Label Studio JSON export', yolo: "a YOLO dataset's data.yaml", via: 'a VIA export', supervisely: 'a Supervisely annotation',
};

/** Image paths by the split their first folder names (train/, valid/, test/), when every one has such a folder. */
function splitByFolder(names: string[]): Map<string, 'train' | 'val' | 'test'> | undefined {
  const splits = names.map((n) => [n, splitFolder(n.split('/')[0])] as const);
  return splits.length && splits.every(([, s]) => s) ? new Map(splits as [string, 'train' | 'val' | 'test'][]) : undefined;
}

/** How many of an export's images a folder holds, found as convert finds them. */
const foundIn = (set: AnnotationSet) => (dir: string): number => { const f = new ImageFinder(dir); return set.images.filter((im) => f.find(im)).length; };

/**
 * A tool's download (a zip, or a tar), extracted into OUT/export: the options with the export's own
 * file in it, and (unless given) the folder in it where the most of the images it names are.
 * Labelme and Supervisely take their images as they do unpacked.
 */
async function unpacked(o: ConvertOptions): Promise<{ o: ConvertOptions; set?: AnnotationSet; splitOf?: Map<string, 'train' | 'val' | 'test'> }> {
  const kind = isFile(o.input) ? archiveKind(o.input) : null;
  if (!kind) return { o };
  const root = path.join(o.out, 'export'), { noun, unpack } = archiveWords(kind, o.input);
  await extractArchive(o.input, kind, root, o.onExtract);
  const splits = o.from === 'coco' && o.images == null ? cocoSplitsIn(root) : null;
  if (splits) {
    // One COCO file per split: one dataset, each image named by its path in the download
    // (train/x.jpg, images/Train/x.jpg), its split kept.
    const sets = splits.map((x) => ({ ...x, set: readWithHint({ ...o, input: x.file }) }));
    const splitOf = new Map<string, 'train' | 'val' | 'test'>();
    const images = sets.flatMap(({ split, file, folder, set }) => {
      const finder = new ImageFinder(imagesFolderIn(root, foundIn(set), folder).dir);
      return set.images.map((im) => {
        const at = finder.find(im);
        if (!at) throw new UserError(`${o.input}: image "${im.name}" of ${path.relative(root, file)} is not in the ${noun} (downloaded without its images?); ${unpack} and convert each file with its images folder`);
        const name = path.relative(root, at).split(path.sep).join('/');
        splitOf.set(name, split);
        return { ...im, name };
      });
    });
    const labels = [...new Set(sets.flatMap((x) => x.set.labels))];
    return { o: { ...o, images: root }, set: { format: 'coco', images, labels, skipped: sets.flatMap((x) => x.set.skipped) }, splitOf };
  }
  // CVAT's masks are read from the extracted folder, as given unzipped; errors name the archive.
  const masks = o.from === 'cvat-mask' ? readCvatMasks(filesOf(root), o.input) : undefined;
  const inside: ConvertOptions = { ...o, input: masks ? o.input : exportIn(root, o.input, kind, o.from) };
  if (o.images != null || o.from === 'labelme' || o.from === 'supervisely') return { o: inside, set: masks };
  if (o.from === 'yolo') {
    // Its images are found by YOLO's rule from the data.yaml (.../images/ -> .../labels/), anywhere in the download.
    const set = readWithHint({ ...inside, images: root });
    return { o: { ...inside, images: root }, set, splitOf: splitByFolder(set.images.map((im) => im.name)) };
  }
  const set = masks ?? readWithHint(inside);
  const best = imagesFolderIn(root, foundIn(set));
  if (!best.found && set.images.length) throw new UserError(`${o.input}: none of the ${set.images.length} images its export names (${set.images[0].name}, ...) is in the ${noun} (downloaded without its images?); give options.images, the folder they are in`, 2, 'images');
  return { o: { ...inside, images: best.dir }, set };
}

/** Every key of ConvertOptions (the compiler holds this to the interface). */
const CONVERT_KEYS: Record<keyof ConvertOptions, true> = {
  from: true, input: true, images: true, out: true, classes: true, fillRule: true, crowd: true, predictions: true, valFraction: true, skipInvalid: true, onImage: true, onExtract: true,
};

export async function convertAnnotations(given: ConvertOptions): Promise<ConvertReport> {
  expectArgs('convertAnnotations', [['options', given, 'object']]);
  refuseUnknownKeys(given, CONVERT_KEYS, 'convertAnnotations()');
  if (given.images != null && !isDir(given.images)) throw argumentError('images', given.images, notFolder(given.images));
  if (given.valFraction != null && !(given.valFraction > 0 && given.valFraction < 1)) throw argumentError('valFraction', given.valFraction, 'the share of images held out for validation, above 0 and below 1 (e.g. 0.2)');
  const crowdRule = given.crowd ?? 'ignore';
  if (!CROWD_RULES.includes(crowdRule)) throw argumentError('crowd', crowdRule, `use ${CROWD_RULES.join(' or ')}`);
  // Tools download as zips and tars (read as they are); other archives are someone's packing: what is in them is read unpacked.
  const packed = isFile(given.input) ? otherArchive(given.input) : null;
  if (packed) throw new UserError(`${given.input}: ${packed}; unpack it (${packed === 'a gzip-compressed file' ? `gunzip ${path.basename(given.input)}` : 'with 7z or unrar'}) and give ${given.from === 'supervisely' ? 'the project folder (the one holding meta.json)' : 'the export\'s file in it'}`);
  checkOutFolder(given.out);
  // The folder is marked as convert's before anything is written in it (the extracted download first).
  const before = earlierReport(given.out);
  const mark = () => {
    makeDir(given.out);
    writeFileAtomic(path.join(given.out, 'report.json'), JSON.stringify({ format: given.from, input: given.input, masks: path.join(given.out, 'masks'), partial: true, ...(before?.split ? { split: before.split } : {}) }, null, 2) + '\n');
  };
  const fresh = !fs.existsSync(given.out);
  if (isFile(given.input) && archiveKind(given.input)) mark();
  let opened: Awaited<ReturnType<typeof unpacked>>;
  // A download refused (no export, no images in it) leaves no folder it made behind.
  try { opened = await unpacked(given); } catch (e) { if (fresh) fs.rmSync(given.out, { recursive: true, force: true }); throw e; }
  const { o, set: read, splitOf } = opened;
  // Without an images folder: labelme's images are taken from its files, a Supervisely project's are in it.
  if (o.images == null && o.from !== 'labelme' && o.from !== 'supervisely') throw new UserError(`options.images: the folder of the annotated images is needed for ${o.from} (only labelme files hold their images, only a Supervisely project its own)`, 2, 'images');
  const imagesDir = o.images ?? (o.from === 'supervisely' ? superviselyImages(o.input) : path.join(o.out, 'images'));
  const set = read ?? readWithHint(o);
  // Nothing to convert (an export of an empty task): said, not a folder of no masks with a "train with" line.
  if (!set.images.length && !(set.unannotated ?? []).length) {
    if (fresh) fs.rmSync(given.out, { recursive: true, force: true });
    throw new UserError(`${given.input}: the export names no images (an empty task or project?); export the one holding the annotations`);
  }
  if (o.images == null && o.from === 'labelme') gatherImages(set, o.input, isDir(o.input), imagesDir);
  const classes: ClassInfo[] = o.classes ?? (() => {
    // Shapes find their class by name (trimmed, any case): labels spelt alike (two COCO categories
    // named "cat") are one class, not a second that no pixel could reach.
    const byKey = new Map<string, string>();
    for (const l of set.labels) if (!isBackground(l) && !byKey.has(l.trim().toLowerCase())) byKey.set(l.trim().toLowerCase(), l);
    const names = ['background', ...byKey.values()];
    // The tool's colours where it gives them, else the palette's; black is background's, and no two classes share one.
    const palette = defaultPalette(names.length);
    const rest = distinctColors(names.slice(1).map((name, i) => ({ name, color: set.colors?.get(name) ?? palette[i + 1] })), [[0, 0, 0]]);
    return names.map((name, i) => ({ name, color: i === 0 ? palette[0] : rest[i - 1] }));
  })();
  if (classes.length > CROWD_LABEL) throw new UserError(`${classes.length} classes: at most ${CROWD_LABEL} fit an 8-bit mask beside the ignore label`);
  const idOf = new Map<string, number>();
  classes.forEach((c, i) => idOf.set(c.name.trim().toLowerCase(), i));
  const classId = (label: string) => (isBackground(label) ? 0 : idOf.get(label.trim().toLowerCase()));
  const masksDir = path.join(o.out, 'masks');
  const skipped = [...set.skipped];
  const shapesPerClass = new Array(classes.length).fill(0);
  let crowdIgnored = 0, boxesIgnored = 0;
  // Every image is found before anything is written. Entries naming one file (a task imported twice
  // into Label Studio, one upload under two prefixes) are drawn together, in file order, onto one
  // mask, not one after the other over the same file; two files that would share a mask are refused.
  const byFile = new Map<string, { file: string; entries: AnnotatedImage[] }>();
  const maskOf = new Map<string, string>();
  const absent: string[] = [];
  const finder = new ImageFinder(imagesDir);
  for (const img of set.images) {
    const file = finder.find(img);
    if (!file && img.optional) { absent.push(img.name); continue; }
    if (!file) throw new UserError(`${o.input}: image "${img.name}${img.anyExtension ? '.*' : ''}" is not in options.images ${imagesDir}; point options.images at the folder the export's images are in`);
    const key = path.resolve(file);
    if (!byFile.has(key)) {
      const mask = finder.maskOf(masksDir, file);
      const other = maskOf.get(mask);
      if (other) throw new UserError(`${o.input}: ${other} and ${file} would share the mask ${mask} (masks pair with images by the name less its extension); rename one`);
      maskOf.set(mask, file);
      byFile.set(key, { file, entries: [] });
    }
    byFile.get(key)!.entries.push(img);
  }
  if (!byFile.size && absent.length) throw new UserError(`${o.input}: none of the ${absent.length} frames it lists has an image in options.images ${imagesDir} (${absent[0]}.png, ...); extract the video's frames there, numbered from 0 (ffmpeg -i VIDEO -start_number 0 DIR/frame_%06d.png)`);
  const located = [...byFile.values()];
  const merged = located.filter((l) => l.entries.length > 1).map((l) => ({ image: path.relative(imagesDir, l.file), entries: l.entries.map((e) => e.name) }));
  // The folder is marked as convert's before its first mask: a conversion stopped part way may be run again.
  mark();
  let done = 0;
  for (const { file, entries } of located) {
    const [w, h] = await imageSize(file);
    for (const img of entries) {
      if ((img.width != null && img.width !== w) || (img.height != null && img.height !== h)) {
        throw new UserError(`${o.input}: "${img.name}" is annotated as ${img.width}x${img.height} but ${file} is ${w}x${h}`);
      }
    }
    const labels = new Uint8Array(w * h);
    // One image of all the entries' shapes: crowd regions first and the z order hold across them.
    drawImage(entries.length === 1 ? entries[0] : { ...entries[0], shapes: entries.flatMap((e) => e.shapes) }, labels, w, h);
    const out = finder.maskOf(masksDir, file);
    makeDir(path.dirname(out));
    writeFileAtomic(out, encodeLabelPng(labels, w, h, classes.map((c) => c.color)));
    o.onImage?.(++done, located.length);
  }

  function drawImage(img: AnnotatedImage, labels: Uint8Array, w: number, h: number): void {
    if (img.labelMap) {
      const lut = img.labelMap.names.map((n) => classId(n));
      img.labelMap.names.forEach((n, i) => { if (lut[i] == null) skipped.push({ image: img.name, what: `mask value of "${n}"`, reason: `label "${n}" is not in the class list (drawn as background)` }); });
      const data = img.labelMap.read();
      for (let i = 0; i < labels.length; i++) labels[i] = lut[data[i]] ?? 0;
    }
    const asCrowd = (s: Shape) => !!s.ignore || (!!s.crowd && crowdRule === 'ignore');
    const ordered = [...img.shapes.filter(asCrowd), ...img.shapes.filter((s) => !asCrowd(s)).map((s, k) => ({ s, k })).sort((a, b) => (a.s.z ?? 0) - (b.s.z ?? 0) || a.k - b.k).map((x) => x.s)];
    for (const s of ordered) {
      const id = asCrowd(s) ? CROWD_LABEL : classId(s.label);
      if (id == null) { skipped.push({ image: img.name, what: s.what, reason: `label "${s.label}" is not in the class list` }); continue; }
      for (const r of s.regions) {
        if (r.kind === 'polygon' && r.coco && (o.fillRule ?? 'evenodd') === 'evenodd') fillPolygonCoco(labels, w, h, r.xy, id);
        else if (r.kind === 'polygon') fillPolygon(labels, w, h, img.normalized ? r.xy.map((v, k) => v * (k % 2 ? h : w)) : r.xy, id, o.fillRule ?? 'evenodd');
        else if (r.kind === 'ellipse') fillEllipse(labels, w, h, r.cx, r.cy, r.rx, r.ry, r.degrees, id);
        else drawBits(labels, w, h, r, id);
      }
      if (s.ignore) boxesIgnored++;
      else if (asCrowd(s)) crowdIgnored++;
      else shapesPerClass[id]++;
    }
  }
  const classFile = path.join(o.out, 'classes.json');
  writeFileAtomic(classFile, JSON.stringify(classes, null, 2) + '\n');
  // Images with an object the mask marks as background (a shape skipped, its region unknown) are
  // left out of the lists: trained on, they would teach that the object is background.
  const lostFiles = new Set(skipped.filter((k) => k.lost).map((k) => finder.find({ name: k.image })).filter((f): f is string => !!f).map((f) => path.resolve(f)));
  const name = (l: { file: string }) => path.relative(imagesDir, l.file).split(path.sep).join('/');
  const leftOut = located.filter((l) => lostFiles.has(path.resolve(l.file))).map(name);
  const names = located.filter((l) => !lostFiles.has(path.resolve(l.file))).map(name);
  const { list, split } = writeLists(o.out, names, o.valFraction, splitOf);
  const written = new Set(located.map((l) => path.resolve(finder.maskOf(masksDir, l.file))));
  const stale = isDir(masksDir) ? filesUnder(masksDir, true, (f) => f.toLowerCase().endsWith('.png')).filter((f) => !written.has(path.resolve(masksDir, f))) : [];
  // Tasks not annotated yet, less those whose image another task annotates.
  const unannotated = (set.unannotated ?? []).filter((n) => { const f = finder.find({ name: n }); return !f || !byFile.has(path.resolve(f)); });
  const classOrder = o.classes ? 'given' : set.firstUse ? 'first use' : 'export';
  const report: ConvertReport = { format: o.from, images: located.length, imagesDir, masks: masksDir, classFile, classes, classOrder, shapesPerClass, crowdIgnored, boxesIgnored, skipped, leftOut, merged, unannotated, absent, stale, list, ...(split ? { split } : {}) };
  writeFileAtomic(path.join(o.out, 'report.json'), JSON.stringify({ ...report, input: given.input }, null, 2) + '\n');
  return report;
}
