// An ONNX model read at the protobuf wire level into the few fields that graph surgery needs
// (nodes' names, types, inputs, outputs and attributes; initializers' names; the graph's inputs,
// outputs and value infos; the opset), each record keeping its own bytes, so that a graph written
// back from a view (some records dropped or replaced) carries every field it did not read
// unchanged. No Node imports and no protobuf library: the browser module cuts graphs with it too,
// and protobufjs (onnx-proto's runtime, with its 64-bit integer package) would add most of the
// browser bundle's size again for a varint reader (docs/ARCHITECTURE.md).

/** A field this view does not read, kept as read: its number and its encoding (tag included). */
interface RawField { no: number; bytes: Uint8Array }

export interface AttributeView {
  name: string;
  i?: number;
  s?: Uint8Array;
  g?: GraphView;
  graphs?: GraphView[];
}

export interface NodeView {
  opType: string; domain: string; name: string;
  input: string[]; output: string[];
  attribute: AttributeView[];
  /** The encoded NodeProto. */
  bytes: Uint8Array;
}

export interface ValueView {
  name: string;
  /** The tensor's element type and dimensions (numbers, or names for symbolic ones), where given. */
  elemType?: number;
  dims?: (number | string | null)[];
  bytes: Uint8Array;
}

export interface GraphView {
  node: NodeView[];
  initializer: { name: string; bytes: Uint8Array }[];
  input: ValueView[];
  output: ValueView[];
  valueInfo: ValueView[];
  /** Every other field of the GraphProto (name, doc string, sparse initializers, annotations). */
  rest: RawField[];
}

export interface ModelView {
  /** Operator set versions by domain ('' for the default domain). */
  opset: Map<string, number>;
  graph: GraphView;
  /** Every other field of the ModelProto. */
  rest: RawField[];
}

// Field numbers of onnx.proto.
const MODEL = { graph: 7, opsetImport: 8 }, OPSET = { domain: 1, version: 2 };
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13 };
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 };
const ATTR = { name: 1, i: 3, s: 4, g: 6, graphs: 11 };
const TENSOR_NAME = 8, VALUE = { name: 1, type: 2 }, TYPE_TENSOR = 1, TENSOR_TYPE = { elemType: 1, shape: 2 };
const SHAPE_DIM = 1, DIM = { value: 1, param: 2 };
const LEN = 2;

/** Protobuf's wire format, read: varints, fixed-size and length-delimited values. */
class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get len(): number { return this.buf.length; }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError('truncated protobuf message');
    return this.buf[this.pos++];
  }

  /** A varint of at most 32 bits (tags, lengths). */
  uint32(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) {
        if (v > 0xffffffff) break;
        return v;
      }
    }
    throw new RangeError('protobuf varint too long for a length or tag');
  }

  /** An int64 varint as a number (exact up to 2^53; negative values take ten bytes). */
  int64(): number {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return Number(BigInt.asIntN(64, v));
    }
    throw new RangeError('protobuf varint longer than ten bytes');
  }

  bytes(): Uint8Array {
    const n = this.uint32(), start = this.pos;
    if (start + n > this.buf.length) throw new RangeError('truncated protobuf message');
    this.pos += n;
    return this.buf.subarray(start, start + n);
  }

  string(): string { return new TextDecoder().decode(this.bytes()); }

  skip(wireType: number): void {
    if (wireType === 0) this.int64();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1 || wireType === 5) {
      this.pos += wireType === 1 ? 8 : 4;
      if (this.pos > this.buf.length) throw new RangeError('truncated protobuf message');
    } else throw new RangeError(`protobuf wire type ${wireType} (groups or not protobuf)`);
  }
}

/** Calls `f` for each field of a message: its number, a reader positioned at its value, its wire type and where its tag starts. */
function eachField(bytes: Uint8Array, f: (no: number, r: Reader, wireType: number, start: number) => void): void {
  const r = new Reader(bytes);
  while (r.pos < r.len) {
    const start = r.pos, tag = r.uint32(), no = tag >>> 3, wt = tag & 7;
    const at = r.pos;
    f(no, r, wt, start);
    if (r.pos === at) r.skip(wt); // a field `f` did not read
  }
}

