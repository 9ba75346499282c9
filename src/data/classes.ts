// Class lists: names and colours, from a JSON file or generated. The colour list doubles as the
// palette embedded in label-map PNGs.
import fs from 'node:fs';
import { z } from 'zod';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { CLASS_SETS, MAX_CLASSES } from './class_sets.js';

export type Rgb = [number, number, number];
export interface ClassInfo { name: string; color: Rgb }

const rgb = z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]);
const classSchema = z.object({ name: z.string().min(1), color: rgb });
const fileSchema = z.union([z.array(classSchema), z.object({ classes: z.array(classSchema) })]);

export function loadClassFile(file: string): ClassInfo[] {
  expectArgs('loadClassFile', [['file', file, 'string']]);
  let raw: unknown;
  try { raw = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
    throw new UserError(`${file}: cannot read class list (${(e as Error).message}); expected JSON [{"name": "...", "color": [r,g,b]}, ...]`);
  }
  const r = fileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(`${file}: invalid class list at ${issue.path.join('.') || 'top level'}: ${issue.message}; expected [{"name": "...", "color": [r,g,b]}, ...]`);
  }
  const list = Array.isArray(r.data) ? r.data : r.data.classes;
  if (list.length > MAX_CLASSES) throw new UserError(`${file}: lists ${list.length} classes; label maps and masks hold one byte a pixel, ${MAX_CLASSES} classes at most`);
  // Classes are found by name (--keep, --threshold, annotations): two of one name would be one.
  const firstOf = new Map<string, number>();
  list.forEach((c, i) => {
    const key = c.name.trim().toLowerCase(), first = firstOf.get(key);
    if (first !== undefined) throw new UserError(`${file}: classes ${first} and ${i} are both named "${c.name}"; give each class its own name`);
    firstOf.set(key, i);
  });
  return list.map((c) => ({ name: c.name, color: c.color as Rgb }));
}

/** Distinct colours for n classes (the PASCAL VOC bit-interleaving scheme). */
export function defaultPalette(n: number): Rgb[] {
  const out: Rgb[] = [];
  for (let i = 0; i < n; i++) {
    let r = 0, g = 0, b = 0, c = i;
    for (let j = 0; j < 8; j++) {
      r |= ((c >> 0) & 1) << (7 - j); g |= ((c >> 1) & 1) << (7 - j); b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    out.push([r, g, b]);
  }
  return out;
}

/** The two classes of binary segmentation (train --classes 1). */
export const BINARY_CLASS_LIST: ClassInfo[] = [{ name: 'background', color: [0, 0, 0] }, { name: 'foreground', color: [255, 255, 255] }];

/**
 * The classes of a binary run: background and foreground, named by a class file of one class (the
 * foreground) or two (background, foreground).
 */
export function resolveBinaryClasses(file?: string): ClassInfo[] {
  if (!file) return BINARY_CLASS_LIST;
  const classes = readClassList(file);
  if (classes.length === 1) return [BINARY_CLASS_LIST[0], classes[0]];
  if (classes.length === 2) return classes;
  throw argumentError('numClasses', '1 (binary)', `${file} lists ${classes.length} classes; give the foreground alone, or background and foreground`);
}

/** A class list by name: a built-in set (voc, cityscapes, ade20k, camvid) or a JSON class file. */
export function readClassList(file: string): ClassInfo[] {
  return Object.hasOwn(CLASS_SETS, file) ? CLASS_SETS[file] : loadClassFile(file);
}

export function defaultClasses(n: number): ClassInfo[] {
  return defaultPalette(n).map((color, i) => ({ name: `class ${i}`, color }));
}

/**
 * Colours for class names: a built-in set's where the names are that set's (in any case; nine in
 * ten the same, as spellings of ADE20K's 150 names differ between copies), else a generated palette.
 */
export function classesNamed(names: string[]): ClassInfo[] {
  const key = (n: string) => n.trim().toLowerCase();
  const set = Object.values(CLASS_SETS).find((s) => s.length === names.length && s.filter((c, i) => key(c.name) === key(names[i])).length >= 0.9 * s.length);
  const colours = set ? set.map((c) => c.color) : defaultPalette(names.length);
  return names.map((name, i) => ({ name, color: colours[i] }));
}

export { CAMVID_CLASSES } from './class_sets.js';

/**
 * The classes of a class file (or a built-in set's name) for a graph that gives `count` class
 * scores: the count is the graph's, so a list of another length is the file's to fix.
 */
export function classesForGraph(count: number, file: string): ClassInfo[] {
  const classes = CLASS_SETS[file] ?? loadClassFile(file);
  if (classes.length !== count) throw argumentError('classFile', file, `names ${classes.length} classes, and the graph gives ${count} class scores; give a class list of ${count}`);
  return classes;
}

/** Resolves the class list for a run: a file, a named preset, or generated names. */
export function resolveClasses(numClasses: number, file?: string): ClassInfo[] {
  let classes: ClassInfo[];
  if (file && CLASS_SETS[file]) classes = CLASS_SETS[file];
  else if (file) classes = loadClassFile(file);
  else return defaultClasses(numClasses);
  if (classes.length !== numClasses) {
    throw new UserError(`numClasses ${numClasses} does not match the ${classes.length} classes in ${file}; make them agree`, 2, 'numClasses');
  }
  return classes;
}
