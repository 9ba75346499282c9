// .npy reading: headers of versions 1 and 2, the numeric dtypes, and refusals by name, against
// bytes written here as NumPy writes them (magic, version, header length, padded dict, data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNpy } from '../../src/formats/npy.ts';

function npyBytes(descr: string, shape: number[], body: Uint8Array, o: { version?: 1 | 2; fortran?: boolean } = {}): Uint8Array {
  const v = o.version ?? 1, pre = v === 1 ? 10 : 12;
  let header = `{'descr': '${descr}', 'fortran_order': ${o.fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((pre + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(pre + header.length + body.length);
  out.set([0x93, ...Buffer.from('NUMPY', 'latin1'), v, 0]);
  const dv = new DataView(out.buffer);
  if (v === 1) dv.setUint16(8, header.length, true); else dv.setUint32(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), pre);
  out.set(body, pre + header.length);
  return out;
}
const le = (values: number[], bytes: number, put: (dv: DataView, o: number, v: number) => void) => {
  const b = new Uint8Array(values.length * bytes), dv = new DataView(b.buffer);
  values.forEach((v, i) => put(dv, i * bytes, v));
  return b;
};

test('npy: float32, float64, float16, uint8 and int32 arrays with their shapes (versions 1 and 2)', () => {
  const f32 = parseNpy(npyBytes('<f4', [2, 3], le([1, -2.5, 3, 0.125, 5, 6], 4, (d, o, v) => d.setFloat32(o, v, true))), 'a.npy');
  assert.deepEqual(f32.shape, [2, 3]);
  assert.deepEqual([...f32.data], [1, -2.5, 3, 0.125, 5, 6]);
  const f64 = parseNpy(npyBytes('<f8', [2], le([0.1, 1e10], 8, (d, o, v) => d.setFloat64(o, v, true)), { version: 2 }), 'b.npy');
  assert.deepEqual([...f64.data], [Math.fround(0.1), 1e10]);
  // float16: 0x3c00 = 1, 0xc000 = -2, 0x3555 = 0.333251953125
  assert.deepEqual([...parseNpy(npyBytes('<f2', [3], le([0x3c00, 0xc000, 0x3555], 2, (d, o, v) => d.setUint16(o, v, true))), 'c.npy').data], [1, -2, 0.333251953125]);
  assert.deepEqual([...parseNpy(npyBytes('|u1', [1, 1, 4], Uint8Array.from([0, 7, 128, 255])), 'd.npy').data], [0, 7, 128, 255]);
  assert.deepEqual([...parseNpy(npyBytes('<i4', [2], le([-7, 70000], 4, (d, o, v) => d.setInt32(o, v, true))), 'e.npy').data], [-7, 70000]);
  assert.deepEqual(parseNpy(npyBytes('<f4', [], le([4], 4, (d, o, v) => d.setFloat32(o, v, true))), 'scalar.npy').shape, []);
});

test('npy: not .npy, truncated, Fortran order, big-endian and object arrays are one-line refusals naming the file', () => {
  const body = le([1, 2], 4, (d, o, v) => d.setFloat32(o, v, true));
  for (const [bytes, why] of [
    [Buffer.from('hello world, not numpy'), /^w\.npy: not a NumPy \.npy file$/],
    [npyBytes('<f4', [3], body), /^w\.npy: truncated: 3 values of <f4 need 12 bytes, the file has 8$/],
    [npyBytes('<f4', [2], body, { fortran: true }), /^w\.npy: Fortran-ordered arrays are not supported/],
    [npyBytes('>f4', [2], body), /^w\.npy: big-endian dtype >f4 is not supported$/],
    [npyBytes('|O', [2], body), /^w\.npy: dtype \|O is not a numeric array$/],
    [npyBytes('<f4', [2], body).subarray(0, 30), /^w\.npy: truncated \.npy header$/],
  ] as const) assert.throws(() => parseNpy(bytes, 'w.npy'), (e: Error) => e.name === 'UserError' && why.test(e.message) && !e.message.includes('\n'));  // Bytes with no file name (a JavaScript caller may leave it out) are named as bytes, not "undefined".
  assert.throws(() => parseNpy(Buffer.from('hello world, not numpy')), /^UserError: \.npy bytes: not a NumPy \.npy file$/);
});
