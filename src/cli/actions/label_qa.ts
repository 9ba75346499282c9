// verify --model: each mask checked against the model's prediction for its image (metrics/label_qa.ts),
// ranked most suspect first, with a contact sheet (image | mask | prediction) of the worst.
import path from 'node:path';
import fs from 'node:fs';
import { openSegmenter } from '../../inference/open.js';
import { loadSamples, splitListText, type DatasetSpec } from '../../data/dataset.js';
import { readImage } from '../../data/image_io.js';
import { readCheckedMask } from '../../data/loader.js';
import type { ClassInfo } from '../../data/classes.js';
import { imageQa, labelQaCross, thumbnail, type ImageQa } from '../../metrics/label_qa.js';
import { colorize } from '../../render/colorize.js';
import { overviewJpeg, stackJpeg } from '../../render/overview.js';
import { progressBar } from '../../util/progress.js';
import { UserError } from '../../util/errors.js';
import { asFlags } from '../flags.js';
import { writeFileAtomic, makeDir } from '../../util/fs.js';

export interface QaOptions { model: string; weights?: string; report: string; worst: number; quiet?: boolean }

interface Row extends ImageQa { image: string; mask: string; suspicion: number }

export async function labelQa(spec: DatasetSpec, classes: ClassInfo[], o: QaOptions): Promise<Row[]> {
  const seg = await openSegmenter(o.model, { weights: o.weights });
  try {
    const k = seg.card.model.numClasses;
    if (k !== spec.numClasses) throw new UserError(`--model ${o.model}: predicts ${k} classes where the masks have ${spec.numClasses}; check a dataset with a model of its classes`);
    const names = classes.map((c) => c.name);
    const samples = loadSamples(spec);
    const bar = progressBar('label QA', samples.length, 'img', o.quiet);
    const rows: Row[] = [];
    const thumbs: { mask: ReturnType<typeof thumbnail>; pred: ReturnType<typeof thumbnail> }[] = [];
    for (const s of samples) {
      const img = await readImage(s.image);
      const mask = readCheckedMask(s.mask!, spec, img);
      const [pred] = await seg.predictBatch([img]);
      const qa = imageQa(mask, pred, k, spec.ignoreIndex, names);
      rows.push({ image: s.image, mask: s.mask!, suspicion: 0, ...qa });
      thumbs.push({ mask: thumbnail(mask, img.width, img.height), pred: thumbnail(pred, img.width, img.height) });
      bar.update(rows.length);
    }
    bar.stop();
    // A mask of another image: looked for among the masks that agree worst with their own image.
    const order = rows.map((_, i) => i).sort((a, b) => rows[a].agreement - rows[b].agreement);
    const suspects = order.slice(0, Math.max(1, Math.ceil(rows.length / 5)));
    const cross = labelQaCross(thumbs.map((t) => t.mask), thumbs.map((t) => t.pred), suspects, spec.ignoreIndex, rows.map((r) => path.basename(r.image)));
    for (const [i, f] of cross) rows[i].findings.push(f);
    // Named findings first (by how much their fix would add), then the least agreement.
    for (const r of rows) r.suspicion = (r.findings.length ? 1 + Math.max(...r.findings.map((f) => f.agreementIfFixed - r.agreement)) : 0) + (1 - r.agreement);
    rows.sort((a, b) => b.suspicion - a.suspicion);
    return rows;
  } finally { await seg.dispose(); }
}

export async function writeQaReport(rows: Row[], classes: ClassInfo[], spec: DatasetSpec, o: QaOptions): Promise<void> {
  makeDir(o.report);
  const names = classes.map((c) => c.name);
  writeFileAtomic(path.join(o.report, 'qa.json'), JSON.stringify(rows.map((r, i) => ({
    rank: i + 1, image: r.image, mask: r.mask, suspicion: round(r.suspicion), agreement: round(r.agreement), iou: round(r.iou),
    findings: r.findings.map((f) => ({ kind: f.kind, message: asFlags(f.message) })),
    confusions: r.confusions.map(([a, b, n]) => ({ mask: names[a], predicted: names[b], pixels: n })),
  })), null, 1) + '\n');
  const csv = ['rank,image,mask,suspicion,agreement,iou,findings', ...rows.map((r, i) => [i + 1, JSON.stringify(r.image), JSON.stringify(r.mask), round(r.suspicion), round(r.agreement), round(r.iou), JSON.stringify(r.findings.map((f) => f.kind).join(' '))].join(','))];
  writeFileAtomic(path.join(o.report, 'qa.csv'), csv.join('\n') + '\n');
  // The flagged pairs as a split list (most suspect first): what convert --to --list exports to fix in a labelling tool.
  const flagged = rows.filter((r) => r.findings.length).map((r) => path.relative(spec.images, r.image).split(path.sep).join('/'));
  writeFileAtomic(path.join(o.report, 'flagged.txt'), splitListText(flagged, path.join(o.report, 'flagged.txt')));
  // The contact sheet: one row per suspect, image | mask | prediction, stacked.
  const palette = classes.map((c) => c.color);
  const seg = await openSegmenter(o.model, { weights: o.weights });
  const strips: Buffer[] = [];
  try {
    for (const r of rows.slice(0, o.worst)) {
      const img = await readImage(r.image);
      const mask = readCheckedMask(r.mask, spec, img);
      const [pred] = await seg.predictBatch([img]);
      const tag = r.findings[0]?.kind ?? `agreement ${(100 * r.agreement).toFixed(1)}%`;
      strips.push(await overviewJpeg([
        { image: img, caption: `${path.basename(r.image)}: ${tag}` },
        { image: colorize(mask, img.width, img.height, palette), caption: 'mask' },
        { image: colorize(pred, img.width, img.height, palette), caption: 'prediction' },
      ], 160));
    }
  } finally { await seg.dispose(); }
  if (strips.length) writeFileAtomic(path.join(o.report, 'qa.jpg'), await stackJpeg(strips));
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
