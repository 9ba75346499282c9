// `npm run bench:web-gpu-memory [-- --model person] [-- --frames 300] [-- --warm 30]`: does segmentStream on
// WebGPU leak GPU or wasm memory? Headless Chromium with WebGPU on SwiftShader (a CPU
// implementation: its GPU buffers and textures live in Chromium's GPU process), a fake camera (a
// y4m of a shipped photo at 640x480), the model loaded with runtime 'webgpu' and segmentStream
// run for --frames frames after 30 of warm-up. Sampled every 50 frames: the GPU process's resident
// memory (/proc, where SwiftShader's device memory is), the renderer's (after a full garbage
// collection), and the page's JS heaps and wasm memories (measureUserAgentSpecificMemory); then
// after stop() and dispose(). A leak of one buffer per frame would show as steady growth. Writes
// docs/bench/web-gpu-memory.json; exits 1 when GPU or page memory grew by more than 10% + 16 MB
// over the run (the renderer's: over its second half), or frames arrived after stop().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { buildServer } from '../src/serve/server.ts';
import { DEFAULT_SERVE } from '../src/serve/options.ts';
import { ffmpegPath } from '../src/video/ffmpeg.ts';

const CHROMIUM = '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM)) { console.log(`bench:web-gpu-memory: skipped (no ${CHROMIUM})`); process.exit(0); }
const args = process.argv.slice(2);
const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const MODEL = opt('--model') ?? 'person';
const FRAMES = Number(opt('--frames') ?? 300);
const WARM = Number(opt('--warm') ?? 30), EVERY = Math.min(50, FRAMES);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-gpu-mem-'));
const y4m = path.join(dir, 'camera.y4m');
const ff = spawnSync(ffmpegPath(), ['-v', 'error', '-loop', '1', '-i', 'assets/photos/astronaut.png', '-t', '2', '-r', '30', '-vf', 'scale=640:480', '-pix_fmt', 'yuv420p', y4m]);
if (ff.status !== 0) throw new Error(ff.stderr.toString());

/** Resident MB of this launch's Chromium processes of a type ('gpu-process', 'renderer'). */
function rssMb(type: string): number {
  const procs = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((pid) => {
    try {
      // Chromium rewrites its children's command lines as one space-separated string.
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      return { pid, cmd, ppid: /PPid:\s+(\d+)/.exec(status)![1], rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024 };
    } catch { return null; }
  }).filter((p) => p !== null);
  // Everything below the processes started with our y4m (the /usr/bin/chromium wrapper, the browser).
  const mine = new Set(procs.filter((p) => p.cmd.some((a) => a.includes(y4m))).map((p) => p.pid));
  for (let grew = true; grew;) { grew = false; for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) { mine.add(p.pid); grew = true; } }
  return procs.filter((p) => mine.has(p.pid) && p.cmd.includes(`--type=${type}`)).reduce((a, p) => a + p.rss, 0);
}

