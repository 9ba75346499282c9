// safetensors: 8-byte little-endian header length, a JSON header (dtype, shape, byte offsets per
// tensor, optional string metadata), then the raw little-endian data. Used for our checkpoints
// and for importing weights trained elsewhere.
import fs from 'node:fs';
import { UserError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { writeFileAtomic } from '../util/fs.js';
import { bf16ToF32, f16ToF32 } from './half_floats.js';

export type STDtype = 'F32' | 'F16' | 'F64' | 'I32' | 'I64' | 'U8' | 'I8' | 'BF16';
export interface NamedArray { name: string; shape: number[]; data: Float32Array | Int32Array | Uint8Array }
export interface SafeTensors { tensors: Map<string, { shape: number[]; dtype: STDtype; data: Float32Array | Int32Array | Uint8Array }>; metadata: Record<string, string> }

const BYTES: Record<STDtype, number> = { F32: 4, F16: 2, F64: 8, I32: 4, I64: 8, U8: 1, I8: 1, BF16: 2 };

function dtypeOf(a: NamedArray['data']): STDtype {
  if (a instanceof Float32Array) return 'F32';
  if (a instanceof Int32Array) return 'I32';
  return 'U8';
}

export function encodeSafetensors(tensors: NamedArray[], metadata: Record<string, string> = {}): Uint8Array {
  expectArgs('encodeSafetensors', [['tensors', tensors, 'array']]);
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const n = t.data.byteLength;
    header[t.name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' '; // keep the data 8-byte aligned
  const hbytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hbytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let p = 8 + hbytes.length;
  for (const t of tensors) { out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p); p += t.data.byteLength; }
  return out;
}

export function writeSafetensors(file: string, tensors: NamedArray[], metadata: Record<string, string> = {}): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

export function decodeSafetensors(buf: Uint8Array, name = 'safetensors'): SafeTensors {
  expectArgs('decodeSafetensors', [['buf', buf, 'bytes']]);
  if (buf.length < 8) throw new UserError(`${name}: too short to be a safetensors file`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hlen = Number(dv.getBigUint64(0, true));
  if (hlen <= 0 || 8 + hlen > buf.length) throw new UserError(`${name}: bad safetensors header length`);
  let header: Record<string, { dtype: STDtype; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try { header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + hlen))); } catch {
    throw new UserError(`${name}: safetensors header is not valid JSON`);
  }
  const base = 8 + hlen;
  const tensors: SafeTensors['tensors'] = new Map();
  let metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(header)) {
    if (key === '__metadata__') {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${name}: __metadata__ is not an object of strings`);
      metadata = v as Record<string, string>;
      continue;
    }
    const info = v as { dtype: STDtype; shape: number[]; data_offsets: [number, number] };
    const isIndex = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
    if (!info || !Array.isArray(info.shape) || !info.shape.every(isIndex) || !Array.isArray(info.data_offsets) || info.data_offsets.length !== 2 || !info.data_offsets.every(isIndex)) {
      throw new UserError(`${name}: tensor ${key} has a malformed entry (dtype, shape, data_offsets) in the header`);
    }
    const [a, b] = info.data_offsets;
    if (!(info.dtype in BYTES)) throw new UserError(`${name}: tensor ${key} has unsupported dtype ${info.dtype}`);
    const n = info.shape.reduce((x, y) => x * y, 1);
    if (b - a !== n * BYTES[info.dtype] || base + b > buf.length) throw new UserError(`${name}: tensor ${key} has inconsistent offsets`);
    // Copy (Buffer.slice would be a view): aligned and independent of the file buffer.
    const bytes = new Uint8Array(buf.subarray(base + a, base + b));
    const bdv = new DataView(bytes.buffer);
    let data: Float32Array | Int32Array | Uint8Array;
    switch (info.dtype) {
      case 'F32': data = new Float32Array(bytes.buffer); break;
      case 'I32': data = new Int32Array(bytes.buffer); break;
      case 'U8': data = bytes; break;
      case 'F64': data = Float32Array.from({ length: n }, (_, i) => bdv.getFloat64(i * 8, true)); break;
      case 'F16': data = Float32Array.from({ length: n }, (_, i) => f16ToF32(bdv.getUint16(i * 2, true))); break;
      case 'BF16': data = Float32Array.from({ length: n }, (_, i) => bf16ToF32(bdv.getUint16(i * 2, true))); break;
      case 'I64': data = Int32Array.from({ length: n }, (_, i) => Number(bdv.getBigInt64(i * 8, true))); break;
      case 'I8': data = Int32Array.from({ length: n }, (_, i) => bdv.getInt8(i)); break;
    }
    tensors.set(key, { shape: info.shape, dtype: info.dtype, data });
  }
  return { tensors, metadata };
}

export function readSafetensors(file: string): SafeTensors {
  expectArgs('readSafetensors', [['file', file, 'string']]);
  let buf: Uint8Array;
  try { buf = fs.readFileSync(file); } catch { throw new UserError(`${file}: cannot read file`); }
  return decodeSafetensors(buf, file);
}
