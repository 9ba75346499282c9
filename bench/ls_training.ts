// npm run bench:ls-training [-- --tasks 40] [-- --val 30]
// Training from Label Studio, as a project would use it: `serve --ls-train` connected to a project
// (a stand-in for Label Studio's API: its JSON export and uploads) that labels CamVid train images
// with four labels (Road, Car, Sky, Pedestrian; predicted_values road, car, sky, person) on the
// shipped cityscapes-fast. Its Start Training call fine-tunes the model with the server's defaults;
// the project's predictions on CamVid val images are scored per label before and after (IoU, void
// ignored). Writes docs/bench/ls-training.json. Needs ../shared/data/camvid; about 15 minutes.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { decodeBinary } from '@thi.ng/rle-pack';
import { encodeBrushRle } from '../src/formats/mask_rle.ts';
import { buildServer } from '../src/serve/server.ts';
import { DEFAULT_SERVE } from '../src/serve/options.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { machine } from './machine.ts';

const args = process.argv.slice(2);
const opt = (k: string, d: number) => (args.includes(k) ? Number(args[args.indexOf(k) + 1]) : d);
const N = opt('--tasks', 40), V = opt('--val', 30);
const CV = '../shared/data/camvid';
const log = (s: string) => process.stderr.write(s + '\n');
if (!fs.existsSync(CV)) { log(`${CV} not found: the benchmark needs ../shared/data/camvid`); process.exit(1); }
// Label, the model class it starts from, the CamVid id it is drawn from.
const LABELS: [string, string, number][] = [['Road', 'road', 3], ['Car', 'car', 8], ['Sky', 'sky', 0], ['Pedestrian', 'person', 9]];
const VOID = 11;
const CONFIG = `<View><Image name="img" value="$image"/><BrushLabels name="brush" toName="img">${LABELS.map(([v, p]) => `<Label value="${v}" predicted_values="${p}"/>`).join('')}</BrushLabels></View>`;
const every = (files: string[], n: number) => files.filter((_, i) => i % Math.floor(files.length / n) === 0).slice(0, n);
const train = every(fs.readdirSync(`${CV}/train`).sort(), N);
const val = every(fs.readdirSync(`${CV}/val`).sort(), V);
const readMask = async (f: string) => { const { data, info } = await sharp(f).raw().toBuffer({ resolveWithObject: true }); return { m: data.filter((_, i) => i % info.channels === 0), w: info.width, h: info.height }; };

// The project: each train image a task, annotated with one brush region per label.
const tasks: unknown[] = [];
for (const [i, f] of train.entries()) {
  const { m, w, h } = await readMask(`${CV}/trainannot/${f}`);
  const result = LABELS.map(([v, , id]) => ({ type: 'brushlabels', from_name: 'brush', to_name: 'img', original_width: w, original_height: h, value: { format: 'rle', rle: encodeBrushRle(m.map((x) => (x === id ? 1 : 0)), h, w), brushlabels: [v] } }));
  tasks.push({ id: i + 1, data: { image: `/data/upload/1/${f}` }, annotations: [{ result }] });
}
const ls = http.createServer((req, res) => {
  if (req.url!.startsWith('/api/projects/1/export')) { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(tasks)); return; }
  const f = path.basename(req.url!);
  if (!train.includes(f)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'image/png' }); res.end(fs.readFileSync(`${CV}/train/${f}`));
});
await new Promise<void>((r) => ls.listen(0, '127.0.0.1', r));
const lsUrl = `http://127.0.0.1:${(ls.address() as AddressInfo).port}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-ls-training-'));
const server = await buildServer({ ...DEFAULT_SERVE, threads: 2, timeoutMs: 120_000, lsTrain: { dir, inputSize: [256, 256] } });
const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
const post = (p: string, b: unknown) => fetch(`${url}${p}`, { method: 'POST', body: JSON.stringify(b), headers: { 'content-type': 'application/json' } });
await post('/ls/cityscapes-fast/setup', { project: 1, schema: CONFIG, hostname: lsUrl, access_token: 'token' });

/** IoU per label of the project's predictions on the val images (void pixels ignored). */
async function score(): Promise<{ version: string; iou: Record<string, number>; mean: number }> {
  const inter = LABELS.map(() => 0), union = LABELS.map(() => 0);
  let version = '';
  for (const f of val) {
    const { m, w, h } = await readMask(`${CV}/valannot/${f}`);
    const image = `data:image/png;base64,${fs.readFileSync(`${CV}/val/${f}`).toString('base64')}`;
    const r = await (await post('/ls/cityscapes-fast/predict', { project: 1, tasks: [{ id: 1, data: { image } }] })).json() as { model_version: string; results: { result: { value: { rle: number[]; brushlabels: string[] } }[] }[] };
    version = r.model_version;
    LABELS.forEach(([v, , id], k) => {
      const got = new Uint8Array(w * h);
      for (const reg of r.results[0].result) {
        if (reg.value.brushlabels[0] !== v) continue;
        const rgba = decodeBinary(Uint8Array.from(reg.value.rle));
        for (let i = 0; i < got.length; i++) if (rgba[i * 4 + 3]) got[i] = 1;
      }
      for (let i = 0; i < got.length; i++) { if (m[i] === VOID) continue; const t = m[i] === id ? 1 : 0; inter[k] += got[i] & t; union[k] += got[i] | t; }
    });
  }
  const iou = Object.fromEntries(LABELS.map(([v], k) => [v, Math.round((10000 * inter[k]) / union[k]) / 100]));
  return { version, iou, mean: Math.round((100 * Object.values(iou).reduce((a, b) => a + b, 0)) / LABELS.length) / 100 };
}

try {
  const before = await score();
  log(`before (${before.version}): ${JSON.stringify(before.iou)}, mean ${before.mean}`);
  const t0 = Date.now();
  const started = await post('/ls/cityscapes-fast/webhook', { action: 'START_TRAINING', project: { id: 1 } });
  if (started.status !== 201) throw new Error(`START_TRAINING answered ${started.status}: ${await started.text()}`);
  let last: Record<string, unknown> = {};
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    const j = await (await fetch(`${url}/ls/cityscapes-fast/is_training?project=1`)).json() as { is_training: boolean; last?: Record<string, unknown> };
    if (!j.is_training) { last = j.last ?? {}; break; }
  }
  if (last.error) throw new Error(`the training failed: ${String(last.error)}`);
  const seconds = Math.round((Date.now() - t0) / 1000);
  const after = await score();
  log(`after (${after.version}): ${JSON.stringify(after.iou)}, mean ${after.mean}; training ${seconds} s`);
  writeFileAtomic('docs/bench/ls-training.json', JSON.stringify({
    date: new Date().toISOString().slice(0, 10), machine: machine(), command: `npm run bench:ls-training -- --tasks ${N} --val ${V}`,
    model: 'cityscapes-fast', tasks: N, valImages: V, labels: LABELS.map(([v, p]) => `${v} (from ${p})`), trainingSeconds: seconds, outcome: last, before, after,
  }, null, 2) + '\n');
  log('wrote docs/bench/ls-training.json');
} finally {
  await server.close();
  ls.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
