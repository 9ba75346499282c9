// Scoring a model on a dataset of other classes. Pairs of a model class and a dataset class join
// them: each connected group of pairs is one scored class (car, truck and bus onto CamVid's Car;
// road onto a finer dataset's road and its lane markings). A model class in no pair is a miss
// wherever it is predicted (its own column, never scored). A dataset class in no pair is one the
// model cannot name: it stays in the matrix, so predictions on it count against the predicted
// class, but is left out of the means, as a void class.
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { CLASS_MAPS } from '../data/class_sets.js';
import type { ClassInfo, Rgb } from '../data/classes.js';

/** Pairs of (model class, dataset class) names; an object maps a model class to one or more dataset classes. */
export type ClassPairs = [string, string][] | Record<string, string | string[]>;

/** What a class map is given as: `auto` (classes of the same name), a built-in map's name, or pairs. */
export type ClassMapSpec = 'auto' | keyof typeof CLASS_MAPS | ClassPairs;

/** A scored class: the model's and the dataset's classes it joins. */
export interface ClassGroup { name: string; model: string[]; dataset: string[] }

/** The scoring space a class map makes, and the tables into it. */
export interface ClassMapping {
  /** One name per matrix class: the groups, the dataset classes in no pair, then the model's other classes. */
  names: string[];
  /** Matrix classes left out of the means: the dataset classes in no pair and the model's other classes. */
  unscored: number[];
  /** A mask's class id (0..255) -> matrix class; the ignore label -> IGNORED, an id the dataset lacks -> OUT_OF_RANGE. */
  truth: Uint8Array;
  /** A predicted model class -> matrix class. */
  pred: Uint8Array;
  /**
   * A prediction of a model of the dataset's own classes (one compared with the mapped model) ->
   * matrix class: each class as its truth, the ignore label's class (CamVid's Unlabelled) a miss.
   */
  datasetPred: Uint8Array;
  groups: ClassGroup[];
  /** Model classes in no pair (their predictions count as misses). */
  leftOut: string[];
  /** Dataset classes in no pair (not scored). */
  notScored: string[];
}

/** The matrix's ignore label, and a truth value no matrix class has (counted as out of range). */
export const IGNORED = 255, OUT_OF_RANGE = 254;

/** The matrix class of predictions that are no scored class (a miss of the truth's class). */
export const OTHER = '(other predictions)';

const normal = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, ' ').trim();

/** The index of `name` in `names`: exactly, else the one name equal to it in any case and spacing. */
function indexOf(name: string, names: string[], whose: string, spec: string): number {
  const exact = names.indexOf(name);
  if (exact >= 0) return exact;
  const loose = names.map((n, i) => [n, i] as const).filter(([n]) => normal(n) === normal(name));
  if (loose.length === 1) return loose[0][1];
  throw argumentError('classMap', spec, `"${name}" is ${loose.length ? 'ambiguous among' : 'none of'} the ${whose} classes (${(loose.length ? loose.map(([n]) => n) : names).join(', ')})`);
}

function pairList(spec: ClassMapSpec): { pairs: [string, string][]; sameNames: boolean; label: string } {
  if (spec === 'auto') return { pairs: [], sameNames: true, label: 'auto' };
  if (typeof spec === 'string') {
    const builtIn = CLASS_MAPS[spec];
    if (!builtIn) throw argumentError('classMap', spec, `no such built-in map (${['auto', ...Object.keys(CLASS_MAPS)].join(', ')}), nor pairs`);
    return { pairs: builtIn, sameNames: false, label: spec };
  }
  const pairs: [string, string][] = Array.isArray(spec) ? spec : Object.entries(spec).flatMap(([m, d]) => (Array.isArray(d) ? d : [d]).map((x) => [m, x] as [string, string]));
  const label = Array.isArray(spec) ? 'the pairs given' : 'the map given';
  for (const p of pairs) if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') throw argumentError('classMap', label, `${JSON.stringify(p)} is not a pair of a model class and a dataset class (names)`);
  // Classes named in no pair still join a class of the same name.
  return { pairs, sameNames: true, label };
}

/**
 * The scoring space of a model with classes `modelClasses` on a dataset with `datasetClasses` (by
 * id; the id `ignoreIndex`, when it is one of them, as CamVid's Unlabelled, is no class), joined by
 * `spec`. Refused in one line: a name that is no class, a map that scores nothing.
 */
