// Scores as a terminal table, Markdown and JSON (the JSON keys are part of the CLI contract).
import type { Scores } from './confusion.js';
import type { BootstrapResult, Interval } from './bootstrap.js';

const pct = (x: number | null) => (x == null ? '   n/a' : (x * 100).toFixed(2).padStart(6));

const ci = (i: Interval | null | undefined) => (i ? `[${(i.low * 100).toFixed(2)}, ${(i.high * 100).toFixed(2)}]` : '');

/** Boundary F1 (boundary.ts) beside the region scores: its tolerance in words, its mean, and each scored class's. */
export interface BoundaryReport { tolerance: string; mean: number; perClass: Map<string, number | null> }

/** `b`: bootstrap intervals (95%), shown beside each score they have; `bf`: boundary F1. */
export function scoresJson(s: Scores, extra: Record<string, unknown> = {}, b?: BootstrapResult, bf?: BoundaryReport): Record<string, unknown> {
  return {
    ...extra,
    pixelAccuracy: s.pixelAccuracy, meanAccuracy: s.meanAccuracy, mIoU: s.mIoU, fwIoU: s.fwIoU, meanDice: s.meanDice,
    ...(bf ? { meanBoundaryF1: bf.mean, boundaryTolerance: bf.tolerance } : {}),
    ...(b ? { intervals: { level: 0.95, resamples: b.resamples, seed: b.seed, mIoU: b.mIoU, pixelAccuracy: b.pixelAccuracy } } : {}),
    pixels: s.pixels,
    perClass: Object.fromEntries(s.perClass.map((c, i) => [c.name, {
      iou: c.iou, ...(b ? { iouInterval: b.perClass[i] } : {}), accuracy: c.accuracy, dice: c.dice, ...(bf ? { boundaryF1: bf.perClass.get(c.name) ?? null } : {}), gtPixels: c.gtPixels, predPixels: c.predPixels,
    }])),
    confusion: s.confusion,
  };
}

export function scoresTable(s: Scores, b?: BootstrapResult, bf?: BoundaryReport): string {
  const w = Math.max(10, ...s.perClass.map((c) => c.name.length));
  const lines = [`${'class'.padEnd(w)}    IoU    acc   Dice${bf ? '     BF' : ''}${b ? '   IoU 95% interval' : ''}`];
  s.perClass.forEach((c, i) => lines.push(`${c.name.padEnd(w)} ${pct(c.iou)} ${pct(c.accuracy)} ${pct(c.dice)}${bf ? ` ${pct(bf.perClass.get(c.name) ?? null)}` : ''}${b ? `   ${ci(b.perClass[i])}` : ''}`));
  lines.push('');
  lines.push(`pixel accuracy ${pct(s.pixelAccuracy)}${b ? ` ${ci(b.pixelAccuracy)}` : ''}   mean class accuracy ${pct(s.meanAccuracy)}`);
  lines.push(`mIoU           ${pct(s.mIoU)}${b ? ` ${ci(b.mIoU)}` : ''}   frequency-weighted IoU ${pct(s.fwIoU)}   mean Dice ${pct(s.meanDice)}`);
  if (bf) lines.push(`boundary F1    ${pct(bf.mean)}   (BF: outlines matched within ${bf.tolerance})`);
  if (b) lines.push(`(95% intervals: bootstrap over images, ${b.resamples} resamples, seed ${b.seed})`);
  return lines.join('\n');
}

export function scoresMarkdown(s: Scores, title: string, b?: BootstrapResult, bf?: BoundaryReport): string {
  const rows = s.perClass.map((c, i) => `| ${c.name} | ${pct(c.iou).trim()} |${b ? ` ${ci(b.perClass[i])} |` : ''} ${pct(c.accuracy).trim()} | ${pct(c.dice).trim()} |${bf ? ` ${pct(bf.perClass.get(c.name) ?? null).trim()} |` : ''}`);
  return [`# ${title}`, '', `| metric | value |${b ? ' 95% interval |' : ''}`, `|---|---|${b ? '---|' : ''}`,
    `| pixel accuracy | ${pct(s.pixelAccuracy).trim()} |${b ? ` ${ci(b.pixelAccuracy)} |` : ''}`, `| mean class accuracy | ${pct(s.meanAccuracy).trim()} |${b ? ' |' : ''}`,
    `| mIoU | ${pct(s.mIoU).trim()} |${b ? ` ${ci(b.mIoU)} |` : ''}`, `| frequency-weighted IoU | ${pct(s.fwIoU).trim()} |${b ? ' |' : ''}`, `| mean Dice | ${pct(s.meanDice).trim()} |${b ? ' |' : ''}`,
    ...(bf ? [`| boundary F1 (within ${bf.tolerance}) | ${pct(bf.mean).trim()} |${b ? ' |' : ''}`] : []),
    ...(b ? ['', `95% intervals: bootstrap over images (${b.resamples} resamples, seed ${b.seed}).`] : []),
    '', `| class | IoU |${b ? ' 95% interval |' : ''} accuracy | Dice |${bf ? ' BF |' : ''}`, `|---|---|${b ? '---|' : ''}---|---|${bf ? '---|' : ''}`, ...rows, ''].join('\n');
}