/** The bytes of a length-delimited field's value (the reader moved past it). */
const sub = (r: Reader): Uint8Array => r.bytes();
const text = (r: Reader): string => r.string();
const int64 = (r: Reader): number => r.int64();

/** The fields of a message not in `known`, as encoded (tag included). */
function restOf(bytes: Uint8Array, known: Set<number>): RawField[] {
  const rest: RawField[] = [];
  eachField(bytes, (no, r, wt, start) => {
    if (known.has(no)) return;
    r.skip(wt);
    rest.push({ no, bytes: bytes.subarray(start, r.pos) });
  });
  return rest;
}

/**
 * The [height, width] an image graph's input fixes ([N, C, H, W], both numbers), or null where
 * either is left open (or the bytes cannot be read: the runtime says why when it opens them).
 */
export function fixedInputSize(bytes: Uint8Array): [number, number] | null {
  try {
    const g = readModel(bytes).graph, weights = new Set(g.initializer.map((t) => t.name));
    const d = g.input.find((v) => !weights.has(v.name))?.dims;
    return d?.length === 4 && typeof d[2] === 'number' && typeof d[3] === 'number' && d[2] > 0 && d[3] > 0 ? [d[2], d[3]] : null;
  } catch { return null; }
}

/** Reads an ONNX model; throws on bytes that are not a protobuf message. */
export function readModel(bytes: Uint8Array): ModelView {
  const opset = new Map<string, number>();
  let graph: GraphView | null = null;
  eachField(bytes, (no, r, wt) => {
    if (wt !== LEN) return;
    if (no === MODEL.graph) graph = readGraph(sub(r));
    else if (no === MODEL.opsetImport) {
      let domain = '', version = 0;
      eachField(sub(r), (n, q, w) => {
        if (n === OPSET.domain && w === LEN) domain = text(q);
        else if (n === OPSET.version && w === 0) version = int64(q);
      });
      opset.set(domain === 'ai.onnx' ? '' : domain, version);
    }
  });
  if (!graph) throw new Error('not an ONNX model (no graph)');
  return { opset, graph, rest: restOf(bytes, new Set([MODEL.graph])) };
}

function readGraph(bytes: Uint8Array): GraphView {
  const g: GraphView = { node: [], initializer: [], input: [], output: [], valueInfo: [], rest: [] };
  eachField(bytes, (no, r, wt) => {
    if (wt !== LEN) return;
    if (no === GRAPH.node) g.node.push(readNode(sub(r)));
    else if (no === GRAPH.initializer) {
      const b = sub(r);
      let name = '';
      eachField(b, (n, q, w) => { if (n === TENSOR_NAME && w === LEN) name = text(q); });
      g.initializer.push({ name, bytes: b });
    } else if (no === GRAPH.input) g.input.push(readValue(sub(r)));
    else if (no === GRAPH.output) g.output.push(readValue(sub(r)));
    else if (no === GRAPH.valueInfo) g.valueInfo.push(readValue(sub(r)));
  });
  g.rest = restOf(bytes, new Set(Object.values(GRAPH)));
  return g;
}

function readNode(bytes: Uint8Array): NodeView {
  const n: NodeView = { opType: '', domain: '', name: '', input: [], output: [], attribute: [], bytes };
  eachField(bytes, (no, r, wt) => {
    if (wt !== LEN) return;
    if (no === NODE.input) n.input.push(text(r));
    else if (no === NODE.output) n.output.push(text(r));
    else if (no === NODE.name) n.name = text(r);
    else if (no === NODE.opType) n.opType = text(r);
    else if (no === NODE.domain) n.domain = text(r);
    else if (no === NODE.attribute) n.attribute.push(readAttribute(sub(r)));
  });
  return n;
}

