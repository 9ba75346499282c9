// `pixelwise import --from MODEL.onnx` (or a Hugging Face / transformers.js model folder): an ONNX
// segmentation graph made elsewhere as a model package. The graph is adapted at its ends
// (io/onnx_foreign.ts) after one run in ONNX Runtime shows what it gives; the input rule,
// normalisation, class names and licence come from the flags, else the folder's
// preprocessor_config.json, config.json and README.md (io/hf_config.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from '../../formats/onnx_proto.js';
import { adaptInput, adaptOutput, inputName, parameterCount, readForeignOnnx, type ForeignInput, type OutputProbe } from '../../io/onnx_foreign.js';
import { hfClassNames, hfLicence, hfPreprocessing, type HfPreprocessing } from '../../io/hf_config.js';
import { OnnxNetwork, defaultThreads, ort } from '../../inference/onnx_runtime.js';
import { buildCard, type InputRule } from '../../models/card.js';
import { ONNX_PRESETS } from '../../models/onnx_presets.js';
import { writeCard } from '../../models/package.js';
import { classesForGraph, readClassList, resolveClasses } from '../../data/class_file.js';
import { BINARY_CLASS_LIST, classesNamed, type ClassInfo } from '../../data/classes.js';
import type { Normalization } from '../../data/normalize.js';
import { MAX_INPUT_PIXELS } from '../options.js';
import { isDir, makeDir, writeFileAtomic } from '../../util/fs.js';
import { UserError } from '../../util/errors.js';
import { commandArgs } from '../command_args.js';
import type { Opts } from '../import.js';

/** Padding of a graph that takes any size but not every size: a multiple most encoders' strides divide. */
const ANY_SIZE_STRIDE = 32;
/** The size a graph that takes any size is tried at (sides of different lengths tell NCHW scores from NHWC). */
const PROBE_SIZE: [number, number] = [256, 320];
/** Sides no stride divides: a graph that runs at this size runs each image at its own, unpadded, as its authors run it. */
const ODD_SIZE: [number, number] = [251, 317];

/**
 * Why a Hugging Face model folder without an ONNX export cannot be imported, with the command that
 * makes one; null for any other folder.
 */
export function hfFolderWithoutOnnx(from: string): string | null {
  if (!isDir(from) || onnxFilesIn(from).length) return null;
  const cfg = readJson(path.join(from, 'config.json')) as { architectures?: unknown } | undefined;
  if (!cfg || typeof cfg !== 'object') return null;
  const arch = Array.isArray(cfg.architectures) && typeof cfg.architectures[0] === 'string' ? cfg.architectures[0] : 'a transformers model';
  return `--from ${from}: holds ${arch}'s PyTorch weights (config.json) and no ONNX export; export it (optimum-cli export onnx --model ${from} ${from.replace(/\/+$/, '')}-onnx/), then import that folder`;
}

/** Whether `--from` names what this importer reads: an .onnx file, or a folder holding one (at its root or in onnx/). */
export function isOnnxSource(from: string): boolean {
  if (/\.onnx$/i.test(from)) return true;
  return isDir(from) && onnxFilesIn(from).length > 0;
}

function onnxFilesIn(dir: string): string[] {
  const list = (d: string) => { try { return fs.readdirSync(d).filter((f) => /\.onnx$/i.test(f)).map((f) => path.join(d, f)); } catch { return []; } };
  return [...list(dir), ...list(path.join(dir, 'onnx'))];
}

/** The graph file and the folder of its configuration files (transformers.js keeps graphs in onnx/ below them). */
function locate(from: string): { file: string; folder: string } {
  if (!isDir(from)) {
    const dir = path.dirname(from);
    return { file: from, folder: path.basename(dir) === 'onnx' && fs.existsSync(path.join(dir, '..', 'config.json')) ? path.dirname(dir) : dir };
  }
  if (fs.existsSync(path.join(from, 'model.json'))) throw new UserError(`--from ${from}: is a pixelwise model package already (model.json); give it as --model to predict, evaluate or serve`);
  const preferred = ['model.onnx', 'onnx/model.onnx'].map((f) => path.join(from, f)).find((f) => fs.existsSync(f));
  if (preferred) return { file: preferred, folder: from };
  const all = onnxFilesIn(from);
  if (all.length === 1) return { file: all[0], folder: from };
  throw new UserError(`--from ${from}: holds ${all.length} ONNX files (${all.map((f) => path.relative(from, f)).join(', ')}); name one, e.g. --from ${all[0]}`);
}

