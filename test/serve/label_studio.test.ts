// Label Studio's ML-backend protocol on serve: /health, /setup and /predict as Label Studio calls
// them; task images from Label Studio's own host (with its legacy token, or a personal access
// token exchanged for an access token), its local files and data: URLs;
// the regions decode (with the package Label Studio's front end uses) to the library's label map;
// a config with labels the model lacks, images elsewhere (a link out of the local files too), too
// large or too slow, are refused; training calls are answered in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { decodeBinary } from '@thi.ng/rle-pack';
import { buildServer } from '../../src/serve/server.ts';
import { DEFAULT_SERVE } from '../../src/serve/options.ts';
import { load } from '../../src/inference/load.ts';
import { fillPolygon } from '../../src/data/polygon.ts';
import { tempDir } from '../helpers.ts';

const PHOTO = path.resolve('assets/photos/chelsea.png');
const CONFIG = '<View><Image name="img" value="$image"/><BrushLabels name="brush" toName="img"><Label value="Cat" background="#400000"/><Label value="background"/></BrushLabels></View>';

test('Label Studio ML backend: setup, predict from its host, local files and data URLs, equal to the library; unknown labels, foreign, huge and silent images refused; training calls answered', async () => {
  const files = tempDir();
  fs.mkdirSync(path.join(files, 'photos'));
  fs.copyFileSync(PHOTO, path.join(files, 'photos', 'chelsea.png'));
  // Label Studio itself, serving an upload to its token only.
  // A link in the local files to a file outside them.
  const outsideFile = path.join(tempDir(), 'secret.png');
  fs.copyFileSync(PHOTO, outsideFile);
  fs.symlinkSync(outsideFile, path.join(files, 'photos', 'link.png'));
  // A personal access token (a JWT refresh token) is exchanged for a short-lived access token.
  const jwt = (claims: object) => [{ alg: 'HS256', typ: 'JWT' }, claims].map((o) => Buffer.from(JSON.stringify(o)).toString('base64url')).join('.') + '.c2lnbmF0dXJl';
  const pat = jwt({ token_type: 'refresh', exp: Math.floor(Date.now() / 1000) + 86400 }), revoked = jwt({ token_type: 'refresh', jti: 'revoked' });
  const access = jwt({ token_type: 'access', exp: Math.floor(Date.now() / 1000) + 300 });
  let refreshed = 0;
  const ls = http.createServer((req, res) => {
    if (req.url === '/api/token/refresh' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const ok = JSON.parse(body).refresh === pat;
        if (ok) refreshed++;
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }); res.end(JSON.stringify(ok ? { access } : { detail: 'Token is blacklisted' }));
      });
      return;
    }
    if (req.url === '/data/upload/1/ab12cd34-chelsea.png' && (req.headers.authorization === 'Token secret' || req.headers.authorization === `Bearer ${access}`)) { res.writeHead(200, { 'content-type': 'image/png' }); res.end(fs.readFileSync(PHOTO)); return; }
    // An answer past the upload limit, sent without end; and no answer at all.
    if (req.url === '/data/upload/1/huge.png') { res.writeHead(200, { 'content-type': 'image/png' }); const chunk = Buffer.alloc(1 << 20); const send = () => { if (!res.destroyed && res.write(chunk)) setImmediate(send); else res.once('drain', send); }; send(); return; }
    if (req.url === '/data/upload/1/silent.png') return;
    res.writeHead(401); res.end();
  });
  await new Promise<void>((r) => ls.listen(0, '127.0.0.1', r));
  const lsUrl = `http://127.0.0.1:${(ls.address() as AddressInfo).port}`;
  const s = await buildServer({ ...DEFAULT_SERVE, threads: 2, lsFiles: files, maxBodyBytes: 8 << 20, timeoutMs: 20_000 });
  const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
  const post = (p: string, body: unknown) => fetch(`${url}${p}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  try {
    assert.equal((await (await fetch(`${url}/ls/voc/health`)).json()).status, 'UP');
    assert.equal((await (await fetch(`${url}/health`)).json()).status, 'UP');
    const setup = await post('/ls/voc/setup', { project: '7.1700000000', schema: CONFIG, hostname: lsUrl, access_token: 'secret' });
    assert.deepEqual(await setup.json(), { model_version: 'pixelwise voc' });

    const dataUrl = `data:image/png;base64,${fs.readFileSync(PHOTO).toString('base64')}`;
    const tasks = [
      { id: 1, data: { image: '/data/upload/1/ab12cd34-chelsea.png' } },
      { id: 2, data: { image: '/data/local-files/?d=photos/chelsea.png' } },
      { id: 3, data: { image: dataUrl } },
    ];
    const r = await post('/ls/voc/predict', { tasks, project: '7.1700000000', label_config: CONFIG });
    assert.equal(r.status, 200, await r.clone().text());
    const body = await r.json();
    assert.equal(body.model_version, 'pixelwise voc');
    assert.equal(body.results.length, 3);
    const lib = await load('voc');
    const expected = await lib.segment(PHOTO);
    await lib.dispose();
    // Only the config's labels (cat; background is not exported): other classes' pixels stay unlabelled.
    const cat = 8;
    const want = expected.labels.map((v) => (v === cat ? 1 : 0));
    for (const res of body.results) {
      assert.ok(res.score > 0 && res.score <= 1);
      const got = new Uint8Array(want.length);
      for (const region of res.result) {
        assert.equal(region.from_name, 'brush');
        assert.equal(region.to_name, 'img');
        assert.deepEqual(region.value.brushlabels, ['Cat']); // the config's spelling
        const rgba = decodeBinary(Uint8Array.from(region.value.rle));
        for (let i = 0; i < got.length; i++) if (rgba[i * 4 + 3]) got[i] = 1;
      }
      assert.deepEqual(got, want);
    }
    // The same upload read with a personal access token: exchanged once, its access token reused.
    await post('/ls/voc/setup', { project: 5, schema: CONFIG, hostname: lsUrl, access_token: pat });
    for (let i = 0; i < 2; i++) {
      const withPat = await post('/ls/voc/predict', { tasks: [tasks[0]], project: 5, label_config: CONFIG });
      assert.equal(withPat.status, 200, await withPat.clone().text());
      assert.deepEqual((await withPat.json()).results[0].result, body.results[0].result);
    }
    assert.equal(refreshed, 1);
    await post('/ls/voc/setup', { project: 6, schema: CONFIG, hostname: lsUrl, access_token: revoked });
    const refused = await post('/ls/voc/predict', { tasks: [tasks[0]], project: 6, label_config: CONFIG });
    assert.equal(refused.status, 502);
    assert.match((await refused.json()).error, /\/api\/token\/refresh: Label Studio refused the personal access token \(401: revoked or expired\); create a new one in its Account & Settings$/);
    // A project that labels with polygons: its regions are the outlines, which fill (by pixel
    // centres, as convert and Label Studio's own export read them) to the same pixels.
    const polygonConfig = CONFIG.replace(/BrushLabels/g, 'PolygonLabels').replace('name="brush"', 'name="outline"');
    const p = await post('/ls/voc/predict', { tasks: [tasks[2]], project: '7.1700000000', label_config: polygonConfig });
    assert.equal(p.status, 200, await p.clone().text());
    const [poly] = (await p.json()).results;
    assert.ok(poly.result.length >= 1 && poly.score > 0);
    const filled = new Uint8Array(want.length);
    for (const region of poly.result) {
      assert.deepEqual([region.type, region.from_name, region.value.polygonlabels, region.value.closed], ['polygonlabels', 'outline', ['Cat'], true]);
      assert.ok(region.value.points.every(([x, y]: number[]) => x >= 0 && x <= 100 && y >= 0 && y <= 100), 'points in percent');
      fillPolygon(filled, expected.width, expected.height, region.value.points.flatMap(([x, y]: number[]) => [(x / 100) * expected.width, (y / 100) * expected.height]), 1);
    }
    assert.deepEqual(filled, want);
    // A label standing for model classes by predicted_values (as Label Studio's ML backends read
    // it): its regions are theirs, under its name; a label standing for none is refused.
    const kitty = CONFIG.replace('<Label value="Cat" background="#400000"/>', '<Label value="Kitty" predicted_values="cat, dog"/>');
    assert.equal((await post('/ls/voc/setup', { project: 3, schema: kitty })).status, 200);
    const k = await post('/ls/voc/predict', { tasks: [tasks[2]], project: 3, label_config: kitty });
    assert.equal(k.status, 200, await k.clone().text());
    const kittyMask = new Uint8Array(want.length);
    for (const region of (await k.json()).results[0].result) {
      assert.deepEqual(region.value.brushlabels, ['Kitty']);
      const rgba = decodeBinary(Uint8Array.from(region.value.rle));
      for (let i = 0; i < kittyMask.length; i++) if (rgba[i * 4 + 3]) kittyMask[i] = 1;
    }
    assert.deepEqual(kittyMask, expected.labels.map((v) => (v === cat || v === 12 ? 1 : 0)), 'cat and dog pixels');
    const none = await post('/ls/voc/setup', { project: 3, schema: CONFIG.replace('<Label value="Cat" background="#400000"/>', '<Label value="Kitty" predicted_values="kitten"/>') });
    assert.equal(none.status, 422);
    assert.match((await none.json()).error, /^the labelling config's labels "Kitty" are not classes of model voc .*name its classes in predicted_values="CLASS,\.\.\." on the <Label>/);
    const neither = await post('/ls/voc/setup', { project: 2, schema: CONFIG.replace(/BrushLabels/g, 'RectangleLabels') });
    assert.equal(neither.status, 422);
    assert.equal((await neither.json()).error, 'the labelling config has no <BrushLabels> or <PolygonLabels> (pixelwise answers brush or polygon regions)');

    const bad = await post('/ls/voc/setup', { project: 1, schema: CONFIG.replace('"Cat"', '"kitten"') });
    assert.equal(bad.status, 422);
    assert.match((await bad.json()).error, /^the labelling config's labels "kitten" are not classes of model voc \(background, aeroplane/);
    const foreign = await post('/ls/voc/predict', { tasks: [{ id: 4, data: { image: 'http://example.invalid/x.png' } }], project: '7.1700000000', label_config: CONFIG });
    assert.equal(foreign.status, 403);
    assert.match((await foreign.json()).error, /not on the Label Studio server/);
    const escape = await post('/ls/voc/predict', { tasks: [{ id: 5, data: { image: '/data/local-files/?d=../../etc/passwd' } }], label_config: CONFIG });
    assert.equal(escape.status, 403);
    assert.equal((await post('/ls/nosuch/setup', { schema: CONFIG })).status, 404);
    // Malformed URLs are the request's fault (4xx naming them), not the server's (500).
    for (const [image, status, error] of [['http://[::1', 400, 'http://[::1: not a valid URL'], ['/data/local-files/?d=%E0%A4%A', 400, '/data/local-files/?d=%E0%A4%A: not a valid URL (a % not followed by two hex digits)']] as const) {
      const r = await post('/ls/voc/predict', { tasks: [{ id: 6, data: { image } }], project: '7.1700000000', label_config: CONFIG });
      assert.equal(r.status, status, image);
      assert.equal((await r.json()).error, error);
    }
    const linked = await post('/ls/voc/predict', { tasks: [{ id: 8, data: { image: '/data/local-files/?d=photos/link.png' } }], label_config: CONFIG });
    assert.equal(linked.status, 403, 'a link out of --ls-files');
    // A named pipe in the folder (before: read on the server's thread, which it blocked for ever)
    // and a file past the upload limit (before: read whole).
    const pipeMade = spawnSync('mkfifo', [path.join(files, 'photos', 'pipe.png')]).status === 0;
    fs.writeFileSync(path.join(files, 'photos', 'big.png'), Buffer.alloc((8 << 20) + 1));
    for (const [name, status, error] of [...(pipeMade ? [['pipe.png', 404, 'photos/pipe.png in --ls-files is not a file (a folder, pipe or device)'] as [string, number, string]] : []), ['big.png', 413, 'over the 8 MB limit (pixelwise serve --max-body)']] as [string, number, string][]) {
      const r = await post('/ls/voc/predict', { tasks: [{ id: 11, data: { image: `/data/local-files/?d=photos/${name}` } }], label_config: CONFIG });
      assert.equal(r.status, status, name);
      assert.equal((await r.json()).error, `/data/local-files/?d=photos/${name}: ${error}`);
    }
    // Images from Label Studio's host are held to the upload limit, and to the request's time.
    const huge = await post('/ls/voc/predict', { tasks: [{ id: 9, data: { image: '/data/upload/1/huge.png' } }], project: '7.1700000000', label_config: CONFIG });
    assert.equal(huge.status, 413);
    assert.match((await huge.json()).error, /huge\.png: over the 8 MB limit \(pixelwise serve --max-body\)$/);
    const t0 = Date.now();
    const silent = await post('/ls/voc/predict', { tasks: [{ id: 10, data: { image: '/data/upload/1/silent.png' } }], project: '7.1700000000', label_config: CONFIG });
    assert.equal(silent.status, 502);
    assert.match((await silent.json()).error, /silent\.png: no answer within 20 s$/);
    assert.ok(Date.now() - t0 < 40_000);
    // Training calls are answered in words (Label Studio shows them), not as missing endpoints.
    assert.deepEqual(await (await fetch(`${url}/ls/voc/is_training`)).json(), { is_training: false });
    for (const call of ['/ls/voc/train', '/ls/voc/webhook', '/webhook']) {
      const r = await post(call, { action: 'START_TRAINING', project: { id: 7 } });
      assert.equal(r.status, 501, call);
      assert.match((await r.json()).error, /^this pixelwise serve does not train from Label Studio; start it with --ls-train DIR \(trained models are kept there\), or export the project \(JSON\), turn it into masks with pixelwise convert FILE --from labelstudio/);
    }
    await post('/ls/voc/setup', { project: '8', schema: CONFIG, hostname: 'not a url' });
    const noHost = await post('/ls/voc/predict', { tasks: [{ id: 7, data: { image: '/data/upload/1/x.png' } }], project: '8', label_config: CONFIG });
    assert.equal(noHost.status, 422);
    assert.equal((await noHost.json()).error, "not a url: Label Studio's address is not a URL; give setup a hostname such as http://localhost:8080");
  } finally {
    await s.close();
    ls.close();
  }
});
