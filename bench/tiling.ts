// npm run bench:tiling: a 6000x4000 photo (a shipped photo scaled up) segmented by the shipped VOC
// model on both runtimes, in 1024- and 512-pixel tiles (the automatic mode, and a smaller tile),
// against whole-image inference where that fits; wall time and peak RSS of each run (its own
// process). Writes docs/bench/tiling.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../src/util/fs.ts';
import { machine } from './machine.ts';

const log = (s: string) => process.stderr.write(s + '\n');
const [W, H] = [6000, 4000];

interface Row { runtime: string; mode: string; seconds: number | null; peakRssMb: number | null; note?: string }

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-tiling-'));
  const photo = path.join(dir, 'big.jpg');
  await sharp('assets/photos/astronaut.png').resize(W, H, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(photo);
  const rows: Row[] = [];
  const runs: [string, string, string[]][] = [
    ['onnx', 'tiles 1024 (automatic)', []], ['onnx', 'tiles 512', ['--tile', '512']], ['onnx', 'whole image', ['--no-tile']],
    ['tfjs', 'tiles 1024 (automatic)', []], ['tfjs', 'tiles 512', ['--tile', '512']],
  ];
  for (const [runtime, mode, extra] of runs) {
    log(`${runtime}, ${mode} ...`);
    const t0 = Date.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'PEAK %M', process.execPath, 'bin/pixelwise.js', 'predict', photo, '--runtime', runtime, '--out', path.join(dir, 'out'), ...extra],
      { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 30 * 60 * 1000 });
    const seconds = (Date.now() - t0) / 1000;
    const peak = /PEAK (\d+)/.exec(r.stderr ?? '');
    const ok = r.status === 0;
    rows.push({ runtime, mode, seconds: ok ? seconds : null, peakRssMb: peak ? Number(peak[1]) / 1024 : null, note: ok ? undefined : (r.stderr ?? '').split('\n').filter((l) => /pixelwise:|error/i.test(l))[0] ?? `exit ${r.status}` });
    log(`  ${ok ? `${seconds.toFixed(1)} s` : 'failed'}, peak RSS ${peak ? (Number(peak[1]) / 1024).toFixed(0) : '?'} MB`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  writeFileAtomic('docs/bench/tiling.json', JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine: machine(), image: `${W}x${H}`, model: 'voc', command: 'npm run bench:tiling', rows }, null, 2) + '\n');
  for (const r of rows) process.stdout.write(`| ${r.runtime} | ${r.mode} | ${r.seconds?.toFixed(1) ?? '-'} | ${r.peakRssMb?.toFixed(0) ?? '-'} | ${r.note ?? ''} |\n`);
}

main().catch((e) => { log(`bench failed: ${(e as Error).message}`); process.exit(1); });
