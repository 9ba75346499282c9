// Training from Label Studio (serve --ls-train): a project whose labels the model lacks is set up,
// its Start Training call fetches the project's export and images from Label Studio (a stand-in
// HTTP server answering as Label Studio's API does, with brush masks packed by the package Label
// Studio's front end uses), fine-tunes the connected model in a child process, and the project's
// predictions then come from the trained model: equal to the library's on that package, and
// close to the annotations it learnt. A request during a training runs one more after it; the trained
// model is found again after a restart, and a training the server's stop cut short goes on from its
// checkpoint in the next server; a refused export, a model without weights and a project
// never set up are said in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { decodeBinary, encodeBinary } from '@thi.ng/rle-pack';
import { buildServer, type Server } from '../../src/serve/server.ts';
import { DEFAULT_SERVE } from '../../src/serve/options.ts';
import { load } from '../../src/inference/load.ts';
import { configClasses, regionConfig, type RegionConfig } from '../../src/data/annotations/labelstudio_config.ts';
import { tempDir } from '../helpers.ts';

const W = 64, H = 64;
// predicted_values naming no class of voc-fast: the trained model answers the label by its own name.
const CONFIG = '<View><Image name="img" value="$image"/><BrushLabels name="brush" toName="img"><Label value="Square" background="#c80000" predicted_values="box"/></BrushLabels></View>';

/** A grey noisy picture with a red square, and the square's mask. */
async function squarePicture(seed: number): Promise<{ png: Buffer; mask: Uint8Array }> {
  let s = seed * 7919 + 1;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const img = Buffer.alloc(W * H * 3), mask = new Uint8Array(W * H);
  const size = 22 + Math.floor(rnd() * 18), x0 = Math.floor(rnd() * (W - size)), y0 = Math.floor(rnd() * (H - size));
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const p = y * W + x, inside = x >= x0 && x < x0 + size && y >= y0 && y < y0 + size;
    const g = 90 + rnd() * 80;
    img[p * 3] = inside ? 200 + rnd() * 40 : g; img[p * 3 + 1] = inside ? 30 + rnd() * 30 : g; img[p * 3 + 2] = inside ? 40 : g;
    mask[p] = inside ? 1 : 0;
  }
  return { png: await sharp(img, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer(), mask };
}

/** A brush region as Label Studio stores it: the RGBA mask image packed by rle-pack. */
function brush(mask: Uint8Array) {
  const rgba = new Uint8Array(W * H * 4);
  mask.forEach((m, i) => { if (m) { rgba[i * 4] = 200; rgba[i * 4 + 3] = 255; } });
  return { type: 'brushlabels', from_name: 'brush', to_name: 'img', original_width: W, original_height: H, value: { format: 'rle', rle: Array.from(encodeBinary(rgba, rgba.length)), brushlabels: ['Square'] } };
}

const maskOf = (results: { value: { rle: number[] } }[]) => {
  const got = new Uint8Array(W * H);
  for (const r of results) { const rgba = decodeBinary(Uint8Array.from(r.value.rle)); for (let i = 0; i < got.length; i++) if (rgba[i * 4 + 3]) got[i] = 1; }
  return got;
};

