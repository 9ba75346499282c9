// Class lists read from files (--class-file), in the forms users hold them: pixelwise's JSON
// ([{"name", "color"}]), text a class a line (labelme's labels.txt, TensorFlow's "ID NAME"
// labels.txt, CamVid's class_dict.csv), or
// a Label Studio project's labelling config (XML), which numbers the project's classes as
// Label Studio's own ML backends do. Or a built-in set by name.
import fs from 'node:fs';
import { z } from 'zod';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { CLASS_SETS, MAX_CLASSES } from './class_sets.js';
import { BINARY_CLASS_LIST, classesNamed, defaultClasses, type ClassInfo, type Rgb } from './classes.js';
import { labellingConfigClasses } from './annotations/labelstudio_config.js';

const rgb = z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]);
const classSchema = z.object({ name: z.string().min(1), color: rgb });
const fileSchema = z.union([z.array(classSchema), z.object({ classes: z.array(classSchema) })]);

const FORMS = 'JSON [{"name": "...", "color": [r,g,b]}, ...], text a class a line (a name, "ID NAME" or "name,r,g,b"), or a Label Studio labelling config (XML)';

export function loadClassFile(file: string): ClassInfo[] {
  expectArgs('loadClassFile', [['file', file, 'string']]);
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
    throw new UserError(`${file}: cannot read class list (${(e as Error).message}); expected ${FORMS}`);
  }
  return classListText(text, file);
}

/**
 * A class list's text in any of the forms a class file takes (a label file packed in a model, a
 * list held in memory); `file` names it in errors.
 */
export function classListText(text: string, file: string): ClassInfo[] {
  expectArgs('classListText', [['text', text, 'string'], ['file', file, 'string']]);
  text = text.replace(/^\uFEFF/, '');
  // An image or other binary file named by mistake is no list of names.
  if (/[\u0000\uFFFD]/.test(text)) throw new UserError(`${file}: binary data, not a class list (an image or a mask?); expected ${FORMS}`);
  const head = text.trimStart()[0];
  const list = head === '<' ? fromConfig(file, text) : head === '[' || head === '{' ? fromJson(file, text) : fromLines(file, text);
  if (!list.length) throw new UserError(`${file}: names no classes; expected ${FORMS}`);
  if (list.length > MAX_CLASSES) throw new UserError(`${file}: lists ${list.length} classes; label maps and masks hold one byte a pixel, ${MAX_CLASSES} classes at most`);
  // Classes are found by name (--keep, --threshold, annotations): two of one name would be one.
  const firstOf = new Map<string, number>();
  list.forEach((c, i) => {
    const key = c.name.trim().toLowerCase(), first = firstOf.get(key);
    if (first !== undefined) throw new UserError(`${file}: classes ${first} and ${i} are both named "${c.name}"; give each class its own name`);
    firstOf.set(key, i);
  });
  return list;
}

function fromJson(file: string, text: string): ClassInfo[] {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new UserError(`${file}: cannot read class list (${(e as Error).message}); expected ${FORMS}`); }
  const r = fileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(`${file}: invalid class list at ${issue.path.join('.') || 'top level'}: ${issue.message}; expected [{"name": "...", "color": [r,g,b]}, ...]`);
  }
  return (Array.isArray(r.data) ? r.data : r.data.classes).map((c) => ({ name: c.name, color: c.color as Rgb }));
}

/**
 * A class list as text, a class a line, class 0 first: a name (labelme's labels.txt, whose
 * `__ignore__` is its ignore label, no class, and `_background_` background), "ID NAME" with the
 * ids 0, 1, 2, ... (TensorFlow's labels.txt), or "name,r,g,b" (CamVid's class_dict.csv, a header
 * first). Without colours, a built-in set's where the names are its, else the palette's.
 */
