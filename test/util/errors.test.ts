// checkedLabelMap: a label map is one byte per pixel of the size it is said to have; anything else
// is refused naming the argument, before a loop reads past its end or stops short of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError, checkedLabelMap } from '../../src/util/errors.ts';

test('checkedLabelMap: the map itself when it fits; another length, type or size refused by the argument\'s name', () => {
  const labels = new Uint8Array(6);
  assert.equal(checkedLabelMap(labels, 3, 2), labels);
  // An ImageData-style clamped array is the same bytes, not a copy.
  const clamped = new Uint8ClampedArray(6);
  const asBytes = checkedLabelMap(clamped, 2, 3);
  asBytes[0] = 7;
  assert.equal(clamped[0], 7);
  const refused = (f: () => unknown, message: string, argument = 'labels') => assert.throws(f, (e: Error) => e instanceof UserError && e.argument === argument && e.message === message);
  refused(() => checkedLabelMap(new Uint8Array(5), 3, 2), 'labels: 5 values for a 3x2 image; expected 6, one per pixel');
  refused(() => checkedLabelMap([0, 1, 0, 1], 2, 2), 'labels: expected a Uint8Array of class ids, one per pixel; got an Array');
  refused(() => checkedLabelMap(new Float32Array(4), 2, 2, 'mask'), 'mask: expected a Uint8Array of class ids, one per pixel; got Float32Array', 'mask');
  refused(() => checkedLabelMap(null, 2, 2), 'labels: expected a Uint8Array of class ids, one per pixel; got null');
  refused(() => checkedLabelMap(new Uint8Array(0), 0, 0), 'labels: the size 0x0 is not a size in pixels');
});
