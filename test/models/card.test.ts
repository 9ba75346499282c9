// The model card (src/models/card.ts): version-1 cards migrate to what the shipped version-2 cards
// say, cards of old training runs load with their input rule and stride, broken cards fail naming
// the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildCard, migrateCard, parseCard, type ModelCard } from '../../src/models/card.ts';
import { readCard, writeCard } from '../../src/models/package.ts';
import { openCard } from '../../src/models/card_file.ts';
import { archStride as strideOf } from '../../src/models/registry.ts';
import { defaultClasses } from '../../src/data/classes.ts';
import { IMAGENET_NORM } from '../../src/data/normalize.ts';
import { tempDir } from '../helpers.ts';
import { UserError } from '../../src/util/errors.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/cards');
const parsed = (raw: unknown): ModelCard => { const r = parseCard(raw, strideOf); if ('error' in r) throw new Error(r.error); return r.card; };

for (const name of ['voc-fast', 'cityscapes-fast', 'camvid-fast']) {
  test(`card: the version-1 card of the shipped ${name} model migrates to the shipped version-2 card`, () => {
    const v1 = JSON.parse(fs.readFileSync(path.join(FIXTURES, `v1-${name}.json`), 'utf8'));
    assert.equal(v1.version, 1);
    assert.deepEqual(parsed(v1), readCard(path.resolve('models', name)));
  });
}

test('card: version-1 rules map to input rules and resize-back rules', () => {
  const v1 = { format: 'pixelwise-model', version: 1, model: { arch: 'espnetv2', numClasses: 2, stride: 16 }, classes: defaultClasses(2), normalization: IMAGENET_NORM, weights: 'w.safetensors' };
  const rule = (extra: object) => { const c = parsed({ ...v1, ...extra }); return [c.input.rule, c.output.resizeBack]; };
  assert.deepEqual(rule({}), [{ kind: 'native' }, 'scores']);
  assert.deepEqual(rule({ resize: [40, 56] }), [{ kind: 'fixed', size: [40, 56], filter: 'sharp' }, 'scores']);
  assert.deepEqual(rule({ pillowResize: { size: [64, 48] } }), [{ kind: 'fixed', size: [64, 48], filter: 'pillow' }, 'labels']);
  assert.deepEqual(rule({ pillowResize: { multiple: 32 } }), [{ kind: 'multiple', multiple: 32, filter: 'pillow' }, 'labels']);
  assert.equal(parsed(v1).input.stride, 16);
  assert.equal((parsed(v1).model as { stride?: number }).stride, undefined, 'the stride moves to input.stride');
});

test('card: a training run folder of an earlier version (no stride recorded, sharp resize) loads with its architecture\'s stride', async () => {
  const dir = tempDir();
  const old = {
    format: 'pixelwise-model', version: 1, model: { arch: 'unet', numClasses: 4, width: 8, depth: 3 }, classes: defaultClasses(4),
    normalization: IMAGENET_NORM, resize: [40, 56], ignoreIndex: 255, weights: 'best.safetensors', source: 'trained with pixelwise train',
  };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(old));
  const card = readCard(dir);
  assert.equal(card.input.stride, 8, 'a 3-level U-Net pads to multiples of 2^3');
  // openCard (no TF.js until a card needs the registry) reads it the same.
  assert.deepEqual(await openCard(dir), card);
  assert.deepEqual(card.input.rule, { kind: 'fixed', size: [40, 56], filter: 'sharp' });
  assert.equal(card.ignoreIndex, 255);
  // Written back, it is a version-2 card that reads the same.
  writeCard(dir, card);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).version, 2);
  assert.deepEqual(readCard(dir), card);
});

