// Specialises an ONNX segmentation graph to one input shape. pixelwise's exported graphs accept
// any size, so every resampling layer computes its target size in the graph (Shape, Gather, Mul,
// Div, Concat, ...) and area resampling picks its formulation in an If node; ONNX Runtime cannot
// fold those (a Resize whose sizes are computed has no static output shape), and in ONNX Runtime's
// profile of ESPNetv2 they take a visible share of the kernel time (the Ifs most of it). Where every input has one size (video frames, a fixed network
// input), this evaluates the tensors that depend on the input's shape alone once, by running the
// graph with them as extra outputs, writes them into the graph as constants, drops the nodes that
// computed them and replaces each If whose condition became constant by its branch. Repeats
// until no If is left to inline (a branch may hold shape computations of its own).
import { onnx, type O } from '../formats/onnx_proto.js';
import { namesRead, shapeOnlyTensors, usedInitializers } from './onnx_names.js';

type Ort = typeof import('onnxruntime-node');
type Graph = O.IGraphProto;

/** The specialised model for inputs of exactly `dims` (batch included). */
export async function specializeOnnx(ort: Ort, bytes: Uint8Array, dims: number[]): Promise<Uint8Array> {
  let model = onnx.ModelProto.decode(bytes);
  for (let round = 0; round < 8; round++) {
    const g = model.graph!;
    const frontier = shapeFrontier(g);
    if (frontier.length === 0) break;
    const values = await evaluate(ort, model, frontier, dims);
    foldConstants(g, values);
    const inlined = inlineConstantIfs(g);
    model = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish()); // a clean copy per round
    if (!inlined) break;
  }
  model.graph!.initializer = usedInitializers(model.graph!);
  return onnx.ModelProto.encode(model).finish();
}

/** The shape-only tensors something else reads (a value-dependent node, an If, a graph output). */
function shapeFrontier(g: Graph): string[] {
  const shapeOnly = shapeOnlyTensors(g);
  const read = new Set<string>();
  for (const n of g.node ?? []) if (!(n.output ?? []).every((o) => shapeOnly.has(o))) for (const i of namesRead(n)) read.add(i);
  for (const o of g.output ?? []) read.add(o.name!);
  return [...shapeOnly].filter((t) => read.has(t));
}

/** Runs the model on zeros of `dims` and returns the named intermediate tensors. */
async function evaluate(ort: Ort, model: O.IModelProto, names: string[], dims: number[]): Promise<Map<string, import('onnxruntime-node').Tensor>> {
  const probe = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const g = probe.graph!;
  g.output = [...(g.output ?? []), ...names.map((name) => ({ name }))];
  // Errors only: the probe keeps initializers that only the untaken branches read.
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(probe).finish(), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const input = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    const r = await session.run({ [session.inputNames[0]]: input }, names);
    return new Map(names.map((n) => [n, r[n]]));
  } finally {
    await session.release();
  }
}

const ONNX_TYPE: Record<string, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9 };

/** Writes the evaluated tensors as initializers and removes the nodes that only computed them. */
function foldConstants(g: Graph, values: Map<string, import('onnxruntime-node').Tensor>): void {
  const shapeOnly = shapeOnlyTensors(g);
  g.node = (g.node ?? []).filter((n) => !(n.output ?? []).every((o) => shapeOnly.has(o)));
  for (const [name, t] of values) {
    const data = t.data as ArrayBufferView;
    g.initializer!.push({
      name, dataType: ONNX_TYPE[t.type], dims: t.dims.map(Number),
      rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    });
  }
}

/** Replaces each If whose condition is an initializer by its taken branch; whether any was. */
function inlineConstantIfs(g: Graph): boolean {
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  let changed = false;
  g.node = (g.node ?? []).flatMap((n) => {
    const cond = n.opType === 'If' ? inits.get(n.input![0]) : undefined;
    if (!cond) return [n];
    const taken = cond.rawData?.[0] ? 'then_branch' : 'else_branch';
    const branch = n.attribute!.find((a) => a.name === taken)!.g!;
    changed = true;
    g.initializer!.push(...(branch.initializer ?? []));
    // The branch's result becomes the If's output.
    return [...(branch.node ?? []), { opType: 'Identity', name: `${n.name}/inlined`, input: [branch.output![0].name!], output: [n.output![0]] }];
  });
  return changed;
}
