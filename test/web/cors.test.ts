// serve --cors: a web page of another origin (a JavaScript developer's app) calling the API and
// downloading a model from its script, in a real browser (Debian's Chromium driven by
// playwright-core): answered for the origins named, refused by the browser for any other and
// by a server that names none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { buildServer } from '../../src/serve/server.ts';
import { DEFAULT_SERVE } from '../../src/serve/options.ts';
import { UserError } from '../../src/util/errors.ts';

const CHROMIUM = '/usr/bin/chromium';
const PHOTO = 'assets/photos/chelsea.png';
const skip = !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;

test('serve --cors: an origin is scheme://host[:port] or *; anything else refused before a worker starts', async () => {
  for (const bad of ['localhost:3000', 'http://localhost:3000/app', 'ftp://example.com', '']) {
    await assert.rejects(buildServer({ ...DEFAULT_SERVE, cors: [bad] }), (e: Error) => e instanceof UserError && e.message === `cors ${bad}: not an origin: give scheme://host[:port] as a browser sends it (e.g. http://localhost:3000), or * for any`, bad);
  }
});

test('serve --cors: a page of a named origin segments a photo and downloads a model through the API from its script; other origins and a server without --cors are refused by the browser', { skip }, async () => {
  // The app's page: its own origin (another port), a script that posts the photo to a pixelwise server.
  const page = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>app</title>'); });
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  const appOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  const open = await buildServer({ ...DEFAULT_SERVE, threads: 2, cors: [appOrigin] });
  const closed = await buildServer({ ...DEFAULT_SERVE, threads: 2 });
  const [withCors, withoutCors] = [await open.app.listen({ port: 0, host: '127.0.0.1' }), await closed.app.listen({ port: 0, host: '127.0.0.1' })];
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const tab = await browser.newPage();
    const photo = [...fs.readFileSync(PHOTO)];
    // In the page: POST the photo (image/png: a preflighted request), and GET a model's ONNX file.
    const call = (server: string) => tab.evaluate(async ([server, bytes]) => {
      try {
        const r = await fetch(`${server}/v1/segment?model=voc&output=json`, { method: 'POST', body: new Uint8Array(bytes as number[]), headers: { 'content-type': 'image/png' } });
        const onnx = await fetch(`${server}/v1/models/voc-fast/model.onnx`);
        const { timings: _t, ...json } = await r.json();
        return { status: r.status, json, onnxBytes: (await onnx.arrayBuffer()).byteLength };
      } catch (e) { return { error: String(e) }; }
    }, [server, photo] as const);
    // The API's answer to the same upload, from Node (no browser, no CORS).
    const { timings: _t, ...direct } = await (await fetch(`${withCors}/v1/segment?model=voc&output=json`, { method: 'POST', body: fs.readFileSync(PHOTO), headers: { 'content-type': 'image/png' } })).json();

    await tab.goto(`${appOrigin}/`);
    const allowed = await call(withCors);
    assert.deepEqual(allowed, { status: 200, json: direct, onnxBytes: fs.statSync('models/voc-fast/model.onnx').size });
    assert.deepEqual(await call(withoutCors), { error: 'TypeError: Failed to fetch' });
    // The same page under another name is another origin, not named.
    await tab.goto(`${appOrigin.replace('127.0.0.1', 'localhost')}/`);
    assert.deepEqual(await call(withCors), { error: 'TypeError: Failed to fetch' });
  } finally {
    await browser?.close();
    await open.close();
    await closed.close();
    page.close();
  }
});
