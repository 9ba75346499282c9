// Class lists for names as other tools give them (data/classes.ts classesNamed): a built-in set's
// colours where the names are that set's, against the sets themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classesNamed, defaultPalette } from '../../src/data/classes.ts';
import { ADE20K_CLASSES, CITYSCAPES_CLASSES } from '../../src/data/class_sets.ts';

test('classesNamed: a built-in set\'s colours for its names in any case, or nine in ten of them; else distinct generated colours', () => {
  const city = classesNamed(CITYSCAPES_CLASSES.map((c) => c.name.toUpperCase()));
  assert.deepEqual(city.map((c) => c.color), CITYSCAPES_CLASSES.map((c) => c.color));
  // ADE20K with a few names spelled otherwise: still ADE20K's colours.
  const ade = ADE20K_CLASSES.map((c, i) => (i % 20 === 3 ? `${c.name}s` : c.name));
  assert.deepEqual(classesNamed(ade).map((c) => c.color), ADE20K_CLASSES.map((c) => c.color));
  assert.equal(classesNamed(ade)[3].name, ade[3]);
  // Half of them otherwise: another class list, the generated palette (distinct colours).
  const half = ADE20K_CLASSES.map((c, i) => (i % 2 ? `${c.name}s` : c.name));
  assert.deepEqual(classesNamed(half).map((c) => c.color), defaultPalette(150));
  const xyz = classesNamed(['x', 'y', 'z']).map((c) => c.color.join());
  assert.deepEqual(xyz, defaultPalette(3).map((c) => c.join()));
  assert.equal(new Set(xyz).size, 3);
});

