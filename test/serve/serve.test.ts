// pixelwise serve's API on loopback: results equal the library's, every refusal is a JSON error
// with an actionable message (bad media, unknown model/option, huge header, big body, full
// queue), /healthz answers during a long inference, metrics count what happened, runs are listed.
import { test } from 'node:test';
import { decodeBinary } from '@thi.ng/rle-pack';
import { decodeCocoRle } from '../../src/formats/mask_rle.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { spawnSync } from 'node:child_process';
import { decode } from 'fast-png';
import { buildServer, type Server } from '../../src/serve/server.ts';
import { DEFAULT_SERVE, type ServeOptions } from '../../src/serve/options.ts';
import { load } from '../../src/inference/load.ts';
import { MODELS_DIR } from '../../src/models/shipped.ts';
import { bmpFile, pngClaiming, tempDir } from '../helpers.ts';
import { readImage } from '../../src/data/image_io.ts';

const PHOTO = 'assets/photos/chelsea.png';

async function start(o: Partial<ServeOptions> = {}): Promise<{ s: Server; url: string }> {
  const s = await buildServer({ ...DEFAULT_SERVE, threads: 2, ...o });
  return { s, url: await s.app.listen({ port: 0, host: '127.0.0.1' }) };
}

const post = (url: string, body: Uint8Array | FormData, type?: string) =>
  fetch(url, { method: 'POST', body: body as BodyInit, headers: type ? { 'content-type': type } : {} });

