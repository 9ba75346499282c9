// Reading a FlatBuffers file by its schema (fbs_schema.ts) with the `flatbuffers` package's
// ByteBuffer: every table becomes a plain object of its present fields; vectors of bytes stay views
// of the file (weights are not copied). Every offset is checked against the file's length first,
// so a truncated or foreign file is one clear error, never a read past the end.
import { ByteBuffer } from 'flatbuffers';
import type { FbsField, FbsScalar, FbsSchema, FbsType } from './fbs_schema.js';

export type FbValue = number | bigint | boolean | string | Uint8Array | FbValue[] | FbTable | null;
export interface FbTable { [field: string]: FbValue }

export class FlatbufferError extends Error {}

const UTF8 = new TextDecoder();
const SIZE: Record<FbsScalar, number> = { bool: 1, byte: 1, ubyte: 1, short: 2, ushort: 2, int: 4, uint: 4, long: 8, ulong: 8, float: 4, double: 8 };

export class FlatbufferReader {
  private readonly bb: ByteBuffer;
  constructor(private readonly schema: FbsSchema, private readonly bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
  }

  /** The root table (checked against the schema's file identifier when it has one). */
  root(): FbTable {
    this.need(0, 8);
    const id = this.schema.fileIdentifier;
    if (id && String.fromCharCode(...this.bytes.subarray(4, 8)) !== id) throw new FlatbufferError(`no "${id}" file identifier`);
    return this.table(this.schema.rootType, this.bb.readUint32(0));
  }

  private need(pos: number, len: number): void {
    if (!(pos >= 0 && len >= 0 && pos + len <= this.bytes.length)) throw new FlatbufferError(`offset ${pos}+${len} is past the end (${this.bytes.length} bytes): the file is truncated or not of this format`);
  }

  private table(name: string, pos: number): FbTable {
    this.need(pos, 4);
    const vtable = pos - this.bb.readInt32(pos);
    this.need(vtable, 4);
    const vlen = this.bb.readUint16(vtable);
    this.need(vtable, vlen);
    const fields = this.schema.tables[name];
    const out: FbTable = {};
    for (const f of fields) {
      if (f.deprecated) continue;
      const off = 4 + 2 * f.slot < vlen ? this.bb.readUint16(vtable + 4 + 2 * f.slot) : 0;
      out[f.name] = off ? this.value(f, f.type, pos + off, pos, vtable, vlen) : this.absent(f);
    }
    return out;
  }

  private absent(f: FbsField): FbValue {
    if (f.type.kind === 'scalar' || f.type.kind === 'enum') return f.type.kind === 'scalar' && f.type.scalar === 'bool' ? !!f.default : f.default ?? 0;
    return null;
  }

  private scalar(s: FbsScalar, at: number): number | bigint | boolean {
    this.need(at, SIZE[s]);
    switch (s) {
      case 'bool': return this.bb.readUint8(at) !== 0;
      case 'byte': return this.bb.readInt8(at);
      case 'ubyte': return this.bb.readUint8(at);
      case 'short': return this.bb.readInt16(at);
      case 'ushort': return this.bb.readUint16(at);
      case 'int': return this.bb.readInt32(at);
      case 'uint': return this.bb.readUint32(at);
      case 'long': return this.bb.readInt64(at);
      case 'ulong': return this.bb.readUint64(at);
      case 'float': return this.bb.readFloat32(at);
      case 'double': return this.bb.readFloat64(at);
    }
  }

  private deref(at: number): number { this.need(at, 4); return at + this.bb.readUint32(at); }

  private value(f: FbsField, t: FbsType, at: number, pos: number, vtable: number, vlen: number): FbValue {
    switch (t.kind) {
      case 'scalar': case 'enum': return this.scalar(t.scalar, at);
      case 'string': { const s = this.deref(at); this.need(s, 4); const n = this.bb.readUint32(s); this.need(s + 4, n); return UTF8.decode(this.bytes.subarray(s + 4, s + 4 + n)); }
      case 'table': return this.table(t.name, this.deref(at));
      case 'union': {
        const toff = 4 + 2 * (f.slot - 1) < vlen ? this.bb.readUint16(vtable + 4 + 2 * (f.slot - 1)) : 0;
        const member = this.schema.unions[t.name][toff ? this.bb.readUint8(pos + toff) : 0];
        if (!member || member === 'NONE' || !this.schema.tables[member]) return null;
        return { type: member, value: this.table(member, this.deref(at)) };
      }
      case 'vector': {
        const v = this.deref(at);
        this.need(v, 4);
        const n = this.bb.readUint32(v), start = v + 4, of = t.of;
        if (of.kind === 'scalar' && (of.scalar === 'ubyte' || of.scalar === 'byte')) { this.need(start, n); return this.bytes.subarray(start, start + n); }
        if (of.kind === 'scalar' || of.kind === 'enum') {
          const size = SIZE[of.scalar];
          this.need(start, n * size);
          return Array.from({ length: n }, (_, i) => this.scalar(of.scalar, start + i * size) as number);
        }
        this.need(start, n * 4);
        return Array.from({ length: n }, (_, i) => this.value(f, of, start + i * 4, pos, vtable, vlen));
      }
    }
  }
}
