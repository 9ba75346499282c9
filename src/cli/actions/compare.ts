// The `compare` command's work, loaded when the command runs (the definition in ../compare.ts stays light).
import path from 'node:path';
import fs from 'node:fs';
import { openSegmenter } from '../../inference/open.js';
import type { Segmenter } from '../../inference/segmenter.js';
import { loadSamples, type DatasetSpec } from '../../data/dataset.js';
import { readImage } from '../../data/image_io.js';
import { readCheckedMask } from '../../data/loader.js';
import { evaluateSamples } from '../../metrics/evaluate.js';
import { imageConfusion, imageScore, sumConfusions, type ImageConfusion } from '../../metrics/per_image.js';
import { pairedBootstrap, pairedScoreBootstrap, type PairedResult } from '../../metrics/bootstrap.js';
import { colorize } from '../../render/colorize.js';
import { overviewJpeg, stackJpeg } from '../../render/overview.js';
import { datasetClasses, makeSpec, resolveData, masksLabelMap, scoringClasses } from './shared.js';
import { checkOutputDir } from '../output_paths.js';
import { progressBar } from '../../util/progress.js';
import { UserError } from '../../util/errors.js';
import { cliLog } from '../flags.js';
import { writeFileAtomic, makeDir } from '../../util/fs.js';
import type { Opts } from '../compare.js';
import type { Precision } from '../../models/precision_names.js';
import type { ConfusionOptions } from '../../metrics/confusion.js';
import { IGNORED, classMapping, describeClassMapping, mappedColors, type ClassMapping } from '../../metrics/class_map.js';
import type { Rgb } from '../../data/classes.js';
import { classMapSpec } from '../class_map_option.js';
import { BoundaryF1 } from '../../metrics/boundary.js';
import { compareAgreement } from './compare_agreement.js';

const pts = (v: number) => (v * 100).toFixed(2);
const signed = (v: number) => `${v >= 0 ? '+' : ''}${pts(v)}`;

async function score(seg: Segmenter, spec: DatasetSpec, k: number, cmOpts: ConfusionOptions, label: string, quiet?: boolean, classMap?: ClassMapping, bf?: BoundaryF1): Promise<ImageConfusion[]> {
  const samples = loadSamples(spec);
  const images: ImageConfusion[] = [];
  const scratch = new Float64Array(k * k);
  const bar = progressBar(label, samples.length, 'img', quiet);
  const o = classMap ? { classMap } : cmOpts;
  await evaluateSamples((imgs) => seg.predictBatch(imgs), samples, spec, {
    ...o, input: seg.card.input, onImage: (d) => bar.update(d),
    onPair: (s, pred, gt, size) => { images.push(imageConfusion(s.id, pred, gt, k, cmOpts, scratch)); bf?.add(pred, gt, size.width, size.height); },
  });
  bar.stop();
  return images;
}

/** How each model's label maps and the masks become the classes scored, and their colours. */
interface Scoring { k: number; spec: DatasetSpec; cmOpts: ConfusionOptions; names: string[]; colors: Rgb[]; mapA?: ClassMapping; mapB?: ClassMapping; ignore: number }

const sameClasses = (x: string[], y: string[]) => x.length === y.length && x.every((n, i) => n.toLowerCase() === y[i].toLowerCase());

