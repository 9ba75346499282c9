// Label maps written by another tool (PyTorch, image-segmentation-keras's predict) on the shipped
// photos, as the bench/*_export.py fixture generators pack them: zlib'd bytes, and a bit per pixel
// where that tool's best two scores were within 1e-3 (another summation order may break such a
// tie either way).
import assert from 'node:assert/strict';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { load } from '../../src/index.ts';

export interface ReferenceCase { model?: string; image: string; width: number; height: number; crop?: [number, number, number, number]; labels: string; near: string }

const PHOTOS = path.resolve(import.meta.dirname, '../../assets/photos');
export const cli = (...a: string[]) => spawnSync(process.execPath, ['bin/pixelwise.js', ...a], { encoding: 'utf8' });
const inflated = (b64: string) => new Uint8Array(zlib.inflateSync(Buffer.from(b64, 'base64')));

/** The photo (or its crop) as 8-bit RGB, as PIL's convert('RGB') and cv2.imread (reordered) give it. */
async function photo(c: ReferenceCase): Promise<{ data: Uint8Array; width: number; height: number; channels: 3 }> {
  let s = sharp(path.join(PHOTOS, c.image)).removeAlpha();
  if (c.crop) s = s.extract({ left: c.crop[0], top: c.crop[1], width: c.crop[2], height: c.crop[3] });
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
}

/** Pixels that differ from the reference label map, and those of them that are not near-ties there. */
export function differences(got: Uint8Array, c: ReferenceCase): { differ: number; decided: number } {
  const want = inflated(c.labels), near = inflated(c.near);
  assert.equal(got.length, want.length, `${c.model ?? ''} ${c.image}: label map size`);
  let differ = 0, decided = 0;
  for (let p = 0; p < want.length; p++) if (got[p] !== want[p]) { differ++; if (!((near[p >> 3] >> (7 - (p & 7))) & 1)) decided++; }
  return { differ, decided };
}

/** A package's label maps of the cases' photos (ONNX Runtime in Node). */
export async function labelMaps(pkg: string, list: ReferenceCase[]): Promise<Uint8Array[]> {
  const m = await load(pkg, { runtime: 'onnx' });
  try {
    const out: Uint8Array[] = [];
    for (const c of list) out.push((await m.segment(await photo(c), { probabilities: false })).labels);
    return out;
  } finally { await m.dispose(); }
}

/** The package's label maps agree with the reference's on every pixel that is not a near-tie there, and hold more than one class. */
export async function agreesWithReference(pkg: string, list: ReferenceCase[]): Promise<void> {
  for (const [i, labels] of (await labelMaps(pkg, list)).entries()) {
    const { differ, decided } = differences(labels, list[i]);
    assert.equal(decided, 0, `${list[i].image}: ${differ} pixels differ from the reference, ${decided} of them not near-ties`);
    assert.ok(new Set(labels).size > 1, `${list[i].image}: more than one class`);
  }
}
