// PyTorch checkpoints read in TypeScript, no Python: the zip format (torch >= 1.6: archive/data.pkl
// + archive/data/<key>) and the legacy format (pre-1.6: magic, protocol and sys-info pickles, the
// object pickle, the storage-key list, then per storage an int64 element count and raw data).
// Tensors come back as float32 in PyTorch's own layout (NCHW / OIHW) with their shapes.
import fs from 'node:fs';
import { unzipSync } from 'fflate';
import { PickleReader, PyGlobal, type PyValue } from './pickle.js';
import { UserError } from '../util/errors.js';
import { isFile } from '../util/fs.js';
import { readSafetensors } from './safetensors.js';
import { bf16ToF32, f16ToF32 } from './half_floats.js';

export interface TorchTensor { shape: number[]; data: Float32Array; dtype: string }

interface Storage { key: string; dtype: string; itemSize: number; numel: number; data?: Float32Array }
class TensorRef { constructor(readonly storage: Storage, readonly offset: number, readonly size: number[], readonly stride: number[]) {} }

const STORAGE: Record<string, [string, number]> = {
  FloatStorage: ['float32', 4], DoubleStorage: ['float64', 8], HalfStorage: ['float16', 2], BFloat16Storage: ['bfloat16', 2],
  LongStorage: ['int64', 8], IntStorage: ['int32', 4], ShortStorage: ['int16', 2], CharStorage: ['int8', 1],
  ByteStorage: ['uint8', 1], BoolStorage: ['bool', 1],
};

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function decodeStorage(bytes: Uint8Array, dtype: string, numel: number): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(numel);
  for (let i = 0; i < numel; i++) {
    switch (dtype) {
      case 'float32': out[i] = dv.getFloat32(i * 4, true); break;
      case 'float64': out[i] = dv.getFloat64(i * 8, true); break;
      case 'float16': out[i] = f16ToF32(dv.getUint16(i * 2, true)); break;
      case 'bfloat16': out[i] = bf16ToF32(dv.getUint16(i * 2, true)); break;
      case 'int64': out[i] = Number(dv.getBigInt64(i * 8, true)); break;
      case 'int32': out[i] = dv.getInt32(i * 4, true); break;
      case 'int16': out[i] = dv.getInt16(i * 2, true); break;
      case 'int8': out[i] = dv.getInt8(i); break;
      default: out[i] = bytes[i];
    }
  }
  return out;
}

/** Views whose elements all lie in their storage (a damaged file's sizes and strides are refused before a value is read). */
function checkView(t: TensorRef, storageLength: number, name: string, origin: string): number {
  const ints = (a: unknown) => Array.isArray(a) && a.every((v) => Number.isSafeInteger(v) && v >= 0);
  const damaged = (why: string) => new UserError(`${origin}: tensor ${name} ${why}; the file is damaged (save the checkpoint again)`);
  if (!ints(t.size) || !ints(t.stride) || t.size.length !== t.stride.length || !Number.isSafeInteger(t.offset) || t.offset < 0) {
    throw damaged(`has size ${JSON.stringify(t.size)}, stride ${JSON.stringify(t.stride)} and offset ${t.offset}`);
  }
  const n = t.size.reduce((a, b) => a * b, 1);
  if (n === 0) return 0;
  const last = t.size.reduce((o, v, d) => o + (v - 1) * t.stride[d], t.offset);
  if (last >= storageLength) throw damaged(`of size [${t.size.join(', ')}], stride [${t.stride.join(', ')}] and offset ${t.offset} reaches past its storage of ${storageLength} values`);
  // Strides of 0 repeat values (an expanded view): more values than the storage holds only so, and within a bound.
  if (n > Math.max(storageLength, 2 ** 28)) throw damaged(`of size [${t.size.join(', ')}] holds ${n} values, from a storage of ${storageLength}`);
  return n;
}

function materialize(t: TensorRef, name: string, origin: string): TorchTensor {
  const src = t.storage.data;
  if (!src) throw new UserError(`${origin}: storage ${t.storage.key} of ${name} has no data`);
  const n = checkView(t, src.length, name, origin);
  const out = new Float32Array(n);
  const rank = t.size.length;
  const contiguous = t.stride.every((s, i) => s === t.size.slice(i + 1).reduce((a, b) => a * b, 1));
  if (contiguous || n <= 1) out.set(src.subarray(t.offset, t.offset + n));
  else {
    const idx = new Array(rank).fill(0);
    for (let i = 0; i < n; i++) {
      let o = t.offset;
      for (let d = 0; d < rank; d++) o += idx[d] * t.stride[d];
      out[i] = src[o];
      for (let d = rank - 1; d >= 0; d--) { if (++idx[d] < t.size[d]) break; idx[d] = 0; }
    }
  }
  return { shape: t.size, data: out, dtype: t.storage.dtype };
}

