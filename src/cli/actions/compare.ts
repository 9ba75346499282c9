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
import { pairedBootstrap, type PairedResult } from '../../metrics/bootstrap.js';
import { colorize } from '../../render/colorize.js';
import { overviewJpeg, stackJpeg } from '../../render/overview.js';
import { makeSpec, resolveData, resolveLabelMap, scoringClasses } from './shared.js';
import { checkOutputDir } from '../output_paths.js';
import { progressBar } from '../../util/progress.js';
import { UserError } from '../../util/errors.js';
import { cliLog } from '../flags.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { Opts } from '../compare.js';

const pts = (v: number) => (v * 100).toFixed(2);
const signed = (v: number) => `${v >= 0 ? '+' : ''}${pts(v)}`;

async function score(seg: Segmenter, spec: DatasetSpec, k: number, cmOpts: { ignoreIndex: number }, label: string, quiet?: boolean): Promise<ImageConfusion[]> {
  const samples = loadSamples(spec);
  const images: ImageConfusion[] = [];
  const scratch = new Float64Array(k * k);
  const bar = progressBar(label, samples.length, 'img', quiet);
  await evaluateSamples((imgs) => seg.predictBatch(imgs), samples, spec, { ...cmOpts, input: seg.card.input, onImage: (d) => bar.update(d), onPair: (s, pred, gt) => images.push(imageConfusion(s.id, pred, gt, k, cmOpts, scratch)) });
  bar.stop();
  return images;
}

export async function run(a: string, b: string, o: Opts): Promise<void> {
  checkOutputDir('--report', o.report);
  const log = cliLog;
  // The models are arguments here, not --model: errors name them as given.
  const open = (m: string) => openSegmenter(m).catch((e: unknown) => {
    throw e instanceof UserError && e.argument === 'model' ? new UserError(e.message.replace(/^model /, '')) : e;
  });
  const segA = await open(a);
  const segB = await open(b).catch(async (e: unknown) => { await segA.dispose(); throw e; });
  try {
    const [ca, cb] = [segA.card.classes.map((c) => c.name), segB.card.classes.map((c) => c.name)];
    if (ca.length !== cb.length || ca.some((n, i) => n.toLowerCase() !== cb[i].toLowerCase())) {
      throw new UserError(`${b}: predicts other classes than ${a} (${cb.length} against ${ca.length}${ca.length === cb.length ? `; class ${ca.findIndex((n, i) => n.toLowerCase() !== cb[i].toLowerCase())} differs` : ''}); compare models of the same classes`);
    }
    const k = ca.length;
    // The models first: a refusal of theirs comes before anything is said about the data.
    const { pairing, layout } = resolveData(o, 'val', log);
    if (layout?.classes && layout.classes.length !== k) throw new UserError(`${a}: predicts ${k} classes, the ${layout.layout} dataset has ${layout.classes.length}`);
    const ignore = o.ignoreIndex ?? layout?.ignoreIndex ?? segA.card.ignoreIndex ?? 255;
    const labelMap = o.labelMap || !layout ? await resolveLabelMap(pairing, o.labelMap, k, o.ignoreIndex, log) : layout.labelMap;
    const spec = makeSpec(pairing, k, ignore, labelMap, scoringClasses(a, segA.card.classes, o.classFile));
    const cmOpts = { ignoreIndex: ignore };
    const imgA = await score(segA, spec, k, cmOpts, `A ${path.basename(a)}`, o.quiet);
    const imgB = await score(segB, spec, k, cmOpts, `B ${path.basename(b)}`, o.quiet);
    const [sa, sb] = [sumConfusions(imgA, k, cmOpts).scores(ca), sumConfusions(imgB, k, cmOpts).scores(ca)];
    const r = pairedBootstrap(imgA, imgB, k, cmOpts, o.bootstrap, o.seed);
    // The images where the two differ most (by per-image mIoU).
    const diffs = imgA.map((im, i) => ({ id: im.id, a: imageScore(im, k, cmOpts).mIoU, b: imageScore(imgB[i], k, cmOpts).mIoU })).map((x) => ({ ...x, d: x.b - x.a }))
      .sort((x, y) => Math.abs(y.d) - Math.abs(x.d));
    const gate = o.failIfWorse != null ? r.mIoU.high < -o.failIfWorse / 100 : null;
    const json = {
      a, b, images: pairing.images, count: imgA.length, ignoreIndex: ignore, resamples: r.resamples, seed: r.seed,
      mIoU: { a: sa.mIoU, b: sb.mIoU, diff: r.mIoU.diff, low: r.mIoU.low, high: r.mIoU.high }, bBetterShare: r.bBetter,
      perClass: Object.fromEntries(sa.perClass.map((c, i) => [c.name, { a: c.iou, b: sb.perClass[i].iou, ...(r.perClass[i] ?? {}) }])),
      differMost: diffs.slice(0, o.worst),
      ...(o.failIfWorse != null ? { failIfWorse: o.failIfWorse, failed: gate } : {}),
    };
    fs.mkdirSync(o.report, { recursive: true });
    writeFileAtomic(path.join(o.report, 'compare.json'), JSON.stringify(json, null, 1) + '\n');
    writeFileAtomic(path.join(o.report, 'compare.md'), markdown(a, b, imgA.length, sa.perClass.map((c) => c.name), sa.mIoU, sb.mIoU, r, sa.perClass.map((c) => c.iou), sb.perClass.map((c) => c.iou), diffs.slice(0, o.worst), o.failIfWorse, gate));
    await differSheet(path.join(o.report, 'differ.jpg'), diffs.slice(0, o.worst), spec, segA, segB);
    process.stdout.write(`mIoU A ${pts(sa.mIoU)}, B ${pts(sb.mIoU)}: B - A ${signed(r.mIoU.diff)} points, 95% interval [${signed(r.mIoU.low)}, ${signed(r.mIoU.high)}] (paired bootstrap over ${imgA.length} images, ${r.resamples} resamples); B better in ${(100 * r.bBetter).toFixed(1)}% of them\n`);
    process.stdout.write(`per class and the images where they differ most: ${path.join(o.report, 'compare.md')}\n`);
    if (gate != null) {
      process.stdout.write(gate ? `FAIL: B is worse than A by more than ${o.failIfWorse} points with 95% confidence\n` : `pass: B is not worse than A by more than ${o.failIfWorse} points with 95% confidence\n`);
      if (gate) process.exitCode = 1;
    }
  } finally { await segA.dispose(); await segB.dispose(); }
}