function readAttribute(bytes: Uint8Array): AttributeView {
  const a: AttributeView = { name: '' };
  eachField(bytes, (no, r, wt) => {
    if (no === ATTR.name && wt === LEN) a.name = text(r);
    else if (no === ATTR.i && wt === 0) a.i = int64(r);
    else if (no === ATTR.s && wt === LEN) a.s = sub(r);
    else if (no === ATTR.g && wt === LEN) a.g = readGraph(sub(r));
    else if (no === ATTR.graphs && wt === LEN) (a.graphs ??= []).push(readGraph(sub(r)));
  });
  return a;
}

function readValue(bytes: Uint8Array): ValueView {
  const v: ValueView = { name: '', bytes };
  eachField(bytes, (no, r, wt) => {
    if (wt !== LEN) return;
    if (no === VALUE.name) v.name = text(r);
    else if (no === VALUE.type) eachField(sub(r), (n, q, w) => {
      if (n !== TYPE_TENSOR || w !== LEN) return;
      eachField(sub(q), (m, t, x) => {
        if (m === TENSOR_TYPE.elemType && x === 0) v.elemType = int64(t);
        else if (m === TENSOR_TYPE.shape && x === LEN) {
          v.dims = [];
          eachField(sub(t), (k, s, y) => {
            if (k !== SHAPE_DIM || y !== LEN) return;
            let dim: number | string | null = null;
            eachField(sub(s), (d, u, z) => {
              if (d === DIM.value && z === 0) dim = int64(u);
              else if (d === DIM.param && z === LEN) dim = text(u);
            });
            v.dims!.push(dim);
          });
        }
      });
    });
  });
  return v;
}

/** The encoded model: the view's records (as they now are) and every field it did not read. */
export function writeModel(m: ModelView): Uint8Array {
  return concat([...m.rest.map((f) => f.bytes), ...lengthDelimited(MODEL.graph, writeGraph(m.graph))]);
}

function writeGraph(g: GraphView): Uint8Array {
  const parts: Uint8Array[] = [];
  const each = (no: number, items: { bytes: Uint8Array }[]) => { for (const it of items) parts.push(...lengthDelimited(no, it.bytes)); };
  each(GRAPH.node, g.node);
  each(GRAPH.initializer, g.initializer);
  each(GRAPH.input, g.input);
  each(GRAPH.output, g.output);
  each(GRAPH.valueInfo, g.valueInfo);
  for (const f of g.rest) parts.push(f.bytes);
  return concat(parts);
}

/** A varint (a non-negative integer up to 2^53, or a negative int64 in ten bytes). */
function varint(v: number): Uint8Array {
  const out: number[] = [];
  if (v < 0) {
    let u = BigInt.asUintN(64, BigInt(v));
    while (u >= 0x80n) { out.push(Number(u & 0x7fn) | 0x80); u >>= 7n; }
    out.push(Number(u));
  } else {
    while (v >= 0x80) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
    out.push(v);
  }
  return Uint8Array.from(out);
}

/** A length-delimited field: its tag and length, then the value itself (not copied until concat). */
const lengthDelimited = (no: number, value: Uint8Array): Uint8Array[] => [varint((no << 3) | LEN), varint(value.length), value];
const varintField = (no: number, v: number): Uint8Array[] => [varint(no << 3), varint(v)];
const textField = (no: number, v: string): Uint8Array[] => lengthDelimited(no, new TextEncoder().encode(v));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A tensor value info: `name`, element type (onnx TensorProto.DataType) and dimensions (numbers or symbolic names). */
export function valueView(name: string, elemType: number, dims: (number | string)[]): ValueView {
  const shape = concat(dims.flatMap((d) => lengthDelimited(SHAPE_DIM, concat(typeof d === 'number' ? varintField(DIM.value, d) : textField(DIM.param, d)))));
  const tensor = concat([...varintField(TENSOR_TYPE.elemType, elemType), ...lengthDelimited(TENSOR_TYPE.shape, shape)]);
  const type = concat(lengthDelimited(TYPE_TENSOR, tensor));
  const bytes = concat([...textField(VALUE.name, name), ...lengthDelimited(VALUE.type, type)]);
  return { name, elemType, dims, bytes };
}
