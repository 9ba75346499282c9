// A Keras 2 model saved whole in HDF5 (model.save('m.h5'), ModelCheckpoint's .hdf5: the model_config
// JSON as a root attribute, the weights under model_weights/), or a Keras 3 archive read into the
// same form (keras3.ts), or a TF.js layers model (model.json and its shards: tfjs_layers.ts), as an ONNX graph, with no Python: the
// config is flattened (nested Functional and Sequential models inlined), its tail cut where it only
// reshapes or softmaxes the scores, rebuilt by tfjs-layers (a port of Keras that reads its configs),
// the weights set by layer and weight name (a Keras 3 archive's by position), and written out by the same exporter as pixelwise's own
// networks (onnx_export.ts). The ONNX import (cli/actions/import_onnx.ts) takes it from there.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LAYER_KINDS } from '../models/layer_kinds.js';
import { exportNetworkOnnx } from './onnx_export.js';
import { readKerasH5 } from './encoder_weights.js';
import { readHdf5 } from './hdf5.js';
import { readKerasArchive } from './keras3.js';
import { readTfjsLayersModel } from './tfjs_layers.js';
import { UserError } from '../util/errors.js';

type Json = Record<string, unknown>;
/** A layer's input: another layer's output (the tensor index of a layer with several). */
interface Ref { layer: string; tensor: number }
interface Entry { class_name: string; name: string; config: Json; inputs: Ref[] }

const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential']);
/** Layers that are the identity at inference. */
const INFERENCE_IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
  // The efficientnet package's Dropout of a fixed noise shape (segmentation_models' EfficientNets).
  'FixedDropout']);
/**
 * TensorFlow functions called on a Keras tensor (TFOpLambda layers: `tf.nn.relu(x)` in a model's
 * code) that are an activation of their one tensor, by Keras activation name.
 */
const TF_OP_ACTIVATIONS: Record<string, string> = {
  'nn.relu': 'relu', 'nn.relu6': 'relu6', 'math.sigmoid': 'sigmoid', 'nn.sigmoid': 'sigmoid', 'math.tanh': 'tanh', 'nn.tanh': 'tanh',
  'nn.elu': 'elu', 'nn.selu': 'selu', 'math.softplus': 'softplus', 'nn.softplus': 'softplus', 'nn.swish': 'swish', 'nn.silu': 'swish',
};
/** TensorFlow arithmetic called on a Keras tensor (x + y, x * y, ...), by what it computes. */
const TF_OP_ARITHMETIC: Record<string, 'add' | 'subtract' | 'multiply' | 'divide'> = {
  '__operators__.add': 'add', 'math.add': 'add', 'math.subtract': 'subtract', 'math.multiply': 'multiply', 'math.truediv': 'divide', 'math.divide': 'divide',
};
/** A Keras tensor as Keras writes one in a call's arguments: [layer, node, tensor]. */
const isRef = (v: unknown): v is [string, number, number] => Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number';
/** Layers that only reshape or normalise the scores, cut from the end of the network. */
const SCORE_TAIL = new Set(['Reshape', 'Permute', 'Softmax']);

export interface KerasGraph {
  onnx: Uint8Array;
  kerasVersion: string;
  /** Set where the model's first layer rescales its input itself (keras.applications' EfficientNet, MobileNetV3): pixel values as they are. */
  rawPixels?: string;
  /** What was changed on the way: the cut tail, the inlined models. */
  changes: string[];
}

/** The flattened layers of a (possibly nested) model config, with its inputs and outputs. */
class Flattener {
  readonly entries: Entry[] = [];
  private readonly owner = new Map<string, string>();
  constructor(private readonly file: string) {}

  private add(e: Entry, model: string): void {
    const prev = this.owner.get(e.name);
    if (prev !== undefined) throw new UserError(`${this.file}: the layer name ${e.name} is used twice (in ${prev} and ${model}); pixelwise needs unique layer names`);
    this.owner.set(e.name, model);
    this.entries.push(e);
  }

