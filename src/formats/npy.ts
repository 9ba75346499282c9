// NumPy's .npy format (versions 1-3): the magic "\x93NUMPY", a version, a little-endian header
// length (2 bytes in v1, 4 in v2/v3), a Python-literal header {'descr', 'fortran_order', 'shape'},
// then the array's bytes. What weights published as per-layer .npy files (TF DeepLab) come in.
// Numeric types are read into float32 (float16 and float64 converted); C order only.
import fs from 'node:fs';
import { UserError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { f16ToF32 } from './half_floats.js';

export interface NpyArray { shape: number[]; dtype: string; data: Float32Array }

const MAGIC = '\x93NUMPY';

/** The array in a .npy file's bytes, as float32; `origin` names the file in errors. */
export function parseNpy(bytes: Uint8Array, origin = '.npy bytes'): NpyArray {
  expectArgs('parseNpy', [['bytes', bytes, 'bytes']]);
  const bad = (why: string) => new UserError(`${origin}: ${why}`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 10 || b.subarray(0, 6).toString('latin1') !== MAGIC) throw bad('not a NumPy .npy file');
  const major = b[6];
  if (major < 1 || major > 3) throw bad(`.npy version ${major} is not supported (1-3 are)`);
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.length >= 12 ? b.readUInt32LE(8) : -1;
  const start = major === 1 ? 10 : 12;
  if (headerLen < 0 || start + headerLen > b.length) throw bad('truncated .npy header');
  const header = b.subarray(start, start + headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad('the .npy header lacks descr, fortran_order or shape');
  if (fortran === 'True') throw bad('Fortran-ordered arrays are not supported; save with C order');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(`bad shape (${shapeText})`);
  const count = shape.reduce((a, d) => a * d, 1);
  const body = b.subarray(start + headerLen);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!m) throw bad(`dtype ${descr} is not a numeric array`);
  const [, order, kind, sizeText] = m, size = Number(sizeText);
  if (order === '>' && size > 1) throw bad(`big-endian dtype ${descr} is not supported`);
  if (body.length < count * size) throw bad(`truncated: ${count} values of ${descr} need ${count * size} bytes, the file has ${body.length}`);
  const view = new DataView(body.buffer, body.byteOffset, count * size);
  const data = new Float32Array(count);
  const read: ((o: number) => number) | undefined = ({
    f2: (o: number) => f16ToF32(view.getUint16(o, true)), f4: (o: number) => view.getFloat32(o, true), f8: (o: number) => view.getFloat64(o, true),
    i1: (o: number) => view.getInt8(o), i2: (o: number) => view.getInt16(o, true), i4: (o: number) => view.getInt32(o, true),
    u1: (o: number) => view.getUint8(o), u2: (o: number) => view.getUint16(o, true), u4: (o: number) => view.getUint32(o, true), b1: (o: number) => view.getUint8(o),
  } as Record<string, (o: number) => number>)[`${kind}${size}`];
  if (!read) throw bad(`dtype ${descr} is not supported`);
  for (let i = 0; i < count; i++) data[i] = read(i * size);
  return { shape, dtype: descr, data };
}

export function readNpy(file: string): NpyArray {
  expectArgs('readNpy', [['file', file, 'string']]);
  let bytes: Buffer;
  try { bytes = fs.readFileSync(file); } catch (e) { throw new UserError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  return parseNpy(bytes, file);
}
