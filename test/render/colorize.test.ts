// colorize and overlay, the drawing helpers the library exports: exact colours and blends, and
// sizes that do not match refused by name (they were read short or past the end without a word).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorize, overlay } from '../../src/render/colorize.ts';
import { UserError } from '../../src/util/errors.ts';

const refused = (f: () => unknown, argument: string, message: RegExp) => assert.throws(f, (e: Error) => e instanceof UserError && e.argument === argument && message.test(e.message));

test('colorize: each id its palette colour (black past the palette); a map of another size refused', () => {
  const c = colorize(new Uint8Array([0, 1, 2, 1]), 2, 2, [[10, 20, 30], [200, 100, 50]]);
  assert.deepEqual([...c.data], [10, 20, 30, 200, 100, 50, 0, 0, 0, 200, 100, 50]);
  refused(() => colorize(new Uint8Array(3), 2, 2, [[0, 0, 0]]), 'labels', /^labels: 3 values for a 2x2 image; expected 4/);
  refused(() => colorize(new Uint8Array(4), 2, 2, 'red' as never), 'palette', /^palette red: expected an array of \[r, g, b\] colours/);
});

test('overlay: photo x (1 - alpha) + mask x alpha, rounded; an opacity outside 0..1 or a mask of another size refused', () => {
  const photo = { data: new Uint8Array([0, 100, 255]), width: 1, height: 1 };
  const mask = { data: new Uint8Array([255, 0, 255]), width: 1, height: 1 };
  // 0.25: 0*0.75 + 255*0.25 = 63.75 -> 64; 100*0.75 = 75; 255.
  assert.deepEqual([...overlay(photo, mask, 0.25).data], [64, 75, 255]);
  refused(() => overlay(photo, mask, 1.5), 'alpha', /^alpha 1.5: expected an opacity from 0 to 1/);
  refused(() => overlay(photo, { data: new Uint8Array(12), width: 2, height: 2 }, 0.5), 'mask', /^mask: 2x2 \(12 bytes\) over a 1x1 photo/);
  refused(() => overlay({ data: new Uint8Array(2), width: 1, height: 1 }, mask, 0.5), 'photo', /^photo: expected \{ data: width\*height\*3 RGB bytes/);
});
