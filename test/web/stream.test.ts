// pixelwise/web on video in Chromium: a fake camera (getUserMedia) segmented frame by frame with
// segmentStream (results at the frame's size, frames dropped rather than queued, stop() ends it),
// and a Blob, a VideoFrame and a video element give the label map of the same pixels given raw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { buildServer } from '../../src/serve/server.ts';
import { DEFAULT_SERVE } from '../../src/serve/options.ts';
import { readImage } from '../../src/data/image_io.ts';
import { load as loadNode } from '../../src/inference/load.ts';

const CHROMIUM = '/usr/bin/chromium';
const PHOTO = 'assets/photos/astronaut.png';
const skip = !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;

test('web: segmentStream on a camera, and Blob / VideoFrame inputs', { skip, timeout: 180_000 }, async (t) => {
  const s = await buildServer({ ...DEFAULT_SERVE });
  const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // tsx keeps function names with a helper the page does not have.
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(`${url}/`);
    const photo = await readImage(PHOTO);
    const r = await page.evaluate(async ([png, raw, width, height]) => {
      const { load } = await import('/lib/pixelwise-web.js' as string);
      const seg = await load('/v1/models/person', { wasmPaths: '/vendor/ort/' });
      const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
      // The same pixels as raw RGB, as an encoded Blob, and as a VideoFrame.
      const ref = (await seg.segment({ data: bytes(raw), width, height })).labels;
      const blob = new Blob([bytes(png)], { type: 'image/png' });
      const fromBlob = (await seg.segment(blob)).labels;
      const bitmap = await createImageBitmap(blob);
      const frame = new VideoFrame(bitmap, { timestamp: 0 });
      const fromFrame = (await seg.segment(frame)).labels;
      frame.close(); bitmap.close();
      // A transparent background: the photo with the matte as its alpha (checked against Node's below).
      const clear = (await seg.segment({ data: bytes(raw), width, height }, { probabilities: true })).background({ keep: ['person'], transparent: true });
      let clearB64 = '';
      for (let i = 0; i < clear.data.length; i++) clearB64 += String.fromCharCode(clear.data[i]);
      clearB64 = btoa(clearB64);
      // Refusals as Node words them: raw pixels of the wrong length, a runtime the module has not, a blur no Gaussian has.
      const errorNames = new Set<string>();
      const refused = async (f: () => unknown) => { try { await f(); return 'accepted'; } catch (e) { errorNames.add((e as Error).name); return (e as Error).message; } };
      const { fromLabels } = await import('/lib/pixelwise-web.js' as string);
      const refusals = [
        await refused(() => seg.segment({ data: new Uint8Array(5), width: 2, height: 2 })),
        await refused(() => load('/v1/models/person', { runtime: 'gpu' })),
        await refused(async () => (await seg.segment({ data: bytes(raw), width, height }, { probabilities: true })).background({ keep: ['person'], blur: 0 })),
        await refused(async () => (await seg.segment({ data: bytes(raw), width, height })).overlay({ alpha: 2 })),
        await refused(async () => (await seg.segment({ data: bytes(raw), width, height })).probability(['person'])),
        await refused(() => load('/v1/models/no-such-model', { wasmPaths: '/vendor/ort/' })),
        await refused(() => fromLabels({ data: new Uint8Array(12), width: 2, height: 2 }, new Uint8Array(3), seg.card.classes)),
        // Misspelt options (no compiler to catch them in a page's script) were ignored in silence.
        await refused(() => seg.segment({ data: bytes(raw), width, height }, { probability: true })),
        await refused(() => load('/v1/models/person', { wasmPath: '/vendor/ort/' })),
        await refused(() => load(null)),
        await refused(async () => (await seg.segment({ data: bytes(raw), width, height })).overlay({ alpa: 0.2 })),
      ];

      // A camera (Chromium's fake device) through segmentStream.
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
      const video = document.createElement('video');
      video.muted = true; video.srcObject = stream;
      await video.play();
      const sizes: string[] = [];
      let firstMask: number | null = null;
      const h = seg.segmentStream(video, (res: { width: number; height: number; labels: Uint8Array; confidenceMasks(): Float32Array[] }) => {
        sizes.push(`${res.width}x${res.height}:${res.labels.length}`);
        firstMask ??= res.confidenceMasks()[1].length;
      }, { smooth: 0.5, probabilities: true });
      await new Promise((r) => setTimeout(r, 4000));
      h.stop();
      const atStop = sizes.length;
      await new Promise((r) => setTimeout(r, 1500));
      // The video element itself, as its current frame.
      const fromVideo = await seg.segment(video);
      // dispose() during a stream: the frame in flight finishes, the stream ends, later calls are refused.
      let streamed = 0;
      seg.segmentStream(video, () => { streamed++; });
      await new Promise((r) => setTimeout(r, 1500));
      await seg.dispose();
      const atDispose = streamed;
      await new Promise((r) => setTimeout(r, 1000));
      const disposal = { streamed: atDispose, more: streamed - atDispose, refusal: await refused(() => seg.segment(video)), again: await refused(() => seg.dispose()) };
      stream.getTracks().forEach((t) => t.stop());
      return {
        blob: same(fromBlob, ref), frame: same(fromFrame, ref), clear: clearB64, video: `${fromVideo.width}x${fromVideo.height}`,
        atStop, after: sizes.length, sizes: [...new Set(sizes)], frames: h.frames, dropped: h.dropped, firstMask, videoSize: `${video.videoWidth}x${video.videoHeight}`,
        isolated: crossOriginIsolated, refusals, errorNames: [...errorNames], disposal,
      };
    }, [fs.readFileSync(PHOTO).toString('base64'), Buffer.from(photo.data).toString('base64'), photo.width, photo.height] as const);
    t.diagnostic(`camera ${r.videoSize}: ${r.frames} frames segmented in 4 s, ${r.dropped} dropped`);
    assert.ok(r.blob, 'a Blob gives the raw pixels\' label map');
    {
      const person = await loadNode('person');
      const node = await (await person.segment(photo)).background({ keep: ['person'], transparent: true, format: 'raw' }) as { data: Uint8Array; channels: number };
      await person.dispose();
      const page = new Uint8Array(Buffer.from(r.clear, 'base64'));
      assert.equal(node.channels, 4);
      let close = 0;
      for (let q = 0; q < page.length / 4; q++) if ([0, 1, 2, 3].every((k) => Math.abs(page[q * 4 + k] - node.data[q * 4 + k]) <= 1)) close++;
      assert.ok(close / (page.length / 4) >= 0.999, `the page's transparent background matches Node's (RGBA within 1) on ${(100 * close / (page.length / 4)).toFixed(3)}% of pixels`);
    }
    assert.deepEqual(r.refusals, ['raw image: expected { data: Uint8Array of width*height*3 RGB (or *4 RGBA) bytes, width, height }, got 5 bytes for 2x2',
      'runtime gpu: use auto, wasm, webgpu', 'background blur 0: expected a sigma of 0.3 to 1000 pixels, e.g. 12', 'alpha 2: expected an opacity from 0 to 1',
      'this result has no probabilities: segment with { probabilities: true }', '/v1/models/no-such-model/model.json: HTTP 404',
      'labels: 3 values for a 2x2 image; expected 4, one per pixel',
      'probability true: not an option of segment() (its options: probabilities)',
      'wasmPath /vendor/ort/: not an option of load() (its options: runtime, minAgreement, onRuntime, wasmPaths, threads)',
      'model: got null; give a model folder\'s URL or { card, onnx }',
      'alpa 0.2: not an option of overlay() (its options: alpha, hide)']);
    // Each a UserError, as in Node (exported by the browser module for `instanceof`).
    assert.deepEqual(r.errorNames, ['UserError']);
    assert.ok(r.isolated, 'serve\'s page is cross-origin isolated (wasm threads possible)');
    assert.ok(r.frame, 'a VideoFrame gives the raw pixels\' label map');
    assert.equal(r.video, r.videoSize);
    assert.ok(r.atStop >= 3, `${r.atStop} frames segmented in 4 s`);
    assert.ok(r.after <= r.atStop + 1, `results after stop(): ${r.after - r.atStop}`);
    const [vw, vh] = r.videoSize.split('x').map(Number);
    assert.deepEqual(r.sizes, [`${vw}x${vh}:${vw * vh}`]);
    assert.equal(r.firstMask, vw * vh);
    assert.equal(r.frames, r.after);
    assert.ok(r.disposal.streamed >= 1, `${r.disposal.streamed} frames streamed before dispose()`);
    assert.deepEqual({ ...r.disposal, streamed: 0 }, { streamed: 0, more: 0, refusal: 'model /v1/models/person: disposed; load() it again to use it', again: 'accepted' });
    assert.deepEqual(errors, []);

    // The page's camera: the portrait model's blur, live on the canvas; a frame downloaded.
    await page.goto(`${url}/`);
    await page.waitForSelector('#model option[value="voc"]', { state: 'attached' });
    await page.selectOption('#effect', 'blur');
    await page.selectOption('#keep', 'person');
    await page.click('#cameraStart');
    await page.waitForFunction(() => ((window as unknown as { pixelwise: { cameraFrames?: number } }).pixelwise.cameraFrames ?? 0) >= 5, null, { timeout: 60_000 });
    assert.match(await page.textContent('#cameraNote') ?? '', /frames\/s, person on onnxruntime-web \(wasm/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#dlFrame')]);
    assert.equal(download.suggestedFilename(), 'frame.png');
    await page.click('#cameraStop');
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await s.close();
  }
});

test('web: the README\'s camera page runs from a plain static folder (no pixelwise serve)', { skip, timeout: 180_000 }, async () => {
  const { default: http } = await import('node:http');
  const path = await import('node:path');
  const root = fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'pw-static-'));
  fs.copyFileSync('web/examples/camera-blur.html', path.join(root, 'index.html'));
  fs.copyFileSync('web/lib/pixelwise-web.js', path.join(root, 'pixelwise-web.js'));
  fs.cpSync('node_modules/onnxruntime-web/dist', path.join(root, 'ort'), { recursive: true });
  fs.cpSync('models/person', path.join(root, 'models', 'person'), { recursive: true });
  // A file server and nothing else: no API, no pixelwise.
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
  const server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/\/$/, '/index.html'));
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/`);
    const consoleLines: string[] = []; // (the browser's own favicon request is a 404 here)
    page.on('console', (m) => consoleLines.push(m.text()));
    await page.waitForFunction(() => ((window as unknown as { stream?: { frames: number } }).stream?.frames ?? 0) >= 3, null, { timeout: 60_000 })
      .catch((e: Error) => { throw new Error(`${e.message.split('\n')[0]}; page: ${[...errors, ...consoleLines].join(' | ')}`); });
    // The canvas shows the frame (not blank): its pixels vary.
    const distinct = await page.evaluate(() => { const c = document.getElementById('out') as HTMLCanvasElement; const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data; const s = new Set<number>(); for (let i = 0; i < d.length; i += 4 * 97) s.add(d[i]); return s.size; });
    assert.ok(distinct > 5, `${distinct} distinct values on the canvas`);
    assert.deepEqual(errors, []);
    assert.ok(fs.readFileSync('web/examples/camera-blur.html', 'utf8').trim().split('\n').length <= 10, 'the page is 10 lines');
  } finally {
    await browser?.close();
    server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('web: WebGPU (SwiftShader) checked against wasm on the first image; wasm kept where it disagrees or is asked for', { skip, timeout: 180_000 }, async (t) => {
  const s = await buildServer({ ...DEFAULT_SERVE });
  const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] });
    const page = await browser.newPage();
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(`${url}/`);
    const photo = await readImage(PHOTO);
    const r = await page.evaluate(async ([raw, width, height]) => {
      const { load } = await import('/lib/pixelwise-web.js' as string);
      const image = { data: Uint8Array.from(atob(raw), (c) => c.charCodeAt(0)), width, height };
      const told: unknown[] = [];
      const auto = await load('/v1/models/person', { wasmPaths: '/vendor/ort/', onRuntime: (c: unknown) => told.push(c) });
      const before = auto.runtimeCheck;
      const a = (await auto.segment(image)).labels as Uint8Array;
      const wasm = await load('/v1/models/person', { wasmPaths: '/vendor/ort/', runtime: 'wasm' });
      const w = (await wasm.segment(image)).labels as Uint8Array;
      let same = 0;
      for (let i = 0; i < a.length; i++) if (a[i] === w[i]) same++;
      // A threshold nothing can reach: the check must fall back to wasm.
      const strict = await load('/v1/models/person', { wasmPaths: '/vendor/ort/', minAgreement: 1.01 });
      const sl = (await strict.segment(image)).labels as Uint8Array;
      return { before, after: auto.runtimeCheck, told, agreeWithWasm: same / a.length, wasm: wasm.runtimeCheck, strict: strict.runtimeCheck, strictSame: sl.every((v, i) => v === w[i]) };
    }, [Buffer.from(photo.data).toString('base64'), photo.width, photo.height] as const);
    t.diagnostic(`auto: ${JSON.stringify(r.after)}`);
    assert.equal(r.wasm.runtime, 'wasm');
    if (r.before.reason) {
      // No usable WebGPU here: wasm from the start, saying why.
      assert.equal(r.after.runtime, 'wasm');
    } else {
      assert.equal(typeof r.after.agreement, 'number');
      assert.deepEqual(r.told, [r.after]);
      if (r.after.runtime === 'webgpu') assert.ok(r.after.agreement >= 0.99 && Math.abs(r.agreeWithWasm - r.after.agreement) < 1e-9);
      else assert.match(r.after.reason, /agrees with wasm's on/);
      assert.equal(r.strict.runtime, 'wasm');
      assert.match(r.strict.reason, /below 101\.00%: running on wasm/);
      assert.ok(r.strictSame, 'after falling back, the label maps are wasm\'s');
    }
  } finally {
    await browser?.close();
    await s.close();
  }
});

test('web: the page\'s camera on a y4m of a shipped photo: fps shown vs counted, effect pixels vs the library\'s, 300 frames without memory growth', { skip, timeout: 300_000 }, async (t) => {
  const path = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const { ffmpegPath } = await import('../../src/video/ffmpeg.ts');
  const { load } = await import('../../src/inference/load.ts');
  const dir = fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'pw-y4m-'));
  const y4m = path.join(dir, 'astronaut.y4m');
  const ff = spawnSync(ffmpegPath(), ['-v', 'error', '-loop', '1', '-i', PHOTO, '-t', '2', '-r', '30', '-pix_fmt', 'yuv420p', y4m]);
  assert.equal(ff.status, 0, ff.stderr?.toString());
  const s = await buildServer({ ...DEFAULT_SERVE });
  const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`, '--enable-blink-features=ForceEagerMeasureMemory', '--js-flags=--expose-gc'] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(`${url}/`);
    await page.waitForSelector('#model option[value="voc"]', { state: 'attached' });
    // A colour background: Node and the page composite it with the same code, so the pixels differ
    // only where the mattes do (a blur would also differ by implementation: sharp's in Node, the
    // module's own in the page).
    await page.selectOption('#effect', 'color');
    await page.selectOption('#keep', 'person');
    await page.click('#cameraStart');
    type W = { pixelwise: { cameraFrames?: number; cameraFps?: number; lastFrame?: { image: { data: Uint8Array; width: number; height: number }; drawn: ImageData } } };
    const frames = () => page.evaluate(() => (window as unknown as W).pixelwise.cameraFrames ?? 0);
    await page.waitForFunction(() => ((window as unknown as W).pixelwise.cameraFrames ?? 0) >= 30, null, { timeout: 120_000 });
    // What the page holds between frames: the heap is collected before each sample, and the least
    // of several samples is kept, because a sample taken while a frame is in flight also counts
    // that frame's buffers (the page's JS heap read 28.7 or 40.7 MB by that alone).
    const memory = async () => {
      let least = Infinity;
      for (let i = 0; i < 8; i++) {
        least = Math.min(least, await page.evaluate(async () => {
          (window as unknown as { gc(): void }).gc();
          return (await (performance as unknown as { measureUserAgentSpecificMemory(): Promise<{ bytes: number }> }).measureUserAgentSpecificMemory()).bytes;
        }));
        await new Promise((r) => setTimeout(r, 150));
      }
      return least;
    };
    const before = await memory();
    // Frames counted by the test over the window the page's rate covers (its last 2 s), against
    // the rate it shows: a longer count would differ wherever the machine's load changed (another
    // test file runs beside this one). The window's ends may cut a frame: half a frame/s allowed.
    await new Promise((r) => setTimeout(r, 4000));
    const sample = () => page.evaluate(() => { const p = (window as unknown as W).pixelwise; return { frames: p.cameraFrames ?? 0, ms: performance.now(), shown: p.cameraFps ?? 0 }; });
    const a = await sample();
    await new Promise((r) => setTimeout(r, 2000));
    const b = await sample();
    const counted = (b.frames - a.frames) / ((b.ms - a.ms) / 1000), shown = b.shown;
    t.diagnostic(`camera (y4m of ${PHOTO}): ${counted.toFixed(2)} frames/s counted, ${shown.toFixed(2)} shown`);
    assert.ok(Math.abs(shown - counted) <= 0.1 * counted + 0.5, `shown ${shown} vs counted ${counted}`);
    // The effect the page drew for a frame, against the library's on that frame's pixels.
    const last = await page.evaluate(() => {
      const l = (window as unknown as W).pixelwise.lastFrame!;
      const b64 = (a: ArrayLike<number>) => { let s = ''; for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return btoa(s); };
      return { rgb: b64(l.image.data), width: l.image.width, height: l.image.height, drawn: b64(l.drawn.data) };
    });
    const rgb = new Uint8Array(Buffer.from(last.rgb, 'base64')), drawn = new Uint8Array(Buffer.from(last.drawn, 'base64'));
    const person = await load('person');
    try {
      const r = await person.segment({ data: rgb, width: last.width, height: last.height });
      const node = await r.background({ keep: ['person'], color: '#00b140', format: 'raw' }) as { data: Uint8Array; channels: number };
      let same = 0;
      const px = last.width * last.height;
      for (let p = 0; p < px; p++) {
        let close = true;
        for (let k = 0; k < 3; k++) if (Math.abs(node.data[p * node.channels + k] - drawn[p * 4 + k]) > 1) close = false;
        if (close) same++;
      }
      t.diagnostic(`effect pixels within 1 of the library's: ${(100 * same / px).toFixed(3)}%`);
      assert.ok(same / px >= 0.999, `${(100 * same / px).toFixed(3)}% of the effect's pixels match the library's`);
    } finally { await person.dispose(); }
    // 300 frames more: memory (JS heaps and wasm memories) does not grow.
    const f2 = await frames();
    await page.waitForFunction((n) => ((window as unknown as W).pixelwise.cameraFrames ?? 0) >= n, f2 + 300, { timeout: 180_000 });
    const after = await memory();
    t.diagnostic(`memory: ${(before / 2 ** 20).toFixed(1)} MB after 30 frames, ${(after / 2 ** 20).toFixed(1)} MB after ${f2 + 300 - 30} more`);
    // Slack for one frame's buffers (a sample may still catch one in flight); a leak of 50 KB a
    // frame would exceed it over these 300 frames.
    assert.ok(after < before * 1.1 + 16 * 2 ** 20, `memory grew from ${before} to ${after} bytes`);
    await page.click('#cameraStop');
    const stoppedAt = await frames();
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(await frames() <= stoppedAt + 1, 'frames after Stop');
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
