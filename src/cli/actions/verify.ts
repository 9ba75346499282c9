// The `verify` command's work, loaded when the command runs (the definition in ../verify.ts stays light).
import { readClassList, resolveBinaryClasses, resolveClasses } from '../../data/class_file.js';
import { classesFromValues, maskValues, verifyDataset } from '../../data/verify.js';
import type { PairingSpec } from '../../data/dataset.js';
import { makeSpec, resolveData, masksLabelMap } from './shared.js';
import { UserError } from '../../util/errors.js';
import { progressBar } from '../../util/progress.js';
import type { Opts } from '../verify.js';
import path from 'node:path';
import { labelQa, writeQaReport } from './label_qa.js';
import { checkOutputDir } from '../output_paths.js';
import { asFlags } from '../flags.js';
import { writeDatasetOverlays } from './dataset_overlays.js';
import { isInside } from '../../util/fs.js';

export async function run(o: Opts): Promise<void> {
  if (o.model) checkOutputDir('--report', o.report);
  if (o.overlays != null) checkOutputDir('--overlays', o.overlays);
  if (!(o.alpha >= 0 && o.alpha <= 1)) throw new UserError(`--alpha ${o.alpha}: must be between 0 and 1`);
  const { pairing, layout } = resolveData(o, 'train', (l) => process.stdout.write(`layout: ${l}\n`));
  const classCount = o.classes ?? layout?.classes?.length ?? (o.classFile != null ? readClassList(o.classFile).length : undefined);
  if (classCount == null) return listMaskValues(pairing, o);
  // --classes 1 is binary segmentation: masks of background (0) and foreground (1, or 255).
  const binary = o.classes === 1;
  const numClasses = binary ? 2 : classCount;
  const classes = binary ? resolveBinaryClasses(o.classFile) : o.classes == null && !o.classFile ? layout!.classes! : resolveClasses(numClasses, o.classFile);
  const labelMap = await masksLabelMap(layout, pairing, o.labelMap, numClasses, o.ignoreIndex, (l) => process.stdout.write(`note: ${l}\n`));
  const ignoreIndex = o.ignoreIndex ?? layout?.ignoreIndex ?? 255;
  const spec = makeSpec(pairing, numClasses, ignoreIndex, labelMap, classes);
  // Drawings inside the dataset's folders would be read as its images (or masks) next time.
  for (const [what, dir] of [['images', pairing.images], ['masks', pairing.masks]] as const) {
    if (o.overlays != null && dir && isInside(dir, o.overlays)) throw new UserError(`--overlays ${o.overlays}: inside the ${what} folder ${dir}, where the drawings would be read as ${what}; choose a folder outside the dataset's`);
  }
  let bar: ReturnType<typeof progressBar> | null = null;
  const r = await verifyDataset(spec, (d, t) => { bar ??= progressBar('verify', t, 'img', o.quiet); bar.update(d); });
  (bar as ReturnType<typeof progressBar> | null)?.stop();
  if (r.problems.length) {
    for (const p of r.problems) process.stdout.write(asFlags(p) + '\n');
    process.stdout.write(`${r.problems.length} problems in ${r.images} pairs\n`);
    if (o.overlays != null) process.stdout.write(`no overlays drawn (--overlays): fix the problems first\n`);
    process.exitCode = 1;
    return;
  }
  const total = r.histogram.reduce((a, b) => a + b, 0);
  const w = Math.max(10, ...classes.map((c) => c.name.length));
  process.stdout.write(`${r.images} pairs OK (mask encodings: ${Object.entries(r.modes).map(([k, v]) => `${k} ${v}`).join(', ')}); ${r.ignored} ignored pixels (label ${ignoreIndex})\n\n`);
  process.stdout.write(`${'id'.padStart(3)}  ${'class'.padEnd(w)}  ${'pixels'.padStart(12)}  ${'share'.padStart(7)}  weight\n`);
  r.histogram.forEach((n, i) => {
    process.stdout.write(`${String(i).padStart(3)}  ${classes[i].name.padEnd(w)}  ${String(n).padStart(12)}  ${(total ? (100 * n) / total : 0).toFixed(2).padStart(6)}%  ${r.suggestedWeights[i].toFixed(3)}\n`);
  });
  const b = r.bands;
  if (b.channels) process.stdout.write(`\nimages: ${b.channels} band${b.channels > 1 ? 's' : ''} of ${b.sampleType}; per band (samples / ${b.sampleType === 'float32' ? '1' : b.sampleType === 'uint16' ? '65535' : '255'}): mean ${b.mean.map((v) => v.toFixed(4)).join(', ')}; std ${b.std.map((v) => v.toFixed(4)).join(', ')}\n`);
  process.stdout.write(`\nsuggested: --class-weights ${r.suggestedWeights.map((x) => x.toFixed(3)).join(',')}  (median-frequency balancing; or --class-weights auto)\n`);
  if (labelMap.length && !layout) process.stdout.write(`label map in use: ${labelMap.map(([a, b]) => `${a}:${b}`).join(',')}\n`);
  if (o.overlays != null) {
    let drawBar: ReturnType<typeof progressBar> | null = null;
    const n = await writeDatasetOverlays(spec, classes, o.overlays, o.alpha, (d, t) => { drawBar ??= progressBar('overlays', t, 'img', o.quiet); drawBar.update(d); });
    (drawBar as ReturnType<typeof progressBar> | null)?.stop();
    process.stdout.write(`\n${n} pairs drawn: ${path.join(o.overlays, '*_overlay.png')}, contact sheet ${path.join(o.overlays, 'overview.jpg')}\n`);
  }
  if (o.model) {
    const qo = { model: o.model, weights: o.weights, report: o.report, worst: o.worst, quiet: o.quiet };
    const rows = await labelQa(spec, classes, qo);
    await writeQaReport(rows, classes, spec, qo);
    const flagged = rows.filter((r) => r.findings.length);
    process.stdout.write(`\nlabel QA with ${o.model}: ${flagged.length} of ${rows.length} masks flagged; most suspect first in ${path.join(o.report, 'qa.csv')} (qa.json, contact sheet qa.jpg; the flagged as a list, flagged.txt: convert --to FORMATS --list ${path.join(o.report, 'flagged.txt')} writes them for a labelling tool)\n`);
    for (const r of flagged.slice(0, 10)) process.stdout.write(`  ${r.mask}: ${r.findings.map((f) => asFlags(f.message)).join('; ')}\n`);
  }
}

