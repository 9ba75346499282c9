// `pixelwise models` (the listing; the command's definition is ../models.ts): what a user can run or build: the shipped models (classes, parameters,
// published score, measured speed from the benchmark's results file), the import presets and the
// trainable architectures. `--json` prints the same as JSON.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCard } from '../../models/package.js';
import type { PublishedScore } from '../../models/card.js';
import { MODELS_DIR, DEFAULT_MODEL, shippedModels, shippedStarts } from '../../models/shipped.js';
import { PRESETS } from '../../models/presets.js';
import { TFLITE_PRESETS } from '../../models/tflite_presets.js';
import { ONNX_PRESETS } from '../../models/onnx_presets.js';
import { ALIASES, DECODERS, ENCODERS, NETWORKS } from '../../models/registry.js';

/** Written by `npm run bench:pretrained`; read here so that no command times anything itself. */
export const MEASURED_FILE = fileURLToPath(new URL('../../../docs/bench/pretrained.json', import.meta.url));
/** Written by `npm run bench:zoo`: per architecture parameters, ms per 360x480 image, training speed. */
export const ZOO_FILE = fileURLToPath(new URL('../../../docs/bench/zoo.json', import.meta.url));

export interface Measured { msPerImage: number; input: string; runtime: string; threads: number; peakRssMb: number; date: string }

interface ZooMeasured { arch: string; parameters: number; outputStride: number; tfjsMs: number; onnxMs: number; trainImgPerS: number; peakRssMb: number }

function readZoo(): { rows: ZooMeasured[]; input?: string; date?: string; machine?: string } {
  try { return JSON.parse(fs.readFileSync(ZOO_FILE, 'utf8')); } catch { return { rows: [] }; }
}

function readMeasured(): Record<string, Measured> {
  try { return (JSON.parse(fs.readFileSync(MEASURED_FILE, 'utf8')) as { models: Record<string, Measured> }).models ?? {}; } catch { return {}; }
}

interface ShippedRow { name: string; default: boolean; arch: string; classes: number; classNames: string[]; parameters: number | null;
  scores: PublishedScore[]; measured: Measured | null; licence: string; folder: string }

export function listModels() {
  const measured = readMeasured();
  const shipped: ShippedRow[] = shippedModels().map((name) => {
    const dir = path.join(MODELS_DIR, name), card = readCard(dir);
    return {
      name, default: name === DEFAULT_MODEL, arch: card.model.arch, classes: card.classes.length, classNames: card.classes.map((c) => c.name),
      parameters: card.parameters ?? null, scores: card.scores ?? [], measured: measured[name] ?? null, licence: card.licence ?? 'unknown', folder: dir,
    };
  });
  const presets = [...Object.entries(PRESETS).map(([key, p]) => ({
    name: key.split('/').pop()!, arch: p.arch ?? (key.includes('/') ? key.split('/')[0] : 'any'), classes: p.classes.length, source: p.source ?? null,
  })), ...Object.entries(TFLITE_PRESETS).map(([name, p]) => ({ name, arch: 'TFLite graph', classes: p.classes.length, source: p.source.split(':')[0] })),
    // How other tools prepare images, for ONNX graphs and Keras models: the classes are the model's own.
    ...Object.entries(ONNX_PRESETS).map(([name, p]) => ({ name, arch: 'ONNX graph or Keras model', classes: null, source: p.summary }))];
  const networks = Object.values(NETWORKS).map((a) => ({ name: a.name, description: a.description, defaults: a.defaults }));
  const decoders = Object.values(DECODERS).map((d) => ({ name: d.name, description: d.description, defaultEncoder: d.defaultEncoder, defaults: d.defaults }));
  const encoders = Object.values(ENCODERS).map((e) => ({ name: e.name, description: e.description, defaults: e.defaults, outputStrides: e.outputStrides }));
  // Weights training starts from, with the encoder each one serves by default.
  const starts = shippedStarts().map((name) => {
    const dir = path.join(MODELS_DIR, name), card = readCard(dir);
    return { name, arch: card.model.arch, defaultFor: Object.values(ENCODERS).filter((e) => e.start === name).map((e) => e.name), source: card.source ?? null, licence: card.licence ?? 'unknown', folder: dir };
  });
  const zoo = readZoo();
  return { shipped, starts, presets, networks, decoders, encoders, aliases: ALIASES, measuredArchitectures: zoo.rows, measuredOn: zoo.machine && zoo.date ? `${zoo.machine}, ${zoo.date}` : null };
}

