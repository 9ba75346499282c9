// Video: frames in, overlaid video out; the saved label maps equal the model's predictions on the
// decoded input frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { decode } from 'fast-png';
import { initEngine } from '../src/engine/backend.ts';
import { SegModel } from '../src/models/seg_model.ts';
import { writeSafetensors } from '../src/io/safetensors.ts';
import { writeCard } from '../src/models/package.ts';
import { defaultClasses } from '../src/data/classes.ts';
import { IMAGENET_NORM } from '../src/data/loader.ts';
import { ffmpegPath, probeVideo, readFrames } from '../src/video/ffmpeg.ts';
import { openSegmenter } from '../src/inference/segmenter.ts';
import { tempDir } from './helpers.ts';

test('video: overlay video with every frame, label maps equal per-frame predictions', async () => {
  await initEngine('wasm');
  const d = tempDir();
  const src = path.join(d, 'in.mp4');
  const g = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=10', '-t', '0.6', '-pix_fmt', 'yuv420p', src]);
  assert.equal(g.status, 0, String(g.stderr));
  const m = new SegModel({ arch: 'unet', numClasses: 3, width: 4, depth: 2, seed: 9 });
  writeSafetensors(path.join(d, 'pkg', 'weights.safetensors'), await m.namedWeights());
  writeCard(path.join(d, 'pkg'), { format: 'pixelwise-model', version: 1, model: m.spec, classes: defaultClasses(3), normalization: IMAGENET_NORM, weights: 'weights.safetensors' });
  m.dispose();
  const r = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', src, '--model', path.join(d, 'pkg'), '--out', path.join(d, 'out.mp4'),
    '--labels-dir', path.join(d, 'labels'), '--mask-video', path.join(d, 'mask.mp4'), '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const info = probeVideo(path.join(d, 'out.mp4'));
  assert.deepEqual([info.width, info.height], [96, 64]);
  assert.ok(fs.existsSync(path.join(d, 'mask.mp4')));
  assert.ok(!fs.existsSync(path.join(d, 'out.mp4.partial.mp4')));
  const seg = await openSegmenter(path.join(d, 'pkg'), { runtime: 'auto' });
  let n = 0;
  for await (const frame of readFrames(src, probeVideo(src))) {
    n++;
    const [expected] = await seg.predictBatch([{ data: frame, width: 96, height: 64 }]);
    const saved = decode(fs.readFileSync(path.join(d, 'labels', `frame_${String(n).padStart(6, '0')}.png`))).data;
    assert.deepEqual([...saved], [...expected], `frame ${n}`);
  }
  await seg.dispose();
  assert.equal(n, 6);
  assert.equal(fs.readdirSync(path.join(d, 'labels')).length, 6);
  const bad = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', path.join(d, 'nope.mp4'), '--model', path.join(d, 'pkg'), '--out', path.join(d, 'x.mp4')], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /nope\.mp4: no such video file/);
});
