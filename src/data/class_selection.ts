// Training on some of a dataset's classes: the chosen classes keep their names and colours, the
// others become one background class (or the ignore label), by one label map over the dataset's
// own (so Cityscapes' labelIds -> trainIds, or a user's --label-map, still apply first).
import { argumentError } from '../util/errors.js';
import type { ClassInfo, Rgb } from './classes.js';

/** Where the pixels of the classes not chosen go. */
export type OthersTo = 'background' | 'ignore';
export const OTHERS_TO: readonly OthersTo[] = ['background', 'ignore'];

/** The ignore label of a selection (whatever the dataset's was: its ids are all remapped). */
export const SELECTION_IGNORE = 255;

export interface ClassSelection {
  /** The classes the model learns: background first (with others: background), then the chosen ones in the order given. */
  classes: ClassInfo[];
  /** Every mask value (0..255) to its class in `classes`, the ignore label, or itself (a value beyond the dataset's classes, left for the loader to report). */
  labelMap: [number, number][];
  ignoreIndex: number;
  /** The dataset's class colours, which decode its RGB masks (the model's classes are fewer). */
  maskColors: Rgb[];
  /** The dataset's classes not chosen (nor its ignore label): now background, or ignored. */
  others: string[];
}

const BACKGROUND: ClassInfo = { name: 'background', color: [0, 0, 0] };

/**
 * The selection `wanted` (class names, case-insensitive, or ids) of a dataset whose masks hold
 * `classes` after `labelMap`, with `ignoreIndex` as its ignore label. With `others` background, a
 * dataset class named background (chosen or not) is that class; otherwise one is added.
 */
export function selectClasses(classes: ClassInfo[], labelMap: [number, number][], ignoreIndex: number, wanted: string[], others: OthersTo): ClassSelection {
  if (!OTHERS_TO.includes(others)) throw argumentError('others', others, `use ${OTHERS_TO.join(' or ')}`);
  if (!wanted.length) throw argumentError('selectClasses', '', 'name one class or more of the dataset');
  const names = classes.map((c) => c.name.trim().toLowerCase());
  const ids = wanted.map((w) => {
    const byName = names.indexOf(w.trim().toLowerCase());
    const id = byName >= 0 ? byName : /^\d+$/.test(w.trim()) ? Number(w) : -1;
    if (id < 0 || id >= classes.length) throw argumentError('selectClasses', w, `no such class in the dataset (classes: ${classes.map((c) => c.name).join(', ')})`);
    if (id === ignoreIndex) throw argumentError('selectClasses', w, `class ${id} is the dataset's ignore label (void): its pixels are not learned; choose other classes`);
    return id;
  });
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw argumentError('selectClasses', classes[repeated].name, 'named twice; name each class once');
  const background = others === 'background' ? names.indexOf('background') : -1;
  const chosen = ids.filter((id) => id !== background);
  if (!chosen.length) throw argumentError('selectClasses', wanted.join(','), 'background alone leaves nothing to learn; name the classes to keep beside it');
  const out: ClassInfo[] = [...(others === 'background' ? [background >= 0 ? classes[background] : BACKGROUND] : []), ...chosen.map((id) => classes[id])];
  const newId = new Map<number, number>(chosen.map((id, i) => [id, others === 'background' ? i + 1 : i]));
  const unchosen = others === 'background' ? 0 : SELECTION_IGNORE;
  const first = new Map(labelMap);
  const map: [number, number][] = [];
  for (let v = 0; v < 256; v++) {
    const t = first.get(v) ?? v;
    map.push([v, t === ignoreIndex ? SELECTION_IGNORE : t < classes.length ? newId.get(t) ?? unchosen : t]);
  }
  return { classes: out.map((c) => ({ name: c.name, color: [...c.color] as Rgb })), labelMap: map, ignoreIndex: SELECTION_IGNORE, maskColors: classes.map((c) => c.color),
    others: classes.filter((_, id) => id !== ignoreIndex && id !== background && !newId.has(id)).map((c) => c.name) };
}
