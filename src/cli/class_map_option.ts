// --class-map's value (evaluate, compare) as the library's class map: auto, a built-in map, a JSON
// file of pairs, or MODEL=DATASET pairs on the command line.
import { UserError } from '../util/errors.js';
import { isFile, readTextFile } from '../util/fs.js';
import { CLASS_MAPS } from '../data/class_sets.js';
import type { ClassMapSpec, ClassPairs } from '../metrics/class_map.js';

/** --class-map's value: auto, a built-in map, a JSON file, or MODEL=DATASET pairs. */
export function classMapSpec(v: string): ClassMapSpec {
  if (v === 'auto' || Object.hasOwn(CLASS_MAPS, v)) return v;
  if (/\.json$/i.test(v)) {
    if (!isFile(v)) throw new UserError(`--class-map ${v}: no such file; give a JSON file of pairs, MODEL=DATASET pairs, auto or ${Object.keys(CLASS_MAPS).join(', ')}`);
    let parsed: unknown;
    try { parsed = JSON.parse(readTextFile(v, 'a class map is a list of pairs; is it the right file?')); } catch (e) {
      throw new UserError(`--class-map ${v}: ${e instanceof SyntaxError ? `not valid JSON (${e.message})` : (e as Error).message}`);
    }
    const ok = Array.isArray(parsed) || (parsed != null && typeof parsed === 'object' && Object.values(parsed).every((d) => typeof d === 'string' || (Array.isArray(d) && d.every((x) => typeof x === 'string'))));
    if (!ok) throw new UserError(`--class-map ${v}: expected {"model class": "dataset class" or ["dataset class", ...]} or [["model class", "dataset class"], ...]`);
    return parsed as ClassPairs;
  }
  const pairs = v.split(',').map((p) => p.split('=').map((x) => x.trim()));
  const bad = pairs.find((p) => p.length !== 2 || !p[0] || !p[1]);
  if (bad) throw new UserError(`--class-map ${v}: "${bad.join('=')}" is not MODEL=DATASET; give auto, ${Object.keys(CLASS_MAPS).join(', ')}, pairs MODEL=DATASET,... or a .json file`);
  return pairs as [string, string][];
}