export async function run(a: string, b: string, o: Opts): Promise<void> {
  checkOutputDir('--report', o.report);
  // The models are arguments here, not --model: errors name them as given.
  const open = (m: string, precision?: Precision) => openSegmenter(m, precision ? { precision } : {}).catch((e: unknown) => {
    if (!(e instanceof UserError)) throw e;
    throw e.argument === 'model' ? new UserError(e.message.replace(/^model /, '')) : e.argument === 'precision' ? new UserError(e.message.replace(/^precision /, '--precision-b ')) : e;
  });
  const segA = await open(a);
  const segB = await open(b, o.precisionB).catch(async (e: unknown) => { await segA.dispose(); throw e; });
  try {
    if (o.images != null && o.masks == null && o.data == null) {
      // No masks: B against A's label maps (agreement), not against truth.
      const needsMasks = ([['classMap', '--class-map'], ['failIfWorse', '--fail-if-worse'], ['boundary', '--boundary']] as const).find(([k]) => o[k] != null);
      if (needsMasks) throw new UserError(`${needsMasks[1]}: scores against masks, and --images ${o.images} comes without them (--masks DIR); without masks compare reports how far B agrees with A`);
      sameClassesOrRefuse(a, b, segA, segB, 'compare models of the same classes');
      await compareAgreement({ a, b: o.precisionB ? `${b} (${o.precisionB})` : b, segA, segB, images: { images: o.images, list: o.list, recursive: o.recursive, imageSuffix: o.imageSuffix }, report: o.report, worst: o.worst, quiet: o.quiet, resamples: o.bootstrap, seed: o.seed });
      return;
    }
    const sc = o.classMap != null ? await mappedScoring(a, b, segA, segB, o) : await ownScoring(a, b, segA, segB, o);
    const { k, spec, cmOpts, names, ignore } = sc;
    const [bfA, bfB] = o.boundary ? [new BoundaryF1(k, cmOpts), new BoundaryF1(k, cmOpts)] : [undefined, undefined];
    const imgA = await score(segA, spec, k, cmOpts, `A ${path.basename(a)}`, o.quiet, sc.mapA, bfA);
    const imgB = await score(segB, spec, k, cmOpts, `B ${path.basename(b)}`, o.quiet, sc.mapB, bfB);
    const boundary = bfA && bfB ? {
      a: bfA.scores(), b: bfB.scores(),
      interval: pairedScoreBootstrap(imgA.length, (m, w) => (m === 'a' ? bfA : bfB).scores(w).mean, o.bootstrap, o.seed),
    } : undefined;
    const [sa, sb] = [sumConfusions(imgA, k, cmOpts).scores(names), sumConfusions(imgB, k, cmOpts).scores(names)];
    const r = pairedBootstrap(imgA, imgB, k, cmOpts, o.bootstrap, o.seed);
    // The images where the two differ most (by per-image mIoU).
    const diffs = imgA.map((im, i) => ({ id: im.id, a: imageScore(im, k, cmOpts).mIoU, b: imageScore(imgB[i], k, cmOpts).mIoU })).map((x) => ({ ...x, d: x.b - x.a }))
      .sort((x, y) => Math.abs(y.d) - Math.abs(x.d));
    const gate = o.failIfWorse != null ? r.mIoU.high < -o.failIfWorse / 100 : null;
    const map = sc.mapA ?? sc.mapB;
    const json = {
      a, b, images: spec.images, count: imgA.length, ignoreIndex: ignore, resamples: r.resamples, seed: r.seed,
      mIoU: { a: sa.mIoU, b: sb.mIoU, diff: r.mIoU.diff, low: r.mIoU.low, high: r.mIoU.high }, bBetterShare: r.bBetter,
      perClass: Object.fromEntries(sa.perClass.map((c, i) => [c.name, { a: c.iou, b: sb.perClass[i].iou, ...(r.perClass[i] ?? {}) }])),
      differMost: diffs.slice(0, o.worst),
      ...(map ? { classMap: { groups: map.groups, datasetClassesNotScored: map.notScored } } : {}),
      ...(boundary ? { boundaryF1: { a: boundary.a.mean, b: boundary.b.mean, diff: boundary.interval.diff, low: boundary.interval.low, high: boundary.interval.high, perClass: Object.fromEntries(names.map((n, i) => [n, { a: boundary.a.perClass[i], b: boundary.b.perClass[i] }]).filter(([, v]) => (v as { a: unknown }).a != null || (v as { b: unknown }).b != null)) } } : {}),
      ...(o.failIfWorse != null ? { failIfWorse: o.failIfWorse, failed: gate } : {}),
    };
    makeDir(o.report);
    writeFileAtomic(path.join(o.report, 'compare.json'), JSON.stringify(json, null, 1) + '\n');
    writeFileAtomic(path.join(o.report, 'compare.md'), markdown(a, b, imgA.length, sa.perClass.map((c) => c.name), sa.mIoU, sb.mIoU, r, sa.perClass.map((c) => c.iou), sb.perClass.map((c) => c.iou), diffs.slice(0, o.worst), o.failIfWorse, gate, boundary && { a: boundary.a.mean, b: boundary.b.mean, ...boundary.interval }));
    await differSheet(path.join(o.report, 'differ.jpg'), diffs.slice(0, o.worst), sc, segA, segB);
    process.stdout.write(`mIoU A ${pts(sa.mIoU)}, B ${pts(sb.mIoU)}: B - A ${signed(r.mIoU.diff)} points, 95% interval [${signed(r.mIoU.low)}, ${signed(r.mIoU.high)}] (paired bootstrap over ${imgA.length} images, ${r.resamples} resamples); B better in ${(100 * r.bBetter).toFixed(1)}% of them\n`);
    if (boundary) process.stdout.write(`boundary F1 A ${pts(boundary.a.mean)}, B ${pts(boundary.b.mean)}: B - A ${signed(boundary.interval.diff)} points, 95% interval [${signed(boundary.interval.low)}, ${signed(boundary.interval.high)}] (outlines within 0.75% of each image's diagonal; the same resamples)\n`);
    process.stdout.write(`per class and the images where they differ most: ${path.join(o.report, 'compare.md')}\n`);
    if (gate != null) {
      process.stdout.write(gate ? `FAIL: B is worse than A by more than ${o.failIfWorse} points with 95% confidence\n` : `pass: B is not worse than A by more than ${o.failIfWorse} points with 95% confidence\n`);
      if (gate) process.exitCode = 1;
    }
  } finally { await segA.dispose(); await segB.dispose(); }
}

