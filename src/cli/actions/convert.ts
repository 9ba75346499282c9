// The `convert` command's work, loaded when the command runs (the definition in ../convert.ts stays light).
import fs from 'node:fs';
import path from 'node:path';
import { convertAnnotations, isBackground } from '../../data/annotations/convert.js';
import type { AnnotationFormat } from '../../data/annotations/format_names.js';
import { importParquet } from '../../data/parquet_dataset.js';
import { checkOutputDir } from '../output_paths.js';
import { shellArg } from '../shell_arg.js';
import { progressBar } from '../../util/progress.js';
import type { Opts } from '../convert.js';
import { UserError } from '../../util/errors.js';
import { readClassList } from '../../data/class_file.js';
import { defaultClasses, type Rgb } from '../../data/classes.js';
import { loadSamples } from '../../data/dataset.js';
import { readCheckedMask } from '../../data/loader.js';
import { readImage } from '../../data/image_io.js';
import { ExportBuilder, exportNamesProblem, type LabelStudioNames } from '../../data/annotations/export.js';
import { checkExportDir, parseExports, writeExports } from './exports.js';
import { datasetClasses, makeSpec, resolveData, masksLabelMap } from './shared.js';
import { cliLog } from '../flags.js';

/** Why an export's labels are numbered by first use, and the class file that numbers them as the project does. */
const FIRST_USE_NOTE: Partial<Record<string, string>> = { labelstudio: 'Label Studio\'s JSON holds no class list', labelme: 'labelme\'s files hold no class list', via: 'VIA\'s annotations export holds no class list' };
const FIRST_USE_FILE: Partial<Record<string, string>> = { labelstudio: 'CONFIG.xml (the project\'s labelling config: Settings, Labeling Interface, Code)', labelme: 'labels.txt (one name a line, as labelme\'s)', via: 'classes.txt (one name a line), or the VIA project, whose attribute options list the classes' };

