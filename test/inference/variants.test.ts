// A card with variants (the person model: MediaPipe's general 256x256 and landscape 144x256
// graphs): each image goes to the graph of the nearest aspect ratio, in one call, in the images'
// order, on the calling thread and in worker threads alike; each graph alone is the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { openSegmenter } from '../../src/inference/open.ts';
import { openThreadedSegmenter } from '../../src/inference/threaded.ts';
import { createSegmenter } from '../../src/inference/segmenter.ts';
import { OnnxNetwork } from '../../src/inference/onnx_runtime.ts';
import { NODE_FILTERS } from '../../src/inference/node_filters.ts';
import { readCard } from '../../src/models/package.ts';
import { variantCards } from '../../src/models/card.ts';
import { MODELS_DIR } from '../../src/models/shipped.ts';
import { readImage } from '../../src/data/image_io.ts';

const PERSON = path.join(MODELS_DIR, 'person');

test('variants: landscape images go to the landscape graph, square and portrait ones to the general graph; threads agree', async () => {
  const card = readCard(PERSON);
  const [general, landscape] = variantCards(card);
  assert.deepEqual(card.variants, [{ onnx: 'model-144x256.onnx', size: [144, 256] }]);
  assert.deepEqual(landscape.input.rule, { kind: 'fixed', size: [144, 256], filter: 'pillow' });
  const alone = async (c: typeof card) => createSegmenter(await OnnxNetwork.create(path.join(PERSON, c.onnx!), 2, 1), c, { filters: NODE_FILTERS });
  const g = await alone(general), l = await alone(landscape);
  const astronaut = await readImage('assets/photos/astronaut.png'); // 512x512: square
  const wide = await readImage('assets/photos/dashcam.png'); // 960x540: 16:9
  const tallBuf = await sharp('assets/photos/astronaut.png').resize(300, 520, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const tall = { data: new Uint8Array(tallBuf.data), width: 300, height: 520 };
  const expected = [(await g.predictBatch([astronaut]))[0], (await l.predictBatch([wide]))[0], (await g.predictBatch([tall]))[0]];
  assert.notDeepEqual((await g.predictBatch([wide]))[0], expected[1], 'the two graphs differ on the wide photo (else this test shows nothing)');
  for (const seg of [await openSegmenter(PERSON, { threads: 1 }), await openThreadedSegmenter(PERSON, { workers: 2, threads: 2 })]) {
    assert.deepEqual(seg.card.variants, card.variants);
    assert.deepEqual(await seg.predictBatch([astronaut, wide, tall]), expected);
    const scored = await seg.scoresBatch([wide]);
    assert.deepEqual(scored[0].labels, expected[1]);
    await seg.dispose();
  }
  await g.dispose(); await l.dispose();
});