function readJson(file: string): unknown | undefined {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return undefined; }
  try { return JSON.parse(text); } catch (e) { throw new UserError(`${file}: not valid JSON (${(e as Error).message}); fix the file or remove it`); }
}

/** One run of the graph at [h, w] in ONNX Runtime: its first output's type and dims. */
async function probe(bytes: Uint8Array, input: ForeignInput, [h, w]: [number, number], file: string, sizeFrom: string): Promise<OutputProbe> {
  const o = await ort();
  let session;
  // Sizes the graph refuses are expected while the stride is probed: ONNX Runtime's own log of
  // them is held back (the failure itself is reported or used).
  try { session = await o.InferenceSession.create(bytes, { intraOpNumThreads: defaultThreads(), graphOptimizationLevel: 'all', logSeverityLevel: 4 }); } catch (e) {
    throw new UserError(`${file}: ONNX Runtime cannot load the graph (${(e as Error).message.split('\n')[0]}); export it again (a later opset, no custom operators)`);
  }
  try {
    const x = new o.Tensor('float32', new Float32Array(input.channels * h * w), [1, input.channels, h, w]);
    const r = await session.run({ [inputName(input)]: x }, [session.outputNames[0]]);
    const t = r[session.outputNames[0]];
    return { type: t.type, dims: t.dims };
  } catch (e) {
    throw new UserError(`${file}: the graph does not run on a ${w}x${h} image (${sizeFrom}): ${(e as Error).message.split('\n')[0]}${sizeFrom.startsWith('--input-size') ? '' : '; give --input-size HxW, the size it was trained at'}`);
  } finally { await session.release(); }
}

/** A graph converted to ONNX by pixelwise from another format (a Keras model): its bytes, source file, format ("Keras 2.12.0") and what the conversion did. */
export interface Converted {
  onnx: Uint8Array; file: string; sha256: string; what: string; changes: string[];
  /** How its pixels become its input where the model says so itself (preprocessing layers), and why. */
  normalization?: { value: Normalization; why: string };
}

