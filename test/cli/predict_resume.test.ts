// predict --resume: a run stopped by Ctrl-C continues where it stopped, and its files and exports
// end byte for byte as one uninterrupted run writes them; an image is predicted again whenever its
// input, its files or the settings changed since.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { tempDir } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const PHOTOS = path.resolve('assets/photos');
const EXPORTS = 'coco,labelstudio,cvat,yolo,labelme';

/** Every file under `dir` by its path there (zips by their members: their entries carry times). */
function contents(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (!fs.statSync(p).isFile() || f === 'predict.jsonl') continue;
    const bytes = fs.readFileSync(p);
    if (f.endsWith('.zip')) for (const [m, b] of Object.entries(unzipSync(bytes))) out.set(`${f}:${m}`, Buffer.from(b).toString('base64'));
    else if (f === 'coco.json') out.set(f, JSON.stringify({ ...JSON.parse(bytes.toString()), info: null }));
    else out.set(f, bytes.toString('base64'));
  }
  return out;
}

test('predict --resume: stopped by SIGINT and resumed, the files and exports equal an uninterrupted run\'s; a changed input, file or setting is predicted again', async () => {
  const d = tempDir();
  const images = path.join(d, 'images');
  fs.mkdirSync(images);
  // Twelve small images: enough that the stop lands before the last.
  for (const k of [1, 2, 3]) {
    for (const f of fs.readdirSync(PHOTOS).filter((x) => x.endsWith('.png'))) await sharp(path.join(PHOTOS, f)).resize(200 + 16 * k).png().toFile(path.join(images, `${k}_${f}`));
  }
  const args = (out: string, ...more: string[]) => [BIN, 'predict', images, '--model', 'voc-fast', '--out', out, '--export', EXPORTS, ...more];
  const ref = path.join(d, 'ref');
  const r0 = spawnSync(process.execPath, args(ref), { encoding: 'utf8' });
  assert.equal(r0.status, 0, r0.stderr);
  const expected = contents(ref);
  assert.equal([...expected.keys()].filter((f) => f.endsWith('_labels.png')).length, 12);

  const out = path.join(d, 'out');
  const record = path.join(out, 'predict.jsonl');
  const lines = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n').filter(Boolean) : []);
  const child = spawn(process.execPath, args(out), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => { stderr += b; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  while (lines().length < 1) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  const finished = lines().length;
  assert.ok(finished >= 1 && finished < 12, `${finished} finished before the stop`);
  assert.equal(stderr, `pixelwise: stopped by SIGINT; the files of ${finished} of 12 images are complete; the same command with --resume predicts the other ${12 - finished}\n`);
  assert.ok(!fs.existsSync(path.join(out, 'coco.json')), 'no export before the last image');

  const resume = (...more: string[]) => spawnSync(process.execPath, [...args(out, '--resume', ...more)], { encoding: 'utf8' });
  const r1 = resume();
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stderr, new RegExp(`^${finished} of 12 images finished by an earlier run with these settings \\(.*predict\\.jsonl\\); predicting ${12 - finished}$`, 'm'));
  assert.deepEqual(contents(out), expected);
  assert.equal(lines().length, 12, 'each image recorded once');

  // Nothing left to do: nothing is written again.
  const labels = path.join(out, '1_astronaut_labels.png');
  const before = fs.statSync(labels).mtimeMs;
  const r2 = resume();
  assert.match(r2.stderr, /^12 of 12 images finished .*; predicting 0$/m);
  assert.equal(fs.statSync(labels).mtimeMs, before);
  assert.deepEqual(contents(out), expected);

  // A touched input, and another image's overlay written over, are predicted again.
  fs.utimesSync(path.join(images, '2_chelsea.png'), new Date(), new Date(Date.now() + 5000));
  fs.writeFileSync(path.join(out, '3_coffee_overlay.png'), 'not the overlay');
  const r3 = resume();
  assert.match(r3.stderr, /^10 of 12 images finished .*; predicting 2$/m);
  assert.deepEqual(contents(out), expected);

  // Other settings: predicted again; without --resume, predicted again too.
  const one = (...more: string[]) => spawnSync(process.execPath, [BIN, 'predict', path.join(images, '1_astronaut.png'), '--model', 'voc-fast', '--out', out, '--export', EXPORTS, ...more], { encoding: 'utf8' });
  assert.match(one('--resume', '--alpha', '0.3').stderr, /^0 of 1 images finished .*; predicting 1$/m);
  const overlay = (dir: string) => fs.readFileSync(path.join(dir, '1_astronaut_overlay.png'));
  assert.notDeepEqual(overlay(out), overlay(ref));
  const r4 = one();
  assert.equal(r4.status, 0, r4.stderr);
  assert.doesNotMatch(r4.stderr, /finished by an earlier run/);
  assert.deepEqual(overlay(out), overlay(ref));
});
