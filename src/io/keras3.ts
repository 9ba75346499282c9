// Keras 3 archives (`model.save('model.keras')`: a zip of config.json, metadata.json and
// model.weights.h5, as keras/src/saving/saving_lib.py writes them) read as the Keras 2 model config
// and weights keras_model.ts converts. The config's layers keep their classes; what changed from
// Keras 2 is translated: nodes as {args, kwargs} with Keras tensors in them, InputLayer's
// batch_shape, dtype policies, and the operations called on tensors (keras.ops: x + 3, a * b,
// relu), which become the TFOpLambda entries Keras 2 wrote for the same code. The weights are
// stored by position, not by name: layers/<class in snake case, numbered in layer order>/vars/<i>,
// nested models below their own path.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { readHdf5, type Hdf5Dataset, type Hdf5Group } from './hdf5.js';
import { UserError } from '../util/errors.js';

type Json = Record<string, unknown>;
export interface Tensor { shape: number[]; data: Float32Array }

export interface KerasArchive {
  /** The model config in Keras 2's form (class_name, config with layers and inbound_nodes as lists). */
  config: Json;
  kerasVersion: string;
  /** The i-th variable a layer saved (in its own order: kernel then bias, gamma, beta, moving mean and variance). */
  variable(layer: string, index: number): Tensor | undefined;
}

const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential']);