const table = (head: string[], rows: string[][]) => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
};

export function run(o: { json?: boolean }): void {
  const m = listModels();
  if (o.json) { process.stdout.write(JSON.stringify(m, null, 2) + '\n'); return; }
  const say = (l = '') => process.stdout.write(l + '\n');
  say('Shipped models (--model NAME; the default is marked *):');
  say(table(['name', 'architecture', 'classes', 'parameters', 'published score', 'measured'], m.shipped.map((s) => [
    s.name + (s.default ? ' *' : ''), s.arch, String(s.classes), s.parameters ? `${(s.parameters / 1e6).toFixed(2)} M` : '-',
    s.scores[0] ? `${s.scores[0].metric} ${s.scores[0].value} (${s.scores[0].dataset})` : '-',
    s.measured ? `${s.measured.msPerImage.toFixed(0)} ms/image at ${s.measured.input} (${s.measured.runtime}, ${s.measured.threads} threads)` : '-',
  ])));
  for (const s of m.shipped) say(`  ${s.name}: ${s.classNames.join(', ')}`);
  say();
  say('Starts for training (--encoder-weights NAME or --init-weights NAME):');
  say(table(['name', 'architecture', 'default start of'], m.starts.map((t) => [t.name, t.arch, t.defaultFor.map((e) => `${e}_*`).join(', ') || '-'])));
  say();
  say('Import presets (pixelwise import --preset NAME --from CHECKPOINT|MODEL.tflite|MODEL.onnx|MODEL.h5 --out DIR):');
  say(table(['preset', 'architecture', 'classes', 'source'], m.presets.map((p) => [p.name, p.arch, p.classes === null ? '(its own)' : String(p.classes), p.source ?? '-'])));
  say();
  const opts = (d: object) => Object.entries(d).map(([k, v]) => `${k}=${v}`).join(' ') || '-';
  say('Architectures (pixelwise train --arch NAME): ENCODER_DECODER (e.g. resnet50_pspnet, mobilenetv2_deeplabv3plus),');
  say('a bare decoder with its default encoder, or a whole network.');
  say(table(['decoder', 'default encoder', 'defaults', 'description'], m.decoders.map((d) => [d.name, d.defaultEncoder, opts(d.defaults), d.description])));
  say();
  say(table(['encoder', 'output strides', 'defaults', 'description'], m.encoders.map((e) => [e.name, e.outputStrides.join(', ') || '-', opts(e.defaults), e.description])));
  say();
  say(table(['network', 'defaults', 'description'], m.networks.map((a) => [a.name, opts(a.defaults), a.description])));
  say();
  say(`image-segmentation-keras names: ${Object.entries(m.aliases).map(([k, v]) => `${k} = ${v}`).join(', ')}`);
  if (m.measuredArchitectures.length) {
    say();
    say(`Measured at 360x480, batch 1${m.measuredOn ? ` (${m.measuredOn})` : ''} (${path.relative(process.cwd(), ZOO_FILE)}, npm run bench:zoo):`);
    say(table(['architecture', 'parameters', 'input multiple', 'TF.js ms', 'ONNX Runtime ms', 'train img/s (b4, 176x240)'], m.measuredArchitectures.map((r) => [
      r.arch, `${(r.parameters / 1e6).toFixed(2)} M`, String(r.outputStride), r.tfjsMs.toFixed(0), r.onnxMs.toFixed(0), r.trainImgPerS.toFixed(2)])));
  }
  say();
  say(`speed: from ${path.relative(process.cwd(), MEASURED_FILE)} (npm run bench:pretrained)`);
}