export async function runOnnx(o: Opts, converted?: Converted): Promise<void> {
  for (const [flag, given] of [['--arch', o.arch], ['--qdq', o.qdq], ['--variant', o.variant], ['--no-onnx', !o.onnx]] as const) {
    if (given) throw new UserError(`${flag}: not for ${converted ? 'a Keras model' : 'an ONNX graph'} (--from ${o.from}), which is imported as it is`);
  }
  const preset = o.preset === undefined ? null : Object.hasOwn(ONNX_PRESETS, o.preset) ? ONNX_PRESETS[o.preset] : undefined;
  if (preset === undefined) throw new UserError(`--preset ${o.preset}: not one for an ONNX graph or a Keras model; available: ${Object.keys(ONNX_PRESETS).join(', ')}`);
  // A converted graph has no configuration files beside it to read.
  const { file, folder } = converted ? { file: converted.file, folder: null } : locate(o.from);
  let bytes: Uint8Array;
  if (converted) bytes = converted.onnx;
  else try { bytes = fs.readFileSync(file); } catch { throw new UserError(`--from ${file}: file not found or not readable`); }
  const { model, input, opset } = readForeignOnnx(bytes, file);
  const parameters = parameterCount(model);
  const nodes = model.graph!.node!.length, nodeCount = `${nodes} node${nodes === 1 ? '' : 's'}`;

  // The input rule: the flag, the graph's own fixed size, the authors' processor, else any size.
  const beside = (name: string) => (folder === null ? null : path.join(folder, name));
  const preFile = beside('preprocessor_config.json'), preRaw = preFile === null ? undefined : readJson(preFile);
  const pre: HfPreprocessing | null = preRaw === undefined ? null : hfPreprocessing(preRaw, preFile!, input.channels);
  const notes = [...(pre?.notes ?? [])];
  if (o.inputSize && input.size && (o.inputSize[0] !== input.size[0] || o.inputSize[1] !== input.size[1])) {
    throw new UserError(`--input-size ${o.inputSize.join('x')}: the graph is fixed at ${input.size.join('x')}; leave --input-size out (or export the graph with dynamic height and width)`);
  }
  const size = o.inputSize ?? input.size ?? pre?.size ?? null;
  if (input.size && pre?.size && (pre.size[0] !== input.size[0] || pre.size[1] !== input.size[1])) notes.push(`The graph is fixed at ${input.size[1]}x${input.size[0]}, which it is run at (its processor says ${pre.size[1]}x${pre.size[0]}).`);
  if (size && o.padMultiple) throw new UserError(`--pad-multiple ${o.padMultiple}: for a graph that takes any size; this one runs at ${size[1]}x${size[0]} (${input.size ? 'its own size' : o.inputSize ? '--input-size' : `${preFile}'s size`})`);
  if (size && size[0] * size[1] > MAX_INPUT_PIXELS) throw new UserError(`--input-size ${size.join('x')}: at most ${MAX_INPUT_PIXELS / 2 ** 20} megapixels a pass; choose a smaller size`);
  if (preset?.filter && !size) throw new UserError(`--preset ${o.preset}: resizes every image to the graph's input size, and this graph takes any size; give --input-size HxW, the size it was trained at`);
  const sizeFrom = o.inputSize ? `--input-size ${o.inputSize.join('x')}` : input.size ? 'the graph\'s own size' : pre?.size ? `${preFile}'s size` : 'a trial size; the graph takes any';
  // The preset's filter, the authors' processor's (Pillow's bicubic for some), else Pillow's bilinear.
  const rule: InputRule = size ? { kind: 'fixed', size, filter: preset?.filter ?? pre?.filter ?? 'pillow' } : { kind: 'native' };
  if (preset) notes.push(preset.notes);

  const norm: Normalization | null = o.mean || o.std
    ? { mean: o.mean ?? Array<number>(input.channels).fill(0), std: o.std ?? Array<number>(input.channels).fill(1), channelOrder: o.channelOrder }
    : preset ? { ...preset.normalization, ...(o.channelOrder === 'BGR' ? { channelOrder: 'BGR' as const } : {}) }
    : pre?.normalization ? { ...pre.normalization, ...(o.channelOrder === 'BGR' ? { channelOrder: 'BGR' as const } : {}) }
    : converted?.normalization ? { ...converted.normalization.value, ...(o.channelOrder === 'BGR' ? { channelOrder: 'BGR' as const } : {}) } : null;
  if (norm && !o.mean && !o.std && !preset && !pre?.normalization && converted?.normalization) notes.push(converted.normalization.why);
  if (!norm && converted) throw new UserError(`${file}: a Keras model does not say how its pixels were scaled; give the preprocessing its backbone was trained with, --preset ${Object.keys(ONNX_PRESETS).filter((k) => k.startsWith('keras-')).join('|')} (pixelwise models lists them), or --mean and --std (pixel/255 units)`);
  if (!norm) throw new UserError(`${file}: nothing says how pixels become the graph's input; give --mean and --std (pixel/255 units, e.g. ImageNet's 0.485,0.456,0.406 and 0.229,0.224,0.225), or keep the model's preprocessor_config.json beside it`);
  if (norm.mean.length !== input.channels || norm.std.length !== input.channels) {
    throw new UserError(`--mean/--std: ${norm.mean.length} and ${norm.std.length} values for a graph of ${input.channels} band${input.channels > 1 ? 's' : ''}; give one per band${o.mean || o.std ? '' : ' (or its preprocessor_config.json)'}`);
  }

  // Adapted at the input, run once, adapted at the output, run again as pixelwise will run it.
  const changes: string[] = [];
  adaptInput(model, input, changes);
  const at = size ?? PROBE_SIZE;
  const raw = await probe(onnx.ModelProto.encode(model).finish(), input, at, file, sizeFrom);
  const graph = adaptOutput(model, input, opset, raw, at, file, changes, size != null);

  const cfgFile = beside('config.json'), cfg = cfgFile === null ? undefined : readJson(cfgFile);
  const names = cfg === undefined ? null : hfClassNames(cfg, cfgFile!);
  const count = graph.output === 'labels' ? o.classes ?? (o.classFile ? readClassList(o.classFile).length : names?.length) : graph.classes;
  if (!count) throw new UserError(`${file}: the graph gives a label map, which does not say how many classes; give --classes N or --class-file`);
  if (o.classes && o.classes !== count) throw new UserError(`--classes ${o.classes}: the graph gives ${count} class scores`);
  let classes: ClassInfo[];
  if (o.classFile) classes = classesForGraph(count, o.classFile);
  else if (names) {
    // One sigmoid output's label names the foreground.
    const named = graph.binary && names.length === 1 ? ['background', names[0]] : names;
    if (named.length !== count) throw new UserError(`${cfgFile}: id2label names ${names.length} classes for a graph of ${count} class scores; give --class-file`);
    classes = classesNamed(named);
  } else classes = graph.binary ? BINARY_CLASS_LIST : resolveClasses(count);

  const check = await OnnxNetwork.create(graph.onnx, count, 1);
  let stride = 1;
  try {
    const values = (h: number, w: number) => check.run(new Float32Array(input.channels * h * w), [1, input.channels, h, w]);
    const due = (h: number, w: number) => (graph.output === 'labels' ? 1 : count) * (h / graph.scale) * (w / graph.scale);
    const got = (await values(...at)).length;
    if (got !== due(...at)) throw new UserError(`${file}: the adapted graph gives ${got} values for a ${at[1]}x${at[0]} image where ${due(...at)} were due; export the graph's class scores at the input's size`);
    if (!size) stride = o.padMultiple ?? (await values(...ODD_SIZE).then((v) => v.length === due(...ODD_SIZE), () => false) ? 1 : ANY_SIZE_STRIDE);
  } finally { await check.dispose(); }

  const readme = (() => { try { return folder === null ? '' : fs.readFileSync(path.join(folder, 'README.md'), 'utf8'); } catch { return ''; } })();
  const origin = typeof (cfg as { _name_or_path?: unknown } | undefined)?._name_or_path === 'string' ? (cfg as { _name_or_path: string })._name_or_path : '';
  const card = buildCard({
    model: { arch: 'onnx', numClasses: count, ...(input.channels !== 3 ? { inChannels: input.channels } : {}) }, classes, weights: '', onnx: 'model.onnx', parameters,
    input: { normalization: norm, stride, rule },
    // Beside a processor, scores go back to the image bilinearly as transformers' post-processing
    // takes them (from their own size: a SegFormer's quarter); a bare graph of fixed size gives
    // label maps that go back by nearest (Pillow's, as the TFLite imports' do, or the preset's:
    // OpenCV's for image-segmentation-keras).
    output: { kind: graph.output, resizeBack: graph.output !== 'labels' && (!size || (pre && !preset?.filter)) ? 'scores' : 'labels', ...(graph.scale > 1 ? { scale: graph.scale } : {}), ...(preset?.nearest ? { nearest: preset.nearest } : {}) },
    licence: o.licence ?? hfLicence(readme) ?? 'unknown: set --licence', source: o.source ?? (origin || path.basename(isDir(o.from) ? o.from : file)),
    notes: [...(converted ? [`A ${converted.what} model, converted to ONNX by pixelwise${converted.changes.length ? ` (${converted.changes.join('; ')})` : ''}.`] : []),
      `An ONNX graph (opset ${opset}, ${nodeCount})${changes.length ? `, adapted at its ends: ${changes.join(', ')}` : ', run as it is'}.`, ...notes,
      ...(size ? [] : [stride > 1 ? `It takes any size: images are padded to multiples of ${stride}.` : 'It takes any size: each image runs at its own.'])].join(' '),
    provenance: { file: path.basename(file), sha256: converted?.sha256 ?? crypto.createHash('sha256').update(bytes).digest('hex'), command: `pixelwise import ${commandArgs(process.argv, 'import')}` },
  });
  makeDir(o.out);
  // A graph that needed nothing is written as it came.
  writeFileAtomic(path.join(o.out, 'model.onnx'), changes.length ? graph.onnx : bytes);
  writeCard(o.out, card);
  const where = size ? `input ${size[1]}x${size[0]} (width x height)${graph.scale > 1 ? `, scores at 1/${graph.scale} of it` : ''}` : stride > 1 ? `any input size (padded to multiples of ${stride})` : 'any input size (each image at its own)';
  process.stdout.write(`imported ${file} into ${o.out} (${converted ? `${converted.what} -> ONNX` : 'ONNX'}, ${nodeCount}, ${count} classes, ${where}${changes.length ? `; adapted: ${changes.join(', ')}` : ''})\n`);
}