function markdown(a: string, b: string, n: number, names: string[], ma: number, mb: number, r: PairedResult, ia: (number | null)[], ib: (number | null)[], differ: { id: string; a: number; b: number; d: number }[], x: number | undefined, failed: boolean | null): string {
  const rows = names.map((name, i) => `| ${name} | ${ia[i] == null ? 'n/a' : pts(ia[i]!)} | ${ib[i] == null ? 'n/a' : pts(ib[i]!)} | ${r.perClass[i] ? `${signed(r.perClass[i]!.diff)} [${signed(r.perClass[i]!.low)}, ${signed(r.perClass[i]!.high)}]` : 'n/a'} |`);
  return [`# ${b} against ${a}`, '', `${n} images; paired bootstrap over images (${r.resamples} resamples, seed ${r.seed}); intervals at 95%.`, '',
    '| | A | B | B - A [95% interval] |', '|---|---|---|---|', `| **mIoU** | ${pts(ma)} | ${pts(mb)} | ${signed(r.mIoU.diff)} [${signed(r.mIoU.low)}, ${signed(r.mIoU.high)}] |`, ...rows, '',
    `B's mIoU is above A's in ${(100 * r.bBetter).toFixed(1)}% of the resamples.`,
    ...(x != null ? ['', `Gate (--fail-if-worse ${x}): ${failed ? 'FAIL' : 'pass'}.`] : []),
    '', '## Where they differ most (per-image mIoU)', '', '| image | A | B | B - A |', '|---|---|---|---|',
    ...differ.map((d) => `| ${d.id} | ${pts(d.a)} | ${pts(d.b)} | ${signed(d.d)} |`), '', 'differ.jpg: image | truth | A | B for each.', ''].join('\n');
}

async function differSheet(file: string, differ: { id: string; d: number }[], spec: DatasetSpec, segA: Segmenter, segB: Segmenter): Promise<void> {
  const byId = new Map(loadSamples(spec).map((s) => [s.id, s]));
  const palette = segA.card.classes.map((c) => c.color);
  const strips: Buffer[] = [];
  for (const d of differ) {
    const s = byId.get(d.id)!;
    const img = await readImage(s.image);
    const gt = readCheckedMask(s.mask!, spec, img);
    const [[pa], [pb]] = [await segA.predictBatch([img]), await segB.predictBatch([img])];
    strips.push(await overviewJpeg([
      { image: img, caption: `${d.id}: B - A ${signed(d.d)}` }, { image: colorize(gt, img.width, img.height, palette), caption: 'truth' },
      { image: colorize(pa, img.width, img.height, palette), caption: 'A' }, { image: colorize(pb, img.width, img.height, palette), caption: 'B' },
    ], 140));
  }
  if (strips.length) writeFileAtomic(file, await stackJpeg(strips));
}
