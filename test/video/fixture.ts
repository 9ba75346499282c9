// The test video and model of the video tests: a generated clip and a small U-Net package.
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { writeSafetensors } from '../../src/formats/safetensors.ts';
import { writeCard } from '../../src/models/package.ts';
import { buildCard } from '../../src/models/card.ts';
import { defaultClasses } from '../../src/data/classes.ts';
import { IMAGENET_NORM } from '../../src/data/normalize.ts';
import { ffmpegPath } from '../../src/video/ffmpeg.ts';
import { tempDir } from '../helpers.ts';

/** A generated test video of `seconds` at 10 frames/s (96x64) and a small U-Net package beside it. */
export async function fixture(seconds: number): Promise<{ d: string; src: string }> {
  await initEngine('wasm');
  const d = tempDir();
  const src = path.join(d, 'in.mp4');
  const g = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=10', '-t', String(seconds), '-pix_fmt', 'yuv420p', src]);
  assert.equal(g.status, 0, String(g.stderr));
  const m = new SegModel({ arch: 'unet', numClasses: 3, width: 4, depth: 2, seed: 9 });
  writeSafetensors(path.join(d, 'pkg', 'weights.safetensors'), await m.namedWeights());
  writeCard(path.join(d, 'pkg'), buildCard({ model: m.spec, classes: defaultClasses(3), input: { normalization: IMAGENET_NORM, stride: m.stride }, weights: 'weights.safetensors' }));
  m.dispose();
  return { d, src };
}
