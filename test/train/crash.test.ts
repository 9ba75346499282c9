// Crash safety: `kill -9` at random moments of a data-parallel training run (checkpoint writes
// included) leaves the last checkpoint loadable, `--resume` continues, and a run killed and resumed
// many times ends with the weights of an uninterrupted run with the same seed. A full disk is
// reported in one line and leaves no file under the final name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { zipSync } from 'fflate';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { writeSyntheticDataset } from '../../src/data/synthetic.ts';
import { readSafetensors } from '../../src/formats/safetensors.ts';
import { writeFileAtomic } from '../../src/util/fs.ts';
import { Rng } from '../../src/util/random.ts';
import { tempDir } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');

test('kill -9 at random moments: the checkpoint stays loadable, --resume continues, the final weights equal an uninterrupted run', async (t) => {
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 8, 32, 32, 1);
  const args = (out: string) => ['train', '--arch', 'unet', '--width', '4', '--depth', '2', '--images', ds.images, '--masks', ds.masks, '--classes', '4',
    '--input-size', '32x32', '--batch-size', '4', '--epochs', '8', '--lr', '0.01', '--seed', '7', '--workers', '1', '--out', out, '--quiet'];
  const t0 = Date.now();
  const whole = spawnSync(process.execPath, [BIN, ...args(path.join(d, 'whole'))], { encoding: 'utf8' });
  assert.equal(whole.status, 0, whole.stderr);
  const wholeMs = Date.now() - t0;

  const run = path.join(d, 'killed');
  const rng = new Rng(11);
  let kills = 0, checkpointsRead = 0;
  // Killed before the run wrote its config, the user runs the same command again; after, --resume.
  for (let attempt = 0; attempt < 60; attempt++) {
    const p = spawn(process.execPath, [BIN, ...(fs.existsSync(path.join(run, 'train.json')) ? ['train', '--resume', run, '--quiet'] : args(run))], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b) => { err += b; });
    const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    // Anywhere from start-up to the end of a whole run (steps, the worker thread, checkpoint
    // writes); resumed runs have less left to do, so one finishes sooner or later. The first two
    // land in the first third of a whole run's time, so that they land even when the machine
    // runs this one faster than the uninterrupted one (another test file runs beside this one).
    const timer = setTimeout(() => { p.kill('SIGKILL'); }, wholeMs * (attempt < 2 ? 0.05 + 0.3 * rng.next() : 0.2 + rng.next()));
    const code = await exited;
    clearTimeout(timer);
    if (code === 0) break;
    assert.equal(code, null, `the run failed by itself: ${err}`);
    kills++;
    const last = path.join(run, 'last.safetensors');
    if (fs.existsSync(last)) { readSafetensors(last); checkpointsRead++; } // loadable whatever the moment of the kill
  }
  t.diagnostic(`${kills} kills (an uninterrupted run takes ${(wholeMs / 1000).toFixed(1)} s), ${checkpointsRead} checkpoints read back after a kill`);
  assert.ok(kills >= 2, `only ${kills} kills landed; the run was too quick to interrupt`);
  const a = readSafetensors(path.join(d, 'whole', 'last.safetensors')).tensors;
  const b = readSafetensors(path.join(run, 'last.safetensors')).tensors;
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [k, x] of a) {
    const y = b.get(k)!;
    let diff = 0;
    for (let i = 0; i < x.data.length; i++) diff = Math.max(diff, Math.abs(x.data[i] - y.data[i]));
    assert.equal(diff, 0, `${k} differs by ${diff} after ${kills} kills`);
  }
  const log = fs.readFileSync(path.join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch);
  assert.equal(log.at(-1), 8);
});

test('killed between an epoch\'s log line and its checkpoint: --resume drops the line, does the epoch again and logs it once', async () => {
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 8, 32, 32, 1);
  const run = path.join(d, 'run');
  const train = (...extra: string[]) => spawnSync(process.execPath, [BIN, 'train', ...extra, '--quiet'], { encoding: 'utf8' });
  let r = train('--arch', 'unet', '--width', '4', '--depth', '2', '--images', ds.images, '--masks', ds.masks, '--classes', '4',
    '--input-size', '32x32', '--batch-size', '4', '--epochs', '1', '--seed', '3', '--workers', '0', '--out', run);
  assert.equal(r.status, 0, r.stderr);
  const logFile = path.join(run, 'log.jsonl');
  const first = JSON.parse(fs.readFileSync(logFile, 'utf8').trim());
  // What the trainer writes before the checkpoint of epoch 2: the line, then (killed) no checkpoint.
  // And a line cut short by the kill, which must not spoil the line appended after it.
  fs.appendFileSync(logFile, JSON.stringify({ ...first, epoch: 2, step: first.step * 2, loss: 123 }) + '\n{"epoch": 3, "lo');
  r = train('--resume', run, '--epochs', '2');
  assert.equal(r.status, 0, r.stderr);
  const log = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.map((e) => e.epoch), [1, 2]);
  assert.deepEqual(log.map((e) => e.step), [first.step, first.step * 2]);
  assert.notEqual(log[1].loss, 123, 'the epoch was done again, not the line kept');
});

