// TensorFlow Lite models (.tflite): the flatbuffer read by TensorFlow's own schema (tflite_schema.ts,
// generated from schema.fbs) into a graph of tensors and operators, with each constant tensor's
// bytes and quantisation. Knows nothing of what the operators compute (the importer's business).
import { FlatbufferError, FlatbufferReader, type FbTable, type FbValue } from './flatbuffer.js';
import { TFLITE_SCHEMA } from './tflite_schema.js';
import { readTfliteMetadata, type TfliteMetadata } from './tflite_metadata.js';
import { UserError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';

export interface TfliteQuantization { scale: number[]; zeroPoint: number[]; quantizedDimension: number }

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  /** TensorType name: FLOAT32, FLOAT16, INT8, UINT8, INT32, INT64, ... */
  type: string;
  /** Constant data (little-endian, row-major), or null for an activation. */
  data: Uint8Array | null;
  quantization: TfliteQuantization | null;
  /** The shape with -1 where a dimension is not fixed (shape_signature), when the file gives one; `shape` then holds 1 there. */
  signature?: number[] | null;
}

export interface TfliteOperator {
  index: number;
  /** BuiltinOperator name (CONV_2D, ...), or CUSTOM with `custom` naming it. */
  op: string;
  custom?: string;
  inputs: number[];
  outputs: number[];
  /** The op's builtin options table (its fields by their schema names), and that table's name. */
  options: FbTable | null;
  optionsType: string | null;
  /** Raw custom options bytes (custom ops). */
  customOptions: Uint8Array | null;
}

export interface TfliteGraph {
  description: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
  /** What the file says about itself (TF Lite Support metadata), when it says it. */
  metadata?: TfliteMetadata | null;
  /** Why metadata the file has could not be read (the graph is read all the same). */
  metadataProblem?: string | null;
}

const name = (enumName: string, v: number): string => {
  const values = TFLITE_SCHEMA.enums[enumName].values;
  return Object.keys(values).find((k) => values[k] === v) ?? `${enumName}(${v})`;
};
const arr = (v: FbValue): number[] => (Array.isArray(v) ? v.map(Number) : []);
const tbl = (v: FbValue): FbTable => (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? v as FbTable : {});

/**
 * The main subgraph of a .tflite file's bytes. `file` names it in errors: not a TensorFlow Lite
 * flatbuffer (no "TFL3" identifier: a text file, another format) or cut short.
 */