/** Without --classes: the values the masks hold, and the --classes that reads them. */
function listMaskValues(pairing: PairingSpec, o: Opts): void {
  if (o.model || o.overlays != null) throw new UserError(`${o.model ? '--model' : '--overlays'}: needs --classes (the number of classes the masks hold) or --class-file; verify without them lists the values the masks hold`);
  let bar: ReturnType<typeof progressBar> | null = null;
  const r = maskValues(pairing, (d, t) => { bar ??= progressBar('verify', t, 'mask', o.quiet); bar.update(d); });
  (bar as ReturnType<typeof progressBar> | null)?.stop();
  for (const p of r.problems) process.stdout.write(asFlags(p) + '\n');
  if (r.problems.length) process.exitCode = 1;
  if (!r.values.length && !r.colourMasks) return;
  const total = r.values.reduce((a, [, n]) => a + n, 0);
  process.stdout.write(`${r.masks} mask${r.masks === 1 ? '' : 's'}; no --classes given: the values they hold\n\n${'value'.padStart(5)}  ${'pixels'.padStart(12)}  ${'share'.padStart(7)}\n`);
  for (const [v, n] of r.values) process.stdout.write(`${String(v).padStart(5)}  ${String(n).padStart(12)}  ${((100 * n) / total).toFixed(2).padStart(6)}%\n`);
  if (r.colourMasks) process.stdout.write(`\n${r.colourMasks} RGB colour masks: their colours are classes; give --class-file with each class's colour\n`);
  if (r.values.length) process.stdout.write(`\nsuggested: ${classesFromValues(r.values.map(([v]) => v))}; then verify again with it\n`);
}