test('a full disk: one clear error, nothing under the final name, no temp file left', { skip: !fs.existsSync('/dev/full') && 'no /dev/full' }, () => {
  // /dev/full accepts opens and fails every write with ENOSPC: the temp file's write fails as on a full disk.
  const d = tempDir();
  const target = path.join(d, 'weights.safetensors');
  const tmp = path.join(d, `.weights.safetensors.${process.pid}.tmp`);
  fs.symlinkSync('/dev/full', tmp);
  assert.throws(() => writeFileAtomic(target, new Uint8Array(1 << 16)), /weights\.safetensors: the disk is full; nothing was written under this name/);
  assert.ok(!fs.existsSync(target));
  assert.ok(!fs.existsSync(tmp));
});

test('one trainer per run folder: a second train on a folder in training is refused; a stale lock is taken over', async () => {
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 8, 32, 32, 1);
  const run = path.join(d, 'run');
  const first = spawn(process.execPath, [BIN, 'train', '--arch', 'unet', '--width', '4', '--depth', '2', '--images', ds.images, '--masks', ds.masks, '--classes', '4',
    '--input-size', '32x32', '--batch-size', '4', '--epochs', '200', '--out', run, '--quiet', '--workers', '0'], { stdio: 'ignore' });
  const lock = path.join(run, '.train.lock');
  for (let i = 0; i < 300 && !fs.existsSync(path.join(run, 'last.safetensors')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(fs.readFileSync(lock, 'utf8'), String(first.pid));
  const second = spawnSync(process.execPath, [BIN, 'train', '--resume', run, '--quiet'], { encoding: 'utf8' });
  assert.notEqual(second.status, 0);
  assert.match(second.stderr, new RegExp(`being trained by process ${first.pid}; stop it`));
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  assert.ok(fs.existsSync(lock), 'a killed trainer leaves its lock behind');
  const third = spawnSync(process.execPath, [BIN, 'train', '--resume', run, '--epochs', '2', '--quiet'], { encoding: 'utf8' });
  assert.equal(third.status, 0, third.stderr);
  assert.ok(!fs.existsSync(lock), 'released at the end');
});

test('a full disk end to end: predict onto a 300 KB tmpfs stops with one line; the files it left are whole', async (t) => {
  const dir = tempDir();
  const mnt = path.join(dir, 'tiny');
  fs.mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=300k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) { t.skip(`cannot mount a small tmpfs here (${(m.stderr || m.error?.message || '').trim()}); the /dev/full test covers the write path`); return; }
  try {
    const photos = ['astronaut.png', 'chelsea.png', 'coffee.png'].map((f) => path.resolve('assets/photos', f));
    const r = spawnSync(process.execPath, [BIN, 'predict', ...photos, '--out', path.join(mnt, 'out'), '--quiet'], { encoding: 'utf8', timeout: 120_000 });
    assert.notEqual(r.status, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /: the disk is full; nothing was written under this name/);
    for (const f of fs.readdirSync(path.join(mnt, 'out'))) {
      assert.doesNotMatch(f, /\.tmp$/, 'no temp file left');
      if (f.endsWith('.png')) await sharp(path.join(mnt, 'out', f)).raw().toBuffer(); // whole, decodable
    }
  } finally { spawnSync('umount', [mnt]); }
});

test('a full disk while a download is extracted (convert onto a 300 KB tmpfs): one line naming the archive, nothing left behind', async (t) => {
  const dir = tempDir();
  const mnt = path.join(dir, 'tiny');
  fs.mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=300k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) { t.skip(`cannot mount a small tmpfs here (${(m.stderr || m.error?.message || '').trim()})`); return; }
  try {
    const project = path.join(dir, 'p');
    fs.mkdirSync(path.join(project, 'ds', 'img'), { recursive: true });
    fs.writeFileSync(path.join(project, 'meta.json'), '{"classes": []}');
    const image = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
    fs.writeFileSync(path.join(project, 'ds', 'img', 'a.png'), image);
    const zip = path.join(dir, 'p.zip');
    fs.writeFileSync(zip, zipSync({ 'p/meta.json': fs.readFileSync(path.join(project, 'meta.json')), 'p/ds/img/a.png': image }, { level: 0 }));
    const archives = [zip];
    if (spawnSync('tar', ['-cf', path.join(dir, 'p.tar'), '-C', dir, 'p']).status === 0) archives.push(path.join(dir, 'p.tar'));
    for (const archive of archives) {
      const out = path.join(mnt, path.basename(archive));
      const r = spawnSync(process.execPath, [BIN, 'convert', '--from', 'supervisely', archive, '--out', out, '--quiet'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr, `pixelwise: ${archive}: cannot extract it into ${out} (the disk is full); free space, or give another output folder\n`);
      assert.deepEqual(fs.readdirSync(mnt), [], 'nothing left behind');
    }
  } finally { spawnSync('umount', [mnt]); }
});
