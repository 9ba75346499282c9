// h5wasm behind one seam. The HDF5 library writes its error stack to file descriptor 2 (h5wasm's
// file system writes it with fs.writeSync) when a file does not open or a read fails: many lines
// for one damaged file. Files are checked for HDF5's signature first, and opened and read with those
// writes held back, so a bad file ends in one line. A file that does not open gives no handle
// (h5wasm does not throw).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.js';

type H5 = typeof import('h5wasm/node').default;
export type Hdf5File = InstanceType<H5['File']>;
export type Hdf5Group = InstanceType<H5['Group']>;
export type Hdf5Dataset = InstanceType<H5['Dataset']>;

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5's superblock signature sits at byte 0, 512, 1024, 2048, ... (after a user block). */
function hasSignature(file: string): boolean {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch { throw new UserError(`${file}: file not found or not readable`); }
  try {
    const size = fs.fstatSync(fd).size, head = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at ? at * 2 : 512) {
      if (fs.readSync(fd, head, 0, 8, at) === 8 && head.equals(SIGNATURE)) return true;
    }
    return false;
  } finally { fs.closeSync(fd); }
}

/** Runs `read` on the opened file (synchronously, stderr held back) and closes it. */
export async function readHdf5<T>(file: string, read: (f: Hdf5File) => T): Promise<T> {
  if (!hasSignature(file)) throw new UserError(`${file}: not an HDF5 file`);
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const writeSync = fs.writeSync;
  // Reported as written (0 would be retried forever).
  const held = ((fd: number, data: string | ArrayBufferView, ...rest: unknown[]) => (fd === 2
    ? (typeof data === 'string' ? Buffer.byteLength(data) : typeof rest[1] === 'number' ? rest[1] : data.byteLength)
    : (writeSync as (...a: unknown[]) => number)(fd, data, ...rest))) as typeof fs.writeSync;
  fs.writeSync = held;
  try {
    let f: Hdf5File | null = null;
    try { f = new h5wasm.File(path.resolve(file), 'r'); } catch { /* as no handle */ }
    if (!f || Number(f.file_id) < 0) throw new UserError(`${file}: not a readable HDF5 file (damaged or cut short)`);
    try { return read(f); } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${file}: a damaged HDF5 file (${String((e as Error).message ?? e).split('\n')[0]})`);
    } finally { f.close(); }
  } finally { fs.writeSync = writeSync; }
}
