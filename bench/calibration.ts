// npm run bench:calibration
// Calibration of the shipped camvid-fast model: a temperature fitted (pixelwise calibrate) on half of
// CamVid val (even frames), the expected calibration error measured on the other half (odd frames)
// before and after. The other shipped models have no labelled data here. Results go to
// docs/bench/calibration.json. Needs ../shared/data/camvid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeFileAtomic } from '../src/util/fs.ts';

const CAMVID = '../shared/data/camvid';
if (!fs.existsSync(CAMVID)) { process.stderr.write(`${CAMVID} not found\n`); process.exit(1); }
const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-cal-'));
const files = fs.readdirSync(`${CAMVID}/val`).sort();
const half = (parity: number) => { const f = path.join(d, `half${parity}.txt`); fs.writeFileSync(f, files.filter((_, i) => i % 2 === parity).join('\n') + '\n'); return f; };
const [fitList, testList] = [half(0), half(1)];
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', ...args], { encoding: 'utf8' });
  if (r.status !== 0) { process.stderr.write(r.stderr); process.exit(1); }
  return r.stdout;
};
const data = ['--images', `${CAMVID}/val`, '--masks', `${CAMVID}/valannot`];
// The model whose figures docs/bench/calibration.json holds (the CamVid model the calibration was measured on).
const MODEL = 'camvid-fast';
const calibrated = path.join(d, `${MODEL}-calibrated`);
process.stderr.write(run(['calibrate', '--model', MODEL, ...data, '--list', fitList, '--out', calibrated, '--quiet']));
const ece = (model: string) => JSON.parse(run(['evaluate', '--model', model, ...data, '--list', testList, '--calibration', '--bootstrap', '0', '--json', '--quiet', '--report', path.join(d, 'eval', path.basename(model))]));
const [a, b] = [ece(MODEL), ece(calibrated)];
const temperature = JSON.parse(fs.readFileSync(path.join(calibrated, 'model.json'), 'utf8')).temperature;
const result = { model: MODEL, fit: 'CamVid val, even frames (50)', measured: 'CamVid val, odd frames (51)', temperature, eceBefore: a.calibration.ece, eceAfter: b.calibration.ece, mIoUBefore: a.mIoU, mIoUAfter: b.mIoU, others: 'voc, cityscapes, ade20k, person: no labelled data for them here', date: new Date().toISOString().slice(0, 10) };
process.stdout.write(`${MODEL}: temperature ${temperature.toFixed(3)}; ECE on the other half ${(100 * a.calibration.ece).toFixed(2)}% -> ${(100 * b.calibration.ece).toFixed(2)}%; mIoU ${(100 * a.mIoU).toFixed(2)} -> ${(100 * b.mIoU).toFixed(2)} (label maps unchanged)\n`);
writeFileAtomic('docs/bench/calibration.json', JSON.stringify(result, null, 2) + '\n');
fs.rmSync(d, { recursive: true, force: true });
