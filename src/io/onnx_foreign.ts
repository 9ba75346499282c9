// An ONNX segmentation graph made elsewhere (torch.onnx, tf2onnx, Hugging Face Optimum /
// transformers.js) as pixelwise runs its graphs: one float32 NCHW image input, class scores
// [N, C, H, W] at the input's size (or a label map [N, H, W]) out. What the graph does differently
// is adapted by nodes added at its ends, never inside: an NHWC or float16 input gets a Transpose
// and a Cast in front; an NHWC, float16 or integer output is cast and transposed back; scores at a
// fraction of the input's size (SegFormer's quarter) are resized to it bilinearly (half-pixel
// centres, PyTorch's align_corners=False), so that the pipeline's Resize tail (inference/onnx_tail.ts)
// takes the label map from the small scores; a final Softmax is cut (its input, the logits, gives the
// same labels and exact probabilities); one sigmoid channel becomes the two class scores [0, z].
import { onnx, FLOAT, int, ints, str, floatInit, int64Init, valueInfo, type O } from '../formats/onnx_proto.js';
import { UserError } from '../util/errors.js';
import { MAX_CLASSES } from '../data/class_sets.js';

const DT = onnx.TensorProto.DataType;
const FLOAT16 = DT.FLOAT16;
const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DT).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k.toLowerCase()]));

/** The node names and tensors this module adds start so (no graph of another tool uses it). */
const P = 'pixelwise_';
/** The adapted graph's input and output names, where it had to be given new ones. */
const FOREIGN_INPUT = `${P}input`, FOREIGN_OUTPUT = `${P}scores`;

export interface ForeignInput {
  name: string;
  layout: 'NCHW' | 'NHWC';
  channels: number;
  /** [h, w] where the graph fixes them, else null (any size). */
  size: [number, number] | null;
  /** The graph takes one image a pass (its batch dimension is 1). */
  batchOne: boolean;
  elemType: number;
}

/** What running the input-adapted graph once gave: the first output's type (ONNX Runtime's name) and dims. */
export interface OutputProbe { type: string; dims: readonly number[] }

export interface ForeignGraph {
  /** The graph as pixelwise runs it. */
  onnx: Uint8Array;
  classes: number;
  output: 'logits' | 'probabilities' | 'labels';
  /** The graph's one sigmoid channel became the classes background and foreground. */
  binary: boolean;
  /** Its scores come at 1 / scale of the input's size on each side (kept so: the card's output.scale). */
  scale: number;
  /** What was done at the graph's ends, in words (for the summary line and the card's notes). */
  changes: string[];
}

type Dim = number | string | null;

function dimsOf(v: O.IValueInfoProto): Dim[] | null {
  const t = v.type?.tensorType;
  if (!t?.shape?.dim) return null;
  return t.shape.dim.map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam || null));
}

function elemTypeOf(v: O.IValueInfoProto): number { return v.type?.tensorType?.elemType ?? 0; }

const typeName = (t: number) => TYPE_NAMES[t] ?? `type ${t}`;