/** A's class names, when B predicts the same classes (in the same order); refused otherwise, with `fix`. */
function sameClassesOrRefuse(a: string, b: string, segA: Segmenter, segB: Segmenter, fix: string): string[] {
  const [ca, cb] = [segA.card.classes.map((c) => c.name), segB.card.classes.map((c) => c.name)];
  if (!sameClasses(ca, cb)) {
    throw new UserError(`${b}: predicts other classes than ${a} (${cb.length} against ${ca.length}${ca.length === cb.length ? `; class ${ca.findIndex((n, i) => n.toLowerCase() !== cb[i].toLowerCase())} differs` : ''}); ${fix}`);
  }
  return ca;
}

/** Without a class map: two models of the same classes, the dataset's. */
async function ownScoring(a: string, b: string, segA: Segmenter, segB: Segmenter, o: Opts): Promise<Scoring> {
  const ca = sameClassesOrRefuse(a, b, segA, segB, 'compare models of the same classes, or score both in the dataset\'s with --class-map');
  const k = ca.length;
  // The models first: a refusal of theirs comes before anything is said about the data.
  const { pairing, layout } = resolveData(o, 'val', cliLog);
  if (layout?.classes && layout.classes.length !== k) throw new UserError(`${a}: predicts ${k} classes, the ${layout.layout} dataset has ${layout.classes.length}; score it in the dataset's classes with --class-map`);
  const ignore = o.ignoreIndex ?? layout?.ignoreIndex ?? segA.card.ignoreIndex ?? 255;
  const labelMap = await masksLabelMap(layout, pairing, o.labelMap, k, o.ignoreIndex, cliLog);
  const classes = scoringClasses(a, segA.card.classes, o.classFile);
  return { k, spec: makeSpec(pairing, k, ignore, labelMap, classes), cmOpts: { ignoreIndex: ignore }, names: ca, colors: classes.map((c) => c.color), ignore };
}

/**
 * --class-map: each model of other classes than the dataset's is mapped into the map's classes; a
 * model of the dataset's own classes is scored in the same classes (as its truth is). Two models of
 * other classes are mapped alike, so they must score the same classes.
 */
async function mappedScoring(a: string, b: string, segA: Segmenter, segB: Segmenter, o: Opts): Promise<Scoring> {
  const { pairing, layout } = resolveData(o, 'val', cliLog);
  const dataset = datasetClasses(layout, o.classFile);
  if (!dataset) throw new UserError(`--class-map ${o.classMap}: needs the dataset's classes: --data in a standard layout, or --class-file (the dataset's class list)`);
  const ignore = o.ignoreIndex ?? layout?.ignoreIndex ?? 255;
  const names = dataset.map((c) => c.name);
  const own = (seg: Segmenter) => sameClasses(seg.card.classes.map((c) => c.name), names);
  const mapOf = (seg: Segmenter) => (own(seg) ? undefined : classMapping(seg.card.classes.map((c) => c.name), names, classMapSpec(o.classMap!), ignore));
  const [ma, mb] = [mapOf(segA), mapOf(segB)];
  const ref = ma ?? mb;
  if (!ref) throw new UserError(`--class-map ${o.classMap}: both models predict the dataset's classes; leave it out`);
  if (ma && mb && (ma.names.join('\n') !== mb.names.join('\n') || ma.truth.some((v, i) => v !== mb.truth[i]))) {
    throw new UserError(`--class-map ${o.classMap}: joins ${a}'s classes and ${b}'s into different classes to score (${ma.names.length} against ${mb.names.length}); pair their classes alike`);
  }
  for (const [m, who] of [[ma, a], [mb, b]] as const) if (m) cliLog(`${who}: ${describeClassMapping(m)}`);
  const asOwn = (m?: ClassMapping): ClassMapping => m ?? { ...ref, pred: ref.datasetPred };
  const k = dataset.length;
  const labelMap = await masksLabelMap(layout, pairing, o.labelMap, k, o.ignoreIndex ?? (ignore === 255 ? undefined : ignore), cliLog);
  const colors = mappedColors(ref, dataset);
  return {
    k: ref.names.length, spec: makeSpec(pairing, k, ignore, labelMap, dataset), cmOpts: { ignoreIndex: IGNORED, unscored: ref.unscored },
    names: ref.names, colors, mapA: asOwn(ma), mapB: asOwn(mb), ignore,
  };
}