export function readTflite(bytes: Uint8Array, file = 'TFLite bytes'): TfliteGraph {
  expectArgs('readTflite', [['bytes', bytes, 'bytes']]);
  let model: FbTable;
  try { model = new FlatbufferReader(TFLITE_SCHEMA, bytes).root(); } catch (e) {
    if (!(e instanceof FlatbufferError)) throw e;
    if (/identifier/.test(e.message)) throw new UserError(`${file}: not a TensorFlow Lite model (no "TFL3" flatbuffer identifier at byte 4)`);
    throw new UserError(`${file}: truncated or damaged TensorFlow Lite file (${e.message})`);
  }
  const subgraphs = (model.subgraphs as FbValue[] | null) ?? [];
  if (!subgraphs.length) throw new UserError(`${file}: a TensorFlow Lite file without a graph`);
  const g = tbl(subgraphs[0]);
  const buffers = ((model.buffers as FbValue[] | null) ?? []).map(tbl);
  const codes = ((model.operator_codes as FbValue[] | null) ?? []).map(tbl);
  const dataOf = (b: number): Uint8Array | null => {
    const buf = buffers[b];
    if (!buf) return null;
    const offset = Number(buf.offset ?? 0), size = Number(buf.size ?? 0);
    // Data stored after the flatbuffer (models over 2 GB, or written so): offset from the file's start.
    if (offset > 1) {
      if (offset + size > bytes.length) throw new UserError(`${file}: truncated TensorFlow Lite file (buffer ${b} ends at byte ${offset + size} of ${bytes.length})`);
      return bytes.subarray(offset, offset + size);
    }
    const d = buf.data as Uint8Array | null;
    return d && d.length ? d : null;
  };
  const tensors: TfliteTensor[] = ((g.tensors as FbValue[] | null) ?? []).map(tbl).map((t, index) => {
    const q = t.quantization ? tbl(t.quantization) : null;
    const scale = q ? arr(q.scale) : [];
    return {
      index, name: String(t.name ?? ''), shape: arr(t.shape), type: name('TensorType', Number(t.type)), data: dataOf(Number(t.buffer)),
      quantization: q && scale.length ? { scale, zeroPoint: arr(q.zero_point), quantizedDimension: Number(q.quantized_dimension ?? 0) } : null,
      signature: Array.isArray(t.shape_signature) ? arr(t.shape_signature) : null,
    };
  });
  for (const t of tensors) checkTensor(t, file);
  const operators: TfliteOperator[] = ((g.operators as FbValue[] | null) ?? []).map(tbl).map((o, index) => {
    const code = codes[Number(o.opcode_index)];
    if (!code) throw new UserError(`${file}: operator ${index} names operator code ${o.opcode_index}, which the file does not list`);
    // Files of old converters set only the deprecated 8-bit field; new ones both (127 there for codes >= 127).
    const op = name('BuiltinOperator', Math.max(Number(code.builtin_code ?? 0), Number(code.deprecated_builtin_code ?? 0)));
    const opts = o.builtin_options as { type: string; value: FbTable } | null;
    return {
      index, op, ...(op === 'CUSTOM' ? { custom: String(code.custom_code ?? '') } : {}), inputs: arr(o.inputs), outputs: arr(o.outputs),
      options: opts?.value ?? null, optionsType: opts?.type ?? null, customOptions: (o.custom_options as Uint8Array | null) ?? null,
    };
  });
  const meta = readTfliteMetadata(bytes, ((model.metadata as FbValue[] | null) ?? []).map(tbl), dataOf);
  return {
    description: String(model.description ?? ''), tensors, operators, inputs: arr(g.inputs), outputs: arr(g.outputs),
    metadata: typeof meta === 'string' ? null : meta, metadataProblem: typeof meta === 'string' ? meta : null,
  };
}

/** Bytes per element of the tensor types whose constants are read as numbers. */
const ELEMENT_BYTES: Record<string, number> = { FLOAT32: 4, FLOAT16: 2, FLOAT64: 8, INT8: 1, UINT8: 1, INT16: 2, UINT16: 2, INT32: 4, UINT32: 4, INT64: 8, BOOL: 1 };
/** TFLite's kernels take tensors of up to 6 dimensions; over 8 (a margin) is a damaged file. */
const MAX_RANK = 8;

/**
 * A tensor whose shape cannot be (a negative side, too many dimensions) or whose constant data is
 * not the size its shape says: refused here, before a converter loops over sides its data lacks.
 */
function checkTensor(t: TfliteTensor, file: string): void {
  const shown = () => `[${t.shape.slice(0, MAX_RANK).join(', ')}${t.shape.length > MAX_RANK ? ', ...' : ''}]`;
  if (t.shape.length > MAX_RANK || t.shape.some((d) => !Number.isInteger(d) || d < 0 || d > 2 ** 31 - 1)) {
    throw new UserError(`${file}: tensor ${t.index} (${t.name}) has the shape ${shown()}; the file is damaged`);
  }
  const per = ELEMENT_BYTES[t.type];
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data && per && t.data.length !== count * per) {
    throw new UserError(`${file}: tensor ${t.index} (${t.name}) holds ${t.data.length} bytes where its shape ${shown()} of ${t.type} needs ${count * per}; the file is damaged`);
  }
}

/** How many operators of each kind a graph has (custom ops by their own name). */
export function operatorCounts(g: TfliteGraph): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of g.operators) { const k = o.custom ? `CUSTOM ${o.custom}` : o.op; out[k] = (out[k] ?? 0) + 1; }
  return out;
}
