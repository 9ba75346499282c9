// `pixelwise models MODEL`: one model's card in words (a shipped name, a package or a training run):
// what it predicts, what it takes, how good it was measured, where it came from, its files.
import fs from 'node:fs';
import path from 'node:path';
import { openCard } from '../../models/card_file.js';
import { resolveModelDir, shippedModels } from '../../models/shipped.js';
import type { ModelCard } from '../../models/card.js';
import { UserError } from '../../util/errors.js';

const size = (hw: [number, number]) => `${hw[1]}x${hw[0]} (width x height)`;
const round = (v: number) => +v.toFixed(4);

/** The input rule in words: the size the network sees and how images get there. */
function inputWords(c: ModelCard): string[] {
  const r = c.input.rule, n = c.input.normalization;
  const rule = r.kind === 'native' ? `each image at its own size, padded to a multiple of ${c.input.stride}`
    : r.kind === 'fixed' ? `every image resized to ${size(r.size)} (${r.filter} filter), results resized back`
      : `each image resized to a multiple of ${r.multiple} (${r.filter} filter)`;
  return [
    `input: ${rule}`,
    `  ${c.input.channels} channel${c.input.channels === 1 ? '' : 's'}${c.input.sampleType && c.input.sampleType !== 'uint8' ? ` of ${c.input.sampleType} samples` : ''}${n.channelOrder === 'BGR' ? ', BGR order' : ''}; normalised (x / ${c.input.sampleType === 'uint16' ? 65535 : 255} - mean) / std, mean ${n.mean.map(round).join(', ')}, std ${n.std.map(round).join(', ')}`,
    `output: ${c.output.kind}${c.output.scale ? ` at 1/${c.output.scale} of the input's size` : ''}${c.output.kind === 'labels' ? '' : `, ${c.output.resizeBack === 'labels' ? `label maps resized back to the image (${c.output.nearest === 'opencv' ? 'OpenCV' : 'Pillow'} nearest)` : 'scores resized back to the image'}`}${c.temperature ? `; calibrated (softmax temperature ${c.temperature})` : ''}`,
  ];
}

/** The card of `model` (as `predict --model` takes it) as lines of text, or its JSON. */
export async function describeModel(model: string, json: boolean): Promise<string> {
  let dir: string, card: ModelCard;
  try { dir = resolveModelDir(model); card = await openCard(dir); } catch (e) {
    // The model is this command's argument, not a --model flag.
    if (e instanceof UserError && e.argument === 'model') throw new UserError(e.message.replace(/^model /, ''));
    throw e;
  }
  if (json) return JSON.stringify({ folder: dir, ...card }, null, 2);
  const shipped = shippedModels().includes(model);
  const file = (f: string | undefined) => (f && fs.existsSync(path.join(dir, f)) ? `${f} (${(fs.statSync(path.join(dir, f)).size / 2 ** 20).toFixed(1)} MB)` : null);
  const lines = [
    `${shipped ? `${model} (shipped)` : model}: ${dir}`,
    `network: ${card.model.arch}${card.parameters ? `, ${(card.parameters / 1e6).toFixed(2)} M parameters` : ''}`,
    `classes (${card.classes.length}):`,
    ...card.classes.map((c, i) => `  ${String(i).padStart(3)}  ${c.name.padEnd(24)} #${c.color.map((v) => v.toString(16).padStart(2, '0')).join('')}${i === card.ignoreIndex ? '  (the ignore label: not scored)' : ''}`),
    ...(card.ignoreIndex != null && card.ignoreIndex >= card.classes.length ? [`  ignore label: ${card.ignoreIndex}`] : []),
    ...inputWords(card),
  ];
  const files = [file(card.weights) && `weights ${file(card.weights)}`, file(card.onnx) && `ONNX ${file(card.onnx)}`, card.int8 && file(card.int8.onnx) && `8-bit ONNX ${file(card.int8.onnx)} (--precision int8; label maps equal to the float model's on ${(100 * card.int8.agreement).toFixed(2)}% of pixels of ${card.int8.checkImages} images)`].filter(Boolean);
  if (files.length) lines.push(`files: ${files.join('; ')}`);
  for (const s of card.scores ?? []) lines.push(`score: ${s.metric} ${s.value} on ${s.dataset} (${s.source})`);
  if (card.licence) lines.push(`licence: ${card.licence}`);
  if (card.source) lines.push(`source: ${card.source}`);
  if (card.provenance) lines.push(`made by: ${card.provenance.command} (from ${card.provenance.file}, sha256 ${card.provenance.sha256.slice(0, 16)}...)`);
  const command = card.training?.command;
  if (typeof command === 'string') lines.push(`trained by: ${command}`);
  if (card.notes) lines.push(`notes: ${card.notes}`);
  return lines.join('\n');
}