function markdown(a: string, b: string, n: number, names: string[], ma: number, mb: number, r: PairedResult, ia: (number | null)[], ib: (number | null)[], differ: { id: string; a: number; b: number; d: number }[], x: number | undefined, failed: boolean | null, bf?: { a: number; b: number; diff: number; low: number; high: number }): string {
  const rows = names.map((name, i) => `| ${name} | ${ia[i] == null ? 'n/a' : pts(ia[i]!)} | ${ib[i] == null ? 'n/a' : pts(ib[i]!)} | ${r.perClass[i] ? `${signed(r.perClass[i]!.diff)} [${signed(r.perClass[i]!.low)}, ${signed(r.perClass[i]!.high)}]` : 'n/a'} |`);
  return [`# ${b} against ${a}`, '', `${n} images; paired bootstrap over images (${r.resamples} resamples, seed ${r.seed}); intervals at 95%.`, '',
    '| | A | B | B - A [95% interval] |', '|---|---|---|---|', `| **mIoU** | ${pts(ma)} | ${pts(mb)} | ${signed(r.mIoU.diff)} [${signed(r.mIoU.low)}, ${signed(r.mIoU.high)}] |`, ...rows, '',
    `B's mIoU is above A's in ${(100 * r.bBetter).toFixed(1)}% of the resamples.`,
    ...(bf ? ['', `Boundary F1 (outlines within 0.75% of each image's diagonal): A ${pts(bf.a)}, B ${pts(bf.b)}, B - A ${signed(bf.diff)} points [${signed(bf.low)}, ${signed(bf.high)}].`] : []),
    ...(x != null ? ['', `Gate (--fail-if-worse ${x}): ${failed ? 'FAIL' : 'pass'}.`] : []),
    '', '## Where they differ most (per-image mIoU)', '', '| image | A | B | B - A |', '|---|---|---|---|',
    ...differ.map((d) => `| ${d.id} | ${pts(d.a)} | ${pts(d.b)} | ${signed(d.d)} |`), '', 'differ.jpg: image | truth | A | B for each.', ''].join('\n');
}

async function differSheet(file: string, differ: { id: string; d: number }[], sc: Scoring, segA: Segmenter, segB: Segmenter): Promise<void> {
  const { spec, colors: palette } = sc;
  const byId = new Map(loadSamples(spec).map((s) => [s.id, s]));
  const strips: Buffer[] = [];
  // With a class map, all three in the classes scored (the truth's ignore label black).
  const inScored = (labels: Uint8Array, table?: Uint8Array) => (table ? labels.map((l) => table[l]) : labels);
  for (const d of differ) {
    const s = byId.get(d.id)!;
    const img = await readImage(s.image);
    const gt = inScored(readCheckedMask(s.mask!, spec, img), sc.mapA?.truth ?? sc.mapB?.truth);
    const [pa, pb] = [inScored((await segA.predictBatch([img]))[0], sc.mapA?.pred), inScored((await segB.predictBatch([img]))[0], sc.mapB?.pred)];
    strips.push(await overviewJpeg([
      { image: img, caption: `${d.id}: B - A ${signed(d.d)}` }, { image: colorize(gt, img.width, img.height, palette), caption: 'truth' },
      { image: colorize(pa, img.width, img.height, palette), caption: 'A' }, { image: colorize(pb, img.width, img.height, palette), caption: 'B' },
    ], 140));
  }
  if (strips.length) writeFileAtomic(file, await stackJpeg(strips));
}
