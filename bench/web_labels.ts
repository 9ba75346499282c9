// npm run bench:web-labels [-- --against REV] [-- --rounds 5] [-- --models ade20k,voc,camvid-live]
// The browser module's label maps, for the shipped models whose graphs end in a linear Resize the
// runtimes cut (inference/onnx_tail.ts), two ways in headless Chromium (onnxruntime-web, wasm):
// the browser module committed at REV (default 7c4e914, the last that ran the whole graph and took
// the argmax of its full-size scores in JS) and the current one (web/lib/pixelwise-web.js, built).
// Both on one page, alternated round by round, 1 and 2 wasm threads (a page each): segment() end
// to end on the shipped photos, median ms, and the pixels where the two ways' label maps differ
// (expected: none). Memory: a browser of its own per way, loading the model and segmenting the
// photos once; the size of the page's WebAssembly memories (onnxruntime-web's heap, which only
// grows: its peak), and the renderer process's peak RSS (VmHWM; the median of 5 launches a way,
// which vary by tens of MB with the collector's timing). Writes docs/bench/web-labels.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildServer } from '../src/serve/server.ts';
import { DEFAULT_SERVE } from '../src/serve/options.ts';
import { readImage } from '../src/data/image_io.ts';
import { DEMO_PHOTOS, DEMO_PHOTOS_DIR } from '../src/cli/demo_photos.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { machine } from './machine.ts';

const CHROMIUM = '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM)) { console.log(`bench:web-labels: skipped (no ${CHROMIUM})`); process.exit(0); }
const args = process.argv.slice(2);
const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const REV = opt('--against') ?? '7c4e914';
const ROUNDS = Number(opt('--rounds') ?? 5);
const MODELS = (opt('--models') ?? 'ade20k,voc,camvid-live').split(',');
const MEMORY_TRIES = 5;
const log = (s: string) => process.stderr.write(s + '\n');
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const bundles = {
  old: execFileSync('git', ['show', `${REV}:web/lib/pixelwise-web.js`]),
  new: fs.readFileSync('web/lib/pixelwise-web.js'),
};
const photos = await Promise.all(DEMO_PHOTOS.map(async (p) => readImage(path.join(DEMO_PHOTOS_DIR, p.file))));

const s = await buildServer({ ...DEFAULT_SERVE });
const url = await s.app.listen({ port: 0, host: '127.0.0.1' });

/** A page of the served site with both browser modules (/bench/old.js, /bench/new.js) and the photos on it. */
async function openPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  // Every WebAssembly memory the page makes (onnxruntime-web's heap among them), to read its size.
  await page.addInitScript({ content: `window.__name = (f) => f;
    window.__wasmMemories = [];
    const Memory = WebAssembly.Memory;
    WebAssembly.Memory = function (d) { const m = new Memory(d); window.__wasmMemories.push(m); return m; };
    WebAssembly.Memory.prototype = Memory.prototype;
    for (const k of ['instantiate', 'instantiateStreaming']) {
      const f = WebAssembly[k];
      WebAssembly[k] = async (...a) => {
        const r = await f.apply(WebAssembly, a);
        for (const v of Object.values((r.instance ?? r).exports)) if (v instanceof Memory) window.__wasmMemories.push(v);
        return r;
      };
    }` });
  for (const way of ['old', 'new'] as const) await page.route(`**/bench/${way}.js`, (r) => r.fulfill({ body: bundles[way], contentType: 'text/javascript' }));
  // The photos' RGB bytes fetched as they are (handed over as strings, their garbage outweighed a model's run).
  photos.forEach((im, i) => page.route(`**/bench/photo-${i}.rgb`, (r) => r.fulfill({ body: Buffer.from(im.data), contentType: 'application/octet-stream' })));
  await page.goto(`${url}/`);
  await page.evaluate(async (sizes) => {
    (window as unknown as { photos: unknown[] }).photos = await Promise.all(sizes.map(async ([width, height], i) =>
      ({ data: new Uint8Array(await (await fetch(`/bench/photo-${i}.rgb`)).arrayBuffer()), width, height })));
  }, photos.map((im) => [im.width, im.height] as const));
  return page;
}

/** Loads `model` with a way's module (`threads` wasm threads) on the page, as window.segs[way]. */
const load = (page: Page, way: 'old' | 'new', model: string, threads: number) => page.evaluate(async ([way, model, threads]) => {
  const w = window as unknown as { segs?: Record<string, unknown> };
  const { load } = await import(`/bench/${way}.js`);
  (w.segs ??= {})[way] = await load(`/v1/models/${model}`, { wasmPaths: '/vendor/ort/', runtime: 'wasm', threads });
}, [way, model, threads] as const);

/** Segments every photo with a way's segmenter: ms each, and the label maps (base64) when asked. */
const segment = (page: Page, way: 'old' | 'new', withLabels: boolean) => page.evaluate(async ([way, withLabels]) => {
  const w = window as unknown as { photos: unknown[]; segs: Record<string, { segment(x: unknown): Promise<{ labels: Uint8Array }> }> };
  const ms: number[] = [], labels: string[] = [];
  for (const im of w.photos) {
    const t0 = performance.now();
    const r = await w.segs[way].segment(im);
    ms.push(performance.now() - t0);
    if (withLabels) { let bin = ''; for (const v of r.labels) bin += String.fromCharCode(v); labels.push(btoa(bin)); }
  }
  return { ms, labels };
}, [way, withLabels] as const);

