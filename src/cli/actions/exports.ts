// Pre-annotation exports of the commands that write them (predict, rank, video): the formats asked
// for, the folder they go into, and the files written.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EXPORT_FORMATS, labelmeFileOf, labelStudioConfig, type ExportBuilder, type ExportFormat, type LabelStudioNames } from '../../data/annotations/export.js';
import type { ClassInfo } from '../../data/classes.js';
import { UserError } from '../../util/errors.js';
import { PREDICTION_FILE } from '../../inference/outputs.js';
import { isDir, writeFileAtomic } from '../../util/fs.js';

export function parseExports(v: string, flag = '--export'): ExportFormat[] {
  const list = v.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = list.find((x) => !(EXPORT_FORMATS as readonly string[]).includes(x));
  if (bad || !list.length) throw new UserError(`${flag} ${v}: ${bad ? `unknown format ${bad}; ` : ''}use ${EXPORT_FORMATS.join(', ')} (comma-separated)`);
  return list as ExportFormat[];
}

/** Files predict, rank and video write (per image, and the exports): an export goes into a folder of nothing else. */
const OWN_OUTPUT = new RegExp(`${PREDICTION_FILE.source}|${/^(coco\.json|labelstudio\.json|labelstudio-config\.xml|cvat\.zip|cvat\.xml|yolo\.zip|labelme|supervisely|frames|scores\.jsonl|predict\.jsonl|rank\.csv|rank\.json)$/.source}`);

export function checkExportDir(out: string, flag = '--out'): void {
  if (!isDir(out)) return;
  // Subfolders hold the files of images under subfolders (predict --recursive).
  const other: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(out, rel), { withFileTypes: true })) {
      if (other.length >= 4) return; // enough to name
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !(rel === '' && OWN_OUTPUT.test(e.name))) walk(r);
      else if (!OWN_OUTPUT.test(e.name) || (rel && !PREDICTION_FILE.test(e.name))) other.push(r);
    }
  };
  walk('');
  if (other.length) throw new UserError(`${flag} ${out}: holds files that pixelwise did not write (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', ...' : ''}); --export writes into a new or empty folder, or one of an earlier predict, rank or video`);
}

// labelme saves its edits into the files it opened: a labelme file of an earlier export carries the
// digest of the shapes pixelwise wrote (labelme keeps keys it does not know), so that one changed
// since is never written over.
const labelmeFile = (out: string, name: string) => path.join(out, 'labelme', labelmeFileOf(name));
/** The one dataset of a Supervisely export. */
const SUPERVISELY_DATASET = 'ds0';
const shapesDigest = (shapes: unknown): string => createHash('sha1').update(JSON.stringify(
  Array.isArray(shapes) ? shapes.map((s: { label?: unknown; shape_type?: unknown; points?: unknown }) => [s?.label, s?.shape_type, s?.points]) : null)).digest('hex');

/** Refuses an export that would write over a labelme file changed since pixelwise wrote it (edited in labelme). */
export function checkLabelmeEdits(out: string, formats: ExportFormat[], images: string[], flag = '--out'): void {
  if (!formats.includes('labelme')) return;
  const folder = path.join(out, 'labelme');
  if (fs.existsSync(folder) && !isDir(folder)) throw new UserError(`${flag} ${out}: labelme is a file, where the labelme export writes its folder; move it away or give another ${flag}`);
  for (const name of images) {
    const file = labelmeFile(out, name);
    if (!fs.existsSync(file)) continue;
    let json: { shapes?: unknown; pixelwise?: { shapes?: unknown } } | null = null;
    try { json = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* not pixelwise's: refused below */ }
    if (json?.pixelwise?.shapes !== shapesDigest(json?.shapes)) {
      throw new UserError(`${flag} ${out}: ${path.relative(out, file)} was changed since pixelwise wrote it (edited in labelme?), and this export would write over it; move it away or give another ${flag}`);
    }
  }
}

/** The labelling tools' files `b` built, written in `out`; returns their paths. `imageFile`: where an exported image is (labelme points at it). */
export function writeExports(out: string, formats: ExportFormat[], b: ExportBuilder, classes: ClassInfo[], names: LabelStudioNames, imageFile: (name: string) => string, flag = '--out'): string[] {
  const written: string[] = [];
  const put = (f: string, data: string | Uint8Array) => { writeFileAtomic(path.join(out, f), data); written.push(path.join(out, f)); };
  if (formats.includes('coco')) put('coco.json', JSON.stringify(b.coco()) + '\n');
  if (formats.includes('labelstudio')) { put('labelstudio.json', JSON.stringify(b.labelStudio()) + '\n'); put('labelstudio-config.xml', labelStudioConfig(classes, names)); }
  if (formats.includes('cvat')) put('cvat.zip', b.cvatZip());
  if (formats.includes('cvat-xml')) put('cvat.xml', b.cvatXml());
  if (formats.includes('yolo')) put('yolo.zip', b.yoloZip());
  if (formats.includes('supervisely')) {
    // Supervisely imports a project folder: meta.json, and a dataset of its images (copied) and annotations.
    const project = path.join(out, 'supervisely');
    const { meta, anns } = b.supervisely();
    writeFileAtomic(path.join(project, 'meta.json'), JSON.stringify(meta) + '\n');
    for (const a of anns) {
      writeFileAtomic(path.join(project, SUPERVISELY_DATASET, 'ann', a.file), JSON.stringify(a.json) + '\n');
      const image = path.join(project, SUPERVISELY_DATASET, 'img', a.name);
      if (path.resolve(imageFile(a.name)) !== path.resolve(image)) writeFileAtomic(image, fs.readFileSync(imageFile(a.name)));
    }
    written.push(`${project}${path.sep} (${anns.length} image${anns.length === 1 ? '' : 's'} in ${SUPERVISELY_DATASET}/)`);
  }
  if (formats.includes('labelme')) {
    const files = b.labelme();
    checkLabelmeEdits(out, formats, files.map((f) => f.name), flag);
    for (const f of files) {
      const file = labelmeFile(out, f.name);
      // labelme finds the image by imagePath, relative to the JSON file.
      const imagePath = path.relative(path.dirname(file), path.resolve(imageFile(f.name)));
      writeFileAtomic(file, JSON.stringify({ ...f.json, imagePath, pixelwise: { shapes: shapesDigest(f.json.shapes) } }) + '\n');
    }
    written.push(`${path.join(out, 'labelme')}${path.sep} (${files.length} file${files.length === 1 ? '' : 's'})`);
  }
  return written;
}

