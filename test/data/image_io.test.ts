import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decoderWords, readImage } from '../../src/data/image_io.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';

test('decoderWords: the decoder\'s first line, and words for libvips\'s "Unknown error" (a damaged PNG\'s, now and then)', () => {
  assert.equal(decoderWords(new Error('vipspng: libpng read error\nmore detail')), 'vipspng: libpng read error');
  assert.equal(decoderWords(new Error('Unknown error')), 'the file is damaged or not an image');
  assert.equal(decoderWords(new Error('')), 'the file is damaged or not an image');
});

test('readImage: a damaged PNG is one line naming the file and what to check', async () => {
  const file = path.join(tempDir(), 'broken.png');
  // A PNG signature and an IHDR whose CRC and data are garbage.
  fs.writeFileSync(file, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 0xab)]));
  await assert.rejects(readImage(file), (e: Error) => e instanceof UserError && e.message.startsWith(`${file}: cannot read image (`) && e.message.endsWith('); check the file is a valid jpg/png/bmp/webp/tiff/avif') && !/Unknown error/.test(e.message));
});