export async function run(file: string | undefined, o: Opts): Promise<void> {
  if ((o.from == null) === (o.to == null)) throw new UserError(o.from == null ? 'convert: give --from FORMAT FILE (a labelling tool\'s export into masks) or --to FORMATS with --images and --masks (masks into the tools\' files)' : '--to: writes masks as the tools\' files; --from reads a tool\'s export: give one of them');
  if (o.to != null) {
    if (file != null) throw new UserError(`${file}: --to reads --images and --masks (or --data), not a file; leave it out`);
    return toTools(o);
  }
  if (file == null) throw new UserError(`--from ${o.from}: give the export to read (a file or folder)`);
  checkOutputDir('--out', o.out);
  if (o.from === 'parquet') return fromParquet(file, o);
  const classes = o.classFile ? readClassList(o.classFile) : undefined;
  let bar: ReturnType<typeof progressBar> | null = null, extractBar: ReturnType<typeof progressBar> | null = null;
  const r = await convertAnnotations({
    from: o.from as AnnotationFormat, input: file, images: o.images, out: o.out, classes, fillRule: o.fillRule, crowd: o.crowd, predictions: o.predictions, valFraction: o.valFraction, skipInvalid: o.skipInvalid,
    onImage: (d, t) => { extractBar?.stop(); extractBar = null; bar ??= progressBar('convert', t, 'img', o.quiet); bar.update(d); },
    onExtract: (read, total) => { extractBar ??= progressBar('extract', Math.ceil(total / 2 ** 20), 'MB', o.quiet); extractBar.update(Math.floor(read / 2 ** 20)); },
  });
  (extractBar as ReturnType<typeof progressBar> | null)?.stop();
  (bar as ReturnType<typeof progressBar> | null)?.stop();
  for (const s of r.skipped.slice(0, 20)) process.stderr.write(`skipped: ${s.image}, ${s.what}: ${s.reason}\n`);
  if (r.skipped.length > 20) process.stderr.write(`... and ${r.skipped.length - 20} more skipped shapes\n`);
  if (r.crowdIgnored) process.stderr.write(`${r.crowdIgnored} crowd region${r.crowdIgnored > 1 ? 's' : ''} (COCO iscrowd 1) drawn as the ignore label 255; CVAT's COCO export marks every mask as a crowd: --crowd class draws them as their classes\n`);
  if (r.boxesIgnored) process.stderr.write(`${r.boxesIgnored} object${r.boxesIgnored > 1 ? 's' : ''} without a usable outline drawn as the ignore label 255 over ${r.boxesIgnored > 1 ? 'their' : 'its'} COCO bbox (not as background)\n`);
  if (r.leftOut.length) process.stderr.write(`${r.leftOut.length} image${r.leftOut.length > 1 ? 's' : ''} left out of ${path.basename(r.list)}${r.split ? ', train.txt and val.txt' : ''} (e.g. ${r.leftOut[0]}): a skipped shape's object would be background in ${r.leftOut.length > 1 ? 'their masks' : 'its mask'}; fix the shapes in the labelling tool and export again (report.json lists them)\n`);
  if (r.merged.length) process.stderr.write(`${r.merged.length} image${r.merged.length > 1 ? 's are' : ' is'} named by more than one entry of the export (a task imported twice?), e.g. ${r.merged[0].image} by ${r.merged[0].entries.map((e) => `"${e}"`).join(', ')}: their shapes are drawn together on one mask (report.json lists them)\n`);
  const drawn = r.shapesPerClass.reduce((a, b) => a + b, 0);
  process.stdout.write(`wrote ${r.images} mask${r.images === 1 ? '' : 's'} to ${r.masks} and ${r.classes.length} classes to ${r.classFile} (${drawn} shape${drawn === 1 ? '' : 's'} drawn${r.skipped.length ? `, ${r.skipped.length} skipped: see ${path.join(o.out, 'report.json')}` : ''})\n`);
  if (r.absent.length) process.stderr.write(`${r.absent.length} frame${r.absent.length > 1 ? 's' : ''} of the export ha${r.absent.length > 1 ? 've' : 's'} no image under --images (e.g. ${r.absent[0]}): no mask written for ${r.absent.length > 1 ? 'them' : 'it'}\n`);
  if (r.stale.length) process.stderr.write(`${r.stale.length} mask${r.stale.length > 1 ? 's' : ''} in ${r.masks} from an earlier conversion (e.g. ${r.stale[0]}) ${r.stale.length > 1 ? 'are' : 'is'} not of this export: list.txt leaves ${r.stale.length > 1 ? 'them' : 'it'} out; delete ${r.stale.length > 1 ? 'them' : 'it'} or convert into a new --out\n`);
  if (r.unannotated.length) process.stderr.write(`${r.unannotated.length} task${r.unannotated.length > 1 ? 's' : ''} not annotated yet (e.g. ${r.unannotated[0]}): no mask written for ${r.unannotated.length > 1 ? 'them' : 'it'}; --predictions takes their pre-annotations as labels\n`);
  // The list names the images given masks (an images folder may hold others); subfolders need --recursive.
  const nested = fs.readFileSync(r.list, 'utf8').includes('/');
  const held = r.split && r.split.counts[1] > 0;
  const q = shellArg;
  const lists = held ? `--list ${q(r.split!.train)} --val-images ${q(r.imagesDir)} --val-masks ${q(r.masks)} --val-list ${q(r.split!.val)}` : `--list ${q(r.list)}`;
  const test = r.split?.test ? `; ${r.split.testCount} test images (${r.split.test})` : '';
  if (r.split) process.stdout.write(held ? `split: ${r.split.counts[0]} training and ${r.split.counts[1]} validation images (${r.split.train}, ${r.split.val})${test}\n` : `split: ${r.split.counts[0]} training images, none held out for validation${test}\n`);
  // Pixels no shape covers are class 0: a list that does not begin with background makes them its first class.
  if (classes && !isBackground(classes[0].name)) process.stderr.write(`--class-file ${o.classFile}: class 0 is "${classes[0].name}", and the pixels no shape covers are class 0; if they are background, put background first\n`);
  if (r.classOrder === 'first use') process.stderr.write(`classes numbered in the order this export first uses its labels (${FIRST_USE_NOTE[r.format] ?? 'the export holds no class list'}): another export of the project may number them otherwise; --class-file ${FIRST_USE_FILE[r.format] ?? 'FILE'} numbers them as the project does\n`);
  process.stdout.write(`train with: --images ${q(r.imagesDir)} --masks ${q(r.masks)} ${lists}${nested ? ' --recursive' : ''} --class-file ${q(r.classFile)} --classes ${r.classes.length}\n`);
}

