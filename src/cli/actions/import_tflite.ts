// `pixelwise import --from MODEL.tflite`: a TensorFlow Lite graph as a model package: the graph as
// model.onnx (io/tflite_onnx.ts) and a card whose input rule is the graph's fixed size (Pillow
// BILINEAR, as the references were made), normalisation from the preset or the input's quantisation.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readTflite, type TfliteGraph } from '../../formats/tflite.js';
import { tfliteConvWeights } from '../../io/tflite_weights.js';
import { exportOnnx } from '../../io/onnx_export.js';
import { writeSafetensors } from '../../formats/safetensors.js';
import { SegModel } from '../../models/seg_model.js';
import { getArch } from '../../models/registry.js';
import { initEngine } from '../../engine/backend.js';
import type { ClassInfo } from '../../data/classes.js';
import { tfliteToOnnx } from '../../io/tflite_onnx.js';
import { OnnxNetwork } from '../../inference/onnx_runtime.js';
import { buildCard } from '../../models/card.js';
import { writeCard } from '../../models/package.js';
import { TFLITE_PRESETS, type TflitePreset } from '../../models/tflite_presets.js';
import { binaryWith, classListText, classesForGraph, resolveClasses } from '../../data/class_file.js';
import type { Normalization } from '../../data/normalize.js';
import { MAX_INPUT_PIXELS } from '../options.js';
import { writeFileAtomic, makeDir } from '../../util/fs.js';
import { UserError } from '../../util/errors.js';
import { commandArgs } from '../command_args.js';
import type { Opts } from '../import.js';

/** Another graph of the same model (--variant): same class scores, same kind of output, another fixed size. */
function variantGraph(file: string, main: ReturnType<typeof tfliteToOnnx> & { qdq?: boolean }): { onnx: string; size: [number, number]; bytes: Uint8Array } {
  let bytes: Uint8Array;
  try { bytes = fs.readFileSync(file); } catch { throw new UserError(`--variant ${file}: file not found or not readable`); }
  const net = tfliteToOnnx(readTflite(bytes, file), file, { qdq: main.qdq });
  if (net.classes !== main.classes || net.output !== main.output) throw new UserError(`--variant ${file}: gives ${net.classes} ${net.output} where the main graph gives ${main.classes} ${main.output}; a variant is the same model at another size`);
  if (net.size[0] * main.outSize[0] !== net.outSize[0] * main.size[0] || net.size[1] * main.outSize[1] !== net.outSize[1] * main.size[1]) throw new UserError(`--variant ${file}: its ${net.outSize.join('x')} output for its ${net.size.join('x')} input is another fraction of it than the main graph's ${main.outSize.join('x')} for ${main.size.join('x')}`);
  if (net.size[0] === main.size[0] && net.size[1] === main.size[1]) throw new UserError(`--variant ${file}: has the main graph's own size ${net.size[1]}x${net.size[0]}`);
  return { onnx: `model-${net.size[0]}x${net.size[1]}.onnx`, size: net.size, bytes: net.onnx };
}

/**
 * --arch NAME: the graph's weights in a zoo network built as the graph is (io/tflite_weights.ts),
 * as a package with weights.safetensors (to fine-tune, or to run in float) and model.onnx exported
 * from that network.
 */
