// One table of every layer kind a pixelwise model may contain: how it exports to ONNX (NHWC
// TF.js layer -> NCHW ONNX nodes) and how PyTorch parameters map onto its weights. A model with a
// kind missing here is refused when it is built (SegModel), not exported wrongly later. Custom
// layers (models/layers.ts) export themselves; their entries delegate to them.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { isOnnxExportable, type OnnxLayerContext } from './layers.js';
import type { TorchTensor } from '../formats/pytorch.js';
import { UserError } from '../util/errors.js';

export interface ExportContext extends OnnxLayerContext {
  layer: tfl.layers.Layer;
  cfg: Record<string, unknown>;
  weights(): { data: Float32Array; shape: number[] }[];
}

type Value = { shape: number[]; data: Float32Array };
/** A PyTorch parameter (`weight`, `bias`, `running_mean`, ...) -> TF.js weight name and value, or null. */
type TorchRule = (param: string, t: TorchTensor) => { target: string; value: Value } | null;

export interface LayerKind { onnx(c: ExportContext): void; torch?: TorchRule }

export function permute(data: Float32Array, shape: number[], order: number[]): Value {
  const out = tf.tidy(() => tf.transpose(tf.tensor(data, shape), order));
  const r = { data: out.dataSync() as Float32Array, shape: out.shape };
  out.dispose();
  return r;
}

const pair = (v: unknown) => (Array.isArray(v) ? v as number[] : [v as number, v as number]);

/** The layer's weights by their Keras base name (`gamma`, `depthwise_kernel`, ...). */
function namedWeights(c: ExportContext): Map<string, Value> {
  const values = c.weights();
  return new Map(c.layer.weights.map((w, i) => [w.originalName.slice(w.originalName.lastIndexOf('/') + 1), values[i]]));
}

/** The ranks of a layer's input tensors and of its output (batch included). */
function ranks(c: ExportContext): { inputs: number[]; output: number } {
  const node = c.layer.inboundNodes[0];
  const list = (s: unknown) => (Array.isArray(s) && Array.isArray(s[0]) ? s as unknown[][] : [s as unknown[]]);
  return { inputs: list(node.inputShapes).map((s) => s.length), output: (list(node.outputShapes)[0]).length };
}

/**
 * Tensors other than images travel in Keras's own layout (a [N, C] vector, a [N, L, C] sequence);
 * images in ONNX's NCHW. Element-wise layers must not mix the two (Keras would align a vector with
 * the image's last axes, which NCHW does not hold).
 */
function sameRank(c: ExportContext): void {
  const r = ranks(c).inputs;
  if (r.some((v) => v !== r[0])) throw new UserError(`ONNX export: ${c.name}: combines tensors of ranks ${r.join(' and ')} (broadcast across ranks is not supported)`);
}

/** TF 'same' padding for stride 1: total (k-1)*d, the extra pixel at the end. */
function samePads(k: number[], d: number[]): number[] {
  const tot = k.map((kk, i) => (kk - 1) * d[i]);
  const begin = tot.map((t) => Math.floor(t / 2));
  return [...begin, ...tot.map((t, i) => t - begin[i])];
}

/** Conv attributes for TF's padding modes (stride 1 'same': explicit pads; strided: SAME_UPPER). */
function convPadding(cfg: Record<string, unknown>, k: number[]): Record<string, number[] | string> {
  const strides = pair(cfg.strides), dil = pair(cfg.dilationRate ?? 1);
  const a: Record<string, number[] | string> = { kernel_shape: k, strides, dilations: dil };
  if (cfg.padding === 'same') {
    if (strides.every((s) => s === 1)) a.pads = samePads(k, dil);
    else a.auto_pad = 'SAME_UPPER';
  }
  return a;
}

