// `pixelwise quantize` on a shipped model: a copy with an 8-bit graph and its record in the card;
// predict and serve run it with --precision int8 (labels close to the float graph's); bad
// requests are one line each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { tempDir } from '../helpers.ts';
import { buildServer } from '../../src/serve/server.ts';
import { DEFAULT_SERVE } from '../../src/serve/options.ts';

const BIN = path.resolve('bin/pixelwise.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });

test('quantize voc-fast --input-size: the card records the 8-bit graph and the size; predict --precision int8 runs it', async () => {
  const d = tempDir('pw-quantize-');
  const out = path.join(d, 'voc-fast-int8');
  const r = cli('quantize', '--model', 'voc-fast', '--calibration', 'assets/photos', '--images', '3', '--check', '1', '--min-agreement', '0', '--input-size', '256x320', '--out', out, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^8-bit graph: \d+ of \d+ convolutions on 8 bits, .* labels equal the float graph's on [\d.]+% of 1 held-apart/);
  const card = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
  // --input-size: the copy (both graphs) runs at that size; the model's own scores say they are not of it.
  assert.deepEqual(card.input.rule, { kind: 'fixed', size: [256, 320], filter: 'pillow' });
  assert.ok(card.scores.length > 0);
  for (const sc of card.scores) assert.match(sc.dataset, /\(at the model's own size, not this copy's 320x256\)$/);
  assert.equal(card.int8.onnx, 'model-int8.onnx');
  assert.equal(card.int8.calibrationImages, 3);
  assert.equal(card.int8.checkImages, 1);
  assert.equal(card.int8.quantized, card.int8.convolutions);
  // Both graphs timed on the check image: the card keeps the figures the line prints.
  const { floatMs, int8Ms, threads } = card.int8.speed;
  assert.ok(floatMs > 0 && int8Ms > 0 && threads >= 1);
  assert.ok(r.stdout.includes(`${int8Ms.toFixed(1)} ms an image against the float graph's ${floatMs.toFixed(1)}`), r.stdout);
  assert.equal(r.stdout.includes('slower in 8 bits on this machine'), int8Ms >= floatMs);
  assert.ok(fs.statSync(path.join(out, 'model-int8.onnx')).size < 0.6 * fs.statSync(path.join(out, 'model.onnx')).size);
  // The float graph is the shipped one, copied.
  assert.ok(fs.readFileSync(path.join(out, 'model.onnx')).equals(fs.readFileSync('models/voc-fast/model.onnx')));

  const labels = async (precision: string) => {
    const dir = path.join(d, `pred-${precision}`);
    const p = cli('predict', 'assets/photos/chelsea.png', '--model', out, '--precision', precision, '--out', dir, '--quiet');
    assert.equal(p.status, 0, p.stderr);
    return sharp(path.join(dir, 'chelsea_labels.png')).raw().toBuffer();
  };
  const [f, q] = [await labels('float32'), await labels('int8')];
  let same = 0;
  for (let i = 0; i < f.length; i++) if (f[i] === q[i]) same++;
  assert.ok(same / f.length > 0.9, `int8 labels equal float's on ${(100 * same / f.length).toFixed(2)}%`);
  assert.ok(!f.equals(q), 'the 8-bit graph gave the float labels to the pixel: is --precision int8 applied?');

  // serve --precision int8 runs the package's 8-bit graph (predict's int8 labels), plain serve its float one.
  for (const [precision, expected] of [['int8', q], [undefined, f]] as const) {
    const s = await buildServer({ ...DEFAULT_SERVE, threads: 2, modelsDir: d, ...(precision ? { precision } : {}) });
    try {
      const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
      const r = await fetch(`${url}/v1/segment?model=voc-fast-int8&output=labels`, { method: 'POST', body: fs.readFileSync('assets/photos/chelsea.png'), headers: { 'content-type': 'image/png' } });
      assert.equal(r.status, 200, await r.clone().text());
      assert.ok((await sharp(Buffer.from(await r.arrayBuffer())).raw().toBuffer()).equals(expected), `serve ${precision ?? 'float'}`);
    } finally { await s.close(); }
  }

  // One line each: no 8-bit graph; a shipped model changed in place; a folder with other files; a model with per-aspect graphs.
  const bad: [string[], RegExp][] = [
    [['predict', 'assets/photos/chelsea.png', '--model', 'voc-fast', '--precision', 'int8', '--out', path.join(d, 'x')], /^pixelwise: --precision int8: voc-fast has no 8-bit graph; make one with pixelwise quantize --model voc-fast --calibration IMAGES --out voc-fast-int8, and run that folder$/],
    [['quantize', '--model', 'voc-fast', '--calibration', 'assets/photos'], /^pixelwise: --model voc-fast: a shipped model is not changed in place; give --out DIR/],
    [['quantize', '--model', 'voc-fast', '--calibration', 'assets/photos', '--out', out], /^pixelwise: --out .*: not empty/],
    [['quantize', '--model', 'person', '--calibration', 'assets/photos', '--out', path.join(d, 'p')], /^pixelwise: --model person: has per-aspect graphs/],
    [['quantize', '--model', 'voc-fast', '--calibration', 'assets/photos/chelsea.png', '--out', path.join(d, 'one')], /^pixelwise: --calibration .*chelsea\.png: 1 image; give at least 2/],
    [['quantize', '--model', path.join(d, 'voc-fast-int8'), '--calibration', 'assets/photos', '--int8-only'], /^pixelwise: --int8-only: makes a new model package; give --out DIR/],
    [['quantize', '--model', path.join(d, 'voc-fast-int8'), '--calibration', 'assets/photos', '--input-size', '128x192'], /^pixelwise: --input-size: makes a new model package; give --out DIR/],
    [['quantize', '--model', 'voc-fast', '--calibration', 'assets/photos', '--input-size', '128', '--out', path.join(d, 'size')], /^error: option '--input-size <HxW>' argument '128' is invalid\. expected HEIGHTxWIDTH/],
  ];
  for (const [args, message] of bad) {
    const b = cli(...args);
    assert.notEqual(b.status, 0, args.join(' '));
    assert.equal(b.stderr.trim().split('\n').length, 1, b.stderr);
    assert.match(b.stderr.trim(), message);
  }
});

test('quantize --int8-only --input-size: a package of the 8-bit graph alone, at that size, that runs it by default', async () => {
  const d = tempDir('pw-quantize-only-');
  const out = path.join(d, 'voc-fast-small');
  const r = cli('quantize', '--model', 'voc-fast', '--calibration', 'assets/photos', '--images', '3', '--check', '1', '--min-agreement', '0', '--input-size', '128x192', '--int8-only', '--out', out, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /written to .*model\.onnx \(an 8-bit model: run it as any other\)/);
  assert.deepEqual(fs.readdirSync(out).sort(), ['model.json', 'model.onnx'], 'the 8-bit graph and its card, nothing of the float model');
  const card = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
  assert.equal(card.precision, 'int8');
  assert.equal(card.onnx, 'model.onnx');
  assert.equal(card.weights, '');
  assert.deepEqual(card.input.rule, { kind: 'fixed', size: [128, 192], filter: 'pillow' });
  assert.equal(card.output.resizeBack, 'labels');
  assert.equal(card.int8.onnx, 'model.onnx');
  assert.equal(card.provenance.file, 'voc-fast/model.onnx');
  assert.equal(card.provenance.sha256, crypto.createHash('sha256').update(fs.readFileSync('models/voc-fast/model.onnx')).digest('hex'));
  assert.match(card.provenance.command, /^pixelwise quantize --model voc-fast .*--input-size 128x192 --int8-only/);
  for (const sc of card.scores ?? []) assert.match(sc.dataset, /not the 8-bit graph of voc-fast at 192x128/);

  // Run as any model: the 8-bit graph at 128x192, labels back at the photo's size, close to the
  // float model run at that size and not equal to it.
  const labels = async (model: string, ...more: string[]) => {
    const dir = path.join(d, `pred-${path.basename(model)}`);
    const p = cli('predict', 'assets/photos/chelsea.png', '--model', model, ...more, '--out', dir, '--quiet');
    assert.equal(p.status, 0, p.stderr);
    return sharp(path.join(dir, 'chelsea_labels.png')).raw().toBuffer({ resolveWithObject: true });
  };
  const [q, f] = [await labels(out), await labels('voc-fast', '--input-size', '128x192')];
  assert.deepEqual([q.info.width, q.info.height], [451, 300]);
  let same = 0;
  for (let i = 0; i < f.data.length; i++) if (f.data[i] === q.data[i]) same++;
  assert.ok(same / f.data.length > 0.8, `8-bit labels equal float's at the same size on ${(100 * same / f.data.length).toFixed(2)}%`);
  assert.ok(!f.data.equals(q.data), 'the 8-bit package gave the float labels to the pixel');
  const b = cli('predict', 'assets/photos/chelsea.png', '--model', out, '--precision', 'float32', '--out', path.join(d, 'x'));
  assert.notEqual(b.status, 0);
  assert.match(b.stderr.trim(), /^pixelwise: --precision float32: .*is an 8-bit graph only$/);
});

test('quantize --weights: a package\'s copy would pair its float graph with an 8-bit graph of other weights: refused in one line; a graph without weights refuses them', () => {
  const d = tempDir('pw-quantize-weights-');
  const copy = cli('quantize', '--model', 'voc-fast', '--weights', 'weights', '--calibration', 'assets/photos', '--out', path.join(d, 'q'), '--quiet');
  assert.equal(copy.status, 2);
  assert.equal(copy.stderr, 'pixelwise: --weights weights: the copy of voc-fast keeps its float graph (model.onnx, of the card\'s own weights), which an 8-bit graph of other weights would not match; make the checkpoint a package first (pixelwise export --package) or quantize it alone (--int8-only --out DIR)\n');
  const none = cli('quantize', '--model', 'voc', '--weights', 'best', '--calibration', 'assets/photos', '--out', path.join(d, 'v'), '--quiet');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^pixelwise: --weights best: voc is an ONNX graph with no TF\.js weights to replace;[^\n]*\n$/);
  assert.ok(!fs.existsSync(path.join(d, 'q')) && !fs.existsSync(path.join(d, 'v')), 'nothing written');
});
