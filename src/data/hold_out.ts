// A validation split held out of one list of images by a hash of each name: about the share asked
// for, and an image keeps its side as the list grows (images added later do not move the others).
import { createHash } from 'node:crypto';

/** `names` cut into train and val by a hash of each name: about `fraction` in val, at least one on each side of two or more. */
export function holdOut(names: string[], fraction: number): { train: string[]; val: string[] } {
  const u = (n: string) => createHash('sha1').update(n).digest().readUInt32BE(0) / 2 ** 32;
  const scored = names.map((n) => ({ n, u: u(n) }));
  const val = new Set(scored.filter((x) => x.u < fraction).map((x) => x.n));
  const byU = [...scored].sort((a, b) => a.u - b.u);
  if (names.length >= 2 && val.size === 0) val.add(byU[0].n);
  if (names.length >= 2 && val.size === names.length) val.delete(byU[byU.length - 1].n);
  return { train: names.filter((n) => !val.has(n)), val: names.filter((n) => val.has(n)) };
}