async function intoNetwork(o: Opts, graph: TfliteGraph, bytes: Uint8Array, classes: ClassInfo[], norm: Normalization, preset: TflitePreset | undefined, size: [number, number], meta: { licence?: string; source?: string }): Promise<void> {
  if (o.variant) throw new UserError('--variant: not with --arch (a zoo network takes any input size)');
  if (o.qdq) throw new UserError('--qdq: not with --arch (the weights are dequantised into a float network)');
  const arch = getArch(o.arch!);
  await initEngine('wasm');
  const model = new SegModel({ arch: arch.name, numClasses: classes.length });
  try {
    model.loadNamedWeights(tfliteConvWeights(model, graph, o.from), o.from, { strict: true });
    const card = buildCard({
      model: model.spec, classes, weights: o.weights ? 'weights.safetensors' : '', onnx: o.onnx ? 'model.onnx' : undefined, parameters: model.trainableParamCount(),
      input: { normalization: norm, stride: model.stride, rule: { kind: 'fixed', size, filter: 'pillow' } },
      licence: o.licence ?? preset?.licence ?? meta.licence ?? 'unknown: set --licence', source: o.source ?? preset?.source ?? meta.source ?? path.basename(o.from),
      notes: [preset?.notes?.replace(/ Kept 8-bit.*$/, ''), `The graph's ${graph.operators.length} operators as the zoo's ${arch.name}, 8-bit weights dequantised to float (trainable: pixelwise train --init-weights).`].filter(Boolean).join(' '),
      scores: preset?.scores,
      provenance: { file: path.basename(o.from), sha256: crypto.createHash('sha256').update(bytes).digest('hex'), command: `pixelwise import ${commandArgs(process.argv, 'import')}` },
    });
    makeDir(o.out);
    if (o.weights) writeSafetensors(path.join(o.out, 'weights.safetensors'), await model.namedWeights(), { source: o.source ?? preset?.source ?? path.basename(o.from) });
    if (o.onnx) writeFileAtomic(path.join(o.out, 'model.onnx'), exportOnnx(model));
    writeCard(o.out, card);
    process.stdout.write(`imported ${o.from} into ${o.out} (${arch.name}, ${classes.length} classes, ${model.trainableParamCount().toLocaleString('en-US')} parameters${o.onnx ? ', model.onnx' : ''})\n`);
  } finally { model.dispose(); }
}

/**
 * What a file's own metadata (TF Lite Support's, as TF Hub and MediaPipe models carry it) gives
 * the card: the output's class names from its packed label file, the input's normalisation, the
 * model's licence and name. What it has but cannot give (a label file not packed, or naming
 * another count of classes) is said on stderr, and the import goes on without it.
 */
function fromMetadata(graph: TfliteGraph, file: string, numClasses: number, want: { classes: boolean; normalization: boolean }): { classes?: ClassInfo[]; normalization?: Normalization; licence?: string; source?: string } {
  const say = (why: string) => process.stderr.write(`note: ${file}: ${why}\n`);
  if (graph.metadataProblem) say(`${graph.metadataProblem}; its metadata is not used`);
  const meta = graph.metadata;
  if (!meta) return {};
  let classes: ClassInfo[] | undefined;
  const labels = want.classes ? meta.outputs[0]?.labels : undefined;
  if (labels && labels.text == null) say(`its metadata names the label file ${labels.file}, which is not packed in it${meta.files.length ? ` (it packs ${meta.files.slice(0, 5).join(', ')}${meta.files.length > 5 ? ', ...' : ''})` : ''}; the classes are numbered (--class-file names them)`);
  else if (labels?.text != null) {
    try { classes = classListText(labels.text, `${file}: ${labels.file}`); } catch (e) {
      if (!(e instanceof UserError)) throw e;
      say(`${e.message}; the classes are numbered (--class-file names them)`);
    }
    // A one-channel (sigmoid) mask read as two class scores: its one label is the foreground.
    if (classes?.length === 1 && numClasses === 2) classes = binaryWith(classes[0]);
    if (classes && classes.length !== numClasses) {
      say(`its label file ${labels.file} names ${classes.length} classes for the graph's ${numClasses} class scores; the classes are numbered (--class-file names them)`);
      classes = undefined;
    }
  }
  // NormalizationOptions are (x - mean) / std on the pixel's 0..255 value; cards say it in pixel/255 units.
  let normalization: Normalization | undefined;
  const n = want.normalization ? meta.inputs[0]?.normalization : undefined;
  if (n) {
    const three = (v: number[]) => (v.length === 1 ? [v[0], v[0], v[0]] : v);
    const mean = three(n.mean), std = three(n.std);
    if (mean.length === 3 && std.length === 3 && [...mean, ...std].every(Number.isFinite) && std.every((v) => v !== 0)) {
      normalization = { mean: mean.map((v) => v / 255) as [number, number, number], std: std.map((v) => v / 255) as [number, number, number] };
    } else say(`its metadata's normalisation (mean ${n.mean.join(', ')}; std ${n.std.join(', ')}) is not one or three values with a non-zero std; not used`);
  }
  const named = [meta.name, meta.version].filter(Boolean).join(' ');
  return { classes, normalization, licence: meta.license || undefined, source: named ? `${named}${meta.author ? `, ${meta.author}` : ''} (${path.basename(file)})` : undefined };
}

