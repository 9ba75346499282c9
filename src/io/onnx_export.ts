// ONNX export of any pixelwise architecture: walks the tfjs-layers graph (NHWC) and writes the
// equivalent NCHW ONNX graph (opset 13) with onnx-proto (protobufjs). Input `input` [N, 3, H, W]
// (already normalised; H and W multiples of the model stride), output `logits` [N, C, H, W].
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { flt, FLOAT, floatInit, int, int64Init, ints, onnx, str, type O } from './onnx_proto.js';
import type { SegModel } from '../models/seg_model.js';
import { isOnnxExportable, type OnnxLayerContext } from '../models/layers.js';
import { UserError } from '../util/errors.js';

type Node = O.INodeProto;
type Init = O.ITensorProto;

function permute(data: Float32Array, shape: number[], order: number[]): { data: Float32Array; shape: number[] } {
  const out = tf.tidy(() => tf.transpose(tf.tensor(data, shape), order));
  const r = { data: out.dataSync() as Float32Array, shape: out.shape };
  out.dispose();
  return r;
}

const pair = (v: number | number[]) => (Array.isArray(v) ? v : [v, v]);

/** TF 'same' padding for stride 1: total (k-1)*d, the extra pixel at the end. */
function samePads(k: number[], d: number[]): number[] {
  const tot = k.map((kk, i) => (kk - 1) * d[i]);
  const begin = tot.map((t) => Math.floor(t / 2));
  return [...begin, ...tot.map((t, i) => t - begin[i])];
}

/** Emitters handed to custom layers (models/layers.ts) that export themselves. */
function layerContext(name: string, inputs: string[], output: string, nodes: Node[], inits: Init[]): OnnxLayerContext {
  const have = new Set<string>();
  const initName = (suffix: string, make: (n: string) => Init) => {
    const n = `${name}/${suffix}`;
    if (!have.has(n)) { have.add(n); inits.push(make(n)); }
    return n;
  };
  let k = 0;
  return {
    name, inputs, output,
    node(opType, ins, outs, attrs = {}) {
      const attribute = Object.entries(attrs).map(([a, v]) => (typeof v === 'string' ? str(a, v) : Array.isArray(v) ? ints(a, v) : int(a, v)));
      nodes.push({ name: `${name}/${opType}_${k++}`, opType, input: ins, output: outs, attribute });
    },
    floatInit: (suffix, data, dims) => initName(suffix, (n) => floatInit(n, data, dims)),
    int64Init: (suffix, values, scalar = false) => initName(suffix, (n) => ({ ...int64Init(n, values), dims: scalar ? [] : [values.length] })),
  };
}

