// ONNX export of any pixelwise architecture: walks the tfjs-layers graph (NHWC) and writes the
// equivalent NCHW ONNX graph (opset 13) with onnx-proto (protobufjs). Input `input` [N, bands (3: RGB), H, W]
// (already normalised; H and W multiples of the model stride), output `logits` [N, C, H, W].
import { flt, FLOAT, floatInit, graphAttr, int, int64Init, ints, onnx, str, type O } from '../formats/onnx_proto.js';
import { layerKind, type ExportContext } from '../models/layer_kinds.js';
import type { SegModel } from '../models/seg_model.js';
import type { OnnxLayerContext } from '../models/layers.js';
import type * as tfl from '@tensorflow/tfjs-layers';

type Node = O.INodeProto;
type Init = O.ITensorProto;

/** Emitters handed to custom layers (models/layers.ts) that export themselves. */
function layerContext(name: string, inputs: string[], output: string, nodes: Node[], inits: Init[], have = new Set<string>()): OnnxLayerContext {
  const initName = (suffix: string, make: (n: string) => Init) => {
    const n = `${name}/${suffix}`;
    if (!have.has(n)) { have.add(n); inits.push(make(n)); }
    return n;
  };
  let k = 0;
  return {
    name, inputs, output,
    node(opType, ins, outs, attrs = {}) {
      const attribute = Object.entries(attrs).map(([a, v]) => (typeof v === 'string' ? str(a, v) : Array.isArray(v) ? ints(a, v) : typeof v === 'object' ? flt(a, v.f) : int(a, v)));
      nodes.push({ name: `${name}/${opType}_${k++}`, opType, input: ins, output: outs, attribute });
    },
    ifElse(cond, then, otherwise) {
      // Each branch is a subgraph writing one float tensor; it reads the outer graph's values and
      // initializers by name (initializers stay in the outer graph, shared).
      const branch = (tag: string, build: (b: OnnxLayerContext) => void): O.IGraphProto => {
        const sub: Node[] = [];
        const out = `${output}/${tag}`;
        build(layerContext(`${name}/${tag}`, inputs, out, sub, inits, have));
        return { name: `${name}/${tag}`, node: sub, output: [{ name: out, type: { tensorType: { elemType: FLOAT } } }] };
      };
      nodes.push({
        name: `${name}/If_${k++}`, opType: 'If', input: [cond], output: [output],
        attribute: [graphAttr('then_branch', branch('then', then)), graphAttr('else_branch', branch('else', otherwise))],
      });
    },
    floatInit: (suffix, data, dims) => initName(suffix, (n) => floatInit(n, data, dims)),
    int64Init: (suffix, values, scalar = false) => initName(suffix, (n) => ({ ...int64Init(n, values), dims: scalar ? [] : [values.length] })),
  };
}

export function exportOnnx(model: SegModel, producerVersion = '0.1.0'): Uint8Array {
  return exportNetworkOnnx(model.net, { name: model.spec.arch, inChannels: model.spec.inChannels ?? 3, numClasses: model.spec.numClasses }, producerVersion);
}

/**
 * Any tfjs-layers network of known layer kinds (a pixelwise architecture, or a Keras model rebuilt
 * by tfjs-layers: keras_model.ts) as ONNX. `size`: a fixed input [h, w] (else any height and width).
 */
export function exportNetworkOnnx(net: tfl.LayersModel, o: { name: string; inChannels: number; numClasses: number; size?: [number, number] }, producerVersion = '0.1.0'): Uint8Array {
  const nodes: Node[] = [];
  const inits: Init[] = [];
  const out = new Map<string, string>(); // layer name -> ONNX tensor name
  let last = '';
  for (const layer of net.layers) {
    const name = layer.name;
    if (layer.getClassName() === 'InputLayer') { out.set(name, 'input'); continue; }
    const inputs = (layer.inboundNodes[0]?.inboundLayers ?? []).map((l) => out.get(l.name)!);
    const ctx: ExportContext = {
      ...layerContext(name, inputs, name, nodes, inits), layer, cfg: layer.getConfig() as Record<string, unknown>,
      weights: () => layer.getWeights().map((w) => ({ data: w.dataSync() as Float32Array, shape: w.shape })),
    };
    layerKind(layer).onnx(ctx);
    out.set(name, name);
    last = name;
  }
  // Name the final tensor `logits`. A layer before it that is itself named logits (a binary
  // model's one-channel head) has its tensor renamed first.
  if (last !== 'logits' && out.has('logits')) {
    const rename = (names: string[] | null | undefined) => names?.map((t) => (t === 'logits' ? 'logits/head' : t));
    for (const n of nodes) { n.input = rename(n.input); n.output = rename(n.output); }
  }
  const final = nodes.find((n) => n.output?.includes(last))!;
  final.output = final.output!.map((o) => (o === last ? 'logits' : o));
  const dims = (c: number, size = o.size) => ({ dim: [{ dimParam: 'N' }, { dimValue: c }, size ? { dimValue: size[0] } : { dimParam: 'H' }, size ? { dimValue: size[1] } : { dimParam: 'W' }] });
  const m = onnx.ModelProto.create({
    irVersion: 8, producerName: 'pixelwise', producerVersion, opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: o.name, node: nodes, initializer: inits,
      input: [{ name: 'input', type: { tensorType: { elemType: FLOAT, shape: dims(o.inChannels) } } }],
      // The scores' height and width: the graph's own (a fraction of a fixed input, or any).
      output: [{ name: 'logits', type: { tensorType: { elemType: FLOAT, shape: dims(o.numClasses, undefined) } } }],
    },
  });
  return onnx.ModelProto.encode(m).finish();
}
