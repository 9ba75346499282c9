// Class lists: names and colours, generated or known by name (class_file.ts reads them from files).
// The colour list doubles as the palette embedded in label-map PNGs.
import { CLASS_SETS } from './class_sets.js';

export type Rgb = [number, number, number];
export interface ClassInfo { name: string; color: Rgb }

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
