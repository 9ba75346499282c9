// The web page of `pixelwise serve` in a real browser (Debian's Chromium driven by playwright-core):
// upload a photo, check the legend and a rendered pixel against the API's label map, hide a class,
// run the same model in the page (onnxruntime-web) and compare its label map with the server's,
// and read the training-run curves. Screenshots go to test-artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildServer, WEB_ROOT } from '../../src/serve/server.ts';
import { DEFAULT_SERVE } from '../../src/serve/options.ts';
import { readImage } from '../../src/data/image_io.ts';
import { load } from '../../src/inference/load.ts';
import { tempDir } from '../helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const PHOTO = 'assets/photos/chelsea.png';
const ASTRONAUT = 'assets/photos/astronaut.png';
const ARTIFACTS = 'test-artifacts';
const skip = !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;

interface PageState { done: boolean; agreement?: number; server: { labels: Uint8Array } | null }
const waitDone = (page: Page) => page.waitForFunction(() => (window as unknown as { pixelwise: PageState }).pixelwise.done, null, { timeout: 120_000 });

/** A server whose runs folder holds one run of these losses (a validation mIoU every other epoch). */
async function serverWithRun(losses: number[]): Promise<{ s: Awaited<ReturnType<typeof buildServer>>; url: string }> {
  const runs = tempDir();
  fs.mkdirSync(path.join(runs, 'demo-run'));
  fs.writeFileSync(path.join(runs, 'demo-run', 'log.jsonl'), losses.map((loss, i) => JSON.stringify({ epoch: i + 1, loss, ...(i % 2 ? { val: { mIoU: 0.3 + i / 10 } } : {}) })).join('\n') + '\n');
  const s = await buildServer({ ...DEFAULT_SERVE, runsDir: runs });
  return { s, url: await s.app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** Chromium with a page that records the page's errors. */
async function openPage(): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { browser, page, errors };
}

test('browser: upload, overlay and legend match the API, class toggle, in-browser ONNX Runtime agrees with the server, run curves', { skip }, async () => {
  assert.ok(fs.existsSync(path.join(WEB_ROOT, 'lib', 'pixelwise-web.js')), 'web/lib/pixelwise-web.js is built by `npm run build:web` (npm test runs it)');
  const { s, url } = await serverWithRun([1.4, 1.0, 0.8]);
  let browser: Browser | undefined;
  try {
    const opened = await openPage();
    browser = opened.browser;
    const { page, errors } = opened;
    await page.goto(`${url}/`);
    await page.waitForSelector('#model option[value="voc"]', { state: 'attached' });
    await page.setInputFiles('#file', PHOTO);
    await waitDone(page);

    // The API's answer for the same upload.
    const api = await (await fetch(`${url}/v1/segment?model=voc&output=json&labels=true`, { method: 'POST', body: fs.readFileSync(PHOTO), headers: { 'content-type': 'image/png' } })).json();
    const labels = Buffer.from(api.labels, 'base64');
    const legend = await page.$$eval('#legend tr[data-id]', (rows) => rows.map((r) => [Number((r as HTMLElement).dataset.id), r.textContent]));
    assert.deepEqual(legend, api.classes.map((c: { id: number; name: string; share: number }) => [c.id, `${c.name}${(100 * c.share).toFixed(1)}%`]));
    // A pixel of the canvas is the photo blended with its class colour at the slider's opacity.
    const photo = await readImage(PHOTO);
    const palette = (await (await fetch(`${url}/v1/models`)).json()).models.find((m: { name: string }) => m.name === 'voc').classes.map((c: { color: number[] }) => c.color);
    const pixel = (x: number, y: number) => page.evaluate(([x, y]) => [...(document.getElementById('canvas') as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 1, 1).data].slice(0, 3), [x, y]);
    const [x, y] = [225, 150], p = y * photo.width + x;
    const blend = (a: number) => [0, 1, 2].map((k) => Math.floor(photo.data[p * 3 + k] * (1 - a) + palette[labels[p]][k] * a + 0.5));
    assert.deepEqual(await pixel(x, y), blend(0.5));
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-page.png') });
    // Hiding the pixel's class shows the photo there.
    await page.click(`#legend tr[data-id="${labels[p]}"]`);
    assert.deepEqual(await pixel(x, y), [...photo.data.subarray(p * 3, p * 3 + 3)]);

    // The same model in the page: its label map against the server's.
    await page.check('#inBrowser');
    await page.waitForFunction(() => (window as unknown as { pixelwise: PageState }).pixelwise.agreement !== undefined, null, { timeout: 120_000 });
    await waitDone(page);
    const agreement = await page.evaluate(() => (window as unknown as { pixelwise: PageState }).pixelwise.agreement!);
    assert.ok(agreement >= 0.999, `in-browser and server label maps agree on ${(100 * agreement).toFixed(3)}% of pixels`);
    assert.match(await page.textContent('#agreement') ?? '', /agree on \d+\.\d+% of pixels/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-page-in-browser.png') });

    // A background effect in the page, keeping the person: the portrait model's matte, as Node's
    // default model gives it (load().background() with the person matte).
    await page.setInputFiles('#file', ASTRONAUT);
    await waitDone(page);
    await page.selectOption('#keep', 'person');
    await page.selectOption('#effect', 'grey');
    await page.waitForFunction(() => { const s = (window as unknown as { pixelwise: PageState & { effectDone?: boolean; effect?: ImageData } }).pixelwise; return s.effectDone && s.effect; }, null, { timeout: 120_000 });
    const shown = await page.evaluate(() => { const c = document.getElementById('canvas') as HTMLCanvasElement; return [...c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data]; });
    const lib = await load();
    const expected = (await (await lib.segment(ASTRONAUT)).background({ keep: ['person'], grey: true, format: 'raw' })) as { data: Uint8Array };
    await lib.dispose();
    let close = 0;
    for (let q = 0; q < expected.data.length / 3; q++) if ([0, 1, 2].every((k) => Math.abs(shown[q * 4 + k] - expected.data[q * 3 + k]) <= 1)) close++;
    assert.ok(close / (expected.data.length / 3) >= 0.999, `the page's effect matches Node's on ${(100 * close / (expected.data.length / 3)).toFixed(3)}% of pixels`);
    assert.match(await page.textContent('#effectNote') ?? '', /matte from the portrait model \(person\)/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-page-effect.png') });

    // The training dashboard: the run is listed and its curves have one point per logged value.
    await page.goto(`${url}/runs.html`);
    await page.waitForSelector('#loss svg[data-points="3"]');
    assert.equal(await page.getAttribute('#miou svg', 'data-points'), '1');
    assert.match(await page.textContent('#runs tbody') ?? '', /demo-run.*40\.00/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'serve-runs.png') });
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await s.close();
  }
});

test('browser: the page behind a reverse proxy under a path (/seg/): every request stays under it, the upload, the in-browser model and the runs page work', { skip }, async () => {
  const { s, url } = await serverWithRun([1]);
  const target = new URL(url);
  // As nginx's `location /seg/ { proxy_pass http://127.0.0.1:PORT/; }`: the prefix taken off; anything else is not the server's.
  const outside: string[] = [];
  const proxy = http.createServer((req, res) => {
    if (!req.url!.startsWith('/seg/')) { outside.push(req.url!); res.writeHead(404).end(); return; }
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url!.slice('/seg'.length), headers: req.headers }, (r) => { res.writeHead(r.statusCode!, r.headers); r.pipe(res); });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/seg/`;
  let browser: Browser | undefined;
  try {
    const opened = await openPage();
    browser = opened.browser;
    const { page, errors } = opened;
    await page.goto(base);
    await page.waitForSelector('#model option[value="voc"]', { state: 'attached' });
    await page.setInputFiles('#file', PHOTO);
    await waitDone(page);
    const api = await (await fetch(`${base}v1/segment?model=voc&output=json`, { method: 'POST', body: fs.readFileSync(PHOTO), headers: { 'content-type': 'image/png' } })).json();
    const legend = await page.$$eval('#legend tr[data-id]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.id)));
    assert.deepEqual(legend, api.classes.map((c: { id: number }) => c.id));
    // The model's files and onnxruntime-web's wasm through the proxy too.
    await page.check('#inBrowser');
    await page.waitForFunction(() => (window as unknown as { pixelwise: PageState }).pixelwise.agreement !== undefined, null, { timeout: 120_000 });
    assert.ok(await page.evaluate(() => (window as unknown as { pixelwise: PageState }).pixelwise.agreement!) >= 0.999);
    // The browser module's refusals carry zod's English messages (zod/mini loads none by itself).
    const refusal = await page.evaluate(async () => {
      const { load } = await import(new URL('lib/pixelwise-web.js', document.baseURI).href);
      const card = await (await fetch('v1/models/voc/model.json')).json();
      card.input.normalization.std[0] = 0;
      try { await load({ card, onnx: new Uint8Array(1) }); return 'loaded'; } catch (e) { return (e as Error).message; }
    });
    assert.equal(refusal, 'card: invalid model card at "input.normalization.std.0": Too small: expected number to be >0');
    await page.click('nav a[href="runs.html"]');
    await page.waitForSelector('#loss svg[data-points="1"]');
    assert.equal(page.url(), `${base}runs.html`);
    assert.deepEqual([outside, errors], [[], []]);
  } finally {
    await browser?.close();
    proxy.close();
    await s.close();
  }
});
