// A Hugging Face folder's preprocessing, class names and licence as a model card reads them,
// against values worked out by hand from transformers' definitions (input = (pixel * rescale_factor
// - image_mean) / image_std; the card's units are pixel / 255).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hfClassNames, hfLicence, hfPreprocessing } from '../../src/io/hf_config.ts';

const round = (a: number[]) => a.map((v) => +v.toFixed(9));

test('SegFormer\'s processor: a fixed size, ImageNet statistics over pixel / 255', () => {
  const p = hfPreprocessing({ do_resize: true, size: { height: 512, width: 512 }, resample: 2, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] }, 'p.json', 3);
  assert.deepEqual(p.size, [512, 512]);
  assert.deepEqual(round(p.normalization!.mean), [0.485, 0.456, 0.406]);
  assert.deepEqual(round(p.normalization!.std), [0.229, 0.224, 0.225]);
  assert.deepEqual(p.notes, []);
  assert.equal(p.filter, 'pillow');
  // An old feature extractor's square size as one number, rescaling left to its default.
  assert.deepEqual(hfPreprocessing({ size: 640, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5], do_normalize: true }, 'p.json', 3).size, [640, 640]);
});

test('MobileViT\'s processor: resized and centre-cropped (the crop size, said), BGR, no normalisation; another rescale factor', () => {
  const p = hfPreprocessing({ do_resize: true, size: { shortest_edge: 544 }, do_center_crop: true, crop_size: { height: 512, width: 512 }, do_flip_channel_order: true, resample: 2, do_rescale: true, rescale_factor: 1 / 255 }, 'p.json', 3);
  assert.deepEqual(p.size, [512, 512]);
  assert.deepEqual(p.normalization, { mean: [0, 0, 0], std: [1, 1, 1], channelOrder: 'BGR' });
  assert.match(p.notes[0], /crops the centre 512x512; pixelwise resizes the whole image to 512x512/);
  // pixel / 127.5 - 1 is (pixel / 255 - 0.5) / 0.5.
  const q = hfPreprocessing({ do_resize: false, rescale_factor: 1 / 127.5, do_normalize: true, image_mean: [1, 1, 1], image_std: [1, 1, 1] }, 'p.json', 3);
  assert.equal(q.size, null);
  assert.deepEqual(round(q.normalization!.mean), [0.5, 0.5, 0.5]);
  assert.deepEqual(round(q.normalization!.std), [0.5, 0.5, 0.5]);
  // No rescaling: pixel values 0..255 straight in (std 1/255 in pixel / 255 units).
  assert.deepEqual(round(hfPreprocessing({ do_rescale: false, do_normalize: false }, 'p.json', 3).normalization!.std), round([1 / 255, 1 / 255, 1 / 255]));
  // BICUBIC (BEiT's, DPT's) is Pillow's bicubic; LANCZOS is not done: said.
  const bicubic = hfPreprocessing({ size: { height: 64, width: 64 }, resample: 3, do_normalize: false }, 'p.json', 3);
  assert.equal(bicubic.filter, 'pillow-bicubic');
  assert.deepEqual(bicubic.notes, []);
  const lanczos = hfPreprocessing({ size: { height: 64, width: 64 }, resample: 1, do_normalize: false }, 'p.json', 3);
  assert.equal(lanczos.filter, 'pillow');
  assert.match(lanczos.notes[0], /resizes with lanczos; pixelwise with Pillow's bilinear/);
});

test('what a card cannot hold or the file gets wrong: one line naming the file and key', () => {
  assert.throws(() => hfPreprocessing({ size: { shortest_edge: 800 } }, 'p.json', 3), /p\.json: size .* resizes the shortest side .*give --input-size HxW/);
  assert.throws(() => hfPreprocessing({ image_mean: 0.5 }, 'p.json', 3), /p\.json: image_mean: /);
  assert.throws(() => hfPreprocessing({ do_normalize: true, image_mean: [0.5], image_std: [0.5] }, 'p.json', 3), /image_mean has 1 values for an input of 3 bands/);
  assert.equal(hfPreprocessing({ do_normalize: true }, 'p.json', 3).normalization, null);
  assert.throws(() => hfClassNames({ id2label: { 0: 'a', 5: 'b' } }, 'c.json'), /c\.json: id2label has the id "5"; ids must be 0\.\.1/);
});

test('class names by id, trimmed', () => {
  assert.deepEqual(hfClassNames({ id2label: { 1: 'cat ', 0: 'background' } }, 'c.json'), ['background', 'cat']);
  assert.equal(hfClassNames({ num_labels: 3 }, 'c.json'), null);
});

test('the licence from a model card\'s front matter', () => {
  assert.equal(hfLicence('---\nlibrary_name: transformers\nlicense: "other"\n---\n# x'), 'other');
  assert.equal(hfLicence('---\r\nlicense: apache-2.0\r\n---\r\n'), 'apache-2.0');
  assert.equal(hfLicence('# no front matter\nlicense: mit\n'), null);
});
