// The command line's wording of library errors: the argument a message starts with, camelCase
// names and `options.NAME` in its prose become flags; names without a flag stay as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asFlags, cliMessage } from '../../src/cli/flags.ts';
import { UserError, argumentError } from '../../src/util/errors.ts';

test('cliMessage: the leading argument, options.NAME and camelCase names as flags; unknown names untouched', () => {
  assert.equal(cliMessage(argumentError('numClasses', 12, 'does not match the 11 classes in c.json; make them agree')), '--classes 12: does not match the 11 classes in c.json; make them agree');
  assert.equal(cliMessage(argumentError('images', 'a/', 'no images found; the images are in subfolders: add options.recursive')), '--images a/: no images found; the images are in subfolders: add --recursive');
  assert.equal(asFlags('m.png: label 9 >= options.numClasses 4 (binary 0/255 mask: add options.labelMap 255:1)'), 'm.png: label 9 >= --classes 4 (binary 0/255 mask: add --label-map 255:1)');
  assert.equal(asFlags('initClasses: no layer'), '--init-classes: no layer');
  // A library option the command line does not have keeps its library name.
  assert.equal(cliMessage(new UserError("filters pillow: give that function in the segmenter's options.filters")), "filters pillow: give that function in the segmenter's options.filters");
  // A field of a file (a card's dotted or quoted path) keeps its name: it is not a flag.
  assert.equal(asFlags('m/model.json: invalid model card at "model.numClasses": at most 256'), 'm/model.json: invalid model card at "model.numClasses": at most 256');
  assert.equal(asFlags('invalid model card at "ignoreIndex": expected an integer'), 'invalid model card at "ignoreIndex": expected an integer');
  assert.equal(asFlags('expected numClasses.'), 'expected --classes.');
  // An argument named at the start only when the message starts with it.
  assert.equal(cliMessage(new UserError('the images differ', 2, 'images')), 'the images differ');
});

test('asFlags: nested options and a value whose flag is a negation; progress lines keep their words otherwise', () => {
  assert.equal(asFlags('note: 1024x1024 exceeds 4 megapixels; segmenting in 1024-pixel tiles with 25% overlap (options.tiling.tile N to choose, options.tiling.pixelBudget 0 to never tile)'),
    'note: 1024x1024 exceeds 4 megapixels; segmenting in 1024-pixel tiles with 25% overlap (--tile N to choose, --no-tile to never tile)');
  assert.equal(asFlags('tiles (options.tiling.tile 512) are not used'), 'tiles (--tile 512) are not used');
  assert.equal(asFlags('epoch 2, step 3: non-finite gradients; step skipped (onNaN skip)'), 'epoch 2, step 3: non-finite gradients; step skipped (--on-nan skip)');
  assert.equal(asFlags('stopped: maxMinutes 5 reached'), 'stopped: --max-minutes 5 reached');
  // A value of 0 stays beside a flag that is not a negation; an unknown nested option keeps its name.
  assert.equal(asFlags('options.numClasses 0 is not a class count'), '--classes 0 is not a class count');
  assert.equal(asFlags('see options.tiling.autoTile'), 'see options.tiling.autoTile');
  // A nested argument an error starts with: the augmentation's fields are the --aug-* flags.
  assert.equal(cliMessage(argumentError('augment.brightness', 3, 'expected a jitter below 1')), '--aug-color 3: expected a jitter below 1');
});