/** The decoded graph, checked for what the adaptation needs (one image input, weights inside the file, an opset). */
export function readForeignOnnx(bytes: Uint8Array, file: string): { model: O.ModelProto; input: ForeignInput; opset: number } {
  let model: O.ModelProto;
  try { model = onnx.ModelProto.decode(bytes); } catch (e) {
    throw new UserError(`${file}: not an ONNX model (${(e as Error).message}); export it again or check the download`);
  }
  const g = model.graph;
  if (!g?.node?.length || !g.output?.length) throw new UserError(`${file}: not an ONNX model (no graph with nodes and an output); export it again or check the download`);
  const external = (g.initializer ?? []).filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
  if (external.length) {
    const where = external[0].externalData?.find((e) => e.key === 'location')?.value ?? '?';
    throw new UserError(`${file}: keeps ${external.length} weight tensors in another file (${where}); save the model with its weights inside (onnx.save(model, path) without save_as_external_data; under 2 GB) and import that`);
  }
  const opset = Number((model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  const weights = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = (g.input ?? []).filter((v) => !weights.has(v.name));
  if (inputs.length !== 1) throw new UserError(`${file}: the graph takes ${inputs.length} inputs (${inputs.map((v) => v.name).join(', ') || 'none'}); pixelwise gives a segmentation graph one image tensor`);
  return { model, input: describeInput(inputs[0], file), opset };
}

function describeInput(v: O.IValueInfoProto, file: string): ForeignInput {
  const dims = dimsOf(v), t = elemTypeOf(v), name = v.name!;
  if (t !== FLOAT && t !== FLOAT16) throw new UserError(`${file}: the input ${name} is ${typeName(t)}; pixelwise feeds float32 or float16 image tensors (export the graph without its own pixel decoding)`);
  if (dims && dims.length !== 4) throw new UserError(`${file}: the input ${name} has ${dims.length} dimensions; an image batch has 4 (N, C, H, W or N, H, W, C)`);
  const band = (d: Dim) => typeof d === 'number' && d <= 4;
  const shown = `[${(dims ?? []).map((d) => d ?? '?').join(', ')}]`;
  if (dims && typeof dims[1] === 'number' && !band(dims[1]) && typeof dims[3] === 'number' && !band(dims[3])) {
    throw new UserError(`${file}: the input ${name} ${shown} has no axis of 1 to 4 colour bands at position 1 (NCHW) or 3 (NHWC)`);
  }
  // Bands not declared (every dimension named): PyTorch's layout, RGB; the trial run tells if not.
  const layout = !dims || band(dims[1]) || !band(dims[3]) ? 'NCHW' : 'NHWC';
  const declared = dims?.[layout === 'NCHW' ? 1 : 3];
  const [h, w] = !dims ? [null, null] : layout === 'NCHW' ? [dims[2], dims[3]] : [dims[1], dims[2]];
  return {
    name, layout, channels: typeof declared === 'number' ? declared : 3, elemType: t, batchOne: dims?.[0] === 1,
    size: typeof h === 'number' && typeof w === 'number' ? [h, w] : null,
  };
}

/**
 * The graph with a float32 NCHW input in front of its own (a Transpose from NCHW for an NHWC input,
 * a Cast for float16), or as it is; `changes` says what was added.
 */
export function adaptInput(model: O.ModelProto, input: ForeignInput, changes: string[]): void {
  const g = model.graph!;
  if (input.layout === 'NCHW' && input.elemType === FLOAT) return;
  const front: O.INodeProto[] = [];
  let cur = FOREIGN_INPUT;
  if (input.layout === 'NHWC') {
    front.push({ opType: 'Transpose', input: [cur], output: [`${P}nhwc`], name: `${P}input_to_nhwc`, attribute: [ints('perm', [0, 2, 3, 1])] });
    cur = `${P}nhwc`;
    changes.push('a Transpose from NCHW before its NHWC input');
  }
  if (input.elemType === FLOAT16) {
    front.push({ opType: 'Cast', input: [cur], output: [`${P}input_fp16`], name: `${P}input_to_fp16`, attribute: [int('to', FLOAT16)] });
    cur = `${P}input_fp16`;
    changes.push('a Cast to its float16 input');
  }
  // The graph's own input becomes the last added node's output.
  front[front.length - 1].output = [input.name];
  const [h, w] = input.size ?? ['H', 'W'];
  const dims = [input.batchOne ? 1 : 'N', input.channels, h, w];
  g.input = [{ name: FOREIGN_INPUT, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } },
    ...(g.input ?? []).filter((v) => v.name !== input.name)];
  g.node = [...front, ...g.node!];
}

/** The name of the graph's (NCHW float32) image input after adaptInput. */
export function inputName(input: ForeignInput): string {
  return input.layout === 'NCHW' && input.elemType === FLOAT ? input.name : FOREIGN_INPUT;
}

/** Whether an output of h x w covers an input of H x W (equal, or the same fraction of each side, as a stride leaves it). */
function covers(h: number, w: number, H: number, W: number): boolean {
  if (h === H && w === W) return true;
  if (!(h > 0 && w > 0 && h <= H && w <= W)) return false;
  const fy = H / h, fx = W / w;
  return Math.abs(fy - fx) / Math.max(fy, fx) < 0.1;
}

/**
 * The node that produces `name`, looking through Identity nodes, and whether it is that (else it
 * is found through Transposes as well, which move the class axis).
 */
function producerOf(g: O.IGraphProto, name: string): { node: O.INodeProto | undefined; direct: boolean } {
  const byOutput = new Map((g.node ?? []).flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
  let n = byOutput.get(name), direct = true;
  while (n && (n.opType === 'Identity' || n.opType === 'Transpose') && !n.domain) {
    if (n.opType === 'Transpose') direct = false;
    n = byOutput.get(n.input![0]);
  }
  return { node: n, direct };
}

/**
 * The output adapted to class scores [N, C, H, W] at the input's H x W (or a label map [N, H, W]),
 * from a run of the input-adapted graph at H x W (`probe`). Refuses what is not one class score
 * (or label) per pixel, in one line. `fixed`: the graph runs at H x W alone, so scores at an exact
 * fraction of it (a quarter: SegFormer) stay so (`scale`), else they are resized to H x W.
 */
export function adaptOutput(model: O.ModelProto, input: ForeignInput, opset: number, probe: OutputProbe, [H, W]: [number, number], file: string, changes: string[], fixed = false): ForeignGraph {
  const g = model.graph!;
  const outName = g.output![0].name!, d = probe.dims;
  const others = g.output!.length - 1;
  const what = `the output ${outName} [${d.join(', ')}] (${probe.type}) for an input of ${H}x${W}`;
  const nodes: O.INodeProto[] = [], inits: O.ITensorProto[] = [];
  let cur = outName, n = 0;
  const add = (opType: string, inputs: string[], attribute: O.IAttributeProto[] = []): string => {
    const out = `${P}out${n++}`;
    nodes.push({ opType, input: inputs, output: [out], name: `${P}${opType.toLowerCase()}${n}`, attribute });
    return out;
  };
  let output: ForeignGraph['output'] = 'logits', classes: number, binary = false, scale = 1;
  const integer = /^u?int/.test(probe.type), half = probe.type === 'float16';
  if (integer) {
    // A label map: [N, H, W] or [N, 1, H, W], at the input's size.
    const spatial = d.length === 3 ? [d[1], d[2]] : d.length === 4 && d[1] === 1 ? [d[2], d[3]] : null;
    if (!spatial || spatial[0] !== H || spatial[1] !== W) throw new UserError(`${file}: ${what} is not a label map of the input's size ([N, H, W] or [N, 1, H, W]); export the graph's class scores instead`);
    cur = add('Cast', [cur], [int('to', FLOAT)]);
    if (d.length === 4) {
      if (opset >= 13) { inits.push(int64Init(`${P}squeeze_axes`, [1])); cur = add('Squeeze', [cur, `${P}squeeze_axes`]); } else cur = add('Squeeze', [cur], [ints('axes', [1])]);
    }
    changes.push(`a Cast of its ${probe.type} label map to float`);
    output = 'labels';
    classes = 0; // from the class names: a label map does not say how many
  } else {
    if (probe.type !== 'float32' && !half) throw new UserError(`${file}: ${what}: class scores must be float32 or float16`);
    // Keras models (image-segmentation-keras) flatten their scores to [N, h * w, C] before the softmax.
    const flat = d.length === 3 ? [1, 2, 4, 8, 16, 32].find((f) => H % f === 0 && W % f === 0 && (H / f) * (W / f) === d[1]) : undefined;
    if (d.length !== 4 && !flat) throw new UserError(`${file}: ${what} is not class scores per pixel ([N, C, H, W], [N, H, W, C] or Keras's [N, H * W, C])`);
    const d4 = flat ? [d[0], H / flat, W / flat, d[2]] : d;
    const nchw = !flat && covers(d4[2], d4[3], H, W), nhwc = covers(d4[1], d4[2], H, W);
    const layout = nchw && (!nhwc || input.layout === 'NCHW') ? 'NCHW' : nhwc ? 'NHWC' : null;
    if (!layout) throw new UserError(`${file}: ${what} is not class scores per pixel of the input ([N, C, H, W] or [N, H, W, C], at its size or a fraction of it)`);
    classes = layout === 'NCHW' ? d4[1] : d4[3];
    const [h, w] = layout === 'NCHW' ? [d4[2], d4[3]] : [d4[1], d4[2]];
    // A final Softmax over the classes (or a one-channel Sigmoid) is cut: the logits before it.
    // Before opset 13 a Softmax normalises everything from its axis on (default 1): over the
    // classes alone only when they are the last axis and it starts there.
    const { node: last, direct } = producerOf(g, outName);
    const axis = last?.attribute?.find((a) => a.name === 'axis')?.i, rank = d.length;
    const classAxis = layout === 'NCHW' ? 1 : rank - 1;
    const norm = (a: number) => (a < 0 ? a + rank : a);
    const perClass = opset >= 13 ? norm(Number(axis ?? -1)) === classAxis : classAxis === rank - 1 && norm(Number(axis ?? 1)) === rank - 1;
    if (last?.opType === 'Softmax' && !last.domain && direct && perClass) {
      cur = last.input![0];
      changes.push('its final Softmax cut (the logits before it)');
    } else if (last?.opType === 'Softmax' && !last.domain) output = 'probabilities';
    const sigmoid = classes === 1 && last?.opType === 'Sigmoid' && !last.domain && direct;
    if (sigmoid) { cur = last.input![0]; changes.push('its final Sigmoid cut'); }
    if (flat) {
      inits.push(int64Init(`${P}unflat`, [-1, h, w, classes]));
      cur = add('Reshape', [cur, `${P}unflat`]);
      changes.push(`a Reshape of its [N, ${h} * ${w}, ${classes}] scores to [N, ${h}, ${w}, ${classes}]`);
    }
    if (half) { cur = add('Cast', [cur], [int('to', FLOAT)]); changes.push('a Cast of its float16 scores to float'); }
    if (layout === 'NHWC') { cur = add('Transpose', [cur], [ints('perm', [0, 3, 1, 2])]); changes.push('a Transpose of its NHWC scores to NCHW'); }
    if (classes === 1 && last?.opType === 'Sigmoid' && !last.domain && !sigmoid) {
      // A sigmoid moved by Transposes: the foreground's probability p, as the two probabilities [1 - p, p].
      inits.push(floatInit(`${P}1`, Float32Array.of(1), []));
      cur = add('Concat', [add('Sub', [`${P}1`, cur]), cur], [int('axis', 1)]);
      changes.push('its one sigmoid probability p as the probabilities [1 - p, p] of background and foreground');
      output = 'probabilities';
      classes = 2;
      binary = true;
    } else if (classes === 1) {
      if (output === 'probabilities') throw new UserError(`${file}: ${what}: one channel after a Softmax is not class scores`);
      // One logit z: the classes background and foreground with scores [0, z] (their softmax is the sigmoid).
      cur = add('Concat', [add('Sub', [cur, cur]), cur], [int('axis', 1)]);
      changes.push(`its one ${sigmoid ? 'sigmoid logit' : 'channel (read as a logit)'} as the scores [0, z] of background and foreground`);
      classes = 2;
      binary = true;
    }
    if (fixed && H % h === 0 && H / h > 1 && H / h === W / w) scale = H / h;
    else if (h !== H || w !== W) {
      if (opset < 11) throw new UserError(`${file}: ${what}: scores at ${h}x${w} need a Resize to the input's size, which needs opset 11 or later (the graph has ${opset}); export it with a later opset`);
      const shape = (x: string) => add('Shape', [x]);
      inits.push(int64Init(`${P}0`, [0]), int64Init(`${P}2`, [2]), int64Init(`${P}4`, [4]), floatInit(`${P}empty`, new Float32Array(0), [0]));
      const sizes = add('Concat', [add('Slice', [shape(cur), `${P}0`, `${P}2`]), add('Slice', [shape(inputName(input)), `${P}2`, `${P}4`])], [int('axis', 0)]);
      cur = add('Resize', [cur, `${P}empty`, `${P}empty`, sizes], [str('mode', 'linear'), str('coordinate_transformation_mode', 'half_pixel')]);
      changes.push(`a bilinear Resize of its ${h}x${w} scores to the input's size`);
    }
    if (classes > MAX_CLASSES) throw new UserError(`${file}: ${what}: ${classes} classes; label maps hold ${MAX_CLASSES} at most`);
  }
  if (cur === outName && !nodes.length) {
    if (others) { g.output = [g.output![0]]; changes.push(others > 1 ? `its other ${others} outputs left unused` : 'its other output left unused'); }
    return { onnx: onnx.ModelProto.encode(model).finish(), classes, output, binary, scale, changes };
  }
  nodes.push({ opType: 'Identity', input: [cur], output: [FOREIGN_OUTPUT], name: FOREIGN_OUTPUT });
  g.node!.push(...nodes);
  g.initializer!.push(...inits);
  g.output = [valueInfo(FOREIGN_OUTPUT, FLOAT, output === 'labels' ? ['N', 'H', 'W'] : ['N', 'C', 'H', 'W'])];
  if (others) changes.push(others > 1 ? `its other ${others} outputs left unused` : 'its other output left unused');
  return { onnx: onnx.ModelProto.encode(model).finish(), classes, output, binary, scale, changes };
}

/** Learned values the graph holds: the elements of its initializers of one dimension or more (weights and biases, float or 8-bit). */
export function parameterCount(model: O.ModelProto): number {
  const numeric = new Set<number>([FLOAT, FLOAT16, DT.INT8, DT.UINT8, DT.BFLOAT16]);
  return (model.graph?.initializer ?? []).filter((t) => numeric.has(t.dataType ?? 0) && (t.dims?.length ?? 0) > 0)
    .reduce((n, t) => n + t.dims!.reduce((a: number, b) => a * Number(b), 1), 0);
}