/** keras.src.utils.naming.to_snake_case: how a layer's class names its folder of weights. */
export function toSnakeCase(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Operations on tensors (keras.ops) as the TensorFlow functions Keras 2 recorded for the same code. */
const OPS_ARITHMETIC: Record<string, string> = { Add: '__operators__.add', Subtract: 'math.subtract', Multiply: 'math.multiply', Divide: 'math.truediv', TrueDivide: 'math.truediv' };
const OPS_ACTIVATIONS: Record<string, string> = { Relu: 'nn.relu', Relu6: 'nn.relu6', Sigmoid: 'math.sigmoid', Silu: 'nn.silu', Swish: 'nn.silu', Tanh: 'math.tanh', Softplus: 'math.softplus', Elu: 'nn.elu', Selu: 'nn.selu' };

type Ref = [string, number, number];
const tensorRef = (v: unknown): Ref | null => {
  const o = v as { class_name?: unknown; config?: { keras_history?: unknown } } | null;
  if (o?.class_name !== '__keras_tensor__') return null;
  const h = o.config?.keras_history;
  return Array.isArray(h) && typeof h[0] === 'string' ? [h[0], Number(h[1] ?? 0), Number(h[2] ?? 0)] : null;
};
const hasTensor = (v: unknown): boolean => tensorRef(v) !== null || (Array.isArray(v) ? v.some(hasTensor) : v !== null && typeof v === 'object' && Object.values(v).some(hasTensor));

class Translator {
  /** Layer name -> the path of its variables in model.weights.h5. */
  readonly paths = new Map<string, string>();
  constructor(private readonly file: string) {}

  model(m: Json, where: string): Json {
    const cls = String(m.class_name), cfg = (m.config ?? {}) as Json;
    if (!MODEL_CLASSES.has(cls)) throw new UserError(`${this.file}: its config.json holds a ${cls}, not a Keras Functional or Sequential model (a subclassed model has no config of layers; build it with the Functional API)`);
    const layers = (cfg.layers ?? []) as Json[];
    if (!Array.isArray(layers)) throw new UserError(`${this.file}: ${String(cfg.name)}'s config has no layers`);
    // The layers' folders: numbered per class, in layer order (Sequential leaves its InputLayer out).
    const used = new Map<string, number>();
    for (const l of layers) {
      const lcls = String(l.class_name);
      if (isOperation(l) || (cls === 'Sequential' && lcls === 'InputLayer')) continue;
      const snake = toSnakeCase(lcls), n = used.has(snake) ? used.get(snake)! + 1 : 0;
      used.set(snake, n);
      this.paths.set(layerName(l), `${where}layers/${n ? `${snake}_${n}` : snake}`);
    }
    const out = layers.map((l) => (cls === 'Sequential' ? this.sequentialLayer(l) : this.layer(l)));
    return { class_name: cls, config: { ...cfg, layers: out } };
  }

  /** Keras 3's hard sigmoid and hard swish, which Keras 2 computed otherwise, as their own layer (models/layers.ts). */
  private hardActivation(cls: string, c: Json): { class_name: string; config: Json } | null {
    const act = c.activation;
    if (cls !== 'Activation' || typeof act !== 'string' || !/^hard_(sigmoid|silu|swish)$/.test(act)) return null;
    return { class_name: 'HardActivation', config: { name: c.name, swish: act !== 'hard_sigmoid' } };
  }

  private sequentialLayer(l: Json): Json {
    if (MODEL_CLASSES.has(String(l.class_name))) return { class_name: l.class_name, config: (this.model(l, `${this.paths.get(layerName(l))}/`).config) };
    return this.hardActivation(String(l.class_name), (l.config ?? {}) as Json) ?? { class_name: l.class_name, config: this.config(String(l.class_name), (l.config ?? {}) as Json) };
  }

  private layer(l: Json): Json {
    const name = layerName(l), cls = String(l.class_name);
    if (isOperation(l)) return this.operation(l, name, (l.inbound_nodes ?? []) as unknown[]);
    const nodes = ((l.inbound_nodes ?? []) as unknown[]).map((n) => this.node(name, n));
    const translated = MODEL_CLASSES.has(cls) ? this.model(l, `${this.paths.get(name)}/`)
      : this.hardActivation(cls, (l.config ?? {}) as Json) ?? { class_name: cls, config: this.config(cls, (l.config ?? {}) as Json) };
    return { ...translated, name, inbound_nodes: nodes.map((n) => n.refs.map((r) => [...r, {}])) };
  }

  /** A Keras 3 node ({args, kwargs}): the Keras tensors of its first argument, and the others. */
  private node(name: string, n: unknown): { refs: Ref[]; args: unknown[] } {
    if (Array.isArray(n)) return { refs: n.map((r) => (r as unknown[]).slice(0, 3) as Ref), args: [] }; // Keras 2's form
    const { args = [], kwargs = {} } = n as { args?: unknown[]; kwargs?: Json };
    const first = args[0], refs = Array.isArray(first) ? first.map(tensorRef) : [tensorRef(first)];
    if (!refs.length || refs.some((r) => r === null)) throw new UserError(`${this.file}: layer ${name} is not called on Keras tensors; the file is damaged or not a model pixelwise reads`);
    if (Object.values(kwargs).some(hasTensor)) throw new UserError(`${this.file}: layer ${name} takes a second tensor as an argument, which pixelwise cannot convert; convert the model to ONNX (tf2onnx) and import that`);
    return { refs: refs as Ref[], args };
  }

  /**
   * keras.ops called on tensors: arithmetic with a number (on either side of a sum or product),
   * sums and products of two tensors, activations. Its node's arguments are read as they are (a
   * number may come first: 3 + x).
   */
  private operation(l: Json, name: string, nodes: unknown[]): Json {
    const node = nodes[0] as { args?: unknown[]; kwargs?: Json } | undefined, args = Array.isArray(node?.args) ? node.args : [];
    const cls = String(l.class_name), refuse = (): never => {
      throw new UserError(`${this.file}: layer ${name} is keras.ops.${toSnakeCase(cls)} on ${args.map((a) => (tensorRef(a) ? 'a tensor' : JSON.stringify(a))).join(' and ') || 'nothing'}, which pixelwise cannot convert (it converts arithmetic with a number, sums and products of two tensors, activations); convert the model to ONNX (tf2onnx) and import that`);
    };
    if (nodes.length !== 1 || Object.values(node?.kwargs ?? {}).some(hasTensor)) refuse();
    const entry = (fn: string, src: Ref, kwargs: Json) => ({ class_name: 'TFOpLambda', name, config: { name, function: fn }, inbound_nodes: [[...src, { ...kwargs, name: null }]] });
    if (OPS_ACTIVATIONS[cls] && args.length === 1 && tensorRef(args[0])) return entry(OPS_ACTIVATIONS[cls], tensorRef(args[0])!, {});
    const fn = OPS_ARITHMETIC[cls];
    if (!fn || args.length !== 2) refuse();
    const [a, b] = args.map(tensorRef), commutes = cls === 'Add' || cls === 'Multiply';
    if (a && typeof args[1] === 'number') return entry(fn, a, { y: args[1] });
    if (b && typeof args[0] === 'number' && commutes) return entry(fn, b, { y: args[0] });
    if (a && b && commutes) return entry(fn, a, { y: b });
    return refuse();
  }

  /** A layer's config as Keras 2 wrote it: the input shape's key, a dtype name, no initializers. */
  private config(cls: string, c: Json): Json {
    const out: Json = {};
    for (const [k, v] of Object.entries(c)) {
      if (/_(initializer|regularizer|constraint)$/.test(k)) continue;
      // Keras 3 writes swish as silu (tfjs-layers knows swish).
      if (k === 'activation' && v === 'silu') out.activation = 'swish';
      else if (k === 'activation' && typeof v === 'string' && /^hard_(sigmoid|silu|swish)$/.test(v)) {
        throw new UserError(`${this.file}: layer ${String(c.name)} applies Keras 3's ${v} inside a ${cls}, which pixelwise cannot convert (it converts an Activation layer of it); convert the model to ONNX (tf2onnx) and import that`);
      } else if (k === 'dtype') out.dtype = typeof v === 'string' ? v : String(((v as Json)?.config as Json)?.name ?? 'float32');
      else if (k === 'batch_shape' && cls === 'InputLayer') out.batch_input_shape = v;
      else out[k] = v;
    }
    return out;
  }
}

const isOperation = (l: Json) => String(l.module ?? '').startsWith('keras.src.ops');
const layerName = (l: Json) => String(l.name ?? (l.config as Json | undefined)?.name);

/** Every `vars` group of the weights file, by the path of its layer: its datasets in order. */
function variables(file: string, h5: string): Promise<Map<string, Tensor[]>> {
  return readHdf5(h5, (f) => {
    const out = new Map<string, Tensor[]>();
    const walk = (g: Hdf5Group, at: string) => {
      for (const key of g.keys()) {
        const child = g.get(key);
        if (!child || !('keys' in child)) continue;
        if (key === 'vars') {
          const names = (child as Hdf5Group).keys().filter((k) => /^\d+$/.test(k)).sort((x, y) => Number(x) - Number(y));
          out.set(at, names.map((k) => {
            const ds = (child as Hdf5Group).get(k) as Hdf5Dataset;
            // Float weights, and integer counters (a Normalization's count); half floats are not read.
            if (/^[<>]?e$/.test(String(ds.dtype)) || ds.attrs.dtype?.value === 'bfloat16') throw new UserError(`${file}: ${at}/vars/${k} holds 16-bit floats; save the model in float32`);
            const value = ds.value as ArrayLike<number> | BigInt64Array | BigUint64Array | number | bigint;
            const values = typeof value === 'number' || typeof value === 'bigint' ? [value] : Array.from(value as ArrayLike<number | bigint>);
            return { shape: ds.shape ?? [], data: Float32Array.from(values, Number) };
          }));
        } else walk(child as Hdf5Group, at ? `${at}/${key}` : key);
      }
    };
    walk(f as unknown as Hdf5Group, '');
    return out;
  });
}

/** A .keras archive's model config (in Keras 2's form), Keras version and variables by layer. */
export async function readKerasArchive(file: string): Promise<KerasArchive> {
  let bytes: Uint8Array;
  try { bytes = fs.readFileSync(file); } catch { throw new UserError(`${file}: file not found or not readable`); }
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw new UserError(`${file}: not a Keras 3 archive (a .keras file is a zip)`);
  let files: Record<string, Uint8Array>;
  try { files = unzipSync(bytes, { filter: (f) => ['config.json', 'metadata.json', 'model.weights.h5', 'model.weights.npz'].includes(f.name) }); } catch (e) {
    throw new UserError(`${file}: a damaged zip (${(e as Error).message}); save the model again`);
  }
  const json = (name: string): Json => {
    if (!files[name]) throw new UserError(`${file}: no ${name} in the archive; not a Keras 3 model file (model.save('model.keras') writes one)`);
    try { return JSON.parse(new TextDecoder().decode(files[name])) as Json; } catch (e) { throw new UserError(`${file}: its ${name} is not valid JSON (${(e as Error).message})`); }
  };
  const config = json('config.json'), metadata = files['metadata.json'] ? json('metadata.json') : {};
  if (!files['model.weights.h5']) {
    throw new UserError(`${file}: ${files['model.weights.npz'] ? 'its weights are in NumPy format (model.weights.npz); save it with the default HDF5 weights' : 'no model.weights.h5 in the archive; save the whole model (model.save(\'model.keras\'))'}`);
  }
  const translator = new Translator(file), model = translator.model(config, '');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-keras-'));
  try {
    const h5 = path.join(dir, 'model.weights.h5');
    fs.writeFileSync(h5, files['model.weights.h5']);
    const vars = await variables(file, h5).catch((e: unknown) => {
      throw e instanceof UserError ? new UserError(e.message.replace(h5, `${file}'s model.weights.h5`)) : e;
    });
    return {
      config: model, kerasVersion: String(metadata.keras_version ?? '3'),
      variable: (layer, index) => vars.get(translator.paths.get(layer) ?? '')?.[index],
    };
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
}
