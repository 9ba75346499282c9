// A segmentation graph whose class scores end in a linear Resize (to the input's size, as
// pixelwise's exports and most imported graphs do), cut before that Resize: the head gives the
// low-resolution scores, and linear_resize_argmax.ts turns them into the label map the whole
// graph's Resize and ArgMax would give, without the full-size score planes. No Node imports: the
// Node (onnx_runtime.ts) and browser (web/index.ts) runtimes both cut graphs here.
import { readModel, valueView, writeModel, type ModelView } from '../formats/onnx_view.js';
import { namesRead, shapeOnlyTensors, usedInitializers } from './onnx_names.js';
import { LINEAR_RESIZE_MODES, linearResizeArgmax, type LinearResizeMode } from './linear_resize_argmax.js';

const FLOAT = 1; // onnx TensorProto.DataType

export interface ResizeTail {
  /** The graph up to the Resize's input, which is its one output. */
  head: Uint8Array;
  /** The name of that output. */
  output: string;
  /** The Resize's coordinate_transformation_mode. */
  mode: LinearResizeMode;
  /** The whole graph's first output (the resized scores). */
  logits: string;
  /** The input's channel count, where the graph fixes it. */
  channels?: number;
  /** The input's [h, w], where the graph fixes them. */
  size?: [number, number];
}

/**
 * The head of a graph whose first output comes from a linear Resize (through Identity nodes at
 * most); null for any other graph, and for Resize attributes that linear_resize_argmax.ts does not
 * compute (antialiasing, axes, an aspect-ratio policy, Resize-10's coordinates, scales other
 * than output / input) or whose output size depends on the input's values.
 */
export function linearResizeTail(bytes: Uint8Array): ResizeTail | null {
  let m: ModelView;
  try { m = readModel(bytes); } catch { return null; } // not ONNX: opening the whole graph says why
  const g = m.graph;
  if (!g.output.length) return null;
  const producer = new Map(g.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
  let n = producer.get(g.output[0].name);
  while (n?.opType === 'Identity' && !n.domain) n = producer.get(n.input[0]);
  if (!n || n.opType !== 'Resize' || n.domain || (m.opset.get('') ?? 0) < 11) return null;
  const attr = (name: string) => n!.attribute.find((a) => a.name === name);
  const text = (name: string, fallback: string) => { const a = attr(name); return a?.s ? new TextDecoder().decode(a.s) : fallback; };
  const mode = text('coordinate_transformation_mode', 'half_pixel') as LinearResizeMode;
  if (text('mode', 'nearest') !== 'linear' || !LINEAR_RESIZE_MODES.includes(mode)) return null;
  if ((attr('antialias')?.i ?? 0) !== 0 || attr('axes') || text('keep_aspect_ratio_policy', 'stretch') !== 'stretch') return null;
  // The output size must follow from the input's shape (never its values), and the scales
  // linear_resize_argmax.ts uses are output / input: sizes given, or align_corners (which uses the
  // lengths alone).
  const fixed = new Set([...shapeOnlyTensors(g), ...g.initializer.map((t) => t.name)]);
  const [, , scales, sizes] = n.input;
  if (sizes ? !fixed.has(sizes) : mode !== 'align_corners' || !scales || !fixed.has(scales)) return null;
  const output = n.input[0], logits = g.output[0].name;
  const [, channel, ih, iw] = g.input[0]?.dims ?? [];
  const channels = typeof channel === 'number' && channel > 0 ? channel : undefined;
  const size: [number, number] | undefined = typeof ih === 'number' && typeof iw === 'number' && ih > 0 && iw > 0 ? [ih, iw] : undefined;
  // The nodes the head's output needs (graph nodes are in topological order).
  const needed = new Set([output]), keep = new Array<boolean>(g.node.length).fill(false);
  for (let i = g.node.length - 1; i >= 0; i--) {
    if (!g.node[i].output.some((o) => needed.has(o))) continue;
    keep[i] = true;
    for (const name of namesRead(g.node[i])) needed.add(name);
  }
  g.node = g.node.filter((_, i) => keep[i]);
  g.output = [valueView(output, FLOAT, ['N', 'C', 'h', 'w'])];
  g.valueInfo = g.valueInfo.filter((v) => needed.has(v.name));
  g.initializer = usedInitializers(g);
  return { head: writeModel(m), output, mode, logits, channels, size };
}

/**
 * The least enlargement (output pixels per score pixel) for which label maps come from the head:
 * below it (ESPNetv2's last doubling of each side) ONNX Runtime's Resize and ArgMax cost about
 * what linear_resize_argmax.ts does.
 */
export const MIN_UPSCALE = 9;

/** The input that decides whether a head enlarges enough: zeros, 1 x channels (or 3) x the graph's fixed size (or 64 x 64). */
export function probeInput(tail: ResizeTail): { data: Float32Array; dims: [number, number, number, number] } {
  const c = tail.channels ?? 3, [h, w] = tail.size ?? [64, 64];
  return { data: new Float32Array(c * h * w), dims: [1, c, h, w] };
}

/** Whether the head's output ([1, C <= 256, h, w]) for probeInput's dims is enlarged at least MIN_UPSCALE times. */
export function enlargesEnough(probeOutputDims: readonly number[], probeDims: readonly number[]): boolean {
  const d = probeOutputDims;
  return d.length === 4 && d[1] <= 256 && d[2] * d[3] * MIN_UPSCALE <= probeDims[2] * probeDims[3];
}

/**
 * The label map [n, h, w] at the input's size (`inputDims` [n, c, h, w]) from the head's scores
 * (`data`, `dims`); null when they are not [n, C <= 256, h', w'] with h' w' at most h w / MIN_UPSCALE.
 */
export function labelsFromHead(data: unknown, dims: readonly number[], inputDims: readonly number[], mode: LinearResizeMode): Uint8Array | null {
  const [n, , h, w] = inputDims;
  if (dims.length !== 4 || dims[0] !== n || dims[1] > 256 || dims[2] * dims[3] * MIN_UPSCALE > h * w || !(data instanceof Float32Array)) return null;
  const [, C, sh, sw] = dims, labels = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) labels.set(linearResizeArgmax(data, i, C, sh, sw, h, w, mode), i * h * w);
  return labels;
}
