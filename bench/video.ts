// npm run bench:video: frames/s of `pixelwise video` (decoding, inference and drawing + encoding as
// overlapping stages) against a one-stage-at-a-time loop over the same modules, in this script on
// this machine: the shared dash-cam video (960x540), the shipped Cityscapes model, ONNX Runtime.
// Writes docs/bench/video.json. Needs ../shared/data/video.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initEngine } from '../src/engine/backend.ts';
import { openSegmenter } from '../src/inference/open.ts';
import { probeVideo, readFrames, FrameWriter } from '../src/video/ffmpeg.ts';
import { colorize, overlay } from '../src/render/colorize.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { machine } from './machine.ts';

const VIDEO = '../shared/data/video/solidWhiteRight.mp4';
const FRAMES = Number(process.argv[process.argv.indexOf('--frames') + 1] || 0) || 120;
const log = (s: string) => process.stderr.write(s + '\n');

async function sequential(out: string): Promise<number> {
  await initEngine('wasm');
  const info = probeVideo(VIDEO);
  const seg = await openSegmenter('cityscapes', { runtime: 'onnx' });
  const palette = seg.card.classes.map((c) => c.color);
  const w = new FrameWriter(out, info.width, info.height, info.fps);
  let n = 0;
  const t0 = Date.now();
  for await (const rgb of readFrames(VIDEO, info)) {
    const frame = { data: rgb, width: info.width, height: info.height };
    const [labels] = await seg.predictBatch([frame]);
    await w.write(overlay(frame, colorize(labels, info.width, info.height, palette), 0.5).data);
    if (++n >= FRAMES) break;
  }
  await w.close();
  await seg.dispose();
  return n / ((Date.now() - t0) / 1000);
}

function cli(out: string, extra: string[]): number {
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'video', VIDEO, '--model', 'cityscapes', '--runtime', 'onnx', '--out', out, '--max-frames', String(FRAMES), '--quiet', ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(/([\d.]+) frames\/s/.exec(r.stdout)![1]);
}

async function main() {
  if (!fs.existsSync(VIDEO)) { log(`${VIDEO} not found: the video benchmark needs ../shared/data/video`); process.exit(1); }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-video-'));
  const seq = await sequential(path.join(dir, 'a.mp4'));
  log(`one stage at a time: ${seq.toFixed(2)} frames/s`);
  const rows = [{ mode: 'one stage at a time (reference loop in this script)', fps: seq }];
  for (const [mode, extra] of [['pixelwise video (stages overlap)', []], ['pixelwise video --batch 2', ['--batch', '2']], ['pixelwise video --effect blur', ['--effect', 'blur']]] as [string, string[]][]) {
    const fps = cli(path.join(dir, 'b.mp4'), extra);
    log(`${mode}: ${fps.toFixed(2)} frames/s (${(fps / seq).toFixed(2)}x)`);
    rows.push({ mode, fps });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  writeFileAtomic('docs/bench/video.json', JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine: machine(), video: VIDEO, frames: FRAMES, model: 'cityscapes', runtime: 'onnx', command: 'npm run bench:video', rows: rows.map((r) => ({ ...r, ratio: r.fps / seq })) }, null, 2) + '\n');
}

main().catch((e) => { log(`bench failed: ${(e as Error).message}`); process.exit(1); });