  /**
   * Inlines a model config. `inputs`: the outer tensors its inputs are (null: the outermost
   * model, whose InputLayers stay). Returns the refs of its outputs.
   */
  model(cls: string, config: unknown, inputs: Ref[] | null, name = 'the model'): Ref[] {
    if (cls === 'Sequential') return this.sequential(config, inputs, name);
    const c = config as { layers?: Json[]; input_layers?: unknown[]; output_layers?: unknown[] };
    if (!Array.isArray(c?.layers) || !Array.isArray(c.input_layers) || !Array.isArray(c.output_layers)) throw new UserError(`${this.file}: ${name}'s config has no layers, input_layers and output_layers`);
    const subst = new Map<string, Ref>(), nested = new Map<string, Ref[]>();
    const inputNames = c.input_layers.map((r) => String((r as unknown[])[0]));
    if (inputs && inputs.length !== inputNames.length) throw new UserError(`${this.file}: ${name} takes ${inputNames.length} inputs and is given ${inputs.length}`);
    const resolve = (r: unknown): Ref => {
      const [layer, , tensor] = r as [string, number, number];
      const s = subst.get(layer);
      if (s) return s;
      const outs = nested.get(layer);
      if (outs) {
        if (!outs[tensor]) throw new UserError(`${this.file}: ${name} reads output ${tensor} of ${layer}, which has ${outs.length}`);
        return outs[tensor];
      }
      return { layer, tensor: tensor ?? 0 };
    };
    for (const l of c.layers) {
      const lname = String(l.name ?? (l.config as Json)?.name), lcls = String(l.class_name);
      const nodes = (l.inbound_nodes ?? []) as unknown[][];
      if (nodes.length > 1) throw new UserError(`${this.file}: layer ${lname} is called ${nodes.length} times (shared weights); pixelwise reads models whose layers are called once`);
      if (lcls === 'InputLayer') {
        const i = inputNames.indexOf(lname);
        if (inputs && i >= 0) { subst.set(lname, inputs[i]); continue; }
      }
      if (lcls === 'TFOpLambda') { this.tfOp(l, lname, nodes[0], resolve, name); continue; }
      const ins = (nodes[0] ?? []).map(resolve);
      if (MODEL_CLASSES.has(lcls)) nested.set(lname, this.model(lcls, l.config, ins, lname));
      else this.add({ class_name: lcls, name: lname, config: l.config as Json, inputs: ins }, name);
    }
    return c.output_layers.map(resolve);
  }

