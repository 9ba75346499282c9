// A TensorFlow Lite graph's learned weights loaded into a zoo network built as the graph is
// (models/networks/edgetpu_deeplab.ts): the graph's convolutions in operator order meet the
// network's convolution layers in the order the builder made them, each checked by shape, so that a graph of another
// network is refused instead of loaded askew. 8-bit weights and 32-bit biases are dequantised
// ((q - zero point) x scale, per channel where given): a quantisation-aware graph becomes its
// float network, to run or to fine-tune.
import type { TfliteGraph, TfliteOperator, TfliteTensor } from '../formats/tflite.js';
import type { SegModel } from '../models/seg_model.js';
import { constantValues } from './tflite_onnx.js';
import { UserError } from '../util/errors.js';

type Named = Map<string, { shape: number[]; data: Float32Array }>;

const CONV_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D']);
const CONV_LAYERS = new Set(['Conv2D', 'DepthwiseConv2D', 'GroupConv2D', 'AtrousDepthwiseConv2D']);

/** The constant behind an operator input: itself, or what a DEQUANTIZE op (float16 weights) reads. */
function constantOf(g: TfliteGraph, index: number, origin: string): TfliteTensor {
  const t = g.tensors[index];
  if (t.data) return t;
  const dq = g.operators.find((o) => o.op === 'DEQUANTIZE' && o.outputs[0] === index);
  if (dq && g.tensors[dq.inputs[0]].data) return g.tensors[dq.inputs[0]];
  throw new UserError(`${origin}: tensor ${t.name} is computed, not stored; only graphs with constant weights load into a network`);
}

/** [O, kh, kw, I] (TFLite conv) -> [kh, kw, I, O] (TF.js); [1, kh, kw, C] (depthwise) -> [kh, kw, C, 1]. */
function toHwio(v: Float32Array, [o, kh, kw, i]: number[], depthwise: boolean): { shape: number[]; data: Float32Array } {
  if (depthwise) return { shape: [kh, kw, i, 1], data: v }; // [1, kh, kw, C] is already kh, kw, C order
  const out = new Float32Array(v.length);
  for (let a = 0; a < o; a++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < i; c++) out[((y * kw + x) * i + c) * o + a] = v[((a * kh + y) * kw + x) * i + c];
  return { shape: [kh, kw, i, o], data: out };
}

/**
 * The network's convolution weights from the graph (`origin` names the file in errors): every
 * convolution of the graph must meet a layer of its shape, in order, and every layer one
 * convolution.
 */
export function tfliteConvWeights(model: SegModel, g: TfliteGraph, origin: string): Named {
  const ops: TfliteOperator[] = g.operators.filter((o) => CONV_OPS.has(o.op));
  // Creation order (Layer.id counts up as layers are made), which is the builder's: the model's
  // own order is topological, and puts a longer parallel branch first.
  const layers = model.net.layers.filter((l) => CONV_LAYERS.has(l.getClassName())).sort((a, b) => a.id - b.id);
  if (ops.length !== layers.length) throw new UserError(`${origin}: ${ops.length} convolutions where ${model.spec.arch} has ${layers.length}; the graph is another network`);
  const out: Named = new Map();
  ops.forEach((op, k) => {
    const layer = layers[k];
    const dw = op.op === 'DEPTHWISE_CONV_2D';
    const w = constantOf(g, op.inputs[1], origin);
    const kernel = toHwio(constantValues(w), w.shape, dw);
    const [kw, bw] = layer.weights;
    if (kernel.shape.join('x') !== kw.shape.join('x')) {
      throw new UserError(`${origin}: convolution ${k + 1} (${w.name}) is ${kernel.shape.join('x')} where ${model.spec.arch}'s layer ${layer.name} is ${kw.shape.join('x')}; the graph is another network`);
    }
    out.set(kw.originalName, kernel);
    if (bw) {
      const bias = op.inputs[2] ?? -1;
      const data = bias >= 0 ? constantValues(constantOf(g, bias, origin)) : new Float32Array(bw.shape[0]!);
      out.set(bw.originalName, { shape: bw.shape as number[], data });
    }
  });
  return out;
}
