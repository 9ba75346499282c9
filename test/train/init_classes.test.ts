// --init-classes: which old class each new class starts from (by name, case-insensitive, or as
// paired), the class-score columns copied into the new head, the other columns and every other
// tensor left alone; and the CLI's one-line refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { classStarts, startHead } from '../../src/train/init_classes.ts';
import { cliMessage } from '../../src/cli/flags.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir, writeGreyPng, writeRgb } from '../helpers.ts';

const named = (...names: string[]) => names.map((name) => ({ name, color: [0, 0, 0] as [number, number, number] }));

test('init-classes: starts by name (any case) and by NEW=OLD pairs; unknown names are one-line errors', () => {
  const old = named('road', 'sidewalk', 'building', 'sky', 'car');
  assert.deepEqual(classStarts(named('Sky', 'Road', 'Pavement', 'Tree'), old, undefined), [3, 0, -1, -1]);
  assert.deepEqual(classStarts(named('Sky', 'Road', 'Pavement', 'Tree'), old, 'Pavement=sidewalk, Sky = building'), [2, 0, 1, -1]);
  assert.throws(() => classStarts(named('Sky'), old, 'Pavement=sidewalk'), (e: Error) => e instanceof UserError && /Pavement is not one of the new classes \(Sky\)/.test(e.message));
  assert.throws(() => classStarts(named('Sky'), old, 'Sky=cloud'), (e: Error) => e instanceof UserError && /cloud is not a class of the starting model/.test(e.message));
  assert.throws(() => classStarts(named('Sky'), old, 'Sky'), (e: Error) => e instanceof UserError && /give NEW=OLD pairs/.test(e.message));
  // The library names its argument; the command line words it as the flag.
  assert.throws(() => classStarts(named('Sky'), old, 'Sky=cloud'), (e: Error) => e instanceof UserError && e.argument === 'initClasses' && cliMessage(e).startsWith('--init-classes Sky=cloud: cloud is not'));
});

test('init-classes: the new head\'s columns are the old head\'s mapped columns; unmapped columns and other layers keep their values', async () => {
  await initEngine('wasm');
  const from = new SegModel({ arch: 'fcn32', numClasses: 5, width: 4, seed: 1 } as never);
  const to = new SegModel({ arch: 'fcn32', numClasses: 3, width: 4, seed: 2 } as never);
  const fileArrays = await from.namedWeights();
  const file = new Map(fileArrays.map((w) => [w.name, { shape: w.shape, data: w.data }]));
  const before = new Map((await to.namedWeights()).map((w) => [w.name, w]));
  const starts = [4, -1, 1];
  const started = await startHead(to, file, starts, 5, 'from');
  assert.ok(started.length >= 1);
  for (const w of await to.namedWeights()) {
    const old = before.get(w.name)!;
    if (!started.includes(w.name)) { assert.deepEqual(w.data, old.data, `${w.name} untouched`); continue; }
    const src = file.get(w.name)!, rows = w.data.length / 3;
    for (let r = 0; r < rows; r++) {
      assert.equal(w.data[r * 3 + 0], src.data[r * 5 + 4]);
      assert.equal(w.data[r * 3 + 1], old.data[r * 3 + 1]);
      assert.equal(w.data[r * 3 + 2], src.data[r * 5 + 1]);
    }
  }
  from.dispose(); to.dispose();
});

test('init-classes: without a model package to start from, one line naming the fix', async () => {
  const d = tempDir();
  await writeRgb(path.join(d, 'img', 'a.png'), new Uint8Array(32 * 32 * 3), 32, 32);
  fs.mkdirSync(path.join(d, 'mask'));
  writeGreyPng(path.join(d, 'mask', 'a.png'), new Uint8Array(32 * 32), 32, 32);
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--arch', 'unet', '--images', path.join(d, 'img'), '--masks', path.join(d, 'mask'), '--classes', '2',
    '--input-size', '32x32', '--epochs', '1', '--init-classes', '--out', path.join(d, 'run')], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--init-classes needs --init-weights naming a model package or run folder/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  // In a recipe, true is the option without pairs (names only).
  fs.writeFileSync(path.join(d, 'recipe.json'), JSON.stringify({ 'init-classes': true }));
  const c = spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--arch', 'unet', '--images', path.join(d, 'img'), '--masks', path.join(d, 'mask'), '--classes', '2',
    '--input-size', '32x32', '--epochs', '1', '--config', path.join(d, 'recipe.json'), '--out', path.join(d, 'run2')], { encoding: 'utf8' });
  assert.notEqual(c.status, 0);
  assert.match(c.stderr, /--init-classes needs --init-weights/);
  assert.equal(c.stderr.trim().split('\n').length, 1, c.stderr);
});

test('init-weights of a package: its network options (defaults included) where none are given, so its layers fit; a shipped model without weights names the command that makes them', async () => {
  const d = tempDir();
  for (const n of ['a', 'b']) {
    await writeRgb(path.join(d, 'img', `${n}.png`), new Uint8Array(32 * 32 * 3).fill(90), 32, 32);
    fs.mkdirSync(path.join(d, 'mask'), { recursive: true });
    writeGreyPng(path.join(d, 'mask', `${n}.png`), new Uint8Array(32 * 32).fill(n === 'a' ? 1 : 2), 32, 32);
  }
  fs.writeFileSync(path.join(d, 'classes.json'), JSON.stringify([{ name: 'background', color: [0, 0, 0] }, { name: 'person', color: [192, 128, 128] }, { name: 'cat', color: [64, 0, 0] }]));
  const train = (out: string, ...extra: string[]) => spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--arch', 'espnetv2', '--images', path.join(d, 'img'), '--masks', path.join(d, 'mask'),
    '--class-file', path.join(d, 'classes.json'), '--input-size', '32x32', '--batch-size', '2', '--epochs', '1', '--workers', '0', '--quiet', '--init-classes', ...extra, '--out', path.join(d, out)], { encoding: 'utf8' });
  // voc-fast: 21 classes, so a projection width of 10 where 3 classes would build 1.
  const r = train('kept', '--init-weights', 'voc-fast');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^network options of voc-fast: --proj-width 10 \(its layers fit; give the option to change it\)$/m);
  assert.match(r.stderr, /^initialised from \S+weights\.safetensors$/m); // no tensor starts new
  const card = JSON.parse(fs.readFileSync(path.join(d, 'kept', 'model.json'), 'utf8'));
  assert.equal(card.model.projWidth, 10);
  assert.equal(card.model.widthMult, 2);
  // Given, the option wins: the decoder's projections start new.
  const g = train('given', '--init-weights', 'voc-fast', '--proj-width', '4');
  assert.equal(g.status, 0, g.stderr);
  assert.doesNotMatch(g.stderr, /network options of/);
  assert.match(g.stderr, /^initialised from \S+; \d+ tensors start new/m);
  // A shipped model packaged without trainable weights: the command of its card, without --no-weights.
  const o = train('onnx-only', '--init-weights', 'cityscapes-live');
  assert.notEqual(o.status, 0);
  assert.equal(o.stderr.trim().split('\n').length, 1, o.stderr);
  assert.match(o.stderr, /^pixelwise: --init-weights cityscapes-live: an ONNX-only package has no trainable weights; .*; its card's command without --no-weights makes one with them: pixelwise import --preset espnetv2-cityscapes --from \S+ --input-size 256x448 --out DIR$/m);
});