  /**
   * A TFOpLambda: its node is the first argument's ref with the other arguments as keyword
   * arguments. Read: a function that is an activation of that one tensor (an Activation layer);
   * arithmetic with a number (x + 3, x / 255: a Rescaling layer) or a sum or product of two
   * tensors (Add, Multiply); tf.image.resize to a fixed size (ImageResize).
   */
  private tfOp(l: Json, lname: string, node: unknown[] | undefined, resolve: (r: unknown) => Ref, model: string): void {
    const fn = String((l.config as Json)?.function);
    const kwargs = (node?.[3] ?? {}) as Json;
    const args = Object.entries(kwargs).filter(([k, v]) => !(k === 'name' && v === null));
    const refuse = (what = args.length ? ` with ${args.map(([k]) => k).join(', ')}` : ''): never => {
      throw new UserError(`${this.file}: layer ${lname} calls tf.${fn}${what}, which pixelwise cannot convert (it converts activations, arithmetic with a number, sums and products, tf.image.resize to a fixed size); convert the model to ONNX (tf2onnx) and import that`);
    };
    if (typeof node?.[0] !== 'string') refuse();
    const x = resolve(node), y = kwargs.y;
    const add = (class_name: string, config: Json, inputs: Ref[]) => this.add({ class_name, name: lname, config: { name: lname, trainable: false, dtype: 'float32', ...config }, inputs }, model);
    const act = TF_OP_ACTIVATIONS[fn], op = TF_OP_ARITHMETIC[fn];
    if (act) {
      if (args.length) refuse();
      add('Activation', { activation: act }, [x]);
    } else if (op) {
      if (args.some(([k]) => k !== 'y')) refuse();
      if (typeof y === 'number') {
        const scale = op === 'multiply' ? y : op === 'divide' ? 1 / y : 1, offset = op === 'add' ? y : op === 'subtract' ? -y : 0;
        add('Rescaling', { scale, offset }, [x]);
      } else if (isRef(y) && (op === 'add' || op === 'multiply')) add(op === 'add' ? 'Add' : 'Multiply', {}, [x, resolve(y)]);
      else refuse();
    } else if (fn === 'image.resize') {
      const size = kwargs.size, method = kwargs.method ?? 'bilinear';
      const fixed = Array.isArray(size) && size.length === 2 && size.every((v) => Number.isInteger(v) && (v as number) > 0);
      const plain = args.every(([k, v]) => ['size', 'method'].includes(k) || (['antialias', 'preserve_aspect_ratio'].includes(k) && !v));
      if (!fixed || !plain || (method !== 'bilinear' && method !== 'nearest')) refuse(` with ${args.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
      add('ImageResize', { size, method }, [x]);
    } else refuse();
  }

  private sequential(config: unknown, inputs: Ref[] | null, name: string): Ref[] {
    // Keras 2.2 wrote a Sequential's config as its list of layers.
    const layers = (Array.isArray(config) ? config : (config as { layers?: unknown })?.layers) as Json[] | undefined;
    if (!Array.isArray(layers) || !layers.length) throw new UserError(`${this.file}: ${name}'s config has no layers`);
    let prev: Ref | null = inputs ? inputs[0] : null;
    for (const [i, l] of layers.entries()) {
      const cfg = l.config as Json, lname = String(cfg?.name), lcls = String(l.class_name);
      if (lcls === 'InputLayer') {
        if (!prev) { this.add({ class_name: lcls, name: lname, config: cfg, inputs: [] }, name); prev = { layer: lname, tensor: 0 }; }
        continue;
      }
      if (!prev) {
        // The first layer says the input's shape; Keras names the input after it.
        const shape = cfg?.batch_input_shape;
        if (i > 0 || !Array.isArray(shape)) throw new UserError(`${this.file}: ${name} does not say its input's shape (no InputLayer or batch_input_shape)`);
        const inName = `${lname}_input`;
        this.add({ class_name: 'InputLayer', name: inName, config: { batch_input_shape: shape, dtype: 'float32', name: inName }, inputs: [] }, name);
        prev = { layer: inName, tensor: 0 };
      }
      if (MODEL_CLASSES.has(lcls)) prev = this.model(lcls, cfg, [prev], lname)[0];
      else { this.add({ class_name: lcls, name: lname, config: cfg, inputs: [prev] }, name); prev = { layer: lname, tensor: 0 }; }
    }
    return [prev!];
  }
}

/** The model_config and keras_version attributes of an HDF5 file (null where it has no model_config). */
async function readModelConfig(file: string): Promise<{ config: Json; kerasVersion: string } | null> {
  return readHdf5(file, (f) => {
    const text = (v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : typeof v === 'string' ? v : v == null ? null : String(v));
    const raw = text(f.attrs.model_config?.value);
    if (raw === null) return null;
    let config: Json;
    try { config = JSON.parse(raw) as Json; } catch (e) { throw new UserError(`${file}: its model_config is not valid JSON (${(e as Error).message})`); }
    return { config, kerasVersion: text(f.attrs.keras_version?.value) ?? 'unknown' };
  });
}

/**
 * What tfjs-layers reads differently from Keras's config: a BatchNormalization axis given as a
 * list; the noise and dropout layers it lacks (all the identity at inference) as Dropout; layers it
 * lacks or computes otherwise (Normalization, a grouped Conv2D, Resizing, a global average pooling
 * that keeps its dims) as layers that compute them.
 */
function forTfjs(e: Entry): Json[] {
  const inbound = (ins: Ref[]) => (ins.length ? [ins.map((r) => [r.layer, 0, r.tensor, {}])] : []);
  if (INFERENCE_IDENTITY.has(e.class_name)) return [{ class_name: 'Dropout', name: e.name, config: { name: e.name, rate: 0 }, inbound_nodes: inbound(e.inputs) }];
  const config = { ...e.config };
  if (e.class_name === 'BatchNormalization' && Array.isArray(config.axis) && config.axis.length === 1) config.axis = config.axis[0];
  // Keras's Normalization ((x - mean) / max(sqrt(variance), 1e-7) per channel) as a 1x1 depthwise
  // convolution with a bias, whose weights normalizationWeights() computes from the layer's.
  if (e.class_name === 'Normalization') {
    return [{ class_name: 'DepthwiseConv2D', name: e.name, config: { name: e.name, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', depth_multiplier: 1, use_bias: true }, inbound_nodes: inbound(e.inputs) }];
  }
  if (e.class_name === 'Conv2D' && Number(config.groups ?? 1) > 1) {
    const { filters, kernel_size, strides, padding, dilation_rate, groups, use_bias, activation } = config;
    return [{ class_name: 'KerasGroupedConv2D', name: e.name, config: { name: e.name, filters, kernel_size, strides, padding, dilation_rate, groups, use_bias, activation }, inbound_nodes: inbound(e.inputs) }];
  }
  if (e.class_name === 'Resizing') {
    return [{ class_name: 'ImageResize', name: e.name, config: { name: e.name, size: [config.height, config.width], method: config.interpolation ?? 'bilinear' }, inbound_nodes: inbound(e.inputs) }];
  }
  // pixelwise's own pooling that keeps the dims (tfjs-layers' drops them, and its Reshape back
  // cannot infer the channel count of a batch of unknown size).
  if (e.class_name === 'GlobalAveragePooling2D' && config.keepdims) return [{ class_name: 'GlobalAvgPool', name: e.name, config: { name: e.name }, inbound_nodes: inbound(e.inputs) }];
  return [{ class_name: e.class_name, name: e.name, config, inbound_nodes: inbound(e.inputs) }];
}

type Tensors = Awaited<ReturnType<typeof readKerasH5>>;
type Tensor = Tensors extends Map<string, infer T> ? T : never;

/**
 * A Normalization layer's mean and variance (its adapted weights, or its config's constants) as
 * the 1x1 depthwise convolution forTfjs() makes of it: x / s - mean / s, s = max(sqrt(variance), 1e-7).
 */
function normalizationWeights(file: string, e: Entry, tensors: Tensors): void {
  const values = (key: 'mean' | 'variance'): number[] => {
    const given = e.config[key];
    if (Array.isArray(given)) return given.flat(3).map(Number);
    if (typeof given === 'number') return [given];
    const t = tensors.get(`${e.name}/${key}`);
    if (!t) throw new UserError(`${file}: no weight ${e.name}/${key} in model_weights; is the file complete?`);
    return Array.from(t.data);
  };
  const mean = values('mean'), variance = values('variance');
  if (mean.length !== variance.length) throw new UserError(`${file}: layer ${e.name} has ${mean.length} means and ${variance.length} variances`);
  const scale = variance.map((v) => 1 / Math.max(Math.sqrt(v), 1e-7));
  tensors.set(`${e.name}/depthwise_kernel`, { shape: [1, 1, scale.length, 1], data: Float32Array.from(scale) });
  tensors.set(`${e.name}/bias`, { shape: [mean.length], data: Float32Array.from(mean, (m, i) => -m * scale[i]) });
}

/** A Keras model file (Keras 2 HDF5, a Keras 3 .keras archive: keras3.ts, a TF.js layers model.json: tfjs_layers.ts) as an ONNX graph (NCHW, its scores before any final softmax). */
export async function kerasToOnnx(file: string): Promise<KerasGraph> {
  // Where each layer's weights come from: Keras 2's by layer and weight name, a Keras 3 archive's
  // by layer and position.
  let config: Json, kerasVersion: string, weightOf: (layer: string, index: number, base: string) => { key: string; t: Tensor | undefined };
  let named: Tensors | null = null;
  let readNormalization = (e: Entry) => normalizationWeights(file, e, named!);
  if (/\.json$/i.test(file)) {
    const m = readTfjsLayersModel(file);
    ({ config, kerasVersion } = m);
    named = m.weights;
    weightOf = (layer, _index, base) => ({ key: `${layer}/${base} in its weightsManifest`, t: named?.get(`${layer}/${base}`) });
  } else if (/\.keras$/i.test(file)) {
    const archive = await readKerasArchive(file);
    ({ config, kerasVersion } = archive);
    weightOf = (layer, index, base) => ({ key: `variable ${index} of ${layer} in model.weights.h5`, t: named?.get(`${layer}/${base}`) ?? archive.variable(layer, index) });
    // A Normalization's mean and variance are its variables 0 and 1 (2 counts).
    readNormalization = (e) => {
      named ??= new Map();
      for (const [i, key] of ['mean', 'variance'].entries()) { const t = archive.variable(e.name, i); if (t) named.set(`${e.name}/${key}`, t); }
      normalizationWeights(file, e, named);
    };
  } else {
    const meta = await readModelConfig(file);
    if (!meta) throw new UserError(`${file}: holds weights only (no model_config: Keras's save_weights); save the whole model (model.save('model.h5')) and import that, or give the file to train --encoder-weights`);
    ({ config, kerasVersion } = meta);
    if (/^3\./.test(kerasVersion)) throw new UserError(`${file}: an HDF5 file written by Keras ${kerasVersion}; save the model as a .keras archive (model.save('model.keras')) and import that`);
    weightOf = (layer, _index, base) => ({ key: `${layer}/${base} in model_weights`, t: named?.get(`${layer}/${base}`) });
  }
  const cls = String(config.class_name);
  if (!MODEL_CLASSES.has(cls)) throw new UserError(`${file}: its model_config is a ${cls}, not a Keras Functional or Sequential model`);

  const flat = new Flattener(file);
  const outputs = flat.model(cls, config.config, null);
  const inputs = flat.entries.filter((e) => e.class_name === 'InputLayer');
  if (inputs.length !== 1) throw new UserError(`${file}: the model takes ${inputs.length} inputs; pixelwise imports models of one image input`);
  const changes: string[] = [];
  const nested = (config.config as { layers?: Json[] }).layers?.filter((l) => MODEL_CLASSES.has(String(l.class_name))).map((l) => String(l.name ?? (l.config as Json)?.name)) ?? [];
  if (nested.length) changes.push(`its nested model${nested.length > 1 ? 's' : ''} ${nested.join(', ')} inlined`);
  if (outputs.length > 1) changes.push(`its first output used (of ${outputs.length})`);

  // The tail: reshapes and softmaxes of the scores are cut (their argmax is the logits'; the
  // import reads the scores as NCHW).
  const byName = new Map(flat.entries.map((e) => [e.name, e]));
  for (const r of [...outputs, ...flat.entries.flatMap((e) => e.inputs)]) {
    if (!byName.has(r.layer)) throw new UserError(`${file}: its model_config reads layer ${r.layer}, which it does not define; the file is damaged (save the model again)`);
  }
  let out = outputs[0];
  const cut: string[] = [];
  for (;;) {
    const e = byName.get(out.layer)!;
    const act = e.class_name === 'Activation' ? String(e.config.activation) : null;
    if (SCORE_TAIL.has(e.class_name) || act === 'softmax' || act === 'linear') { cut.push(`${e.name} (${e.class_name}${act ? ` ${act}` : ''})`); out = e.inputs[0]; continue; }
    if (e.config.activation === 'softmax') { e.config = { ...e.config, activation: 'linear' }; cut.push(`the softmax of ${e.name}`); }
    break;
  }
  if (cut.length) changes.push(`${cut.reverse().join(' and ')} cut at its end (the logits before kept)`);
  const kept = new Set<string>();
  const keep = (name: string) => { if (kept.has(name)) return; kept.add(name); byName.get(name)!.inputs.forEach((r) => keep(r.layer)); };
  keep(out.layer);
  const entries = flat.entries.filter((e) => kept.has(e.name));
  for (const e of entries) {
    if (e.config.data_format === 'channels_first') throw new UserError(`${file}: layer ${e.name} is channels_first; pixelwise reads channels_last Keras models (TensorFlow's default)`);
    // Keys tfjs-layers would pass over in silence, computing another function.
    if (e.class_name === 'GlobalMaxPooling2D' && e.config.keepdims) {
      throw new UserError(`${file}: layer ${e.name} is a GlobalMaxPooling2D that keeps its dims, which pixelwise cannot convert; convert the model to ONNX (tf2onnx) and import that`);
    }
    if (e.class_name === 'ReLU' && (Number(e.config.negative_slope ?? 0) !== 0 || Number(e.config.threshold ?? 0) !== 0)) {
      throw new UserError(`${file}: layer ${e.name} is a ReLU with a negative slope or threshold, which pixelwise cannot convert; convert the model to ONNX (tf2onnx) and import that`);
    }
    if (e.class_name === 'Resizing') {
      const c = e.config, why = c.crop_to_aspect_ratio ? 'that crops to the aspect ratio' : c.pad_to_aspect_ratio ? 'that pads to the aspect ratio' : c.antialias ? 'with antialiasing'
        : !['bilinear', 'nearest', undefined].includes(c.interpolation as string) ? `by ${String(c.interpolation)}` : null;
      if (why) throw new UserError(`${file}: layer ${e.name} is a Resizing ${why}, which pixelwise cannot convert (it converts plain bilinear and nearest resizes); convert the model to ONNX (tf2onnx) and import that`);
    }
    if (e.class_name === 'Resizing') continue;
    if (e.class_name === 'Normalization') {
      const axis = Array.isArray(e.config.axis) ? e.config.axis : [e.config.axis ?? -1];
      if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3) || e.config.invert) {
        throw new UserError(`${file}: layer ${e.name} is a Normalization ${e.config.invert ? 'that inverts' : `over axis ${JSON.stringify(e.config.axis)}`}; pixelwise converts one over the channels; convert the model to ONNX (tf2onnx) and import that`);
      }
      continue;
    }
    if (!LAYER_KINDS[e.class_name] && !INFERENCE_IDENTITY.has(e.class_name)) {
      throw new UserError(`${file}: layer ${e.name} is a ${e.class_name}, which pixelwise cannot convert${e.class_name === 'Lambda' ? ' (Python code)' : ''}; convert the model to ONNX (tf2onnx) and import that`);
    }
  }
  const input = inputs[0], shape = input.config.batch_input_shape as (number | null)[] | undefined;
  if (!Array.isArray(shape) || shape.length !== 4) throw new UserError(`${file}: its input ${input.name} is not an image batch [N, H, W, C] (${JSON.stringify(shape)})`);
  const channels = shape[3];
  if (!channels) throw new UserError(`${file}: its input ${input.name} does not fix its channel count; only channels_last models with known bands are read`);

  let net: tfl.LayersModel;
  try {
    net = await tfl.models.modelFromJSON({ modelTopology: { class_name: 'Functional', config: { name: 'model', layers: entries.flatMap(forTfjs), input_layers: [[input.name, 0, 0]], output_layers: [[out.layer, 0, out.tensor]] } } } as unknown as tf.io.ModelJSON);
  } catch (e) { throw new UserError(`${file}: tfjs-layers cannot rebuild the model (${(e as Error).message.split('\n')[0]}); convert it to ONNX (tf2onnx) and import that`); }
  try {
    if (/\.(h5|hdf5)$/i.test(file)) named = await readKerasH5(file);
    for (const e of entries) if (e.class_name === 'Normalization') readNormalization(e);
    for (const layer of net.layers) {
      if (!layer.weights.length) continue;
      const values = layer.weights.map((w, i) => {
        const { key, t } = weightOf(layer.name, i, w.originalName.slice(w.originalName.lastIndexOf('/') + 1));
        if (!t) throw new UserError(`${file}: no weight ${key}; is the file complete?`);
        if (t.shape.join('x') !== w.shape.join('x')) throw new UserError(`${file}: ${key} is ${t.shape.join('x')} where the layer needs ${w.shape.join('x')}`);
        return tf.tensor(t.data, t.shape);
      });
      layer.setWeights(values);
      tf.dispose(values);
    }
    const numClasses = (net.outputs[0].shape as number[])[3];
    const size: [number, number] | undefined = shape[1] && shape[2] ? [shape[1], shape[2]] : undefined;
    let onnx: Uint8Array;
    // The exporter names the layer it cannot write (an activation it does not know, bicubic upsampling).
    try { onnx = exportNetworkOnnx(net, { name: String((config.config as Json).name ?? 'keras'), inChannels: channels, numClasses, size }); } catch (e) {
      if (e instanceof UserError) throw new UserError(`${file}: ${e.message.replace(/^ONNX export: /, '')}; convert the model to ONNX (tf2onnx) and import that`);
      throw e;
    }
    // A model whose input goes into a Rescaling or Normalization layer alone preprocesses itself.
    const first = entries.filter((e) => e.inputs.some((r) => r.layer === input.name));
    const rawPixels = first.length === 1 && ['Rescaling', 'Normalization'].includes(first[0].class_name) ? `${first[0].name} (a ${first[0].class_name})` : undefined;
    return { onnx, kerasVersion, changes, rawPixels };
  } finally { net.dispose(); }
}