/** --from parquet: a Hugging Face dataset's Parquet files into images, masks, classes and split lists. */
async function fromParquet(file: string, o: Opts): Promise<void> {
  let bar: ReturnType<typeof progressBar> | null = null;
  const r = await importParquet({
    input: file, out: o.out, imageColumn: o.imageColumn, maskColumn: o.maskColumn, classes: o.classFile ? readClassList(o.classFile) : undefined, valFraction: o.valFraction,
    onImage: (d, t) => { bar ??= progressBar('convert', t, 'img', o.quiet); bar.update(d); },
  });
  (bar as ReturnType<typeof progressBar> | null)?.stop();
  const q = shellArg, n = r.splits.reduce((a, s) => a + s.count, 0);
  process.stdout.write(`wrote ${n} image${n === 1 ? '' : 's'} (columns ${r.columns.image}, ${r.columns.mask}) to ${r.images} and their masks to ${r.masks}; ${r.classes.length} classes to ${r.classFile} (${r.classSource === 'mask values' ? 'named class 0.. by the masks\' values: no id2label.json beside the files; give --class-file for names' : `from ${r.classSource === 'given' ? '--class-file' : 'id2label.json'}`})\n`);
  process.stdout.write(`splits: ${r.splits.map((s) => `${s.name} ${s.count} (${s.list})`).join(', ')}\n`);
  const train = r.splits.find((s) => s.name === 'train'), val = r.splits.find((s) => s.name === 'val');
  const lists = `--list ${q(train?.list ?? r.list)}${val ? ` --val-images ${q(r.images)} --val-masks ${q(r.masks)} --val-list ${q(val.list)}` : ''}`;
  process.stdout.write(`train with: --images ${q(r.images)} --masks ${q(r.masks)} ${lists} --class-file ${q(r.classFile)}\n`);
}

/**
 * --to: each mask of the dataset (its classes from the layout, --class-file or --classes; the
 * ignore label left unlabelled) written as the labelling tools' files, as predict --export writes
 * predictions (Label Studio's as annotations), for review and correction there; convert --from
 * reads them back to the same masks.
 */
async function toTools(o: Opts): Promise<void> {
  const formats = parseExports(o.to!, '--to');
  checkOutputDir('--out', o.out);
  checkExportDir(o.out);
  const { pairing, layout } = resolveData(o, 'train', cliLog);
  // --classes N: 0 is background (left unlabelled, as convert --from reads unlabelled pixels), then class 1, ...
  const classes = datasetClasses(layout, o.classFile) ?? (o.classes != null ? [{ name: 'background', color: [0, 0, 0] as Rgb }, ...defaultClasses(o.classes).slice(1)] : undefined);
  if (!classes) throw new UserError(`--to ${o.to}: needs the classes the masks' values stand for: --class-file FILE (names and colours), --classes N, or --data in a standard layout`);
  if (o.classes != null && o.classes !== classes.length) throw new UserError(`--classes ${o.classes}: ${o.classFile != null ? `--class-file ${o.classFile}` : `the ${layout!.layout} layout`} has ${classes.length}; give one of them`);
  const ignore = o.ignoreIndex ?? layout?.ignoreIndex ?? 255;
  const labelMap = await masksLabelMap(layout, pairing, o.labelMap, classes.length, o.ignoreIndex, cliLog);
  const spec = makeSpec(pairing, classes.length, ignore, labelMap, classes);
  const samples = loadSamples(spec);
  const names = samples.map((s) => path.relative(pairing.images, s.image).split(path.sep).join('/'));
  const clash = exportNamesProblem(names, formats);
  if (clash) throw new UserError(`--to ${o.to}: ${clash}`);
  const lsNames: LabelStudioNames = { fromName: o.lsFromName, toName: o.lsToName, imageUrlPrefix: o.imageUrlPrefix, regions: o.lsRegions, modelVersion: 'pixelwise convert' };
  const builder = new ExportBuilder(classes, formats, lsNames, { outlineTolerance: o.outlineTolerance, labels: true });
  const bar = progressBar('convert', samples.length, 'img', o.quiet);
  for (let i = 0; i < samples.length; i++) {
    // The image is read as training reads it (EXIF orientation applied): its size is the mask's.
    const size = await readImage(samples[i].image);
    const labels = readCheckedMask(samples[i].mask!, spec, size);
    // The ignore label is no class: unlabelled in the tools (a class id, as CamVid's 11, too).
    if (ignore !== 255) for (let j = 0; j < labels.length; j++) if (labels[j] === ignore) labels[j] = 255;
    await builder.add({ name: names[i], width: size.width, height: size.height, labels });
    bar.update(i + 1);
  }
  bar.stop();
  const byName = new Map(names.map((n, i) => [n, samples[i].image]));
  const written = writeExports(o.out, formats, builder, classes, lsNames, (n) => byName.get(n)!);
  process.stdout.write(`wrote the masks of ${samples.length} image${samples.length === 1 ? '' : 's'} as ${formats.join(', ')}: ${written.join(', ')}\n`);
  if (formats.includes('labelstudio')) process.stdout.write(`Label Studio: import ${path.join(o.out, 'labelstudio.json')} into a project with the labelling config ${path.join(o.out, 'labelstudio-config.xml')}${o.imageUrlPrefix ? '' : ' (--image-url-prefix: where Label Studio finds the images, e.g. /data/local-files/?d=images/)'}\n`);
}