export function classMapping(modelClasses: string[], datasetClasses: string[], spec: ClassMapSpec, ignoreIndex = 255): ClassMapping {
  expectArgs('classMapping', [['modelClasses', modelClasses, 'array'], ['datasetClasses', datasetClasses, 'array']]);
  if (spec == null || (typeof spec !== 'string' && typeof spec !== 'object')) throw new UserError(`spec: classMapping() takes 'auto', a built-in map's name or pairs of classes; got ${spec === null ? 'null' : typeof spec}`, 2, 'spec');
  const { pairs, sameNames, label } = pairList(spec);
  const dataIds = datasetClasses.map((_, i) => i).filter((i) => i !== ignoreIndex);
  const dataNames = dataIds.map((i) => datasetClasses[i]);
  const edges: [number, number][] = pairs.map(([m, d]) => [indexOf(m, modelClasses, 'model\'s', label), dataIds[indexOf(d, dataNames, 'dataset\'s', label)]]);
  if (sameNames) {
    const namedM = new Set(edges.map(([m]) => m)), namedD = new Set(edges.map(([, d]) => d));
    modelClasses.forEach((m, mi) => {
      if (namedM.has(mi)) return;
      const di = dataIds.filter((d) => !namedD.has(d) && normal(datasetClasses[d]) === normal(m));
      if (di.length === 1) edges.push([mi, di[0]]);
    });
  }
  if (!edges.length) throw argumentError('classMap', label, `joins none of the model's classes (${modelClasses.join(', ')}) to the dataset's (${dataNames.join(', ')}); pair them as MODEL=DATASET`);
  // Groups: connected components over model classes (0..M-1) and dataset classes (M + id).
  const M = modelClasses.length, parent = Array.from({ length: M + datasetClasses.length }, (_, i) => i);
  const root = (x: number): number => (parent[x] === x ? x : (parent[x] = root(parent[x])));
  for (const [m, d] of edges) parent[root(m)] = root(M + d);
  const inPair = new Set(edges.flatMap(([m, d]) => [m, M + d]));
  const groupOf = new Map<number, number>(), groups: ClassGroup[] = [];
  const members = [...Array(M).keys(), ...dataIds.map((d) => M + d)].filter((x) => inPair.has(x));
  for (const x of members) {
    const r = root(x);
    if (!groupOf.has(r)) { groupOf.set(r, groups.length); groups.push({ name: '', model: [], dataset: [] }); }
    const g = groups[groupOf.get(r)!];
    if (x < M) g.model.push(modelClasses[x]); else g.dataset.push(datasetClasses[x - M]);
  }
  // Ordered as the dataset's classes; named after the dataset's class, else the model's, else both lists.
  const order = groups.map((g, i) => [Math.min(...g.dataset.map((d) => datasetClasses.indexOf(d))), i]).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
  const sorted = order.map((i) => groups[i]);
  for (const g of sorted) g.name = g.dataset.length === 1 ? g.dataset[0] : g.model.length === 1 ? g.model[0] : g.dataset.join(' + ');
  const notScoredIds = dataIds.filter((d) => !inPair.has(M + d));
  const leftOut = modelClasses.filter((_, m) => !inPair.has(m));
  // Misses: the model's classes in no pair, and a prediction of the ignore label's class by a model of the dataset's classes.
  const hasOther = leftOut.length > 0 || (ignoreIndex >= 0 && ignoreIndex < datasetClasses.length);
  const names = [...sorted.map((g) => g.name), ...notScoredIds.map((d) => datasetClasses[d]), ...(hasOther ? [OTHER] : [])];
  if (names.length > OUT_OF_RANGE) throw argumentError('classMap', label, `makes ${names.length} classes to score; at most ${OUT_OF_RANGE}`);
  const truth = new Uint8Array(256).fill(OUT_OF_RANGE), pred = new Uint8Array(M);
  const matrixOf = (x: number) => order.indexOf(groupOf.get(root(x))!);
  for (const d of dataIds) truth[d] = inPair.has(M + d) ? matrixOf(M + d) : sorted.length + notScoredIds.indexOf(d);
  if (ignoreIndex >= 0 && ignoreIndex <= 255) truth[ignoreIndex] = IGNORED;
  const other = names.length - 1;
  for (let m = 0; m < M; m++) pred[m] = inPair.has(m) ? matrixOf(m) : other;
  const datasetPred = new Uint8Array(256).fill(hasOther ? other : OUT_OF_RANGE);
  for (const d of dataIds) datasetPred[d] = truth[d];
  const unscored = names.map((_, i) => i).filter((i) => i >= sorted.length);
  return { names, unscored, truth, pred, datasetPred, groups: sorted, leftOut, notScored: notScoredIds.map((d) => datasetClasses[d]) };
}

/** One line saying what a class map joins, and what it leaves out. */
export function describeClassMapping(c: ClassMapping): string {
  const joined = c.groups.map((g) => (g.model.length === 1 && g.dataset.length === 1 && g.model[0] === g.dataset[0] ? g.name : `${g.model.join(', ')} -> ${g.dataset.join(', ')}`));
  return `class map: ${c.groups.length} classes scored (${joined.join('; ')})`
    + (c.leftOut.length ? `; predictions of the model's ${c.leftOut.join(', ')} count as misses` : '')
    + (c.notScored.length ? `; the dataset's ${c.notScored.join(', ')} not scored (no model class)` : '');
}

/** A colour per scored class, to draw label maps in the map's classes: a group's first dataset class's, a dataset class's own, black for the model's other classes. */
export function mappedColors(map: Pick<ClassMapping, 'names' | 'groups'>, dataset: ClassInfo[]): Rgb[] {
  const colorOf = new Map(dataset.map((c) => [c.name, c.color]));
  return map.names.map((n, i) => (i < map.groups.length ? colorOf.get(map.groups[i].dataset[0]) : colorOf.get(n)) ?? [0, 0, 0] as Rgb);
}