export function exportOnnx(model: SegModel, producerVersion = '0.1.0'): Uint8Array {
  const nodes: Node[] = [];
  const inits: Init[] = [];
  const out = new Map<string, string>(); // layer name -> ONNX tensor name
  const weights = (layer: tfl.layers.Layer) => layer.getWeights().map((w) => ({ data: w.dataSync() as Float32Array, shape: w.shape }));
  let last = '';
  for (const layer of model.net.layers) {
    const name = layer.name;
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const inputs = (layer.inboundNodes[0]?.inboundLayers ?? []).map((l) => out.get(l.name)!);
    const y = name;
    const add = (n: Node) => nodes.push({ name: `${name}/${n.opType}`, ...n });
    if (isOnnxExportable(layer)) {
      layer.exportOnnx(layerContext(name, inputs, y, nodes, inits));
      out.set(name, y);
      last = y;
      continue;
    }
    switch (cls) {
      case 'InputLayer': out.set(name, 'input'); continue;
      case 'Conv2D': {
        const w = weights(layer);
        const [kh, kw, ci, co] = w[0].shape;
        const k = permute(w[0].data, w[0].shape, [3, 2, 0, 1]);
        inits.push(floatInit(`${name}/W`, k.data, [co, ci, kh, kw]));
        const ins = [inputs[0], `${name}/W`];
        if (cfg.useBias) { inits.push(floatInit(`${name}/B`, w[1].data, [co])); ins.push(`${name}/B`); }
        const strides = pair(cfg.strides as number), dil = pair(cfg.dilationRate as number);
        const attrs = [ints('kernel_shape', [kh, kw]), ints('strides', strides), ints('dilations', dil)];
        if (cfg.padding === 'same') {
          if (strides.every((s) => s === 1)) attrs.push(ints('pads', samePads([kh, kw], dil)));
          else attrs.push(str('auto_pad', 'SAME_UPPER'));
        }
        const act = cfg.activation as string;
        add({ opType: 'Conv', input: ins, output: [act === 'linear' ? y : `${y}/pre`], attribute: attrs });
        if (act === 'relu') add({ opType: 'Relu', input: [`${y}/pre`], output: [y] });
        else if (act !== 'linear') throw new UserError(`ONNX export: activation ${act} in ${name} not supported`);
        break;
      }
      case 'Conv2DTranspose': {
        const w = weights(layer);
        const [kh, kw, co, ci] = w[0].shape;
        const strides = pair(cfg.strides as number);
        if (cfg.padding === 'same' && !(kh === strides[0] && kw === strides[1])) {
          throw new UserError(`ONNX export: ${name}: 'same' transposed convolution needs kernel == stride`);
        }
        const k = permute(w[0].data, w[0].shape, [3, 2, 0, 1]); // [kh,kw,out,in] -> [in,out,kh,kw]
        inits.push(floatInit(`${name}/W`, k.data, [ci, co, kh, kw]));
        const ins = [inputs[0], `${name}/W`];
        if (cfg.useBias) { inits.push(floatInit(`${name}/B`, w[1].data, [co])); ins.push(`${name}/B`); }
        add({ opType: 'ConvTranspose', input: ins, output: [y], attribute: [ints('kernel_shape', [kh, kw]), ints('strides', strides)] });
        break;
      }
      case 'BatchNormalization': {
        const [g, b, m, v] = weights(layer);
        for (const [suffix, t] of [['scale', g], ['B', b], ['mean', m], ['var', v]] as const) inits.push(floatInit(`${name}/${suffix}`, t.data, [t.data.length]));
        add({ opType: 'BatchNormalization', input: [inputs[0], `${name}/scale`, `${name}/B`, `${name}/mean`, `${name}/var`], output: [y], attribute: [flt('epsilon', cfg.epsilon as number)] });
        break;
      }
      case 'ReLU': add({ opType: 'Relu', input: inputs, output: [y] }); break;
      case 'Activation': {
        const a = cfg.activation as string;
        const op = ({ relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' } as Record<string, string>)[a];
        if (!op) throw new UserError(`ONNX export: activation ${a} in ${name} not supported`);
        add({ opType: op, input: inputs, output: [y] });
        break;
      }
      case 'PReLU': {
        const [a] = weights(layer);
        inits.push(floatInit(`${name}/slope`, a.data, [a.data.length, 1, 1]));
        add({ opType: 'PRelu', input: [inputs[0], `${name}/slope`], output: [y] });
        break;
      }
      case 'MaxPooling2D': case 'AveragePooling2D': {
        if (cfg.padding !== 'valid') throw new UserError(`ONNX export: ${name}: only 'valid' pooling is supported`);
        add({ opType: cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', input: inputs, output: [y], attribute: [ints('kernel_shape', pair(cfg.poolSize as number)), ints('strides', pair(cfg.strides as number))] });
        break;
      }
      case 'ZeroPadding2D': {
        const p = cfg.padding as [[number, number], [number, number]];
        inits.push(int64Init(`${name}/pads`, [0, 0, p[0][0], p[1][0], 0, 0, p[0][1], p[1][1]]));
        add({ opType: 'Pad', input: [inputs[0], `${name}/pads`], output: [y] });
        break;
      }
      case 'Concatenate': {
        const axis = cfg.axis as number;
        if (axis !== -1 && axis !== 3) throw new UserError(`ONNX export: ${name}: concatenation on axis ${axis} not supported`);
        add({ opType: 'Concat', input: inputs, output: [y], attribute: [int('axis', 1)] });
        break;
      }
      case 'Add': add({ opType: 'Sum', input: inputs, output: [y] }); break;
      case 'Multiply': add({ opType: 'Mul', input: inputs, output: [y] }); break;
      default:
        throw new UserError(`ONNX export: layer type ${cls} (${name}) is not supported yet`);
    }
    out.set(name, y);
    last = y;
  }
  // Name the final tensor `logits`.
  const final = nodes.find((n) => n.output?.includes(last))!;
  final.output = final.output!.map((o) => (o === last ? 'logits' : o));
  const k = model.spec.numClasses;
  const dims = (c: number) => ({ dim: [{ dimParam: 'N' }, { dimValue: c }, { dimParam: 'H' }, { dimParam: 'W' }] });
  const m = onnx.ModelProto.create({
    irVersion: 8, producerName: 'pixelwise', producerVersion, opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: model.spec.arch, node: nodes, initializer: inits,
      input: [{ name: 'input', type: { tensorType: { elemType: FLOAT, shape: dims(3) } } }],
      output: [{ name: 'logits', type: { tensorType: { elemType: FLOAT, shape: dims(k) } } }],
    },
  });
  return onnx.ModelProto.encode(m).finish();
}
