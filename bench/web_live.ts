// `npm run bench:web-live`: frames/s of segmentStream in headless Chromium on a fake camera (a y4m
// of a shipped photo, 640x480), for the portrait (person) and VOC models, on wasm with 1 and 2
// threads (the page served by `pixelwise serve` is cross-origin isolated, so threads are allowed)
// and on WebGPU where headless Chromium offers it (SwiftShader's, a CPU implementation, here).
// Writes docs/bench/web-live.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { buildServer } from '../src/serve/server.ts';
import { DEFAULT_SERVE } from '../src/serve/options.ts';
import { ffmpegPath } from '../src/video/ffmpeg.ts';

const CHROMIUM = '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM)) { console.log(`bench:web-live: skipped (no ${CHROMIUM})`); process.exit(0); }
const SECONDS = 10;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-web-live-'));
const y4m = path.join(dir, 'camera.y4m');
const ff = spawnSync(ffmpegPath(), ['-v', 'error', '-loop', '1', '-i', 'assets/photos/astronaut.png', '-t', '2', '-r', '30', '-vf', 'scale=640:480', '-pix_fmt', 'yuv420p', y4m]);
if (ff.status !== 0) throw new Error(ff.stderr.toString());

const s = await buildServer({ ...DEFAULT_SERVE });
const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
const rows: { model: string; runtime: string; threads: number | null; framesPerSecond: number; dropped: number; agreement?: number; note?: string }[] = [];
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`, '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
});
try {
  for (const model of ['person', 'voc']) {
    for (const [runtime, threads] of [['wasm', 1], ['wasm', 2], ['webgpu', null]] as const) {
      // A fresh page per row: onnxruntime-web's thread count is fixed once per page.
      const page = await browser.newPage();
      await page.addInitScript({ content: 'window.__name = (f) => f;' });
      await page.goto(`${url}/`);
      const r = await page.evaluate(async ([model, runtime, threads, seconds]) => {
        const { load } = await import('/lib/pixelwise-web.js' as string);
        let seg;
        try {
          seg = await load(`/v1/models/${model}`, { wasmPaths: '/vendor/ort/', runtime: runtime === 'webgpu' ? 'auto' : 'wasm', ...(threads ? { threads } : {}) });
        } catch (e) { return { error: String(e) }; }
        const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
        const video = document.createElement('video');
        video.muted = true; video.srcObject = media;
        await video.play();
        // Warm-up (the first frames build the graph; under auto, the WebGPU check runs on the first).
        let n = 0;
        const h = seg.segmentStream(video, () => { n++; }, { probabilities: model === 'person' });
        while (n < 3) await new Promise((r) => setTimeout(r, 50));
        const n0 = n, d0 = h.dropped, t0 = performance.now();
        await new Promise((r) => setTimeout(r, seconds * 1000));
        const fps = (n - n0) / ((performance.now() - t0) / 1000), dropped = h.dropped - d0;
        h.stop();
        media.getTracks().forEach((t) => t.stop());
        return { fps, dropped, check: seg.runtimeCheck, isolated: crossOriginIsolated };
      }, [model, runtime, threads, SECONDS] as const);
      await page.close();
      if ('error' in r) { rows.push({ model, runtime, threads, framesPerSecond: 0, dropped: 0, note: r.error }); continue; }
      const used = r.check.runtime;
      rows.push({
        model, runtime: used, threads: used === 'wasm' ? threads ?? null : null, framesPerSecond: r.fps, dropped: r.dropped,
        ...(r.check.agreement != null ? { agreement: r.check.agreement } : {}), ...(runtime === 'webgpu' && used !== 'webgpu' ? { note: r.check.reason } : {}),
      });
      console.log(`${model} ${used}${used === 'wasm' ? ` x${threads}` : ''}: ${r.fps.toFixed(2)} frames/s, ${r.dropped} dropped${r.check.agreement != null ? `, WebGPU vs wasm ${(100 * r.check.agreement).toFixed(2)}%` : ''}${runtime === 'webgpu' && used !== 'webgpu' ? ` (${r.check.reason})` : ''}`);
    }
  }
} finally {
  await browser.close();
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
fs.mkdirSync('docs/bench', { recursive: true });
fs.writeFileSync('docs/bench/web-live.json', JSON.stringify({
  date: new Date().toISOString().slice(0, 10), machine: `${os.cpus().length} cores, ${os.cpus()[0].model}`, chromium: spawnSync(CHROMIUM, ['--version']).stdout.toString().trim(),
  camera: 'fake device, y4m of assets/photos/astronaut.png at 640x480', seconds: SECONDS, rows, command: 'npm run bench:web-live',
}, null, 2) + '\n');
console.log('wrote docs/bench/web-live.json');
process.exit(0);
