// The `import` command's work, loaded when the command runs (the definition in ../import.ts stays light).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { initEngine } from '../../engine/backend.js';
import { archOptionsFrom } from '../../models/options.js';
import { getArch } from '../../models/registry.js';
import { SegModel } from '../../models/seg_model.js';
import { writeCard } from '../../models/package.js';
import { buildCard } from '../../models/card.js';
import { findPreset, presetNames } from '../../models/presets.js';
import { exportOnnx } from '../../io/onnx_export.js';
import { writeFileAtomic } from '../../util/fs.js';
import { readForeignCheckpoint } from '../../formats/pytorch.js';
import { writeSafetensors } from '../../formats/safetensors.js';
import { convertTorchStateDict } from '../../io/torch_convert.js';
import { resolveClasses } from '../../data/classes.js';
import { IMAGENET_NORM, type Normalization } from '../../data/normalize.js';
import { parseNumberList } from '../options.js';
import { UserError } from '../../util/errors.js';
import { checkOutputDir } from '../output_paths.js';
import type { Opts } from '../import.js';
import { commandArgs } from '../command_args.js';

export async function run(o: Opts): Promise<void> {
  checkOutputDir('--out', o.out);
  if (/\.tflite$/i.test(o.from)) { await (await import('./import_tflite.js')).runTflite(o); return; }
  await initEngine('wasm');
  const preset = o.preset ? findPreset(o.arch, o.preset) : undefined;
  if (o.preset && !preset) throw new UserError(`--preset ${o.preset}: unknown; available: ${presetNames().join(', ')}`);
  const arch = o.arch ?? preset?.arch;
  if (!arch) throw new UserError('--arch NAME is required (or a --preset that names the architecture)');
  if (preset?.arch && o.arch && o.arch !== preset.arch) throw new UserError(`--preset ${o.preset} is for --arch ${preset.arch}, not ${o.arch}`);
  const numClasses = o.classes ?? preset?.classes.length;
  if (!numClasses) throw new UserError('--classes N or --preset is required');
  const classes = preset && !o.classFile && (!o.classes || o.classes === preset.classes.length) ? preset.classes : resolveClasses(numClasses, o.classFile);
  const triple = (v: string, what: string) => { const a = parseNumberList(v); if (a.length !== 3) throw new UserError(`${what} needs 3 values`); return a as [number, number, number]; };
  const norm: Normalization = o.mean || o.std
    ? { mean: triple(o.mean ?? '0,0,0', '--mean'), std: triple(o.std ?? '1,1,1', '--std'), channelOrder: o.channelOrder }
    : preset?.normalization ?? { ...IMAGENET_NORM, channelOrder: o.channelOrder };
  const tensors = readForeignCheckpoint(o.from);
  const fromFile = preset?.specFrom?.(tensors, o.from) ?? {};
  const model = new SegModel({ arch, numClasses, ...fromFile, ...archOptionsFrom(o, arch, getArch(arch)) });
  const conv = convertTorchStateDict(model, tensors, o.from);
  if (conv.unexpected.length) {
    throw new UserError(`${o.from}: ${conv.unexpected.length} tensors match no layer of ${arch} (first: ${conv.unexpected.slice(0, 3).join(', ')})`);
  }
  model.loadNamedWeights(conv.weights, o.from); // reports missing and wrongly shaped tensors by name
  const weights = await model.namedWeights();
  writeSafetensors(path.join(o.out, 'weights.safetensors'), weights, { source: o.source ?? preset?.source ?? path.basename(o.from) });
  let onnx: string | undefined;
  if (o.onnx) {
    writeFileAtomic(path.join(o.out, 'model.onnx'), exportOnnx(model));
    onnx = 'model.onnx';
  }
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(o.from)).digest('hex');
  const card = buildCard({
    model: model.spec, classes, input: { normalization: norm, stride: model.stride, rule: preset?.rule }, weights: 'weights.safetensors', onnx,
    parameters: model.trainableParamCount(),
    licence: o.licence ?? preset?.licence ?? 'unknown: set --licence', source: o.source ?? preset?.source ?? path.basename(o.from),
    notes: preset?.notes,
    provenance: { file: path.basename(o.from), sha256, command: `pixelwise import ${commandArgs(process.argv, 'import')}` },
    scores: preset?.scores?.(model.spec),
  });
  writeCard(o.out, card);
  const skipped = conv.skipped.filter((k) => !k.endsWith('num_batches_tracked'));
  process.stdout.write(`imported ${tensors.size - conv.skipped.length} tensors into ${o.out} (${arch}, ${numClasses} classes, ${model.trainableParamCount().toLocaleString('en-US')} parameters${onnx ? ', model.onnx' : ''}); skipped ${conv.skipped.length} unused (${skipped.join(', ') || 'BatchNorm counters'}${skipped.length ? ' and BatchNorm counters' : ''})\n`);
  model.dispose();
}
