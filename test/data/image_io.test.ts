import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decoderWords } from '../../src/data/image_io.ts';

test('decoderWords: the decoder\'s first line, and words for libvips\'s "Unknown error" (a damaged PNG\'s, now and then)', () => {
  assert.equal(decoderWords(new Error('vipspng: libpng read error\nmore detail')), 'vipspng: libpng read error');
  assert.equal(decoderWords(new Error('Unknown error')), 'the file is damaged or not an image');
  assert.equal(decoderWords(new Error('')), 'the file is damaged or not an image');
});
