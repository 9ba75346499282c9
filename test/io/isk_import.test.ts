// `pixelwise import --preset image-segmentation-keras` of a graph shaped as image-segmentation-keras
// builds its U-Nets and tf2onnx writes them (NHWC input of fixed size, scores at half of it
// flattened to [N, h * w, C] and softmaxed), against image-segmentation-keras's own predict path on
// the shipped photos (test/fixtures/isk, made by bench/isk_export.py with Debian's python3-torch and
// python3-opencv): cv2.resize INTER_LINEAR in, its "sub_mean", the argmax at the output's size,
// cv2.resize INTER_NEAREST back. Every pixel must agree but near-ties; the same graph imported with
// Pillow's resizes, or with its channels in the wrong order, does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readCard } from '../../src/models/package.ts';
import { load } from '../../src/inference/load.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { cli, differences, labelMaps, type ReferenceCase } from './reference_maps.ts';

const FIX = path.resolve(import.meta.dirname, '../fixtures/isk');
const GRAPH = path.join(FIX, 'isk_unet.onnx');
const reference = JSON.parse(fs.readFileSync(path.join(FIX, 'reference.json'), 'utf8')) as { cases: ReferenceCase[] };
/** sub_mean in RGB order, as a card says it without the preset. */
const SUB_MEAN = ['--mean', `${123.68 / 255},${116.779 / 255},${103.939 / 255}`, '--std', `${1 / 255},${1 / 255},${1 / 255}`];

test('an image-segmentation-keras graph imported with its preset: OpenCV\'s bilinear in, its sub_mean, the argmax at half size, OpenCV\'s nearest back: its predict\'s label maps', async () => {
  const out = path.join(tempDir(), 'isk');
  const r = cli('import', '--from', GRAPH, '--preset', 'image-segmentation-keras', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /5 classes, input 320x224 \(width x height\), scores at 1\/2 of it; adapted: .*a Reshape of its \[N, 112 \* 160, 5\] scores/);
  const card = readCard(out);
  assert.deepEqual(card.input.rule, { kind: 'fixed', size: [224, 320], filter: 'opencv-linear' });
  assert.deepEqual(card.input.normalization, { mean: [123.68 / 255, 116.779 / 255, 103.939 / 255], std: [1 / 255, 1 / 255, 1 / 255] });
  assert.deepEqual(card.output, { kind: 'logits', resizeBack: 'labels', scale: 2, nearest: 'opencv' });
  for (const [i, labels] of (await labelMaps(out, reference.cases)).entries()) {
    const c = reference.cases[i], { differ, decided } = differences(labels, c);
    assert.equal(decided, 0, `${c.image}: ${differ} pixels differ from image-segmentation-keras's, ${decided} of them not near-ties`);
  }
  // Its graph fixes 224x320: quarter turns (320x224) and other scales cannot run on it; mirrors can.
  const refused = async (o: object, argument: string, re: RegExp) => assert.rejects(load(out, o), (e: unknown) => e instanceof UserError && e.argument === argument && re.test(e.message));
  await refused({ tta: 'd4' }, 'tta', /^tta d4: this model's graph takes 224x320 \(height x width\) only: its ONNX file fixes the size, and quarter turns would give it 320x224; flip and flip2 can run$/);
  await refused({ scales: [0.5, 1] }, 'scales', /^scales 0\.5,1: this model's graph takes 224x320 \(height x width\) only: .*other scales cannot run/);
  const mirrored = await load(out, { tta: 'flip2' });
  await mirrored.dispose();
});

test('the same graph with Pillow\'s resizes (no preset), or fed BGR: other label maps than image-segmentation-keras\'s', async () => {
  const d = tempDir(), pillow = path.join(d, 'pillow'), bgr = path.join(d, 'bgr');
  assert.equal(cli('import', '--from', GRAPH, ...SUB_MEAN, '--out', pillow).status, 0);
  assert.deepEqual(readCard(pillow).input.rule, { kind: 'fixed', size: [224, 320], filter: 'pillow' });
  // The means in BGR order with the channels flipped: Keras Applications' "caffe", not this tool's sub_mean.
  assert.equal(cli('import', '--from', GRAPH, '--mean', `${103.939 / 255},${116.779 / 255},${123.68 / 255}`, '--std', `${1 / 255},${1 / 255},${1 / 255}`, '--channel-order', 'BGR', '--out', bgr).status, 0);
  for (const pkg of [pillow, bgr]) {
    for (const [i, labels] of (await labelMaps(pkg, reference.cases)).entries()) {
      assert.ok(differences(labels, reference.cases[i]).decided > 0, `${path.basename(pkg)} ${reference.cases[i].image}`);
    }
  }
});

test('--preset image-segmentation-keras: refused for a graph of any size without --input-size, and an unknown ONNX preset is named', () => {
  const d = tempDir();
  const any = cli('import', '--from', path.resolve(import.meta.dirname, '../fixtures/torch_exports/deeplabv3.onnx'), '--preset', 'image-segmentation-keras', '--out', path.join(d, 'a'));
  assert.equal(any.status, 2);
  assert.equal(any.stderr, 'pixelwise: --preset image-segmentation-keras: resizes every image to the graph\'s input size, and this graph takes any size; give --input-size HxW, the size it was trained at\n');
  const unknown = cli('import', '--from', GRAPH, '--preset', 'toString', '--out', path.join(d, 'b'));
  assert.equal(unknown.status, 2);
  assert.equal(unknown.stderr, 'pixelwise: --preset toString: not one for an ONNX graph or a Keras model; available: image-segmentation-keras, keras-caffe, keras-tf, keras-torch, keras-raw\n');
  assert.ok(!fs.existsSync(path.join(d, 'a')) && !fs.existsSync(path.join(d, 'b')));
});
