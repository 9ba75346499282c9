// Scores as a terminal table, Markdown and JSON (the JSON keys are part of the CLI contract).
import type { Scores } from './confusion.js';

const pct = (x: number | null) => (x == null ? '   n/a' : (x * 100).toFixed(2).padStart(6));

export function scoresJson(s: Scores, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extra,
    pixelAccuracy: s.pixelAccuracy, meanAccuracy: s.meanAccuracy, mIoU: s.mIoU, fwIoU: s.fwIoU, meanDice: s.meanDice,
    pixels: s.pixels,
    perClass: Object.fromEntries(s.perClass.map((c) => [c.name, { iou: c.iou, accuracy: c.accuracy, dice: c.dice, gtPixels: c.gtPixels, predPixels: c.predPixels }])),
    confusion: s.confusion,
  };
}

export function scoresTable(s: Scores): string {
  const w = Math.max(10, ...s.perClass.map((c) => c.name.length));
  const lines = [`${'class'.padEnd(w)}    IoU    acc   Dice`];
  for (const c of s.perClass) lines.push(`${c.name.padEnd(w)} ${pct(c.iou)} ${pct(c.accuracy)} ${pct(c.dice)}`);
  lines.push('');
  lines.push(`pixel accuracy ${pct(s.pixelAccuracy)}   mean class accuracy ${pct(s.meanAccuracy)}`);
  lines.push(`mIoU           ${pct(s.mIoU)}   frequency-weighted IoU ${pct(s.fwIoU)}   mean Dice ${pct(s.meanDice)}`);
  return lines.join('\n');
}

export function scoresMarkdown(s: Scores, title: string): string {
  const rows = s.perClass.map((c) => `| ${c.name} | ${pct(c.iou).trim()} | ${pct(c.accuracy).trim()} | ${pct(c.dice).trim()} |`);
  return [`# ${title}`, '', '| metric | value |', '|---|---|',
    `| pixel accuracy | ${pct(s.pixelAccuracy).trim()} |`, `| mean class accuracy | ${pct(s.meanAccuracy).trim()} |`,
    `| mIoU | ${pct(s.mIoU).trim()} |`, `| frequency-weighted IoU | ${pct(s.fwIoU).trim()} |`, `| mean Dice | ${pct(s.meanDice).trim()} |`,
    '', '| class | IoU | accuracy | Dice |', '|---|---|---|---|', ...rows, ''].join('\n');
}
