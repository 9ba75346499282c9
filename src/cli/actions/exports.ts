// Pre-annotation exports of the commands that write them (predict, rank): the formats asked for,
// the folder they go into, and the files written.
import fs from 'node:fs';
import path from 'node:path';
import { EXPORT_FORMATS, labelStudioConfig, type ExportBuilder, type ExportFormat, type LabelStudioNames } from '../../data/annotations/export.js';
import type { ClassInfo } from '../../data/classes.js';
import { UserError } from '../../util/errors.js';
import { isDir, writeFileAtomic } from '../../util/fs.js';

export function parseExports(v: string): ExportFormat[] {
  const list = v.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = list.find((x) => !(EXPORT_FORMATS as readonly string[]).includes(x));
  if (bad || !list.length) throw new UserError(`--export ${v}: ${bad ? `unknown format ${bad}; ` : ''}use ${EXPORT_FORMATS.join(', ')} (comma-separated)`);
  return list as ExportFormat[];
}

/** Files predict and rank write (per image, and the exports): an export goes into a folder of nothing else. */
const OWN_OUTPUT = /(_labels\.png|_color\.png|_overlay\.png|_legend\.png|_classes\.json|_effect\.(png|jpg)|_cutout_.+\.png)$|^(coco\.json|labelstudio\.json|labelstudio-config\.xml|cvat\.zip|scores\.jsonl|rank\.csv|rank\.json)$/;

export function checkExportDir(out: string): void {
  if (!isDir(out)) return;
  const other = fs.readdirSync(out).filter((f) => !f.startsWith('.') && !OWN_OUTPUT.test(f));
  if (other.length) throw new UserError(`--out ${out}: holds files that pixelwise did not write (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', ...' : ''}); --export writes into a new or empty folder, or one of an earlier predict or rank`);
}

/** The labelling tools' files `b` built, written in `out`; returns their paths. */
export function writeExports(out: string, formats: ExportFormat[], b: ExportBuilder, classes: ClassInfo[], names: LabelStudioNames): string[] {
  const written: string[] = [];
  const put = (f: string, data: string | Uint8Array) => { writeFileAtomic(path.join(out, f), data); written.push(path.join(out, f)); };
  if (formats.includes('coco')) put('coco.json', JSON.stringify(b.coco()) + '\n');
  if (formats.includes('labelstudio')) { put('labelstudio.json', JSON.stringify(b.labelStudio()) + '\n'); put('labelstudio-config.xml', labelStudioConfig(classes, names)); }
  if (formats.includes('cvat')) put('cvat.zip', b.cvatZip());
  return written;
}