const s = await buildServer({ ...DEFAULT_SERVE });
const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`,
    '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-blink-features=ForceEagerMeasureMemory', '--js-flags=--expose-gc'],
});
type Sample = { frames: number; gpuProcessMb: number; rendererMb: number; pageMb: number };
const samples: Sample[] = [];
let afterStop = 0, fps = 0, runtime = '';
try {
  const page = await browser.newPage();
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.goto(`${url}/`);
  type W = { n: number; h: { stop(): void; dropped: number }; seg: { dispose(): Promise<void>; runtimeCheck: { runtime: string } }; media: MediaStream };
  runtime = await page.evaluate(async (model) => {
    const w = window as unknown as W;
    const { load } = await import('/lib/pixelwise-web.js' as string);
    w.seg = await load(`/v1/models/${model}`, { wasmPaths: '/vendor/ort/', runtime: 'webgpu' });
    w.media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    const video = document.createElement('video');
    video.muted = true; video.srcObject = w.media;
    await video.play();
    w.n = 0;
    w.h = (w.seg as unknown as { segmentStream(v: HTMLVideoElement, f: () => void, o: object): W['h'] }).segmentStream(video, () => { w.n++; }, { probabilities: true });
    return w.seg.runtimeCheck.runtime;
  }, MODEL);
  const frames = () => page.evaluate(() => (window as unknown as W).n);
  const pageMb = () => page.evaluate(async () => (await (performance as unknown as { measureUserAgentSpecificMemory(): Promise<{ bytes: number }> }).measureUserAgentSpecificMemory()).bytes / 2 ** 20);
  const sample = async () => {
    // A full collection first: what is left in the renderer is held, not garbage waiting.
    await page.evaluate(() => (window as unknown as { gc(): void }).gc());
    const x = { frames: await frames(), gpuProcessMb: rssMb('gpu-process'), rendererMb: rssMb('renderer'), pageMb: await pageMb() };
    samples.push(x);
    console.log(`${String(x.frames).padStart(4)} frames: GPU process ${x.gpuProcessMb.toFixed(1)} MB, renderer ${x.rendererMb.toFixed(1)} MB, page JS + wasm ${x.pageMb.toFixed(1)} MB`);
  };
  const until = (n: number) => page.waitForFunction((n) => (window as unknown as W).n >= n, n, { timeout: 0, polling: 500 });
  await until(WARM);
  const t0 = Date.now();
  await sample();
  for (let n = WARM + EVERY; n <= WARM + FRAMES; n += EVERY) { await until(n); await sample(); }
  fps = (samples.at(-1)!.frames - samples[0].frames) / ((Date.now() - t0) / 1000);
  const stoppedAt = await page.evaluate(async () => { const w = window as unknown as W; w.h.stop(); w.media.getTracks().forEach((t) => t.stop()); return w.n; });
  await new Promise((r) => setTimeout(r, 2000));
  afterStop = (await frames()) - stoppedAt;
  await page.evaluate(async () => { await (window as unknown as W).seg.dispose(); });
  await new Promise((r) => setTimeout(r, 2000));
  await sample();
} finally {
  await browser.close();
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
const first = samples[0], last = samples.at(-2)!, middle = samples[Math.floor((samples.length - 2) / 2)];
const grew = (k: keyof Sample, from: Sample) => last[k] > from[k] * 1.1 + 16;
// GPU memory (the GPU process) and the page's JS and wasm memory: from the first sample to the
// last. The renderer process's own allocator pools fill over the first frames and then hold:
// there, steady growth is a leak, so it is judged over the second half of the run.
const verdict = { gpuProcessGrew: grew('gpuProcessMb', first), pageGrew: grew('pageMb', first), rendererGrewInSecondHalf: grew('rendererMb', middle), framesAfterStop: afterStop };
console.log(`${MODEL} on ${runtime}: ${fps.toFixed(2)} frames/s; ${last.frames - first.frames} frames: GPU process ${first.gpuProcessMb.toFixed(1)} -> ${last.gpuProcessMb.toFixed(1)} MB, renderer ${first.rendererMb.toFixed(1)} -> ${last.rendererMb.toFixed(1)} MB, page ${first.pageMb.toFixed(1)} -> ${last.pageMb.toFixed(1)} MB; ${afterStop} frames after stop()`);
fs.mkdirSync('docs/bench', { recursive: true });
fs.writeFileSync('docs/bench/web-gpu-memory.json', JSON.stringify({
  date: new Date().toISOString().slice(0, 10), machine: `${os.cpus().length} cores, ${os.cpus()[0].model}`, chromium: spawnSync(CHROMIUM, ['--version']).stdout.toString().trim(),
  webgpu: 'SwiftShader (--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader): device memory lives in the GPU process', model: MODEL, runtime,
  camera: 'fake device, y4m of assets/photos/astronaut.png at 640x480', framesPerSecond: fps, samples, lastSampleIs: 'after stop() and dispose()', verdict,
  command: `npm run bench:web-gpu-memory -- --model ${MODEL} --frames ${FRAMES}`,
}, null, 2) + '\n');
console.log('wrote docs/bench/web-gpu-memory.json');
process.exit(verdict.gpuProcessGrew || verdict.pageGrew || verdict.rendererGrewInSecondHalf || afterStop > 1 ? 1 : 0);
