// A recipe in stages (train --then): one command trains the first recipe, then the next from the
// first run's best weights (replacing the next recipe's own start); resuming the first run goes on
// to the next one; a run cut short does not start it; a missing next recipe is refused up front.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeSyntheticDataset, SYNTHETIC_CLASSES } from '../../src/data/synthetic.ts';
import { tempDir } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('train --then: the next recipe starts from the first run\'s best weights, in one command; --resume goes on to it', async () => {
  const d = tempDir();
  const tr = await writeSyntheticDataset(path.join(d, 'train'), 4, 32, 32, 1);
  const va = await writeSyntheticDataset(path.join(d, 'val'), 2, 32, 32, 2);
  fs.writeFileSync(path.join(d, 'classes.json'), JSON.stringify(SYNTHETIC_CLASSES));
  const common = {
    arch: 'unet', width: 4, depth: 2, images: tr.images, masks: tr.masks, 'val-images': va.images, 'val-masks': va.masks,
    classes: 4, 'class-file': path.join(d, 'classes.json'), 'input-size': '32x32', 'batch-size': 2, flip: false, quiet: true,
  };
  const [a, b] = [path.join(d, 'stage1'), path.join(d, 'stage2')];
  const next = path.join(d, 'next.json');
  // Its own start names a file that does not exist: the chain replaces it with stage 1's weights.
  fs.writeFileSync(next, JSON.stringify({ ...common, epochs: 1, lr: 1e-4, loss: 'ce+lovasz', 'init-weights': path.join(d, 'nothing-here'), out: b }));
  const first = path.join(d, 'first.json');
  fs.writeFileSync(first, JSON.stringify({ ...common, epochs: 2, lr: 5e-3, out: a, then: next }));

  const r = cli('train', '--config', first);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`done: 2 epochs in ${a.replace(/[\\\\/.]/g, '.')}[^\\n]*\\ndone: 1 epoch in ${b.replace(/[\\\\/.]/g, '.')}`));
  assert.match(r.err, /--then .*next\.json: training .*stage2 from the best weights of .*stage1/);
  const [ca, cb] = [a, b].map((x) => JSON.parse(fs.readFileSync(path.join(x, 'train.json'), 'utf8')));
  assert.equal(ca.then, next);
  assert.equal(cb.then, undefined);
  assert.equal(cb.loss, 'ce+lovasz');
  assert.ok(cb.initWeights.startsWith(a + path.sep), `stage 2 starts from ${cb.initWeights}`);
  assert.ok(fs.existsSync(cb.initWeights));

  // Resuming the finished first run goes on to the (finished) second: nothing left to train.
  const again = cli('train', '--resume', a);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /--then .*next\.json: resuming .*stage2/);

  // A run that --max-minutes cuts short does not start the next stage.
  const c = path.join(d, 'cut'), cutRecipe = path.join(d, 'cut.json');
  fs.writeFileSync(cutRecipe, JSON.stringify({ ...common, epochs: 50, lr: 5e-3, out: c, then: next, 'max-minutes': 0.001 }));
  const cut = cli('train', '--config', cutRecipe);
  assert.equal(cut.code, 0, cut.err);
  assert.doesNotMatch(cut.err, /--then/);

  // A next recipe that is not there: refused before any training, in one line.
  const bad = cli('train', '--config', first, '--then', path.join(d, 'missing.json'), '--out', path.join(d, 'never'));
  assert.notEqual(bad.code, 0);
  assert.match(bad.err.trim(), /^pixelwise: --then .*missing\.json: no such recipe file/);
  assert.equal(bad.err.trim().split('\n').length, 1, bad.err);
  assert.ok(!fs.existsSync(path.join(d, 'never')));
  // One without a run folder for its stage: refused before any training too.
  const noOut = path.join(d, 'no-out.json');
  fs.writeFileSync(noOut, JSON.stringify({ ...common, epochs: 1 }));
  const bad2 = cli('train', '--config', first, '--then', noOut, '--out', path.join(d, 'never2'));
  assert.notEqual(bad2.code, 0);
  assert.match(bad2.err.trim(), /^pixelwise: --then .*no-out\.json: the recipe names no "out" folder/);
  assert.equal(bad2.err.trim().split('\n').length, 1, bad2.err);
  assert.ok(!fs.existsSync(path.join(d, 'never2')));
  // Stages that come back to a run folder of the chain: before, the finished run was resumed and
  // its next stage started again, for ever (SIGTERM did not end it). Refused before any training:
  // a recipe naming itself, and two naming each other.
  const selfish = path.join(d, 'self.json'), ping = path.join(d, 'ping.json'), pong = path.join(d, 'pong.json');
  fs.writeFileSync(selfish, JSON.stringify({ ...common, epochs: 1, out: path.join(d, 'self'), then: selfish }));
  fs.writeFileSync(ping, JSON.stringify({ ...common, epochs: 1, out: path.join(d, 'ping'), then: pong }));
  fs.writeFileSync(pong, JSON.stringify({ ...common, epochs: 1, out: path.join(d, 'pong'), then: ping }));
  for (const [recipe, chain] of [[selfish, /stage .*self\.json trains .*self, the run folder of this run/], [ping, /stage .*pong\.json -> .*ping\.json trains .*ping, the run folder of this run/]] as const) {
    const loop = cli('train', '--config', recipe);
    assert.notEqual(loop.code, 0);
    assert.match(loop.err.trim(), chain);
    assert.equal(loop.err.trim().split('\n').length, 1, loop.err);
  }
  assert.ok(!fs.existsSync(path.join(d, 'self')) && !fs.existsSync(path.join(d, 'ping')));
});
