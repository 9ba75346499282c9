// A segmentation graph whose class scores end in a linear Resize (to the input's size, as
// pixelwise's exports and most imported graphs do), cut before that Resize: the head gives the
// low-resolution scores, and linear_resize_argmax.ts turns them into the label map the whole
// graph's Resize and ArgMax would give, without the full-size score planes.
import { FLOAT, onnx, valueInfo, type O } from '../formats/onnx_proto.js';
import { dropUnusedInitializers, namesRead, shapeOnlyTensors } from './onnx_static.js';
import { LINEAR_RESIZE_MODES, type LinearResizeMode } from './linear_resize_argmax.js';

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
}

/**
 * The head of a graph whose first output comes from a linear Resize (through Identity nodes at
 * most); null for any other graph, and for Resize attributes that linear_resize_argmax.ts does not
 * compute (antialiasing, axes, an aspect-ratio policy, Resize-10's coordinates, scales other
 * than output / input) or whose output size depends on the input's values.
 */
export function linearResizeTail(bytes: Uint8Array): ResizeTail | null {
  let m: O.IModelProto;
  try { m = onnx.ModelProto.decode(bytes); } catch { return null; } // not ONNX: opening the whole graph says why
  const g = m.graph;
  if (!g?.output?.length) return null;
  const opset = Number(m.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  const producer = new Map<string, O.INodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producer.set(o, n);
  let n = producer.get(g.output[0].name!);
  while (n?.opType === 'Identity' && !n.domain) n = producer.get(n.input![0]);
  if (!n || n.opType !== 'Resize' || n.domain || opset < 11) return null;
  const attr = (name: string) => n!.attribute?.find((a) => a.name === name);
  const text = (name: string, fallback: string) => { const a = attr(name); return a?.s ? new TextDecoder().decode(a.s) : fallback; };
  const mode = text('coordinate_transformation_mode', 'half_pixel') as LinearResizeMode;
  if (text('mode', 'nearest') !== 'linear' || !LINEAR_RESIZE_MODES.includes(mode)) return null;
  if (Number(attr('antialias')?.i ?? 0) !== 0 || attr('axes') || text('keep_aspect_ratio_policy', 'stretch') !== 'stretch') return null;
  // The output size must follow from the input's shape (never its values), and the scales
  // linear_resize_argmax.ts uses are output / input: sizes given, or align_corners (which uses the
  // lengths alone).
  const fixed = new Set([...shapeOnlyTensors(g), ...(g.initializer ?? []).map((t) => t.name!)]);
  const [, , scales, sizes] = n.input ?? [];
  if (sizes ? !fixed.has(sizes) : mode !== 'align_corners' || !scales || !fixed.has(scales)) return null;
  const output = n.input![0], logits = g.output[0].name!;
  const channels = Number(g.input?.[0]?.type?.tensorType?.shape?.dim?.[1]?.dimValue ?? 0) || undefined;
  // The nodes the head's output needs (graph nodes are in topological order).
  const needed = new Set([output]), nodes = g.node!, keep = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (!(nodes[i].output ?? []).some((o) => needed.has(o))) continue;
    keep[i] = true;
    for (const name of namesRead(nodes[i])) needed.add(name);
  }
  g.node = nodes.filter((_, i) => keep[i]);
  g.output = [valueInfo(output, FLOAT, ['N', 'C', 'h', 'w'])];
  g.valueInfo = (g.valueInfo ?? []).filter((v) => needed.has(v.name!));
  dropUnusedInitializers(g);
  return { head: onnx.ModelProto.encode(m).finish(), output, mode, logits, channels };
}
