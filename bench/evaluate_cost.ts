// npm run bench:evaluate-cost [-- --runs 3]
// What the bootstrap intervals cost: `evaluate` of the shipped camvid model on CamVid val with
// --bootstrap 0 and with --bootstrap 1000, alternated, each timed as a whole process; the ratio of
// the medians. Needs ../shared/data/camvid.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const RUNS = Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 3);
const CAMVID = '../shared/data/camvid';
if (!fs.existsSync(CAMVID)) { process.stderr.write(`${CAMVID} not found\n`); process.exit(1); }
const time = (boot: string) => {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'evaluate', '--model', 'camvid-fast', '--data', CAMVID, '--bootstrap', boot, '--quiet', '--json', '--report', `/tmp/pw-eval-cost-${boot}`], { encoding: 'utf8' });
  if (r.status !== 0) { process.stderr.write(r.stderr); process.exit(1); }
  return (Date.now() - t0) / 1000;
};
const without: number[] = [], withB: number[] = [];
for (let i = 0; i < RUNS; i++) { without.push(time('0')); withB.push(time('1000')); process.stderr.write(`run ${i + 1}: ${without.at(-1)!.toFixed(1)} s without, ${withB.at(-1)!.toFixed(1)} s with intervals\n`); }
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
process.stdout.write(`evaluate on CamVid val: ${median(without).toFixed(1)} s without intervals, ${median(withB).toFixed(1)} s with 1000 resamples: ratio ${(median(withB) / median(without)).toFixed(3)}\n`);
