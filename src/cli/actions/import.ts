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
import { kerasToOnnx } from '../../io/keras_model.js';
import { isTfjsModelJson } from '../../io/tfjs_layers.js';
import { RAW_PIXELS } from '../../data/normalize.js';
import { isDir, writeFileAtomic } from '../../util/fs.js';
import { readForeignCheckpoint } from '../../formats/pytorch.js';
import { writeSafetensors } from '../../formats/safetensors.js';
import { convertTorchStateDict } from '../../io/torch_convert.js';
import { npyFiles, readNpyFolder, tfDeeplabWeights } from '../../io/tf_deeplab.js';
import { resolveClasses } from '../../data/class_file.js';
import { IMAGENET_NORM, type Normalization } from '../../data/normalize.js';
import { UserError } from '../../util/errors.js';
import { checkOutputDir } from '../output_paths.js';
import type { Opts } from '../import.js';
import { commandArgs } from '../command_args.js';

/** sha256 of a folder's .npy files concatenated in name order (how SOURCE.md states it). */
function folderSha256(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of npyFiles(dir)) h.update(fs.readFileSync(f));
  return h.digest('hex');
}

export async function run(o: Opts): Promise<void> {
  checkOutputDir('--out', o.out);
  const foreign = await import('./import_onnx.js');
  if (o.padMultiple && !foreign.isOnnxSource(o.from)) throw new UserError(`--pad-multiple: only for ONNX graphs (--from X.onnx or a model folder); ${/\.tflite$/i.test(o.from) ? 'a TensorFlow Lite graph runs at its own size (or --input-size)' : 'a checkpoint\'s network pads to its own stride'}`);
  if (/\.tflite$/i.test(o.from)) { await (await import('./import_tflite.js')).runTflite(o); return; }
  if (foreign.isOnnxSource(o.from)) { await foreign.runOnnx(o); return; }
  // A TF.js layers model: its model.json, or the folder holding it.
  const tfjs = isDir(o.from) && isTfjsModelJson(path.join(o.from, 'model.json')) ? path.join(o.from, 'model.json') : o.from;
  if (/\.json$/i.test(tfjs) && !isTfjsModelJson(tfjs)) {
    throw new UserError(`--from ${o.from}: ${fs.existsSync(tfjs) ? 'a JSON file that is not a TF.js model (no modelTopology and weightsManifest); pixelwise imports TF.js layers models, and model files of the other kinds by their extension' : 'file not found'}`);
  }
  if (/\.(h5|hdf5|keras|json)$/i.test(tfjs)) {
    if (!fs.existsSync(tfjs)) throw new UserError(`--from ${o.from}: file not found`);
    await initEngine('wasm');
    const keras = await kerasToOnnx(tfjs);
    await foreign.runOnnx(o, {
      onnx: keras.onnx, file: tfjs, sha256: crypto.createHash('sha256').update(fs.readFileSync(tfjs)).digest('hex'),
      what: /\.json$/i.test(tfjs) ? `TF.js layers model (${keras.kerasVersion})` : `Keras ${keras.kerasVersion}`, changes: keras.changes,
      ...(keras.rawPixels ? { normalization: { value: RAW_PIXELS, why: `Its first layer, ${keras.rawPixels}, takes pixel values 0..255: they are given as they are.` } } : {}),
    });
    return;
  }
  const hf = foreign.hfFolderWithoutOnnx(o.from);
  if (hf) throw new UserError(hf);
  if (o.variant) throw new UserError('--variant: only for TensorFlow Lite graphs (--from X.tflite)');
  if (o.qdq) throw new UserError('--qdq: only for TensorFlow Lite graphs (--from X.tflite)');
  if (!o.weights && !o.onnx) throw new UserError('--no-weights with --no-onnx would write no network; keep one of them');
  await initEngine('wasm');
  const preset = o.preset ? findPreset(o.arch, o.preset) : undefined;
  if (o.preset && !preset) throw new UserError(`--preset ${o.preset}: unknown; available: ${presetNames().join(', ')}`);
  const arch = o.arch ?? preset?.arch;
  if (!arch) throw new UserError('--arch NAME is required (or a --preset that names the architecture)');
  if (preset?.arch && o.arch && o.arch !== preset.arch) throw new UserError(`--preset ${o.preset} is for --arch ${preset.arch}, not ${o.arch}`);
  const numClasses = o.classes ?? preset?.classes.length;
  if (!numClasses) throw new UserError('--classes N or --preset is required');
  if (o.inputSize) {
    // The network's stride, and the authors' own multiple where the preset has one.
    const rule = preset?.rule;
    const m = Math.max(getArch(arch).stride({ ...preset?.options, ...archOptionsFrom(o, arch, getArch(arch)), numClasses }), rule?.kind === 'multiple' ? rule.multiple : 1);
    if (o.inputSize.some((v) => v % m)) throw new UserError(`--input-size ${o.inputSize.join('x')}: this network needs sides that are multiples of ${m} (e.g. ${o.inputSize.map((v) => Math.max(m, Math.round(v / m) * m)).join('x')})`);
  }
  const classes = preset && !o.classFile && (!o.classes || o.classes === preset.classes.length) ? preset.classes : resolveClasses(numClasses, o.classFile);
  const norm: Normalization = o.mean || o.std
    ? { mean: o.mean ?? [0, 0, 0], std: o.std ?? [1, 1, 1], channelOrder: o.channelOrder }
    : preset?.normalization ?? { ...IMAGENET_NORM, channelOrder: o.channelOrder };
  if ((o.mean ?? o.std) && (norm.mean.length !== 3 || norm.std.length !== 3)) throw new UserError(`--mean/--std: ${norm.mean.length} and ${norm.std.length} values; this network takes 3 bands (r,g,b): give three each`);
  const npyFolder = isDir(o.from);
  const tensors = npyFolder ? null : readForeignCheckpoint(o.from);
  const fromFile = (tensors && preset?.specFrom?.(tensors, o.from)) ?? {};
  const model = new SegModel({ arch, numClasses, ...preset?.options, ...fromFile, ...archOptionsFrom(o, arch, getArch(arch)) });
  let count: number, skipped: string[] = [];
  if (npyFolder) {
    const arrays = readNpyFolder(o.from);
    model.loadNamedWeights(tfDeeplabWeights(model, arrays, o.from), o.from, { strict: true });
    count = arrays.size;
  } else {
    const conv = convertTorchStateDict(model, tensors!, o.from);
    if (conv.unexpected.length) {
      throw new UserError(`${o.from}: ${conv.unexpected.length} tensors match no layer of ${arch} (first: ${conv.unexpected.slice(0, 3).join(', ')})`);
    }
    model.loadNamedWeights(conv.weights, o.from); // reports missing and wrongly shaped tensors by name
    count = tensors!.size - conv.skipped.length;
    skipped = conv.skipped;
  }
  const onnx = o.onnx ? 'model.onnx' : undefined;
  const sha256 = npyFolder ? folderSha256(o.from) : crypto.createHash('sha256').update(fs.readFileSync(o.from)).digest('hex');
  const card = buildCard({
    model: model.spec, classes, input: { normalization: norm, stride: model.stride, rule: o.inputSize ? { kind: 'fixed', size: o.inputSize, filter: 'pillow' } : preset?.rule }, weights: o.weights ? 'weights.safetensors' : '', onnx,
    parameters: model.trainableParamCount(),
    licence: o.licence ?? preset?.licence ?? 'unknown: set --licence', source: o.source ?? preset?.source ?? path.basename(o.from),
    // The preset's notes describe the authors' input rule; a fixed size replaces it.
    notes: o.inputSize ? [preset?.notes, `This package runs at a fixed ${o.inputSize[1]}x${o.inputSize[0]} (import --input-size) instead: every image resized to it with Pillow BILINEAR, the label map back with Pillow NEAREST; the published scores are at the authors' size.`].filter(Boolean).join(' ') : preset?.notes,
    provenance: { file: path.basename(o.from), sha256, command: `pixelwise import ${commandArgs(process.argv, 'import')}` },
    scores: preset?.scores?.(model.spec)?.map((sc) => (o.inputSize ? { ...sc, dataset: `${sc.dataset} (not this package's ${o.inputSize[1]}x${o.inputSize[0]})` } : sc)),
  });
  // Written once the card is made (and checked).
  if (o.weights) writeSafetensors(path.join(o.out, 'weights.safetensors'), await model.namedWeights(), { source: o.source ?? preset?.source ?? path.basename(o.from) });
  if (onnx) writeFileAtomic(path.join(o.out, onnx), exportOnnx(model));
  writeCard(o.out, card);
  const named = skipped.filter((k) => !k.endsWith('num_batches_tracked'));
  const skippedText = skipped.length ? `; skipped ${skipped.length} unused (${named.join(', ') || 'BatchNorm counters'}${named.length ? ' and BatchNorm counters' : ''})` : '';
  process.stdout.write(`imported ${count} tensors into ${o.out} (${arch}, ${numClasses} classes, ${model.trainableParamCount().toLocaleString('en-US')} parameters${onnx ? ', model.onnx' : ''})${skippedText}\n`);
  model.dispose();
}