test('card: broken cards fail in one line naming the field', () => {
  const good = buildCard({ model: { arch: 'unet', numClasses: 2 }, classes: defaultClasses(2), input: { normalization: IMAGENET_NORM, stride: 8 } });
  const err = (c: unknown) => { const r = parseCard(c, strideOf); return 'error' in r ? r.error : ''; };
  assert.equal(err(good), '');
  assert.match(err({ ...good, input: { ...good.input, rule: { kind: 'fixed', size: [0, 4], filter: 'pillow' } } }), /input\.rule\.size\.0/);
  assert.match(err({ ...good, input: { ...good.input, rule: { kind: 'multiple', multiple: 8, filter: 'bicubic' } } }), /input\.rule\.filter/);
  assert.match(err({ ...good, output: { kind: 'heatmap', resizeBack: 'labels' } }), /output\.kind/);
  assert.match(err({ ...good, input: { ...good.input, stride: undefined } }), /input\.stride/);
  assert.match(err({ ...good, classes: defaultClasses(3) }), /3 classes listed but the model has 2 outputs/);
  // A version-1 card whose stride nobody knows (no architecture of that name) fails on the stride.
  assert.match(err(migrateCard({ format: 'pixelwise-model', version: 1, model: { arch: 'nope', numClasses: 2 }, classes: defaultClasses(2), normalization: IMAGENET_NORM }, strideOf)), /input\.stride/);
});

test('card: buildCard fills the format, version, channels and the default output for the input rule', () => {
  const c = buildCard({ model: { arch: 'unet', numClasses: 2 }, classes: defaultClasses(2), input: { normalization: IMAGENET_NORM, stride: 8, rule: { kind: 'multiple', multiple: 32, filter: 'pillow' } } });
  assert.deepEqual([c.format, c.version, c.input.channels, c.output, c.weights], ['pixelwise-model', 2, 3, { kind: 'logits', resizeBack: 'labels' }, '']);
  const n = buildCard({ model: { arch: 'unet', numClasses: 2 }, classes: defaultClasses(2), input: { normalization: IMAGENET_NORM, stride: 8 } });
  assert.deepEqual([n.input.rule, n.output.resizeBack], [{ kind: 'native' }, 'scores']);
  // Fields it cannot hold are one line naming the field (before: zod's issue list as an internal error).
  assert.throws(() => buildCard({ model: { arch: 'unet', numClasses: 2 }, classes: defaultClasses(2), input: { normalization: { mean: [0, 0, 0], std: [0, 1, 1] }, stride: 8 } }),
    (e: Error) => e instanceof UserError && /^model card input\.normalization\.std\.0: .*>0/.test(e.message) && !e.message.includes('\n'));
});

test('writeCard refuses a card it would not read back, and writes nothing (a library caller\'s hand-made card)', async () => {
  const { UserError } = await import('../../src/util/errors.ts');
  const d = tempDir();
  const good = buildCard({ model: { arch: 'unet', numClasses: 2 }, classes: defaultClasses(2), input: { normalization: IMAGENET_NORM, stride: 16 }, weights: 'w.safetensors' });
  // Three classes for a network of two outputs: readCard refuses it, so writeCard does.
  assert.throws(() => writeCard(d, { ...good, classes: defaultClasses(3) }), (e: Error) => e instanceof UserError && e.argument === 'card' && e.message === 'card: 3 classes listed but the model has 2 outputs; build cards with buildCard');
  assert.throws(() => writeCard(d, { hello: 1 } as unknown as ModelCard), (e: Error) => e instanceof UserError && /^card: invalid model card at "format"/.test(e.message));
  // More classes than a label map's byte holds (before: accepted, ids from 256 up wrapped round).
  const many = { ...good, model: { ...good.model, numClasses: 300 }, classes: defaultClasses(300) };
  assert.throws(() => writeCard(d, many), (e: Error) => e instanceof UserError && e.message === 'card: invalid model card at "model.numClasses": at most 256 (label maps hold one byte a pixel); build cards with buildCard');
  assert.equal(fs.existsSync(path.join(d, 'model.json')), false);
  writeCard(d, good);
  assert.deepEqual(readCard(d), good);
});