export async function runTflite(o: Opts): Promise<void> {
  const preset = o.preset && Object.hasOwn(TFLITE_PRESETS, o.preset) ? TFLITE_PRESETS[o.preset] : undefined;
  if (o.preset && !preset) throw new UserError(`--preset ${o.preset}: not a TensorFlow Lite preset; available: ${Object.keys(TFLITE_PRESETS).join(', ')}`);
  let bytes: Uint8Array;
  try { bytes = fs.readFileSync(o.from); } catch { throw new UserError(`--from ${o.from}: file not found or not readable`); }
  const graph = readTflite(bytes, o.from);
  const net = tfliteToOnnx(graph, o.from, { qdq: o.qdq });
  const numClasses = o.classes ?? preset?.classes.length ?? net.classes;
  if (numClasses !== net.classes) throw new UserError(`--classes ${numClasses}: the graph gives ${net.classes} class scores`);
  const input = graph.tensors[graph.inputs[0]];
  // An 8-bit input takes the pixel p as q = p (uint8) or q = p - 128 (int8, TFLite's convention for
  // int8 images), whose value is (q - zero point) * scale: mean (zp + 128 if int8) / 255, std 1 / (255 scale).
  const q = input.quantization;
  const zp = q ? q.zeroPoint[0] + (input.type === 'INT8' ? 128 : 0) : 0;
  const fromInput: Normalization | undefined = q && (input.type === 'UINT8' || input.type === 'INT8')
    ? { mean: [0, 1, 2].map(() => zp / 255) as [number, number, number], std: [0, 1, 2].map(() => 1 / (255 * q.scale[0])) as [number, number, number] } : undefined;
  const meta = fromMetadata(graph, o.from, net.classes, { classes: !preset && !o.classFile, normalization: !o.mean && !o.std && !preset?.normalization && !fromInput });
  const classes = preset && !o.classFile ? preset.classes : o.classFile ? classesForGraph(numClasses, o.classFile) : meta.classes ?? resolveClasses(numClasses);
  if (classes.length !== net.classes) throw new UserError(`${o.preset ? `--preset ${o.preset}` : '--class-file'}: ${classes.length} classes for a graph of ${net.classes} class scores`);
  const norm: Normalization | undefined = o.mean || o.std ? { mean: o.mean ?? [0, 0, 0], std: o.std ?? [1, 1, 1], channelOrder: o.channelOrder }
    : preset?.normalization ?? fromInput ?? meta.normalization;
  if (!norm) throw new UserError(`${o.from}: a float input${graph.metadata ? ' whose metadata' : ''} does not say how pixels were scaled; give --mean and --std (pixel/255 units) or a --preset`);
  if ((o.mean ?? o.std) && (norm.mean.length !== 3 || norm.std.length !== 3)) throw new UserError(`--mean/--std: ${norm.mean.length} and ${norm.std.length} values; this network takes 3 bands (r,g,b): give three each`);
  // The converted graph must load in ONNX Runtime before anything is written, and give one score
  // map per pixel at the size it will be run at.
  const size = o.inputSize ?? net.size;
  // A strided graph's scores come at 1/scale of its input (output.scale): a whole fraction, the same on both sides.
  const scale = net.size[0] / net.outSize[0];
  if (!Number.isInteger(scale) || net.size[1] / net.outSize[1] !== scale) throw new UserError(`${o.from}: the graph's ${net.outSize.join('x')} output for its ${net.size.join('x')} input is not one whole fraction of it on both sides, which pixelwise cannot map back onto the image; convert the model to ONNX (tf2onnx) and import that`);
  if (size.some((v) => v % scale)) throw new UserError(`--input-size ${size.join('x')}: this graph's scores come at 1/${scale} of its input: give sides that are multiples of ${scale}`);
  if (size[0] * size[1] > MAX_INPUT_PIXELS) throw new UserError(`--input-size ${size.join('x')}: at most ${MAX_INPUT_PIXELS / 2 ** 20} megapixels a pass; choose a smaller size`);
  if (o.arch) { await intoNetwork(o, graph, bytes, classes, norm, preset, size, meta); return; }
  let ran: Float32Array;
  try {
    const n = await OnnxNetwork.create(net.onnx, net.classes, 1);
    try { ran = await n.run(new Float32Array(3 * size[0] * size[1]), [1, 3, size[0], size[1]]); } finally { await n.dispose(); }
  } catch (e) {
    if (o.inputSize) throw new UserError(`--input-size ${size.join('x')}: the graph does not run at that size (${(e as Error).message.split('\n')[0]}); it may need its own size ${net.size.join('x')}`);
    throw new UserError(`${o.from}: the converted graph does not load in ONNX Runtime (${(e as Error).message}); the file may be damaged`);
  }
  if (ran.length !== net.classes * (size[0] / scale) * (size[1] / scale)) {
    if (!o.inputSize) throw new UserError(`${o.from}: the converted graph gives ${ran.length / net.classes} score pixels where the file's output is ${net.outSize.join('x')}; the file may be damaged`);
    throw new UserError(`--input-size ${size.join('x')}: the graph gives ${ran.length / net.classes} score pixels for ${size[0] * size[1]} input pixels${scale > 1 ? ` (1/${scale} of each side would be ${(size[0] / scale) * (size[1] / scale)})` : ''}; it needs its own size ${net.size.join('x')}`);
  }
  const variants = (o.variant ?? []).map((file) => variantGraph(file, { ...net, qdq: o.qdq }));
  // The card is made (and checked) before anything is written.
  const card = buildCard({
    model: { arch: 'tflite', numClasses }, classes, weights: '', onnx: 'model.onnx', parameters: net.parameters,
    ...(fromInput ? { precision: 'int8' as const } : {}),
    ...(variants.length ? { variants: variants.map((v) => ({ onnx: v.onnx, size: v.size })) } : {}),
    input: { normalization: norm, stride: 1, rule: { kind: 'fixed', size, filter: 'pillow' } },
    // The graph's own size decides the label: the label map goes back by nearest neighbour; scores
    // at a fraction of the input go back bilinearly (nearest from a coarser grid would draw blocks).
    output: { kind: net.output, resizeBack: scale > 1 ? 'scores' : 'labels', ...(scale > 1 ? { scale } : {}) },
    licence: o.licence ?? preset?.licence ?? meta.licence ?? 'unknown: set --licence', source: o.source ?? preset?.source ?? meta.source ?? path.basename(o.from),
    notes: preset?.notes, scores: preset?.scores,
    provenance: { file: path.basename(o.from), sha256: crypto.createHash('sha256').update(bytes).digest('hex'), command: `pixelwise import ${commandArgs(process.argv, 'import')}` },
  });
  makeDir(o.out);
  writeFileAtomic(path.join(o.out, 'model.onnx'), net.onnx);
  for (const v of variants) writeFileAtomic(path.join(o.out, v.onnx), v.bytes);
  writeCard(o.out, card);
  const fromMeta = [classes === meta.classes && 'class names', norm === meta.normalization && 'normalisation', card.licence === meta.licence && 'licence'].filter(Boolean);
  process.stdout.write(`imported ${o.from} into ${o.out} (TensorFlow Lite, ${graph.operators.length} operators, ${numClasses} classes${fromMeta.length ? ` (${fromMeta.join(', ')} from its metadata)` : ''}, input ${size[1]}x${size[0]} (width x height); model.onnx ${(net.onnx.length / 1e6).toFixed(2)} MB${variants.map((v) => `; ${v.onnx} for ${v.size[1]}x${v.size[0]} inputs`).join('')})\n`);
}
