// Ultralytics YOLO segmentation labels (what Ultralytics, Roboflow and CVAT's "Ultralytics YOLO
// Segmentation" write): one .txt per image, one object per row, `class x1 y1 x2 y2 ... xn yn` with
// the polygon in fractions of the image's width and height (a row of 4 numbers is a detection box,
// `class cx cy w h`). Class names come from the dataset's YAML (`names`, a list or a map by index) or
// from classes.txt / obj.names beside a labels folder. Labels are found by YOLO's own rule from a
// data.yaml (the image's last "images" folder becomes "labels", its extension .txt), or in the labels
// folder given, by the image's path under the images folder; images that rule finds no label for
// are looked up in the labels/ folder beside the YAML by their path (a download of labels without
// the images, pixelwise's own --export yolo). An image without a label file has no objects (YOLO's
// background images).
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { filesUnder, imagesUnder } from '../image_list.js';
import { UserError } from '../../util/errors.js';
import { isDir, isFile } from '../../util/fs.js';
import { ShapeProblems, type AnnotatedImage, type AnnotationSet, type Shape } from './types.js';

function yamlNames(file: string): string[] {
  let doc: unknown;
  try { doc = parseYaml(fs.readFileSync(file, 'utf8')); } catch (e) { throw new UserError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`); }
  const names = (doc as { names?: unknown } | null)?.names;
  if (Array.isArray(names)) return names.map(String);
  if (names && typeof names === 'object') {
    const entries = Object.entries(names as Record<string, unknown>);
    const out: string[] = [];
    for (const [k, v] of entries) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0 || i >= entries.length) throw new UserError(`${file}: names has the key ${k}; the keys are the class indices 0 to ${entries.length - 1}`);
      out[i] = String(v);
    }
    return out;
  }
  throw new UserError(`${file}: no "names" (the class names, a list or a map by index) in this dataset YAML`);
}

function namesBeside(labels: string): string[] {
  for (const dir of [labels, path.dirname(labels)]) {
    for (const f of ['classes.txt', 'obj.names']) {
      const file = path.join(dir, f);
      if (isFile(file)) return fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
    }
  }
  throw new UserError(`${labels}: no class names (classes.txt or obj.names, one name per line, here or in the folder above); or give the dataset's data.yaml instead of the labels folder`);
}

/** The label file of an image by YOLO's rule: the last "images" folder of its path becomes "labels". */
function labelPathByRule(image: string): string | null {
  const parts = path.resolve(image).split(path.sep);
  const k = parts.lastIndexOf('images');
  if (k < 0 || k === parts.length - 1) return null;
  parts[k] = 'labels';
  return parts.join(path.sep).replace(/\.[^./\\]+$/, '') + '.txt';
}

function readRows(file: string, img: AnnotatedImage, names: string[], problems: ShapeProblems): void {
  fs.readFileSync(file, 'utf8').split(/\r?\n/).forEach((line, k) => {
    const tokens = line.trim().split(/\s+/).filter((t) => t.length > 0);
    if (!tokens.length) return;
    const cls = Number(tokens[0]);
    const what = `${path.basename(file)} line ${k + 1}`;
    if (!Number.isInteger(cls) || cls < 0 || cls >= names.length) return problems.invalid(img.name, what, `class ${tokens[0]} is not one of the dataset's class indices, 0 to ${names.length - 1}`);
    const v = tokens.slice(1).map(Number);
    if (v.some((x) => !Number.isFinite(x))) return problems.invalid(img.name, what, 'a coordinate is not a number');
    const shape: Shape = { label: names[cls], regions: [], what };
    if (v.length === 4) {
      const [cx, cy, w, h] = v;
      shape.regions.push({ kind: 'polygon', xy: [cx - w / 2, cy - h / 2, cx + w / 2, cy - h / 2, cx + w / 2, cy + h / 2, cx - w / 2, cy + h / 2] });
    } else if (v.length >= 6 && v.length % 2 === 0) shape.regions.push({ kind: 'polygon', xy: v });
    else return problems.invalid(img.name, what, `${v.length} coordinates (a box has 4: cx cy w h; a polygon 6 or more, x y pairs)`);
    img.shapes.push(shape);
  });
}

/**
 * The label file under `dir` of an image at `rel` (its path under the images folder): the one file
 * whose path, less `.txt`, ends with the image's less its extension, at a folder boundary
 * (labels/train/s1/a.txt for s1/a.png); none when no file or two do.
 */
function labelsBelow(dir: string): (rel: string) => string | undefined {
  // By file stem first (each image looks at the few labels of its name, not all of them).
  const byStem = new Map<string, { key: string; file: string }[]>();
  for (const f of filesUnder(dir, true, (n) => n.toLowerCase().endsWith('.txt'))) {
    const key = '/' + f.replace(/\.txt$/i, '').toLowerCase();
    const s = path.posix.basename(key);
    byStem.set(s, [...(byStem.get(s) ?? []), { key, file: path.join(dir, f) }]);
  }
  return (rel) => {
    const want = '/' + rel.split(path.sep).join('/').replace(/\.[^./]+$/, '').toLowerCase();
    const hits = (byStem.get(path.posix.basename(want)) ?? []).filter((f) => f.key.endsWith(want));
    return hits.length === 1 ? hits[0].file : undefined;
  };
}

/**
 * `input`: the dataset's YAML, or a folder of label files. `images`: the folder of the images they
 * label (subfolders too).
 */
export function readYolo(input: string, images: string, skipInvalid = false): AnnotationSet {
  const fromYaml = isFile(input);
  if (!fromYaml && !isDir(input)) throw new UserError(`${input}: not found; give the dataset's data.yaml or its labels folder`);
  const names = fromYaml ? yamlNames(input) : namesBeside(input);
  const problems = new ShapeProblems(input, skipInvalid);
  const files = imagesUnder(images, true);
  const out: AnnotatedImage[] = [];
  const used = new Set<string>();
  let labelled = 0;
  // The YAML's own labels/ folder, by the image's path: its labels when the images are elsewhere (a
  // download of labels only, pixelwise's --export yolo, read back with options.images).
  const beside = fromYaml && isDir(path.join(path.dirname(input), 'labels')) ? labelsBelow(path.join(path.dirname(input), 'labels')) : null;
  for (const rel of files) {
    let label = fromYaml ? labelPathByRule(path.join(images, rel)) : path.join(input, rel.replace(/\.[^./]+$/, '') + '.txt');
    if (beside && (label == null || !isFile(label))) label = beside(rel) ?? label ?? '';
    if (label == null) throw new UserError(`${input}: ${path.join(images, rel)} has no "images" folder in its path, where YOLO's rule finds its labels (.../images/... -> .../labels/...); give the labels folder instead`);
    const img: AnnotatedImage = { name: rel, shapes: [], normalized: true };
    if (isFile(label)) { readRows(label, img, names, problems); labelled++; used.add(path.resolve(label)); }
    out.push(img);
  }
  if (!labelled) throw new UserError(`${input}: none of the ${files.length} images under ${images} has a label file${fromYaml ? ' (looked for by YOLO\'s rule: .../images/NAME.jpg -> .../labels/NAME.txt)' : ` in ${input}`}; point options.images at the labelled images`);
  if (!fromYaml) {
    // A label file whose image is missing: the wrong images folder, as for the other formats.
    const orphan = filesUnder(input, true, (f) => f.endsWith('.txt')).filter((f) => f !== 'classes.txt').find((f) => !used.has(path.resolve(input, f)));
    if (orphan) throw new UserError(`${input}: ${orphan} labels an image that is not in options.images ${images}; point options.images at the folder the labels' images are in`);
  }
  return { format: 'yolo', images: out, labels: names, skipped: problems.skipped };
}
