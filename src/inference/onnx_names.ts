// Which tensors the nodes of an ONNX graph read, and which depend on the input's shape alone:
// over onnx-proto's objects (onnx_static.ts) and the wire-level view (formats/onnx_view.ts) alike.

interface NodeLike {
  opType?: string | null;
  input?: string[] | null;
  output?: string[] | null;
  attribute?: { g?: GraphLike | null; graphs?: GraphLike[] | null }[] | null;
}
interface GraphLike {
  node?: NodeLike[] | null;
  initializer?: { name?: string | null }[] | null;
  output?: { name?: string | null }[] | null;
}

/** Op types whose output depends on the input's shape, not its values. */
const SHAPE_SOURCES = new Set(['Shape', 'Size']);

/** The tensor names a node reads: its inputs and those its subgraphs (If, Loop) read from outside. */
export function namesRead(n: NodeLike): string[] {
  const names = [...(n.input ?? [])];
  for (const a of n.attribute ?? []) for (const sub of [a.g, ...(a.graphs ?? [])]) for (const m of sub?.node ?? []) names.push(...namesRead(m));
  return names;
}

/** Names computed from the input's shape and constants only (not its values), in graph order. */
export function shapeOnlyTensors(g: GraphLike): Set<string> {
  const constant = new Set((g.initializer ?? []).map((t) => t.name!));
  const shapeOnly = new Set<string>();
  for (const n of g.node ?? []) {
    if (n.attribute?.some((a) => a.g || a.graphs?.length)) continue; // If/Loop: left to inlining
    const ins = (n.input ?? []).filter((i) => i !== '');
    // Constants and their derivatives count too (folded with the rest).
    const fromShape = SHAPE_SOURCES.has(n.opType!) || ins.every((i) => constant.has(i) || shapeOnly.has(i));
    if (fromShape) for (const o of n.output ?? []) shapeOnly.add(o);
  }
  return shapeOnly;
}

/** The initializers some node or graph output reads (ONNX Runtime warns about each other one). */
export function usedInitializers<T extends { name?: string | null }>(g: Omit<GraphLike, 'initializer'> & { initializer?: T[] | null }): T[] {
  const read = new Set<string>((g.output ?? []).map((o) => o.name!));
  for (const n of g.node ?? []) for (const i of namesRead(n)) read.add(i);
  return (g.initializer ?? []).filter((t) => read.has(t.name!));
}
