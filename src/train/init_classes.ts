// A head for new classes started from a model trained on related ones (--init-classes): each new
// class whose name the old model knows (case-insensitive, or paired by the user) starts with that
// class's score weights, so that fine-tuning Cityscapes to CamVid begins where Cityscapes' road,
// car and sky already are instead of at random scores. Classes without a partner start new.
import type { ClassInfo } from '../data/classes.js';
import type { SegModel } from '../models/seg_model.js';
import { UserError, argumentError } from '../util/errors.js';

/**
 * For each new class, the old class index it starts from (-1: none). `pairs`: "NEW=OLD,..."
 * (names as in the class files); every other new class is matched by name.
 */
export function classStarts(newClasses: ClassInfo[], oldClasses: ClassInfo[], pairs: string | undefined): number[] {
  const find = (list: ClassInfo[], name: string) => list.findIndex((c) => c.name.toLowerCase() === name.trim().toLowerCase());
  const map = newClasses.map((c) => find(oldClasses, c.name));
  for (const pair of (pairs ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [a, b, ...rest] = pair.split('=');
    if (b === undefined || rest.length) throw argumentError('initClasses', pair, 'give NEW=OLD pairs, e.g. Pavement=sidewalk');
    const i = find(newClasses, a), j = find(oldClasses, b);
    if (i < 0) throw argumentError('initClasses', pair, `${a.trim()} is not one of the new classes (${newClasses.map((c) => c.name).join(', ')})`);
    if (j < 0) throw argumentError('initClasses', pair, `${b.trim()} is not a class of the starting model (${oldClasses.map((c) => c.name).join(', ')})`);
    map[i] = j;
  }
  return map;
}

type Tensors = Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>;

/**
 * The model's class-score tensors (last axis: one entry per class) whose file counterpart has the
 * old class count there: mapped entries copied from the file, the rest left as initialised.
 * Returns the names of the tensors so started.
 */
export async function startHead(model: SegModel, file: Tensors, starts: number[], oldCount: number, origin: string): Promise<string[]> {
  const n = starts.length, out: Tensors = new Map();
  for (const w of await model.namedWeights()) {
    const t = file.get(w.name);
    if (!t || w.shape[w.shape.length - 1] !== n || t.shape[t.shape.length - 1] !== oldCount) continue;
    if (t.shape.slice(0, -1).join('x') !== w.shape.slice(0, -1).join('x')) continue;
    const data = Float32Array.from(w.data), rows = data.length / n;
    for (let r = 0; r < rows; r++) for (let c = 0; c < n; c++) if (starts[c] >= 0) data[r * n + c] = t.data[r * oldCount + starts[c]];
    out.set(w.name, { shape: w.shape, data });
  }
  if (!out.size) throw new UserError(`initClasses: ${origin} has no class-score layer of ${oldCount} classes that matches this network's`, 2, 'initClasses');
  model.loadNamedWeights(out, origin, { strict: false, keepMissing: true });
  return [...out.keys()];
}