function hooks(origin: string, storages: Map<string, Storage>) {
  return {
    call(fn: PyGlobal, args: PyValue[]): PyValue {
      switch (fn.qualified) {
        case 'collections.OrderedDict': {
          const m = new Map();
          for (const pair of (args[0] as PyValue[][] | undefined) ?? []) m.set(pair[0], pair[1]);
          return m;
        }
        case 'torch._utils._rebuild_tensor_v2':
        case 'torch._utils._rebuild_tensor': {
          const [storage, offset, size, stride] = args as [Storage, number, number[], number[]];
          return new TensorRef(storage, offset, size, stride);
        }
        case 'torch._utils._rebuild_parameter':
        case 'torch.nn.parameter.Parameter':
          return args[0];
        default:
          throw new UserError(`${origin}: unsupported object ${fn.qualified} in checkpoint; only state_dicts of tensors are supported`);
      }
    },
    persistentLoad(pid: PyValue): PyValue {
      const p = pid as PyValue[];
      if (!Array.isArray(p) || p[0] !== 'storage') throw new UserError(`${origin}: unsupported persistent object in checkpoint`);
      const type = p[1] as PyGlobal;
      const key = String(p[2]);
      const spec = STORAGE[type.name];
      if (!spec) throw new UserError(`${origin}: unsupported storage type ${type.qualified}`);
      let s = storages.get(key);
      if (!s) { s = { key, dtype: spec[0], itemSize: spec[1], numel: Number(p[4] ?? 0) }; storages.set(key, s); }
      return s;
    },
  };
}

/** Flattens nested dicts ('model', 'state_dict' wrappers included) into name -> tensor. */
function collect(obj: PyValue, prefix: string, out: Map<string, TensorRef>): void {
  if (obj instanceof TensorRef) { out.set(prefix, obj); return; }
  if (obj instanceof Map) {
    for (const [k, v] of obj) collect(v, prefix ? `${prefix}.${String(k)}` : String(k), out);
  }
}

function unwrap(refs: Map<string, TensorRef>): Map<string, TensorRef> {
  // {state_dict: {...}} or {model: {...}}: drop the wrapper prefix when every tensor shares it.
  const names = [...refs.keys()];
  for (const w of ['state_dict.', 'model.', 'model_state_dict.', 'module.']) {
    if (names.length && names.every((n) => n.startsWith(w))) return unwrap(new Map(names.map((n) => [n.slice(w.length), refs.get(n)!])));
  }
  return refs;
}

export function readTorchCheckpoint(file: string): Map<string, TorchTensor> {
  // The pickle machine runs on untrusted bytes: whatever breaks inside it means a corrupt file.
  try { return parseTorchCheckpoint(file); } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: corrupt PyTorch checkpoint (${(e as Error)?.message ?? e}); re-save it with torch.save`);
  }
}

function parseTorchCheckpoint(file: string): Map<string, TorchTensor> {
  let buf: Uint8Array;
  try { buf = fs.readFileSync(file); } catch { throw new UserError(`${file}: cannot read file`); }
  const storages = new Map<string, Storage>();
  let obj: PyValue;
  if (buf[0] === 0x50 && buf[1] === 0x4b) {
    let files: Record<string, Uint8Array>;
    try { files = unzipSync(buf); } catch (e) { throw new UserError(`${file}: broken zip checkpoint (${(e as Error).message})`); }
    const pkl = Object.keys(files).find((n) => n.endsWith('data.pkl'));
    if (!pkl) throw new UserError(`${file}: zip without data.pkl; not a PyTorch checkpoint`);
    const prefix = pkl.slice(0, -'data.pkl'.length);
    obj = new PickleReader(files[pkl], file, hooks(file, storages)).load();
    for (const s of storages.values()) {
      const raw = files[`${prefix}data/${s.key}`];
      if (!raw) throw new UserError(`${file}: storage ${s.key} missing from the archive`);
      s.data = decodeStorage(raw, s.dtype, raw.length / s.itemSize);
    }
  } else if (buf[0] === 0x80) {
    const r = new PickleReader(buf, file, hooks(file, storages));
    const magic = r.load();
    if (BigInt(magic as number | bigint) !== LEGACY_MAGIC) throw new UserError(`${file}: not a PyTorch checkpoint (plain pickle files are not supported)`);
    r.load(); // protocol version
    r.load(); // sys info
    obj = r.load();
    const keys = r.load() as string[];
    let pos = r.pos;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (const key of keys) {
      const s = storages.get(String(key));
      if (!s) throw new UserError(`${file}: storage ${key} listed but never used`);
      const numel = Number(dv.getBigInt64(pos, true));
      pos += 8;
      const bytes = numel * s.itemSize;
      if (pos + bytes > buf.length) throw new UserError(`${file}: truncated storage data`);
      s.data = decodeStorage(buf.subarray(pos, pos + bytes), s.dtype, numel);
      pos += bytes;
    }
  } else {
    throw new UserError(`${file}: not a PyTorch checkpoint (expected a zip archive or a legacy pickle stream)`);
  }
  const refs = new Map<string, TensorRef>();
  collect(obj, '', refs);
  if (!refs.size) throw new UserError(`${file}: no tensors found; expected a state_dict`);
  const out = new Map<string, TorchTensor>();
  for (const [name, ref] of unwrap(refs)) out.set(name, materialize(ref, name, file));
  return out;
}

/** Reads PyTorch-layout tensors from .pth/.pt (zip or legacy) or .safetensors. */
export function readForeignCheckpoint(file: string): Map<string, TorchTensor> {
  if (!isFile(file)) throw new UserError(`${file}: file not found`);
  if (file.endsWith('.safetensors')) {
    const st = readSafetensors(file);
    return new Map([...st.tensors].map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from(t.data), dtype: t.dtype }]));
  }
  return readTorchCheckpoint(file);
}