/** The size (MB) of the page's WebAssembly memories together: a heap only grows, so this is its peak. */
const wasmMb = (page: Page) => page.evaluate(() => (window as unknown as { __wasmMemories: WebAssembly.Memory[] }).__wasmMemories.reduce((t, m) => t + m.buffer.byteLength, 0) / 2 ** 20);

/** The ids of Chromium's renderer processes now alive. */
const renderers = () => fs.readdirSync('/proc').filter((d) => {
  try { return /^\d+$/.test(d) && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('--type=renderer'); } catch { return false; }
});

/** The largest peak RSS (MB) among the renderer processes. */
function rendererPeakMb(): number {
  let peak = 0;
  for (const pid of renderers()) {
    try { peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024); } catch { /* gone */ }
  }
  return peak;
}

const launch = () => chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const rows: Record<string, unknown>[] = [];

try {
  for (const model of MODELS) {
    for (const threads of [1, 2]) {
      const browser = await launch();
      try {
        const page = await openPage(browser);
        await load(page, 'old', model, threads);
        await load(page, 'new', model, threads);
        const head = await page.evaluate(() => (window as unknown as { segs: Record<string, { labelsFromHead?: boolean }> }).segs.new.labelsFromHead);
        // A warm-up run each, which also gives the label maps compared.
        const first = { old: await segment(page, 'old', true), new: await segment(page, 'new', true) };
        let differ = 0, pixels = 0;
        first.old.labels.forEach((b64, i) => {
          const a = Buffer.from(b64, 'base64'), b = Buffer.from(first.new.labels[i], 'base64');
          pixels += a.length;
          for (let p = 0; p < a.length; p++) if (a[p] !== b[p]) differ++;
        });
        const ms = { old: [] as number[], new: [] as number[] };
        for (let r = 0; r < ROUNDS; r++) {
          for (const way of (r % 2 ? ['new', 'old'] : ['old', 'new']) as ('old' | 'new')[]) ms[way].push(...(await segment(page, way, false)).ms);
        }
        const row = { model, threads, labelsFromHead: head, oldMs: median(ms.old), newMs: median(ms.new), ratio: median(ms.new) / median(ms.old), pixelsDiffering: differ, pixels };
        rows.push(row);
        log(`${model} wasm x${threads}: ${row.oldMs.toFixed(1)} -> ${row.newMs.toFixed(1)} ms (${row.ratio.toFixed(2)}x), ${differ} of ${pixels} pixels differ${head ? '' : ' (not cut)'}`);
      } finally { await browser.close(); }
    }
    // Peak memory: a browser per way and try (the renderer's peak varies by tens of MB from one
    // launch to the next), the model loaded and the photos segmented once; the median of MEMORY_TRIES.
    const peaks = { old: [] as number[], new: [] as number[] }, wasm = { old: 0, new: 0 };
    for (let t = 0; t < MEMORY_TRIES; t++) {
      for (const way of (t % 2 ? ['new', 'old'] : ['old', 'new']) as ('old' | 'new')[]) {
        const browser = await launch();
        try {
          const page = await openPage(browser);
          await load(page, way, model, 1);
          await segment(page, way, false);
          peaks[way].push(rendererPeakMb());
          wasm[way] = Math.max(wasm[way], await wasmMb(page));
        } finally { await browser.close(); }
      }
    }
    const peak = { old: median(peaks.old), new: median(peaks.new) };
    for (const r of rows) if (r.model === model && r.threads === 1) Object.assign(r, { oldWasmMb: wasm.old, newWasmMb: wasm.new, oldPeakMb: peak.old, newPeakMb: peak.new, oldPeaksMb: peaks.old.map(Math.round), newPeaksMb: peaks.new.map(Math.round) });
    log(`${model} WebAssembly memory: ${wasm.old.toFixed(0)} -> ${wasm.new.toFixed(0)} MB`);
    log(`${model} renderer peak RSS, median of ${MEMORY_TRIES}: ${peak.old.toFixed(0)} -> ${peak.new.toFixed(0)} MB (${peaks.old.map(Math.round).join(', ')} -> ${peaks.new.map(Math.round).join(', ')})`);
  }
} finally {
  await s.close();
}
const out = {
  date: new Date().toISOString().slice(0, 10), machine: machine(), chromium: spawnSync(CHROMIUM, ['--version']).stdout.toString().trim(),
  against: REV, rounds: ROUNDS, photos: DEMO_PHOTOS.map((p) => p.file), rows, command: 'npm run bench:web-labels',
};
writeFileAtomic('docs/bench/web-labels.json', JSON.stringify(out, null, 2) + '\n');
log(`wrote docs/bench/web-labels.json (${os.cpus().length} cores)`);
process.exit(0);
