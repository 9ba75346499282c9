// A Python pickle reader for the subset PyTorch checkpoints use (protocols 2-5). No code runs:
// GLOBAL yields a named reference, REDUCE/NEWOBJ/BUILD call only the constructors the caller
// allows; any other opcode or global is an error naming it.
import { UserError } from '../util/errors.js';

export class PyGlobal { constructor(readonly module: string, readonly name: string) {} get qualified() { return `${this.module}.${this.name}`; } }
export type PyValue = unknown;

export interface PickleHooks {
  /** Called for REDUCE/NEWOBJ on a global: return the constructed value or throw. */
  call(fn: PyGlobal, args: PyValue[]): PyValue;
  /** BINPERSID / PERSID payloads (PyTorch storages). */
  persistentLoad?(pid: PyValue): PyValue;
}

const MARK = Symbol('mark');

export class PickleReader {
  pos = 0;
  private readonly dv: DataView;
  constructor(readonly buf: Uint8Array, readonly origin: string, private readonly hooks: PickleHooks, start = 0) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }

  private fail(msg: string): never { throw new UserError(`${this.origin}: ${msg}`); }
  private u8() { if (this.pos >= this.buf.length) this.fail('truncated pickle'); return this.buf[this.pos++]; }
  private u16() { const v = this.dv.getUint16(this.pos, true); this.pos += 2; return v; }
  private u32() { const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  private i32() { const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  private bytes(n: number) { if (this.pos + n > this.buf.length) this.fail('truncated pickle'); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  private str(n: number) { return new TextDecoder().decode(this.bytes(n)); }
  private line() { const e = this.buf.indexOf(10, this.pos); if (e < 0) this.fail('truncated pickle'); const s = new TextDecoder('latin1').decode(this.buf.subarray(this.pos, e)); this.pos = e + 1; return s; }

  private longFromBytes(b: Uint8Array): number | bigint {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** Reads one pickle (up to STOP) and returns its value. */
  load(): PyValue {
    const stack: PyValue[] = [];
    const memo = new Map<number, PyValue>();
    const popMark = (): PyValue[] => {
      const i = stack.lastIndexOf(MARK);
      if (i < 0) this.fail('pickle MARK missing');
      const items = stack.splice(i + 1);
      stack.pop();
      return items;
    };
    const top = () => stack[stack.length - 1];
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x80: this.u8(); break; // PROTO
        case 0x95: this.pos += 8; break; // FRAME
        case 0x2e: return stack.pop(); // STOP
        case 0x28: stack.push(MARK); break; // MARK
        case 0x4e: stack.push(null); break; // NONE
        case 0x88: stack.push(true); break; // NEWTRUE
        case 0x89: stack.push(false); break; // NEWFALSE
        case 0x4b: stack.push(this.u8()); break; // BININT1
        case 0x4d: stack.push(this.u16()); break; // BININT2
        case 0x4a: stack.push(this.i32()); break; // BININT
        case 0x8a: stack.push(this.longFromBytes(this.bytes(this.u8()))); break; // LONG1
        case 0x8b: stack.push(this.longFromBytes(this.bytes(this.u32()))); break; // LONG4
        case 0x49: { const l = this.line(); stack.push(l === '01' ? true : l === '00' ? false : parseInt(l, 10)); break; } // INT
        case 0x4c: stack.push(parseInt(this.line().replace(/L$/, ''), 10)); break; // LONG
        case 0x47: { const v = this.dv.getFloat64(this.pos, false); this.pos += 8; stack.push(v); break; } // BINFLOAT
        case 0x8c: stack.push(this.str(this.u8())); break; // SHORT_BINUNICODE
        case 0x58: stack.push(this.str(this.u32())); break; // BINUNICODE
        case 0x8d: { const n = Number(this.dv.getBigUint64(this.pos, true)); this.pos += 8; stack.push(this.str(n)); break; } // BINUNICODE8
        case 0x55: stack.push(new TextDecoder('latin1').decode(this.bytes(this.u8()))); break; // SHORT_BINSTRING
        case 0x54: stack.push(new TextDecoder('latin1').decode(this.bytes(this.u32()))); break; // BINSTRING
        case 0x43: stack.push(this.bytes(this.u8()).slice()); break; // SHORT_BINBYTES
        case 0x42: stack.push(this.bytes(this.u32()).slice()); break; // BINBYTES
        case 0x29: stack.push([]); break; // EMPTY_TUPLE
        case 0x74: stack.push(popMark()); break; // TUPLE
        case 0x85: stack.push([stack.pop()]); break; // TUPLE1
        case 0x86: { const b = stack.pop(), a = stack.pop(); stack.push([a, b]); break; } // TUPLE2
        case 0x87: { const c = stack.pop(), b = stack.pop(), a = stack.pop(); stack.push([a, b, c]); break; } // TUPLE3
        case 0x5d: stack.push([]); break; // EMPTY_LIST
        case 0x6c: stack.push(popMark()); break; // LIST
        case 0x61: { const v = stack.pop(); (top() as PyValue[]).push(v); break; } // APPEND
        case 0x65: { const items = popMark(); (top() as PyValue[]).push(...items); break; } // APPENDS
        case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
        case 0x64: { const items = popMark(); const m = new Map(); for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]); stack.push(m); break; } // DICT
        case 0x73: { const v = stack.pop(), k = stack.pop(); (top() as Map<PyValue, PyValue>).set(k, v); break; } // SETITEM
        case 0x75: { const items = popMark(); const m = top() as Map<PyValue, PyValue>; for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]); break; } // SETITEMS
        case 0x71: memo.set(this.u8(), top()); break; // BINPUT
        case 0x72: memo.set(this.u32(), top()); break; // LONG_BINPUT
        case 0x70: memo.set(parseInt(this.line(), 10), top()); break; // PUT
        case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
        case 0x68: stack.push(memo.get(this.u8())); break; // BINGET
        case 0x6a: stack.push(memo.get(this.u32())); break; // LONG_BINGET
        case 0x67: stack.push(memo.get(parseInt(this.line(), 10))); break; // GET
        case 0x63: { const mod = this.line(); const name = this.line(); stack.push(new PyGlobal(mod, name)); break; } // GLOBAL
        case 0x93: { const name = stack.pop() as string, mod = stack.pop() as string; stack.push(new PyGlobal(mod, name)); break; } // STACK_GLOBAL
        case 0x52: case 0x81: { // REDUCE, NEWOBJ
          const args = stack.pop() as PyValue[], fn = stack.pop();
          if (!(fn instanceof PyGlobal)) this.fail('pickle calls a non-global');
          stack.push(this.hooks.call(fn, args));
          break;
        }
        case 0x62: { // BUILD: set state; we keep plain objects' state, ignore OrderedDict metadata
          const state = stack.pop();
          const obj = top();
          if (obj && typeof obj === 'object' && !(obj instanceof Map) && state instanceof Map) {
            for (const [k, v] of state) (obj as Record<string, PyValue>)[String(k)] = v;
          }
          break;
        }
        case 0x51: { const pid = stack.pop(); if (!this.hooks.persistentLoad) this.fail('unexpected persistent id'); stack.push(this.hooks.persistentLoad(pid)); break; } // BINPERSID
        case 0x50: { const pid = this.line(); if (!this.hooks.persistentLoad) this.fail('unexpected persistent id'); stack.push(this.hooks.persistentLoad(pid)); break; } // PERSID
        case 0x30: stack.pop(); break; // POP
        case 0x31: popMark(); break; // POP_MARK
        case 0x32: stack.push(top()); break; // DUP
        default:
          this.fail(`unsupported pickle opcode 0x${op.toString(16)} at byte ${this.pos - 1}; only PyTorch state_dict checkpoints are supported`);
      }
    }
  }
}