/** An activation named in a layer config, applied from `input` to `output`. */
function activation(c: ExportContext, act: string, input: string, output: string): void {
  if (act === 'linear') { c.node('Identity', [input], [output]); return; }
  if (act === 'relu6') { c.node('Clip', [input, c.floatInit('clip_min', new Float32Array([0]), []), c.floatInit('clip_max', new Float32Array([6]), [])], [output]); return; }
  if (act === 'softmax') { c.node('Softmax', [input], [output], { axis: 1 }); return; } // over the channels (NCHW)
  if (act === 'swish' || act === 'silu') { c.node('Sigmoid', [input], [`${output}/sigmoid`]); c.node('Mul', [input, `${output}/sigmoid`], [output]); return; }
  // Keras 2's hard sigmoid (tfjs-layers' hardSigmoid): clip(0.2 x + 0.5, 0, 1).
  if (act === 'hardSigmoid') { c.node('HardSigmoid', [input], [output], { alpha: { f: 0.2 }, beta: { f: 0.5 } }); return; }
  const op = ({ relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', elu: 'Elu', selu: 'Selu', softplus: 'Softplus' } as Record<string, string>)[act];
  if (!op) throw new UserError(`ONNX export: activation ${act} in ${c.name} is not supported`);
  c.node(op, [input], [output]);
}

const convTorch: TorchRule = (param, t) => (param === 'weight' ? { target: 'kernel', value: permute(t.data, t.shape, [2, 3, 1, 0]) }
  : param === 'bias' ? { target: 'bias', value: t } : null);

const selfExporting: LayerKind = {
  onnx(c) {
    if (!isOnnxExportable(c.layer)) throw new UserError(`ONNX export: ${c.name} does not export itself`);
    c.layer.exportOnnx(c);
  },
};

export const LAYER_KINDS: Record<string, LayerKind> = {
  InputLayer: { onnx() { /* the graph input; handled by the exporter */ } },
  Conv2D: {
    onnx(c) {
      const [w, b] = c.weights();
      const [kh, kw, ci, co] = w.shape;
      const k = permute(w.data, w.shape, [3, 2, 0, 1]);
      const ins = [c.inputs[0], c.floatInit('W', k.data, [co, ci, kh, kw])];
      if (c.cfg.useBias) ins.push(c.floatInit('B', b.data, [co]));
      const act = (c.cfg.activation as string) ?? 'linear';
      const groups = (c.cfg.groups as number | undefined) ?? 1;
      c.node('Conv', ins, [act === 'linear' ? c.output : `${c.output}/pre`], { ...convPadding(c.cfg, [kh, kw]), ...(groups > 1 ? { group: groups } : {}) });
      if (act !== 'linear') activation(c, act, `${c.output}/pre`, c.output);
    },
    torch: convTorch,
  },
  DepthwiseConv2D: {
    onnx(c) {
      const [w, b] = c.weights();
      const [kh, kw, ch, m] = w.shape;
      const k = permute(w.data, w.shape, [2, 3, 0, 1]); // [C, m, kh, kw] = ONNX [C*m, 1, kh, kw]
      const ins = [c.inputs[0], c.floatInit('W', k.data, [ch * m, 1, kh, kw])];
      if (c.cfg.useBias) ins.push(c.floatInit('B', b.data, [ch * m]));
      c.node('Conv', ins, [c.output], { ...convPadding(c.cfg, [kh, kw]), group: ch });
    },
    torch: (param, t) => (param === 'weight' ? { target: 'depthwise_kernel', value: (() => {
      const v = permute(t.data, t.shape, [2, 3, 0, 1]); // [C*m, 1, kh, kw] -> [kh, kw, C*m, 1]
      return { data: v.data, shape: [t.shape[2], t.shape[3], t.shape[0], 1] };
    })() } : param === 'bias' ? { target: 'bias', value: t } : null),
  },
  SeparableConv2D: {
    onnx(c) {
      // A depthwise convolution (the layer's strides, dilation and padding), then a 1x1 one.
      const w = namedWeights(c), dw = w.get('depthwise_kernel')!, pw = w.get('pointwise_kernel')!;
      const [kh, kw, ch, m] = dw.shape, co = pw.shape[3];
      const d = permute(dw.data, dw.shape, [2, 3, 0, 1]);
      c.node('Conv', [c.inputs[0], c.floatInit('W_depthwise', d.data, [ch * m, 1, kh, kw])], [`${c.output}/depthwise`], { ...convPadding(c.cfg, [kh, kw]), group: ch });
      const p = permute(pw.data, pw.shape, [3, 2, 0, 1]);
      const ins = [`${c.output}/depthwise`, c.floatInit('W_pointwise', p.data, [co, ch * m, 1, 1])];
      if (c.cfg.useBias) ins.push(c.floatInit('B', w.get('bias')!.data, [co]));
      const act = (c.cfg.activation as string) ?? 'linear';
      c.node('Conv', ins, [act === 'linear' ? c.output : `${c.output}/pre`], { kernel_shape: [1, 1] });
      if (act !== 'linear') activation(c, act, `${c.output}/pre`, c.output);
    },
  },
  Dense: {
    onnx(c) {
      // On an image: a 1x1 convolution over its channels; on a vector or sequence (Keras's
      // layout): a product with the kernel over the last axis.
      const w = namedWeights(c), k = w.get('kernel')!, [ci, co] = k.shape;
      const act = (c.cfg.activation as string) ?? 'linear', pre = act === 'linear' ? c.output : `${c.output}/pre`;
      const bias = c.cfg.useBias ? w.get('bias')!.data : null;
      if (ranks(c).inputs[0] === 4) {
        const ins = [c.inputs[0], c.floatInit('W', permute(k.data, k.shape, [1, 0]).data, [co, ci, 1, 1])];
        if (bias) ins.push(c.floatInit('B', bias, [co]));
        c.node('Conv', ins, [pre], { kernel_shape: [1, 1] });
      } else if (bias) {
        c.node('MatMul', [c.inputs[0], c.floatInit('W', k.data, [ci, co])], [`${c.output}/matmul`]);
        c.node('Add', [`${c.output}/matmul`, c.floatInit('B', bias, [co])], [pre]);
      } else c.node('MatMul', [c.inputs[0], c.floatInit('W', k.data, [ci, co])], [pre]);
      if (act !== 'linear') activation(c, act, pre, c.output);
    },
  },
  Conv2DTranspose: {
    onnx(c) {
      const [w, b] = c.weights();
      const [kh, kw, co, ci] = w.shape;
      const strides = pair(c.cfg.strides);
      // TF's 'same': the output is the input times the stride, the full result cropped by
      // kernel - stride, the smaller half before.
      const crop = [kh - strides[0], kw - strides[1]];
      if (c.cfg.padding === 'same' && crop.some((v) => v < 0)) {
        throw new UserError(`ONNX export: ${c.name}: a 'same' transposed convolution with a kernel smaller than its stride is not supported`);
      }
      const k = permute(w.data, w.shape, [3, 2, 0, 1]); // [kh,kw,out,in] -> [in,out,kh,kw]
      const ins = [c.inputs[0], c.floatInit('W', k.data, [ci, co, kh, kw])];
      if (c.cfg.useBias) ins.push(c.floatInit('B', b.data, [co]));
      const attrs: Record<string, number[]> = { kernel_shape: [kh, kw], strides };
      if (c.cfg.padding === 'same' && crop.some((v) => v > 0)) attrs.pads = [...crop.map((v) => Math.floor(v / 2)), ...crop.map((v) => v - Math.floor(v / 2))];
      c.node('ConvTranspose', ins, [c.output], attrs);
    },
    torch: convTorch,
  },
  BatchNormalization: {
    onnx(c) {
      // A layer without scale or centre (Keras's scale=False, center=False) has no gamma or beta.
      const w = namedWeights(c), n = w.get('moving_mean')!.data.length;
      const ins = ([['scale', 'gamma', 1], ['B', 'beta', 0], ['mean', 'moving_mean', 0], ['var', 'moving_variance', 1]] as const)
        .map(([onnxName, keras, fill]) => c.floatInit(onnxName, w.get(keras)?.data ?? new Float32Array(n).fill(fill), [n]));
      c.node('BatchNormalization', [c.inputs[0], ...ins], [c.output], { epsilon: { f: c.cfg.epsilon as number } });
    },
    torch: (param, t) => {
      const target = ({ weight: 'gamma', bias: 'beta', running_mean: 'moving_mean', running_var: 'moving_variance' } as Record<string, string>)[param];
      return target ? { target, value: t } : null;
    },
  },
  ReLU: {
    onnx(c) {
      const max = c.cfg.maxValue as number | null | undefined;
      if (max == null) { activation(c, 'relu', c.inputs[0], c.output); return; }
      c.node('Clip', [c.inputs[0], c.floatInit('clip_min', new Float32Array([0]), []), c.floatInit('clip_max', new Float32Array([max]), [])], [c.output]);
    },
  },
  Activation: { onnx: (c) => activation(c, c.cfg.activation as string, c.inputs[0], c.output) },
  PReLU: {
    onnx(c) {
      // s·x + (1 - s)·relu(x) with the per-channel factors as 1x1 depthwise convolutions: ONNX
      // Runtime keeps those in its blocked (NCHWc) layout, while a PRelu node makes it reorder the
      // tensor before and after each call (ESPNetv2 runs markedly faster so).
      const [a] = c.weights();
      const C = a.data.length;
      const t = (s: string) => `${c.name}/${s}`;
      const perChannel = (x: string, name: string, f: Float32Array, out: string) =>
        c.node('Conv', [x, c.floatInit(name, f, [C, 1, 1, 1])], [out], { group: C, kernel_shape: [1, 1] });
      perChannel(c.inputs[0], 'slope', a.data, t('sx'));
      c.node('Relu', [c.inputs[0]], [t('relu')]);
      perChannel(t('relu'), 'one_minus_slope', a.data.map((v) => 1 - v), t('rest'));
      c.node('Add', [t('rest'), t('sx')], [c.output]);
    },
    torch: (param, t) => (param === 'weight' ? { target: 'alpha', value: { shape: [1, 1, t.data.length], data: t.data } } : null),
  },
  MaxPooling2D: { onnx: (c) => pool(c, 'MaxPool') },
  AveragePooling2D: { onnx: (c) => pool(c, 'AveragePool') },
  ZeroPadding2D: {
    onnx(c) {
      const p = c.cfg.padding as [[number, number], [number, number]];
      c.node('Pad', [c.inputs[0], c.int64Init('pads', [0, 0, p[0][0], p[1][0], 0, 0, p[0][1], p[1][1]])], [c.output]);
    },
  },
  UpSampling2D: {
    onnx(c) {
      const [sh, sw] = pair(c.cfg.size), scales = c.floatInit('scales', new Float32Array([1, 1, sh, sw]), [4]);
      if (c.cfg.interpolation === 'nearest') {
        c.node('Resize', [c.inputs[0], '', scales], [c.output], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
      } else if (c.cfg.interpolation === 'bilinear') {
        // As Keras 2 computes it on TensorFlow 2 (tf.image.resize: half-pixel centres), for
        // imported Keras models; tfjs-layers' own forward pass aligns corners instead, so the zoo's
        // networks upsample bilinearly with Resample.
        c.node('Resize', [c.inputs[0], '', scales], [c.output], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
      } else throw new UserError(`ONNX export: ${c.name}: ${String(c.cfg.interpolation)} upsampling is not supported`);
    },
  },
  Concatenate: {
    onnx(c) {
      const axis = c.cfg.axis as number;
      if (axis !== -1 && axis !== 3) throw new UserError(`ONNX export: ${c.name}: concatenation on axis ${axis} not supported`);
      c.node('Concat', c.inputs, [c.output], { axis: 1 });
    },
  },
  Cropping2D: {
    onnx(c) {
      const [[top, bottom], [left, right]] = c.cfg.cropping as [[number, number], [number, number]];
      const end = (v: number) => (v ? -v : 2 ** 31 - 1);
      c.node('Slice', [c.inputs[0], c.int64Init('starts', [top, left]), c.int64Init('ends', [end(bottom), end(right)]), c.int64Init('axes', [2, 3])], [c.output]);
    },
  },
  LeakyReLU: { onnx: (c) => c.node('LeakyRelu', [c.inputs[0]], [c.output], { alpha: { f: c.cfg.alpha as number } }) },
  // Dropout is the identity at inference (Keras models keep it in the graph).
  Dropout: { onnx: (c) => c.node('Identity', [c.inputs[0]], [c.output]) },
  Add: { onnx: (c) => { sameRank(c); c.node('Sum', c.inputs, [c.output]); } },
  Multiply: {
    onnx(c) {
      sameRank(c);
      let acc = c.inputs[0];
      for (const [i, x] of c.inputs.slice(1).entries()) {
        const out = i === c.inputs.length - 2 ? c.output : `${c.output}/${i}`;
        c.node('Mul', [acc, x], [out]);
        acc = out;
      }
    },
  },
  // An image to a [N, C] vector (Keras's keepdims=True is read as the vector reshaped back: keras_model.ts).
  GlobalAveragePooling2D: { onnx: (c) => globalPool(c, 'GlobalAveragePool') },
  GlobalMaxPooling2D: { onnx: (c) => globalPool(c, 'GlobalMaxPool') },
  Reshape: {
    onnx(c) {
      // Keras reshapes in its own layout (NHWC for images): images are transposed there and back.
      const r = ranks(c), target = c.cfg.targetShape as number[];
      let x = c.inputs[0];
      if (r.inputs[0] === 4) { c.node('Transpose', [x], [`${c.output}/nhwc`], { perm: [0, 2, 3, 1] }); x = `${c.output}/nhwc`; }
      const reshaped = r.output === 4 ? `${c.output}/reshaped` : c.output;
      c.node('Reshape', [x, c.int64Init('shape', [0, ...target])], [reshaped]);
      if (r.output === 4) c.node('Transpose', [reshaped], [c.output], { perm: [0, 3, 1, 2] });
    },
  },
  Rescaling: {
    onnx(c) {
      // One factor and offset, or one per channel (keras.applications' EfficientNet divides by the
      // ImageNet standard deviations so).
      const perChannel = (v: unknown, fill: number) => (Array.isArray(v)
        ? { data: Float32Array.from(v as number[]), dims: [1, (v as number[]).length, 1, 1] }
        : { data: new Float32Array([(v as number | undefined) ?? fill]), dims: [] as number[] });
      const scale = perChannel(c.cfg.scale, 1), offset = perChannel(c.cfg.offset, 0);
      c.node('Mul', [c.inputs[0], c.floatInit('scale', scale.data, scale.dims)], [`${c.output}/scaled`]);
      c.node('Add', [`${c.output}/scaled`, c.floatInit('offset', offset.data, offset.dims)], [c.output]);
    },
  },
  GroupConv2D: { ...selfExporting, torch: convTorch },
  AtrousDepthwiseConv2D: { ...selfExporting, torch: (p, t) => LAYER_KINDS.DepthwiseConv2D.torch!(p, t) },
  Resample: selfExporting,
  ChannelShuffle: selfExporting,
  GlobalAvgPool: selfExporting,
  PaddedAvgPool: selfExporting,
  BinaryScores: selfExporting,
  ImageResize: selfExporting,
  HardActivation: selfExporting,
  // A Keras Conv2D of several groups: the Conv2D rule (its weights [kh, kw, in/groups, out]) with ONNX's group.
  KerasGroupedConv2D: { onnx: (c) => LAYER_KINDS.Conv2D.onnx(c) },
};

function pool(c: ExportContext, op: string): void {
  // TF's 'same' pads the extra pixel at the end (SAME_UPPER); its average leaves the padding out
  // of the count, as ONNX's AveragePool does by default.
  const attrs: Record<string, number[] | string> = { kernel_shape: pair(c.cfg.poolSize), strides: pair(c.cfg.strides) };
  if (c.cfg.padding === 'same') attrs.auto_pad = 'SAME_UPPER';
  else if (c.cfg.padding !== 'valid') throw new UserError(`ONNX export: ${c.name}: ${String(c.cfg.padding)} pooling is not supported`);
  c.node(op, c.inputs, [c.output], attrs);
}

function globalPool(c: ExportContext, op: string): void {
  c.node(op, c.inputs, [`${c.output}/pooled`]);
  c.node('Flatten', [`${c.output}/pooled`], [c.output], { axis: 1 });
}

export function layerKind(layer: tfl.layers.Layer): LayerKind {
  const k = LAYER_KINDS[layer.getClassName()];
  if (!k) throw new UserError(`layer ${layer.name}: kind ${layer.getClassName()} has no ONNX export or PyTorch import rule; add it to src/models/layer_kinds.ts`);
  return k;
}

/** Refuses a network with a layer kind the table does not know (called when a model is built). */
export function checkLayerKinds(net: tfl.LayersModel): void {
  for (const l of net.layers) layerKind(l);
}
