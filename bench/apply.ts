// npm run bench:apply: what applying a model costs and gains. (1) CamVid val mIoU of the imported
// ESPNet under each test-time augmentation setting (the change against none, whichever its sign);
// (2) flicker on the dash-cam video (share of pixels whose label changes between consecutive
// frames) with and without --smooth, shipped Cityscapes model; (3) video frames/s and peak RSS of
// an ESPNetv2 s=1.0 Cityscapes model (imported from ../shared/data/edgenets) and of the CamVid
// ESPNet, pipelined. Writes docs/bench/apply.json. Needs ../shared/data.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode } from 'fast-png';
import { writeFileAtomic } from '../src/util/fs.ts';
import { machine } from './machine.ts';

const DATA = '../shared/data';
const VIDEO = `${DATA}/video/solidWhiteRight.mp4`;
const log = (s: string) => process.stderr.write(s + '\n');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-apply-'));

function px(args: string[], timed = false): { out: string; err: string; peakMb?: number; seconds: number } {
  const t0 = Date.now();
  const cmd = timed ? '/usr/bin/time' : process.execPath;
  const argv = timed ? ['-f', 'PEAK %M', process.execPath, 'bin/pixelwise.js', ...args] : ['bin/pixelwise.js', ...args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`pixelwise ${args.join(' ')}: ${r.stderr.split('\n').filter(Boolean).slice(-2).join(' | ')}`);
  const peak = /PEAK (\d+)/.exec(r.stderr);
  return { out: r.stdout, err: r.stderr, peakMb: peak ? Number(peak[1]) / 1024 : undefined, seconds: (Date.now() - t0) / 1000 };
}

/** Share of pixels whose label differs from the previous frame's, over a folder of frame label maps. */
function flicker(dir: string): number {
  const files = fs.readdirSync(dir).sort();
  let changed = 0, total = 0, prev: Uint8Array | null = null;
  for (const f of files) {
    const l = decode(fs.readFileSync(path.join(dir, f))).data as Uint8Array;
    if (prev) { for (let i = 0; i < l.length; i++) if (l[i] !== prev[i]) changed++; total += l.length; }
    prev = l;
  }
  return changed / Math.max(1, total);
}

async function main() {
  if (!fs.existsSync(`${DATA}/camvid`) || !fs.existsSync(VIDEO)) { log('bench:apply needs ../shared/data (camvid, video, espnet-camvid, edgenets)'); process.exit(1); }
  const espnet = path.join(work, 'espnet-camvid'), city1 = path.join(work, 'cityscapes-s1'), voc1 = path.join(work, 'voc-s1');
  px(['import', '--from', `${DATA}/espnet-camvid/espnet_p_2_q_8_camvid.pth`, '--arch', 'espnet', '--preset', 'camvid', '--out', espnet]);
  px(['import', '--preset', 'espnetv2-cityscapes', '--from', `${DATA}/edgenets/espnetv2_s_1.0_city_1024x512.pth`, '--out', city1]);
  px(['import', '--preset', 'espnetv2-voc', '--from', `${DATA}/edgenets/espnetv2_s_1.0_pascal_384x384.pth`, '--out', voc1]);

  const tta: { setting: string; mIoU: number; change: number; seconds: number }[] = [];
  for (const setting of ['none', 'flip', '0.75,1,1.25', 'flip,0.75,1,1.25']) {
    const r = px(['evaluate', '--model', espnet, '--images', `${DATA}/camvid/val`, '--masks', `${DATA}/camvid/valannot`, '--void-index', '11', '--tta', setting, '--json', '--quiet']);
    const mIoU = (JSON.parse(r.out) as { mIoU: number }).mIoU;
    tta.push({ setting, mIoU, change: mIoU - (tta[0]?.mIoU ?? mIoU), seconds: r.seconds });
    log(`CamVid val, ESPNet, --tta ${setting}: mIoU ${(100 * mIoU).toFixed(2)} (${r.seconds.toFixed(0)} s)`);
  }

  const flick: { smooth: number; flicker: number }[] = [];
  for (const smooth of [0, 0.6]) {
    const labels = path.join(work, `labels-${smooth}`);
    px(['video', VIDEO, '--model', 'cityscapes', '--out', path.join(work, 'v.mp4'), '--labels-dir', labels, '--smooth', String(smooth), '--quiet']);
    flick.push({ smooth, flicker: flicker(labels) });
    log(`flicker with --smooth ${smooth}: ${(100 * flick[flick.length - 1].flicker).toFixed(2)}% of pixels change per frame`);
  }

  // Network input: the model's own rule (Cityscapes models: each side down to a multiple of 32,
  // 960x512 here, the scale of their native 1024x512), or --input-size (VOC's native is 384x384).
  const video: { model: string; fps: number; loadSeconds: number; wallSeconds: number; peakRssMb?: number }[] = [];
  const runs: [string, string, string[]][] = [
    ['Cityscapes EdgeTPU-DeepLab-slim int8 (shipped cityscapes), 1025x513', 'cityscapes', []],
    ['Cityscapes ESPNetv2 s=2.0 (shipped cityscapes-fast), 960x512', 'cityscapes-fast', []],
    ['Cityscapes ESPNetv2 s=1.0 (imported), 960x512', city1, []],
    ['Cityscapes ESPNetv2 s=1.0 (imported), --input-size 256x512', city1, ['--input-size', '256x512']],
    ['VOC ESPNetv2 s=1.0 (imported), --input-size 384x384 (native)', voc1, ['--input-size', '384x384']],
    ['CamVid ESPNet (imported), 960x540 padded to 960x544', espnet, []],
  ];
  for (const [name, model, extra] of runs) {
    const r = px(['video', VIDEO, '--model', model, ...extra, '--out', path.join(work, 'v.mp4'), '--quiet'], true);
    // frames/s from the first frame to the last; the model's loading (and warm-up) apart; the whole command's wall time too.
    const fps = Number(/([\d.]+) frames\/s/.exec(r.out)![1]);
    const loadSeconds = Number(/model ready in ([\d.]+) s/.exec(r.out)![1]);
    video.push({ model: name, fps, loadSeconds, wallSeconds: r.seconds, peakRssMb: r.peakMb });
    log(`video, ${name}: ${fps.toFixed(2)} frames/s (model ready in ${loadSeconds.toFixed(1)} s; ${r.seconds.toFixed(1)} s in all), peak RSS ${r.peakMb?.toFixed(0)} MB`);
  }
  fs.rmSync(work, { recursive: true, force: true });
  writeFileAtomic('docs/bench/apply.json', JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine: machine(), command: 'npm run bench:apply', tta, flicker: flick, video }, null, 2) + '\n');
}

main().catch((e) => { log(`bench failed: ${(e as Error).message}`); process.exit(1); });