/** A multipart form of the image and text fields. */
function formOf(image: Uint8Array<ArrayBuffer>, fields: Record<string, string>): FormData {
  const f = new FormData();
  f.append('file', new Blob([image], { type: 'image/png' }), 'image.png');
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

test('serve: results equal the library\'s (json labels, label PNG, mask, overlay, effect), models, ONNX download, refusals', async () => {
  const { s, url } = await start();
  try {
    const models = (await (await fetch(`${url}/v1/models`)).json()).models;
    assert.deepEqual(models.map((m: { name: string }) => m.name).sort(), ['ade20k', 'camvid', 'camvid-fast', 'camvid-live', 'cityscapes', 'cityscapes-fast', 'cityscapes-live', 'person', 'voc', 'voc-fast']);
    const voc = models.find((m: { name: string }) => m.name === 'voc');
    assert.equal(voc.classes.length, 21);
    assert.deepEqual(voc.input.rule, { kind: 'fixed', size: [513, 513], filter: 'pillow' });

    const lib = await load('voc');
    const expected = await lib.segment(PHOTO);
    const photo = fs.readFileSync(PHOTO);
    const json = await (await post(`${url}/v1/segment?model=voc&output=json&labels=true`, photo, 'image/png')).json();
    assert.deepEqual([json.width, json.height], [expected.width, expected.height]);
    assert.deepEqual(json.classes, expected.classes);
    assert.ok(Buffer.from(json.labels, 'base64').equals(Buffer.from(expected.labels)), 'label map = the library\'s');
    assert.ok(json.timings.inferenceMs > 0);

    // Multipart upload, label PNG: indices equal.
    const form = new FormData();
    form.append('file', new Blob([photo], { type: 'image/png' }), 'chelsea.png');
    const lr = await post(`${url}/v1/segment?output=labels`, form);
    assert.equal(lr.headers.get('content-type'), 'image/png');
    assert.match(lr.headers.get('server-timing') ?? '', /inference;dur=/);
    assert.deepEqual([...decode(new Uint8Array(await lr.arrayBuffer())).data], [...expected.labels]);
    // A BMP (sharp reads none): decoded as the library reads the file, its size checked from its header.
    const rgb = await readImage(PHOTO);
    const bmp = await post(`${url}/v1/segment?output=labels`, bmpFile(rgb.data, rgb.width, rgb.height, 24), 'image/bmp');
    assert.equal(bmp.status, 200);
    assert.deepEqual([...decode(new Uint8Array(await bmp.arrayBuffer())).data], [...expected.labels]);
    const bmpClaiming = bmpFile([0, 0, 0], 1, 1, 24);
    bmpClaiming.writeInt32LE(100000, 18); bmpClaiming.writeInt32LE(100000, 22);
    // Mask and overlay: the library's pixels; JPEG on request.
    const pixels = async (b: ArrayBuffer | Buffer) => (await sharp(Buffer.from(b as ArrayBuffer)).raw().toBuffer());
    const mask = await post(`${url}/v1/segment?output=mask`, photo, 'image/png');
    assert.ok((await pixels(await mask.arrayBuffer())).equals(await pixels(await expected.colorMask() as Buffer)));
    const ov = await post(`${url}/v1/segment?output=overlay&alpha=0.3`, photo, 'application/octet-stream');
    assert.ok((await pixels(await ov.arrayBuffer())).equals(await pixels(await expected.overlay({ alpha: 0.3 }) as Buffer)));
    assert.equal((await post(`${url}/v1/segment?output=overlay&format=jpeg`, photo, 'image/png')).headers.get('content-type'), 'image/jpeg');
    const fx = await post(`${url}/v1/segment?effect=grey&keep=cat`, photo, 'image/png');
    assert.ok((await pixels(await fx.arrayBuffer())).equals(await pixels(await expected.background({ keep: ['cat'], grey: true }) as Buffer)));
    const clear = await post(`${url}/v1/segment?effect=transparent&keep=cat`, photo, 'image/png');
    const clearPixels = await sharp(Buffer.from(await clear.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    assert.equal(clearPixels.info.channels, 4);
    assert.ok(clearPixels.data.equals((await sharp(await expected.background({ keep: ['cat'], transparent: true }) as Buffer).raw().toBuffer())), 'the library\'s RGBA');
    // Pre-annotations of one image: COCO and a Label Studio task, decoding to the library's label map.
    const coco = await (await post(`${url}/v1/segment?model=voc&output=coco&name=chelsea.png`, photo, 'image/png')).json();
    assert.equal(coco.images[0].file_name, 'chelsea.png');
    const fromCoco = new Uint8Array(expected.labels.length);
    for (const a of coco.annotations) decodeCocoRle(a.segmentation)!.forEach((v, i) => { if (v) fromCoco[i] = a.category_id - 1; });
    assert.deepEqual(fromCoco, expected.labels);
    const task = await (await post(`${url}/v1/segment?model=voc&output=labelstudio&name=chelsea.png&from_name=brush&to_name=img`, photo, 'image/png')).json();
    assert.equal(task.data.img, 'chelsea.png');
    const fromLs = new Uint8Array(expected.labels.length);
    for (const r of task.predictions[0].result) {
      assert.equal(r.from_name, 'brush');
      const rgba = decodeBinary(Uint8Array.from(r.value.rle));
      const id = voc.classes.findIndex((c: { name: string }) => c.name === r.value.brushlabels[0]);
      for (let i = 0; i < fromLs.length; i++) if (rgba[i * 4 + 3]) fromLs[i] = id;
    }
    assert.deepEqual(fromLs, expected.labels);
    // Outlines of one image: YOLO rows and a labelme file, each filled back (polygon.ts) to the library's label map.
    const { fillPolygon } = await import('../../src/data/polygon.ts');
    const yolo = await post(`${url}/v1/segment?model=voc&output=yolo&name=chelsea.png`, photo, 'image/png');
    assert.equal(yolo.headers.get('content-type'), 'text/plain; charset=utf-8');
    const fromYolo = new Uint8Array(expected.labels.length);
    for (const row of (await yolo.text()).trim().split('\n')) {
      const [cls, ...xy] = row.split(' ').map(Number);
      fillPolygon(fromYolo, expected.width, expected.height, xy.map((v, k) => v * (k % 2 ? expected.height : expected.width)), cls + 1);
    }
    assert.deepEqual(fromYolo, expected.labels);
    // A CVAT for images XML of the image: its polygons filled back as CVAT does (pycocotools' rule).
    const { fillPolygonCoco } = await import('../../src/data/polygon.ts');
    const cvat = await post(`${url}/v1/segment?model=voc&output=cvat-xml&name=chelsea.png`, photo, 'image/png');
    assert.equal(cvat.headers.get('content-type'), 'application/xml; charset=utf-8');
    const cvatXml = await cvat.text();
    assert.match(cvatXml, /<image id="0" name="chelsea\.png" width="451" height="300">/);
    const fromCvat = new Uint8Array(expected.labels.length);
    const vocNames = (await import('../../src/data/class_sets.ts')).VOC_CLASSES.map((c) => c.name);
    for (const [, label, points] of cvatXml.matchAll(/<polygon label="([^"]+)"[^>]* points="([^"]+)"/g)) {
      fillPolygonCoco(fromCvat, expected.width, expected.height, points.split(/[;,]/).map(Number), vocNames.indexOf(label));
    }
    assert.deepEqual(fromCvat, expected.labels);
    const thinLabelme = await (await post(`${url}/v1/segment?model=voc&output=labelme&name=chelsea.png&tolerance=1`, photo, 'image/png')).json();
    assert.ok(thinLabelme.shapes.flatMap((x: { points: unknown[] }) => x.points).length * 2 < (await (await post(`${url}/v1/segment?model=voc&output=labelme&name=chelsea.png`, photo, 'image/png')).json()).shapes.flatMap((x: { points: unknown[] }) => x.points).length, 'tolerance=1: fewer points');
    const lm = await (await post(`${url}/v1/segment?model=voc&output=labelme&name=chelsea.png`, photo, 'image/png')).json();
    assert.equal(lm.imagePath, 'chelsea.png');
    const fromLabelme = new Uint8Array(expected.labels.length);
    for (const s of lm.shapes) fillPolygon(fromLabelme, lm.imageWidth, lm.imageHeight, s.points.flat(), voc.classes.findIndex((c: { name: string }) => c.name === s.label));
    assert.deepEqual(fromLabelme, expected.labels);
    // A Supervisely annotation: each bitmap decoded as its SDK does (base64, zlib, PNG alpha) at its origin.
    const sly = await (await post(`${url}/v1/segment?model=voc&output=supervisely`, photo, 'image/png')).json();
    assert.deepEqual(sly.size, { height: expected.height, width: expected.width });
    const { inflateSync } = await import('node:zlib');
    const fromSly = new Uint8Array(expected.labels.length);
    for (const o of sly.objects) {
      const png = decode(inflateSync(Buffer.from(o.bitmap.data, 'base64')));
      const id = voc.classes.findIndex((c: { name: string }) => c.name === o.classTitle);
      for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) {
        if ((png.palette![png.data[y * png.width + x]] as number[])[3] === 255) fromSly[(o.bitmap.origin[1] + y) * expected.width + o.bitmap.origin[0] + x] = id;
      }
    }
    assert.deepEqual(fromSly, expected.labels);
    // Confidence masks (MediaPipe's convention): one 8-bit mask per class, the library's probability.
    const withProb = await lib.segment(PHOTO, { probabilities: true });
    const catMask = await post(`${url}/v1/segment?model=voc&output=probabilities&classes=cat`, photo, 'image/png');
    assert.equal(catMask.headers.get('content-type'), 'image/png');
    const catPx = decode(new Uint8Array(await catMask.arrayBuffer()));
    assert.equal(catPx.channels, 1);
    assert.deepEqual([...catPx.data], [...withProb.probability(['cat'])].map((v) => Math.round(v * 255)));
    const two = await (await post(`${url}/v1/segment?model=voc&output=probabilities&classes=cat,dog`, photo, 'image/png')).json();
    assert.deepEqual(Object.keys(two.masks), ['cat', 'dog']);
    const all = await (await post(`${url}/v1/segment?model=voc&output=probabilities&classes=all`, photo, 'image/png')).json();
    assert.deepEqual(Object.keys(all.masks), lib.card.classes.map((c) => c.name));
    assert.deepEqual([...decode(Buffer.from(all.masks.dog, 'base64')).data], [...withProb.probability(['dog'])].map((v) => Math.round(v * 255)));
    await lib.dispose();

    // The browser path's files: the card (current version, with its input rule) and the ONNX bytes; nothing else.
    const card = await (await fetch(`${url}/v1/models/voc/model.json`)).json();
    assert.equal(card.version, 2);
    assert.deepEqual(card.input.rule.size, [513, 513]);
    const onnx = Buffer.from(await (await fetch(`${url}/v1/models/voc/model.onnx`)).arrayBuffer());
    assert.ok(onnx.equals(fs.readFileSync(path.join(MODELS_DIR, 'voc', 'model.onnx'))));
    assert.equal((await fetch(`${url}/v1/models/voc/weights.safetensors`)).status, 404);
    assert.equal((await fetch(`${url}/%2e%2e/package.json`)).status, 404);
    assert.equal((await fetch(`${url}/vendor/ort/ort.wasm.min.mjs`)).status, 200);
    assert.match(await (await fetch(`${url}/`)).text(), /<title>pixelwise/);

    // Refusals: status and a message naming what to change.
    const twoFiles = new FormData();
    twoFiles.append('file', new Blob([photo], { type: 'image/png' }), 'a.png');
    twoFiles.append('other', new Blob([photo], { type: 'image/png' }), 'b.png');
    const refusals: [Promise<Response>, number, RegExp][] = [
      [post(`${url}/v1/segment`, Buffer.from('hello'), 'image/png'), 415, /not an image/],
      [post(`${url}/v1/segment`, Buffer.from('hello'), 'text/plain'), 415, /Content-Type image/],
      [post(`${url}/v1/segment`, Buffer.from('{}'), 'application/json'), 415, /Content-Type image/],
      [post(`${url}/v1/segment?model=nope`, photo, 'image/png'), 404, /no model named nope \(served: ade20k, camvid, camvid-fast, camvid-live, cityscapes, cityscapes-fast, cityscapes-live, person, voc, voc-fast\)/],
      [post(`${url}/v1/segment?output=svg`, photo, 'image/png'), 400, /output: expected labels\|mask\|overlay\|json/],
      [post(`${url}/v1/segment?alpha=2`, photo, 'image/png'), 400, /alpha: expected a number from 0 to 1/],
      [post(`${url}/v1/segment?output=yolo&tolerance=-1`, photo, 'image/png'), 400, /^query parameter tolerance: expected a distance in pixels, 0 \(exact\) or more$/],
      [post(`${url}/v1/segment?model=voc&model=ade20k`, photo, 'image/png'), 400, /^query parameter model: given more than once; give it once$/],
      [post(`${url}/v1/segment?effect=replace=/etc/passwd`, photo, 'image/png'), 400, /does not read/],
      [post(`${url}/v1/segment?effect=grey&keep=unicorn`, photo, 'image/png'), 400, /keep unicorn: no such class in this model \(classes: background, aeroplane/],
      [post(`${url}/v1/segment?effect=transparent&format=jpeg`, photo, 'image/png'), 400, /^effect=transparent: JPEG keeps no transparency; use format=png$/],
      [post(`${url}/v1/segment`, new Uint8Array(0), 'image/png'), 400, /empty request body/],
      [post(`${url}/v1/segment`, pngClaiming(100000, 100000), 'image/png'), 413, /100000x100000 \(10000\.0 megapixels\).*--max-pixels/],
      [post(`${url}/v1/segment`, bmpClaiming, 'image/bmp'), 413, /100000x100000 \(10000\.0 megapixels\).*--max-pixels/],
      [fetch(`${url}/v2/whatever`), 404, /no such endpoint/],
      // A misspelt parameter is refused, not answered with its default; a second file is not dropped.
      [post(`${url}/v1/segment?output=overlay&aplha=0.2`, photo, 'image/png'), 400, /^query parameter aplha: not one POST \/v1\/segment takes \(model, output, alpha, /],
      [post(`${url}/v1/segment?output=labels`, twoFiles), 400, /^multipart upload with more than one file; send one image per request$/],
      // A form's fields are parameters: checked as the query's are, and not given in both.
      [post(`${url}/v1/segment`, formOf(photo, { aplha: '0.2' })), 400, /^parameter aplha: not one POST \/v1\/segment takes \(model, output, /],
      [post(`${url}/v1/segment?model=voc`, formOf(photo, { model: 'voc-fast' })), 400, /^parameter model: given more than once; give it once$/],
      [post(`${url}/v1/segment`, formOf(photo, { output: 'svg' })), 400, /^parameter output: expected labels\|mask/],
    ];
    for (const [p, status, message] of refusals) {
      const r = await p;
      assert.equal(r.status, status, String(message));
      assert.match((await r.json()).error, message);
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /pixelwise_http_requests_total\{route="\/v1\/segment",method="POST",status="200"\} 19/);
    assert.match(metrics, /pixelwise_http_requests_total\{route="\/v1\/segment",method="POST",status="413"\} 2/);
    assert.match(metrics, /pixelwise_inference_seconds_count\{model="voc"\} 19/);
    // The form's model and output answer as the same parameters in the query do (they were dropped before).
    const byForm = await (await post(`${url}/v1/segment`, formOf(photo, { model: 'voc-fast', output: 'json' }))).json();
    const byQuery = await (await post(`${url}/v1/segment?model=voc-fast&output=json`, photo, 'image/png')).json();
    assert.equal(byForm.model, 'voc-fast');
    assert.deepEqual(byForm.classes, byQuery.classes);
  } finally { await s.close(); }
});

test('serve: /healthz answers during a long inference; a full queue answers 503 + Retry-After; body limit; runs dashboard data', async () => {
  const runs = tempDir();
  fs.mkdirSync(path.join(runs, 'run-a'));
  fs.writeFileSync(path.join(runs, 'run-a', 'log.jsonl'), '{"epoch":1,"loss":1.5}\n{"epoch":2,"loss":1.1,"val":{"mIoU":0.42}}\n{"epoch":3,"lo');
  fs.mkdirSync(path.join(runs, 'not-a-run'));
  const { s, url } = await start({ queue: 0, maxBodyBytes: 4 << 20, runsDir: runs });
  try {
    // A 2000x1500 photo keeps the one worker busy for a second or more (a model of the image's own size).
    const big = await sharp(PHOTO).resize(2000, 1500).jpeg().toBuffer();
    const t0 = Date.now();
    const slow = post(`${url}/v1/segment?model=voc-fast&output=json`, big, 'image/jpeg').then(async (r) => ({ r, at: Date.now() - t0, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 300));
    const health = await fetch(`${url}/healthz`);
    const healthAt = Date.now() - t0;
    assert.equal(health.status, 200);
    assert.equal((await health.json()).running, 1);
    // The worker is busy and no job may wait: refused at once.
    const busy = await post(`${url}/v1/segment`, fs.readFileSync(PHOTO), 'image/png');
    assert.equal(busy.status, 503);
    assert.equal(busy.headers.get('retry-after'), '1');
    assert.match((await busy.json()).error, /queue is full/);
    const done = await slow;
    assert.equal(done.r.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.width, 2000);
    assert.ok(healthAt < done.at, `healthz (${healthAt} ms) came back before the big image (${done.at} ms)`);
    const tooBig = await post(`${url}/v1/segment`, Buffer.alloc(5 << 20, 1), 'image/png');
    assert.equal(tooBig.status, 413);
    assert.match((await tooBig.json()).error, /over the 4 MB limit \(pixelwise serve --max-body\)/);
    assert.match(await (await fetch(`${url}/metrics`)).text(), /pixelwise_queue_rejections_total 1/);

    const list = (await (await fetch(`${url}/v1/runs`)).json()).runs;
    assert.deepEqual(list.map((r: { name: string; epochs: number; bestMIoU: number }) => [r.name, r.epochs, r.bestMIoU]), [['run-a', 2, 0.42]]);
    const log = await (await fetch(`${url}/v1/runs/run-a/log`)).json();
    assert.deepEqual(log.epochs.map((e: { loss: number }) => e.loss), [1.5, 1.1]);
    for (const bad of ['not-a-run', '..', '%2e%2e%2fetc']) assert.equal((await fetch(`${url}/v1/runs/${bad}/log`)).status, 404, bad);
  } finally { await s.close(); }
});

test('serve: hostile input: a card naming a file outside its folder (404), malformed multipart (400), a foreign Host (403), a FIFO in --runs and a job past its timeout (/healthz within 1 s, the job cancelled)', async () => {
  const models = tempDir();
  const voc = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, 'voc', 'model.json'), 'utf8'));
  fs.mkdirSync(path.join(models, 'evil'));
  fs.writeFileSync(path.join(models, 'evil', 'model.json'), JSON.stringify({ ...voc, weights: '', onnx: '../../../../etc/passwd' }));
  fs.mkdirSync(path.join(models, 'evil-link'));
  fs.symlinkSync('/etc/passwd', path.join(models, 'evil-link', 'model.onnx'));
  fs.writeFileSync(path.join(models, 'evil-link', 'model.json'), JSON.stringify({ ...voc, weights: '', onnx: 'model.onnx' }));
  const runs = tempDir();
  fs.mkdirSync(path.join(runs, 'fifo-run'));
  const mk = spawnSync('mkfifo', [path.join(runs, 'fifo-run', 'log.jsonl')]);
  assert.equal(mk.status, 0, String(mk.stderr));
  const { s, url } = await start({ modelsDir: models, runsDir: runs, timeoutMs: 4000, queue: 4 });
  const timed = async (u: string) => { const t0 = Date.now(); const r = await fetch(u); return { r, ms: Date.now() - t0 }; };
  try {
    // The card that names /etc/passwd is not served; nothing of it can be downloaded.
    const listed = (await (await fetch(`${url}/v1/models`)).json()).models.map((m: { name: string }) => m.name);
    assert.ok(!listed.includes('evil'), listed.join(','));
    for (const u of ['/v1/models/evil/passwd', '/v1/models/evil/model.json', '/v1/models/evil-link/model.onnx']) {
      const r = await fetch(url + u);
      assert.equal(r.status, 404, u);
      assert.doesNotMatch(await r.text(), /root:/, u);
    }
    // Malformed multipart: a client error, with a message.
    for (const type of ['multipart/form-data; boundary=zzz', 'multipart/form-data']) {
      const r = await post(`${url}/v1/segment`, Buffer.from('garbage, not a form'), type);
      assert.equal(r.status, 400, type);
      assert.match((await r.json()).error, /multipart/);
    }
    // DNS rebinding: another name for this address is refused; the loopback names are served.
    const foreign = await s.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'attacker.example:8080' } });
    assert.equal(foreign.statusCode, 403);
    assert.match(foreign.json().error, /Host attacker\.example is not served here; .*--allowed-hosts/);
    for (const host of ['localhost:8080', '127.0.0.1', '[::1]:9000']) assert.equal((await s.app.inject({ method: 'GET', url: '/healthz', headers: { host } })).statusCode, 200, host);
    // A FIFO named log.jsonl blocks no one: the run list skips it and /healthz answers.
    const runList = await timed(`${url}/v1/runs`);
    assert.equal(runList.r.status, 200);
    assert.deepEqual((await runList.r.json()).runs, []);
    assert.ok(runList.ms < 1000, `runs listed in ${runList.ms} ms`);
    // A 24-megapixel upload (under --max-pixels) that cannot finish within the timeout: 504, the
    // work is cancelled, /healthz answers within 1 s meanwhile, and the next request is served.
    const huge = await sharp({ create: { width: 6000, height: 4000, channels: 3, background: '#6080a0' } }).jpeg().toBuffer();
    const slow = post(`${url}/v1/segment?model=voc-fast&output=json`, huge, 'image/jpeg');
    await new Promise((r) => setTimeout(r, 500));
    const h = await timed(`${url}/healthz`);
    assert.equal(h.r.status, 200);
    assert.ok(h.ms < 1000, `healthz in ${h.ms} ms during the big job`);
    const timedOut = await slow;
    assert.equal(timedOut.status, 504);
    assert.equal(s.pool.cancelled, 1, 'the job was cancelled, not left running');
    // It stops at its next tile (the whole image would take tens of seconds): the worker is free.
    const stoppedBy = Date.now() + 5000;
    while ((await (await fetch(`${url}/healthz`)).json()).running > 0) {
      assert.ok(Date.now() < stoppedBy, 'the cancelled job still runs 5 s after its timeout');
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await post(`${url}/v1/segment?output=json`, fs.readFileSync(PHOTO), 'image/png');
    assert.equal(after.status, 200, await after.clone().text());
    const h2 = await timed(`${url}/healthz`);
    assert.ok(h2.ms < 1000, `healthz in ${h2.ms} ms after`);
  } finally { await s.close(); }
});

test('serve: a package of --models named as a shipped model is served in its place, and said', async () => {
  const { buildCatalog } = await import('../../src/serve/catalog.ts');
  const dir = tempDir();
  fs.cpSync(path.join(MODELS_DIR, 'voc-fast'), path.join(dir, 'voc'), { recursive: true });
  const said: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => { said.push(String(s)); return true; }) as typeof process.stderr.write;
  let catalog;
  try { catalog = await buildCatalog(dir); } finally { process.stderr.write = write; }
  assert.equal(catalog.get('voc')!.dir, path.join(dir, 'voc'));
  assert.equal(catalog.get('voc')!.card.model.arch, 'espnetv2');
  assert.deepEqual(said, [`serve: ${path.join(dir, 'voc')} is served as voc, in place of the shipped model of that name\n`]);
});