async function until(what: string, check: () => Promise<boolean>, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('Label Studio training: Start Training fine-tunes the project\'s model on its annotations; predictions come from it, after a restart too; failures said', async () => {
  const pictures = await Promise.all(Array.from({ length: 21 }, (_, i) => squarePicture(i + 1)));
  // Asked for after training: two pictures it trained on (the masks learnt: the annotations reached
  // the training) and one never seen (only its equality with the library's label map is asserted).
  let asked: typeof pictures = [];
  const uploads = new Map(pictures.slice(0, 20).map((p, i) => [`/data/upload/7/sq${i}.png`, p.png]));
  const requested: string[] = [];
  // Tasks 1..20 annotated (task 10's first annotation cancelled, its second kept); task 21 not yet
  // annotated: its image is never asked for.
  const tasks = [...uploads.keys()].map((url, i) => ({ id: i + 1, data: { image: url }, annotations: i === 9 ? [{ result: [], was_cancelled: true }, { result: [brush(pictures[i].mask)] }] : [{ result: [brush(pictures[i].mask)] }] }));
  tasks.push({ id: 21, data: { image: '/data/upload/7/unannotated.png' }, annotations: [] });
  const ls = http.createServer((req, res) => {
    requested.push(req.url!);
    if (req.headers.authorization !== 'Token secret') { res.writeHead(401); res.end(); return; }
    if (req.url!.startsWith('/api/projects/14/export')) return; // never answered
    // The second export is refused (the token revoked meanwhile).
    if (req.url === '/api/projects/7/export?exportType=JSON&download_all_tasks=false') {
      if (requested.filter((u) => u === req.url).length > 1) { res.writeHead(401); res.end(); return; }
      res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(tasks)); return;
    }
    const png = uploads.get(req.url!);
    if (png) { res.writeHead(200, { 'content-type': 'image/png' }); res.end(png); return; }
    res.writeHead(404); res.end();
  });
  await new Promise<void>((r) => ls.listen(0, '127.0.0.1', r));
  const lsUrl = `http://127.0.0.1:${(ls.address() as AddressInfo).port}`;
  const dir = tempDir();
  const start = async () => {
    const s = await buildServer({ ...DEFAULT_SERVE, threads: 2, lsTrain: { dir, epochs: 15, lr: 0.003, inputSize: [64, 64] } });
    return { s, url: await s.app.listen({ port: 0, host: '127.0.0.1' }) };
  };
  let { s, url } = await start();
  let servers: Server[] = [s];
  const post = (p: string, body: unknown) => fetch(`${url}${p}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const tasksOf = (list: typeof pictures) => list.map((p, i) => ({ id: 100 + i, data: { image: `data:image/png;base64,${p.png.toString('base64')}` } }));
  try {
    // "Square" is no class of voc-fast: accepted, since this server trains; nothing predicted yet.
    const setup = await post('/ls/voc-fast/setup', { project: '7.1700000000', schema: CONFIG, hostname: lsUrl, access_token: 'secret' });
    assert.equal(setup.status, 200, await setup.clone().text());
    assert.deepEqual(await setup.json(), { model_version: 'pixelwise voc-fast' });
    const before = await (await post('/ls/voc-fast/predict', { tasks: tasksOf(pictures.slice(0, 3)), project: '7.1700000000', label_config: CONFIG })).json();
    assert.deepEqual(before.results.map((r: { result: unknown[] }) => r.result.length), [0, 0, 0]);

    const started = await post('/ls/voc-fast/webhook', { action: 'START_TRAINING', project: { id: 7, title: 'squares' } });
    assert.equal(started.status, 201);
    assert.deepEqual(await started.json(), { job: 'voc-fast/7#1', joined: false });
    // Submitted during the training: joins it, and one more training follows (which fails: its
    // export is refused; the first one's model stays the project's).
    const again = await post('/ls/voc-fast/webhook', { action: 'ANNOTATION_CREATED', project: { id: 7 }, annotation: { id: 99 } });
    assert.deepEqual([again.status, await again.json()], [201, { job: 'voc-fast/7#1', joined: true }]);
    assert.deepEqual(await (await fetch(`${url}/ls/voc-fast/is_training?project=7.1700000000`)).json(), { is_training: true });
    assert.deepEqual(await (await post('/ls/voc-fast/webhook', { action: 'PROJECT_UPDATED', project: { id: 7 } })).json(), { status: 'ignored', action: 'PROJECT_UPDATED' });
    await until('two trainings', async () => !(await (await fetch(`${url}/ls/voc-fast/is_training?project=7`)).json()).is_training, 300);
    const { last } = await (await fetch(`${url}/ls/voc-fast/is_training?project=7`)).json();
    assert.match(last.error, /\/api\/projects\/7\/export\?exportType=JSON&download_all_tasks=false: Label Studio answered 401; give serve an access token of a user of the project \(LABEL_STUDIO_API_KEY\)/);
    // The first training's model stays in use: trained on most tasks, about a fifth held out (by
    // name) and scored.
    assert.deepEqual([last.model, last.version, last.tasks + last.validation.tasks], ['voc-fast-project-7', 1, 20]);
    assert.ok(last.validation.tasks >= 2 && last.validation.tasks <= 7, `${last.validation.tasks} held out`);
    assert.ok(last.validation.miou > 50 && last.validation.miou <= 100, `validation mIoU ${last.validation.miou}`);
    const project = path.join(dir, 'voc-fast', 'project-7');
    const trainedOn = fs.readFileSync(path.join(project, 'data', 'train.txt'), 'utf8').trim().split('\n');
    assert.equal(trainedOn.length, last.tasks);
    asked = [...trainedOn.slice(0, 2).map((n) => pictures[Number(/sq(\d+)/.exec(n)![1])]), pictures[20]];
    const askedTasks = tasksOf(asked);
    assert.equal(requested.filter((u) => u.startsWith('/api/projects/7/export')).length, 2);
    assert.ok(!requested.includes('/data/upload/7/unannotated.png'), 'an unannotated task\'s image is not fetched');
    assert.equal(requested.filter((u) => u === '/data/upload/7/sq0.png').length, 1, 'each image fetched once');

    const model = path.join(project, 'model-1');
    const lib = await load(model);
    const check = async (predicted: { results: { result: { value: { rle: number[]; brushlabels: string[] } }[] }[]; model_version: string }) => {
      assert.equal(predicted.model_version, 'pixelwise voc-fast-project-7 v1');
      for (const [i, r] of predicted.results.entries()) {
        assert.ok(r.result.every((x) => x.value.brushlabels[0] === 'Square'));
        const got = maskOf(r.result);
        assert.deepEqual(got, (await lib.segment(asked[i].png)).labels.map((v) => (v === 1 ? 1 : 0)), 'the trained package\'s label map');
        if (i === 2) continue;
        let inter = 0, union = 0;
        for (let p = 0; p < got.length; p++) { inter += got[p] & asked[i].mask[p]; union += got[p] | asked[i].mask[p]; }
        assert.ok(inter / union > 0.7, `IoU with the annotated square ${(inter / union).toFixed(2)}`);
      }
    };
    await check(await (await post('/ls/voc-fast/predict', { tasks: askedTasks, project: '7.1700000000', label_config: CONFIG })).json());

    // Refusals: a model without weights, a project never set up.
    await post('/ls/voc/setup', { project: 9, schema: CONFIG, hostname: lsUrl, access_token: 'secret' });
    const onnxOnly = await post('/ls/voc/webhook', { action: 'START_TRAINING', project: { id: 9 } });
    assert.equal(onnxOnly.status, 422);
    assert.match((await onnxOnly.json()).error, /^model voc has no weights to fine-tune \(an ONNX graph\); connect the project to a model with weights: .*voc-fast/);
    const unknown = await post('/ls/voc-fast/train', { project: 12 });
    assert.equal(unknown.status, 409);
    assert.match((await unknown.json()).error, /^project 12 has not been set up with model voc-fast here/);
    const odd = await post('/ls/voc-fast/train', { project: 'a/b' });
    assert.deepEqual([odd.status, (await odd.json()).error], [400, 'project a/b: not a Label Studio project id (a number)']);
    // A webhook describes its project (its label_config): trained without a setup call, Label
    // Studio's address then from --ls-url (not given to this server: said).
    const described = await post('/ls/voc-fast/webhook', { action: 'START_TRAINING', project: { id: 13, label_config: CONFIG } });
    assert.equal(described.status, 201);
    await until('a training without an address', async () => !!(await (await fetch(`${url}/ls/voc-fast/is_training?project=13`)).json()).last, 30);
    assert.equal((await (await fetch(`${url}/ls/voc-fast/is_training?project=13`)).json()).last.error, 'Label Studio\'s address is not known: its setup call sends it (or start serve with --ls-url)');
    // A server stopped while a training waits on Label Studio stops at once (the export not waited for).
    await post('/ls/voc-fast/setup', { project: 14, schema: CONFIG, hostname: lsUrl, access_token: 'secret' });
    assert.equal((await post('/ls/voc-fast/webhook', { action: 'START_TRAINING', project: { id: 14 } })).status, 201);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await (await fetch(`${url}/ls/voc-fast/is_training?project=14`)).json(), { is_training: true });

    // After a restart the project's trained model answers again.
    await lib.dispose();
    const t0 = Date.now();
    await s.close();
    assert.ok(Date.now() - t0 < 10_000, `closed in ${Date.now() - t0} ms`);
    ({ s, url } = await start());
    servers = [s];
    const again2 = await post('/ls/voc-fast/setup', { project: '7.1700000001', schema: CONFIG, hostname: lsUrl, access_token: 'secret' });
    assert.deepEqual(await again2.json(), { model_version: 'pixelwise voc-fast-project-7 v1' });
    const lib2 = await load(model);
    const r = await (await post('/ls/voc-fast/predict', { tasks: tasksOf(asked), project: '7.1700000001', label_config: CONFIG })).json();
    assert.equal(r.model_version, 'pixelwise voc-fast-project-7 v1');
    for (const [i, res] of r.results.entries()) assert.deepEqual(maskOf(res.result), (await lib2.segment(asked[i].png)).labels.map((v) => (v === 1 ? 1 : 0)));
    await lib2.dispose();
  } finally {
    for (const x of servers) await x.close();
    ls.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a Label Studio training cut short by the server\'s stop resumes from its checkpoint when a server starts on the folder again', async () => {
  const pictures = await Promise.all(Array.from({ length: 6 }, (_, i) => squarePicture(i + 31)));
  const uploads = new Map(pictures.map((p, i) => [`/data/upload/5/sq${i}.png`, p.png]));
  const tasks = [...uploads.keys()].map((url, i) => ({ id: i + 1, data: { image: url }, annotations: [{ result: [brush(pictures[i].mask)] }] }));
  let exports = 0;
  const ls = http.createServer((req, res) => {
    if (req.headers.authorization !== 'Token secret') { res.writeHead(401); res.end(); return; }
    if (req.url!.startsWith('/api/projects/5/export')) { exports++; res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(tasks)); return; }
    const png = uploads.get(req.url!);
    if (png) { res.writeHead(200, { 'content-type': 'image/png' }); res.end(png); return; }
    res.writeHead(404); res.end();
  });
  await new Promise<void>((r) => ls.listen(0, '127.0.0.1', r));
  const lsUrl = `http://127.0.0.1:${(ls.address() as AddressInfo).port}`;
  const dir = tempDir(), project = path.join(dir, 'voc-fast', 'project-5'), epochsLog = path.join(project, 'run', 'log.jsonl');
  const lines: string[] = [];
  const start = async () => {
    const s = await buildServer({ ...DEFAULT_SERVE, threads: 2, log: (l: string) => lines.push(l), lsTrain: { dir, epochs: 40, lr: 0.003, inputSize: [64, 64] } });
    return { s, url: await s.app.listen({ port: 0, host: '127.0.0.1' }) };
  };
  const epochs = () => (fs.existsSync(epochsLog) ? fs.readFileSync(epochsLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch as number) : []);
  let { s, url } = await start();
  const servers: Server[] = [s];
  try {
    const post = (p: string, body: unknown) => fetch(`${url}${p}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    assert.equal((await post('/ls/voc-fast/setup', { project: '5.1700000000', schema: CONFIG, hostname: lsUrl, access_token: 'secret' })).status, 200);
    assert.equal((await post('/ls/voc-fast/webhook', { action: 'START_TRAINING', project: { id: 5 } })).status, 201);
    await until('a first checkpoint', async () => epochs().length >= 1, 120);
    await s.close();
    const cut = epochs();
    assert.ok(cut.length < 40, `${cut.length} epochs before the stop`);
    assert.ok(fs.existsSync(path.join(project, 'training.json')), 'the training is marked as cut short');
    assert.ok(!fs.existsSync(path.join(project, 'model-1')));
    // As after a SIGKILL: the stopped server's child still holds the run for a while (here, a
    // process that lives 3 s); the next server waits for it to let go.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(project, 'run', '.train.lock'), String(holder.pid));
    // A new server on the folder: the training goes on (no call from Label Studio, no new export).
    ({ s, url } = await start());
    servers.push(s);
    assert.deepEqual(await (await fetch(`${url}/ls/voc-fast/is_training?project=5`)).json(), { is_training: true });
    assert.ok(lines.some((l) => l.startsWith('serve: Label Studio project 5: resuming the training of voc-fast that a server stop cut short')), lines.join('\n'));
    // Asked for while the resumed training waits or runs: it joins, and one more training follows
    // it, on the project's annotations as they are now (a second export).
    assert.equal((await post('/ls/voc-fast/setup', { project: '5.1700000001', schema: CONFIG, hostname: lsUrl, access_token: 'secret' })).status, 200);
    assert.deepEqual(await (await post('/ls/voc-fast/webhook', { action: 'START_TRAINING', project: { id: 5 } })).json(), { job: 'voc-fast/5#1', joined: true });
    await until('the resumed training and the one asked for', async () => (await (await fetch(`${url}/ls/voc-fast/is_training?project=5`)).json()).last?.version === 2, 300);
    const { last } = await (await fetch(`${url}/ls/voc-fast/is_training?project=5`)).json();
    assert.deepEqual([last.error, last.model, last.version, last.tasks], [undefined, 'voc-fast-project-5', 2, 6]);
    assert.ok(fs.existsSync(path.join(project, 'model-1', 'model.json')) && fs.existsSync(path.join(project, 'model-2', 'model.json')));
    assert.equal(exports, 2);
    // The first was resumed, not started again: its log goes on from the epoch after the stop.
    const log = fs.readFileSync(path.join(project, 'training.log'), 'utf8');
    const resumed = log.slice(log.indexOf('$ pixelwise train --resume'), log.indexOf('$ pixelwise export'));
    const epochsRun = [...resumed.matchAll(/^epoch (\d+):/gm)].map((m) => Number(m[1]));
    assert.deepEqual(epochsRun, Array.from({ length: 40 - cut.length }, (_, i) => cut.length + 1 + i), resumed.slice(0, 2000));
    assert.ok(!fs.existsSync(path.join(project, 'training.json')));
    const predicted = await (await post('/ls/voc-fast/predict', { tasks: [{ id: 1, data: { image: `data:image/png;base64,${pictures[0].png.toString('base64')}` } }], project: '5.1700000000', label_config: CONFIG })).json();
    assert.equal(predicted.model_version, 'pixelwise voc-fast-project-5 v2');
    // A mark that cannot be resumed (its run folder gone) is said and dropped, not retried forever.
    await s.close();
    fs.writeFileSync(path.join(project, 'training.json'), JSON.stringify({ version: 2, tasks: 6, started: new Date().toISOString() }));
    fs.rmSync(path.join(project, 'run'), { recursive: true });
    ({ s, url } = await start());
    servers.push(s);
    assert.ok(lines.some((l) => /training\.json: a training cut short that cannot be resumed \(its run folder has no train\.json\); start its training again in Label Studio$/.test(l)), lines.join('\n'));
    assert.ok(!fs.existsSync(path.join(project, 'training.json')));
    assert.deepEqual(await (await fetch(`${url}/ls/voc-fast/is_training?project=5`)).json(), { is_training: false });
  } finally {
    for (const x of servers) await x.close();
    ls.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a project\'s classes: background first, one per label name in any case, the config\'s colours kept, none alike', () => {
  const config = regionConfig('<View><Image name="i" value="$image"/><BrushLabels name="b" toName="i"><Label value="Car" background="#ff0000"/><Label value="car"/><Label value="Truck" background="#FF0000"/><Label value="Background"/><Label value="Sky"/></BrushLabels></View>') as RegionConfig;
  const classes = configClasses(config);
  assert.deepEqual(classes.map((c) => c.name), ['background', 'Car', 'Truck', 'Sky']);
  assert.deepEqual(classes[0].color, [0, 0, 0]);
  assert.deepEqual(classes[1].color, [255, 0, 0]);
  assert.equal(new Set(classes.map((c) => c.color.join())).size, classes.length, 'no two colours alike');
});