function fromLines(file: string, text: string): ClassInfo[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && l !== '__ignore__');
  const named = (name: string) => (name === '_background_' ? 'background' : name);
  // CamVid's class_dict.csv: a header naming the columns, or rows ending in three numbers.
  if (/,\s*r\s*,\s*g\s*,\s*b$/i.test(lines[0] ?? '') || lines.some((l) => /,\s*"?\d+"?\s*,\s*"?\d+"?\s*,\s*"?\d+"?$/.test(l))) {
    return parseClassDict(text, (why) => new UserError(`${file}: ${why}`));
  }
  const numbered = /^(\d+)[\t ]+(\S.*)$/;
  if (lines.every((l) => numbered.test(l))) {
    return classesNamed(lines.map((l, i) => {
      const [, id, name] = numbered.exec(l)!;
      if (+id !== i) throw new UserError(`${file}: line "${l}" gives class ${id} where ${i} comes next; number the classes 0, 1, 2, ... in order`);
      return named(name.trim());
    }));
  }
  return classesNamed(lines.map(named));
}

/**
 * A class_dict.csv's text ("name,r,g,b" and a row per class; a name may hold commas): the classes
 * in its order with its colours. A row that is not a name and three values is refused by
 * `refuse` with its line number; the data layout (layouts.ts) and class files read it alike.
 */
export function parseClassDict(text: string, refuse: (why: string) => Error): ClassInfo[] {
  const classes: ClassInfo[] = [];
  let header = true;
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
    const row = line.trim();
    if (!row) return;
    const cells = row.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    const first = header;
    header = false;
    if (first && !cells.slice(-3).every((c) => /^\d+$/.test(c))) return; // the header
    const rgb = cells.slice(-3).map(Number), name = cells.slice(0, -3).join(',');
    if (cells.length < 4 || !name || !rgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) throw refuse(`row ${i + 1} "${row}" is not "NAME,R,G,B" (a name and three values 0..255)`);
    classes.push({ name, color: rgb as Rgb });
  });
  return classes;
}

/** A Label Studio labelling config: background, then its labels in the project's order, in the project's colours. */
function fromConfig(file: string, text: string): ClassInfo[] {
  const r = labellingConfigClasses(text);
  if (typeof r === 'string') throw new UserError(`${file}: ${r}; expected ${FORMS}`);
  return r;
}

/**
 * Background and `foreground`: a list of one class names the foreground. A name without a colour
 * of its own takes the palette's first (black), the background's; it is drawn in the binary
 * foreground's colour then, or the masks would show nothing.
 */
export function binaryWith(foreground: ClassInfo): ClassInfo[] {
  const [bg, fg] = BINARY_CLASS_LIST;
  const same = foreground.color.every((v, i) => v === bg.color[i]);
  return [bg, same ? { name: foreground.name, color: fg.color } : foreground];
}

/**
 * The classes of a binary run: background and foreground, named by a class file of one class (the
 * foreground) or two (background, foreground).
 */
export function resolveBinaryClasses(file?: string): ClassInfo[] {
  if (!file) return BINARY_CLASS_LIST;
  const classes = readClassList(file);
  if (classes.length === 1) return binaryWith(classes[0]);
  if (classes.length === 2) return classes;
  throw argumentError('numClasses', '1 (binary)', `${file} lists ${classes.length} classes; give the foreground alone, or background and foreground`);
}

/** A class list by name: a built-in set (voc, cityscapes, ade20k, camvid) or a class file. */
export function readClassList(file: string): ClassInfo[] {
  return Object.hasOwn(CLASS_SETS, file) ? CLASS_SETS[file] : loadClassFile(file);
}

/**
 * The classes of a class file (or a built-in set's name) for a graph that gives `count` class
 * scores: the count is the graph's, so a list of another length is the file's to fix.
 */
export function classesForGraph(count: number, file: string): ClassInfo[] {
  const classes = readClassList(file);
  if (classes.length !== count) throw argumentError('classFile', file, `names ${classes.length} classes, and the graph gives ${count} class scores; give a class list of ${count}`);
  return classes;
}

/** Resolves the class list for a run: a file, a named preset, or generated names. */
export function resolveClasses(numClasses: number, file?: string): ClassInfo[] {
  if (!file) return defaultClasses(numClasses);
  const classes = readClassList(file);
  if (classes.length !== numClasses) {
    throw new UserError(`numClasses ${numClasses} does not match the ${classes.length} classes in ${file}; make them agree`, 2, 'numClasses');
  }
  return classes;
}
