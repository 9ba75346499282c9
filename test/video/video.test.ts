// Video: frames in, overlaid video out; the saved label maps equal the model's predictions on the
// decoded input frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { decode } from 'fast-png';
import { unzipSync } from 'fflate';
import { defaultClasses } from '../../src/data/classes.ts';
import { ffmpegPath, probeVideo, readFrames } from '../../src/video/ffmpeg.ts';
import { openSegmenter } from '../../src/inference/open.ts';
import { openThreadedSegmenter } from '../../src/inference/threaded.ts';
import { colorize, overlay } from '../../src/render/colorize.ts';
import { tempDir } from '../helpers.ts';
import { fixture } from './fixture.ts';
import { load } from '../../src/inference/load.ts';

test('video: overlay video with every frame, label maps equal per-frame predictions', async () => {
  const { d, src } = await fixture(0.6);
  const r = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', src, '--model', path.join(d, 'pkg'), '--out', path.join(d, 'out.mp4'),
    '--labels-dir', path.join(d, 'labels'), '--mask-video', path.join(d, 'mask.mp4'), '--x264-preset', 'ultrafast', '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const info = probeVideo(path.join(d, 'out.mp4'));
  assert.deepEqual([info.width, info.height], [96, 64]);
  assert.ok(fs.existsSync(path.join(d, 'mask.mp4')));
  // x264 writes its settings into the stream: ultrafast is the one preset without CABAC.
  for (const f of ['out.mp4', 'mask.mp4']) assert.match(fs.readFileSync(path.join(d, f)).toString('latin1'), /x264 - core[^\0]*cabac=0/, f);
  assert.ok(!fs.existsSync(path.join(d, 'out.mp4.partial.mp4')));
  const seg = await openSegmenter(path.join(d, 'pkg'), { runtime: 'auto' });
  let n = 0;
  for await (const frame of readFrames(src, probeVideo(src))) {
    n++;
    const [expected] = await seg.predictBatch([{ data: frame, width: 96, height: 64 }]);
    const saved = decode(fs.readFileSync(path.join(d, 'labels', `frame_${String(n).padStart(6, '0')}.png`))).data;
    assert.deepEqual([...saved], [...expected], `frame ${n}`);
  }
  await seg.dispose();
  assert.equal(n, 6);
  assert.equal(fs.readdirSync(path.join(d, 'labels')).length, 6);
  const bad = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', path.join(d, 'nope.mp4'), '--model', path.join(d, 'pkg'), '--out', path.join(d, 'x.mp4')], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /nope\.mp4: no such video file/);
  const mjpeg = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', src, '--model', path.join(d, 'pkg'), '--out', '-', '--x264-preset', 'fast'], { encoding: 'utf8' });
  assert.notEqual(mjpeg.status, 0);
  assert.match(mjpeg.stderr, /--x264-preset fast: applies to H\.264 output .*not mjpeg/);
  assert.equal(mjpeg.stderr.trim().split('\n').length, 1, 'one line');
});

test('video --export: every 2nd frame as pre-annotations (CVAT masks, COCO, YOLO) named as CVAT names a video\'s frames, beside the frames; each converts back to the saved label maps exactly', async () => {
  const { d, src } = await fixture(0.6);
  const bin = path.resolve('bin/pixelwise.js');
  const ex = path.join(d, 'pre');
  const r = spawnSync(process.execPath, [bin, 'video', src, '--model', path.join(d, 'pkg'), '--out', path.join(d, 'out.mp4'), '--x264-preset', 'ultrafast',
    '--labels-dir', path.join(d, 'labels'), '--export', 'cvat,coco,yolo', '--export-dir', ex, '--export-every', '2'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^pre-annotations of 3 frames \\(${path.join(ex, 'frames')}\\): ${path.join(ex, 'coco.json')}, ${path.join(ex, 'cvat.zip')}, ${path.join(ex, 'yolo.zip')}$`, 'm'));
  // Frames 0, 2, 4 (CVAT's numbers, from 0) are the 1st, 3rd and 5th decoded: their pixels, and --labels-dir's frame_000001, 3, 5.
  const names = ['frame_000000.png', 'frame_000002.png', 'frame_000004.png'];
  assert.deepEqual(fs.readdirSync(path.join(ex, 'frames')).sort(), names);
  let n = 0;
  for await (const frame of readFrames(src, probeVideo(src))) {
    if (n % 2 === 0) assert.deepEqual([...decode(fs.readFileSync(path.join(ex, 'frames', `frame_${String(n).padStart(6, '0')}.png`))).data], [...frame], `frame ${n}`);
    n++;
  }
  const labelsOf = (f: string) => [...decode(fs.readFileSync(f)).data];
  const yolo = path.join(d, 'yolo');
  for (const [name, bytes] of Object.entries(unzipSync(fs.readFileSync(path.join(ex, 'yolo.zip'))))) { fs.mkdirSync(path.join(yolo, path.dirname(name)), { recursive: true }); fs.writeFileSync(path.join(yolo, name), bytes); }
  fs.cpSync(path.join(ex, 'frames'), path.join(yolo, 'images', 'train'), { recursive: true });
  const classFile = path.join(d, 'classes.json');
  fs.writeFileSync(classFile, JSON.stringify(defaultClasses(3)));
  for (const [from, file, images] of [['cvat-mask', path.join(ex, 'cvat.zip'), path.join(ex, 'frames')], ['coco', path.join(ex, 'coco.json'), path.join(ex, 'frames')], ['yolo', path.join(yolo, 'data.yaml'), path.join(yolo, 'images', 'train')]]) {
    const back = path.join(d, `back-${from}`);
    const c = spawnSync(process.execPath, [bin, 'convert', '--from', from, file, '--images', images, '--out', back, '--class-file', classFile, '--quiet'], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    for (const [k, name] of names.entries()) assert.deepEqual(labelsOf(path.join(back, 'masks', name)), labelsOf(path.join(d, 'labels', `frame_${String(2 * k + 1).padStart(6, '0')}.png`)), `${from}: ${name}`);
  }
  const lone = spawnSync(process.execPath, [bin, 'video', src, '--model', path.join(d, 'pkg'), '--out', path.join(d, 'x.mp4'), '--export', 'coco'], { encoding: 'utf8' });
  assert.equal(lone.stderr, 'pixelwise: --export needs --export-dir, the folder of the pre-annotations and the frames they label\n');
  const blocked = path.join(d, 'blocked');
  fs.mkdirSync(blocked);
  fs.writeFileSync(path.join(blocked, 'frames'), '');
  const f = spawnSync(process.execPath, [bin, 'video', src, '--model', path.join(d, 'pkg'), '--out', path.join(d, 'x.mp4'), '--export', 'coco', '--export-dir', blocked], { encoding: 'utf8' });
  assert.equal(f.stderr, `pixelwise: --export-dir ${blocked}: frames is a file, where the export writes the frames' folder; move it away or give another --export-dir\n`);
  assert.equal(fs.existsSync(path.join(d, 'x.mp4')), false);
});

test('video: --effect with --json (one line per frame, areas = the label maps), batching, workers and temporal smoothing', async () => {
  const { d, src } = await fixture(0.5);
  const names = defaultClasses(3).map((c) => c.name);
  const run = (extra: string[]) => spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', src, '--model', path.join(d, 'pkg'), '--out', path.join(d, 'fx.mp4'),
    '--labels-dir', path.join(d, 'labels'), '--json', '--quiet', ...extra], { encoding: 'utf8' });
  const r = run(['--effect', 'color=#00ff00', '--keep', names[1], '--batch', '2']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.frame), [1, 2, 3, 4, 5]);
  assert.deepEqual([probeVideo(path.join(d, 'fx.mp4')).width, probeVideo(path.join(d, 'fx.mp4')).height], [96, 64]);
  assert.match(fs.readFileSync(path.join(d, 'fx.mp4')).toString('latin1'), /x264 - core[^\0]*cabac=1[^\0]*subme=1 /, 'the default preset, superfast');
  // The areas of each frame are those of its saved label map, and the same as without batching.
  for (const l of lines) {
    const labels = decode(fs.readFileSync(path.join(d, 'labels', `frame_${String(l.frame).padStart(6, '0')}.png`))).data as Uint8Array;
    assert.deepEqual(l.classes.map((c: { id: number; pixels: number }) => [c.id, c.pixels]),
      names.map((_, id) => [id, labels.reduce((n, v) => n + (v === id ? 1 : 0), 0)]).filter(([, p]) => p > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]));
  }
  // One network instead of two side by side (the default on 2 cores), one frame per call.
  const single = run(['--effect', 'color=#00ff00', '--keep', names[1], '--workers', '1']);
  assert.deepEqual(single.stdout, r.stdout, 'batching and the worker count change nothing');
  // Smoothing: frame 1 is unchanged (nothing before it); later frames mix in the past.
  const smooth = run(['--smooth', '0.6']).stdout.trim().split('\n').map((l) => JSON.parse(l));
  // A video with sound keeps it.
  const withAudio = path.join(d, 'sound.mp4');
  const a = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', src, '-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', '-c:v', 'copy', '-c:a', 'aac', '-shortest', withAudio]);
  assert.equal(a.status, 0, String(a.stderr));
  assert.ok(probeVideo(withAudio).audio && !probeVideo(src).audio);
  const s2 = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', withAudio, '--model', path.join(d, 'pkg'), '--out', path.join(d, 'sound-out.mp4'), '--quiet'], { encoding: 'utf8' });
  assert.equal(s2.status, 0, s2.stderr);
  assert.ok(probeVideo(path.join(d, 'sound-out.mp4')).audio, 'the audio track is kept');
  assert.deepEqual(smooth[0].classes, lines[0].classes);
  assert.equal(smooth.length, 5);
});

test('video --effect transparent: WebM (VP8) and QuickTime (ProRes 4444) with an alpha channel, the person opaque and the rest clear as the library\'s matte (computed here); H.264 and stdout refused', async (t) => {
  const d = tempDir(), src = path.join(d, 'astronaut.mp4');
  const g = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-loop', '1', '-i', path.resolve('assets/photos/astronaut.png'), '-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5',
    '-t', '0.5', '-r', '10', '-vf', 'scale=128:128', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-c:a', 'aac', '-shortest', src]);
  assert.equal(g.status, 0, String(g.stderr));
  const info = probeVideo(src);
  const [first] = await (async () => { const out: Uint8Array[] = []; for await (const f of readFrames(src, info)) out.push(f); return out; })();
  // The matte: the person model's probability through the smoothstep from 0.3 to 0.7, as 8 bits.
  const seg = await load('person');
  const p = (await seg.segment({ data: first, width: 128, height: 128 })).probability(['person']);
  await seg.dispose();
  const want = Array.from(p, (v) => { const t = Math.min(1, Math.max(0, (v - 0.3) / 0.4)); return Math.round(t * t * (3 - 2 * t) * 255); });
  assert.ok(want.filter((a) => a === 255).length > 1000 && want.filter((a) => a === 0).length > 1000, 'both person and background in the frame');
  const firstRgba = (file: string, decoder: string[]) => {
    const r = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', ...decoder, '-i', file, '-frames:v', '1', '-pix_fmt', 'rgba', '-f', 'rawvideo', 'pipe:1'], { maxBuffer: 1 << 24 });
    assert.equal(r.status, 0, String(r.stderr));
    return new Uint8Array(r.stdout);
  };
  for (const [name, decoder, tolerance] of [['out.mov', [], 1], ['out.webm', ['-c:v', 'libvpx'], 24]] as const) {
    const out = path.join(d, name);
    const r = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', src, '--model', 'person', '--effect', 'transparent', '--keep', 'person', '--out', out, '--quiet'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(probeVideo(out).audio, `${name}: the audio track is kept`);
    const rgba = firstRgba(out, [...decoder]);
    let off = 0, sum = 0;
    for (let i = 0; i < want.length; i++) { const e = Math.abs(rgba[i * 4 + 3] - want[i]); sum += e; if (e > tolerance) off++; }
    t.diagnostic(`${name}: mean alpha error ${(sum / want.length).toFixed(3)} levels, ${off} of ${want.length} off by more than ${tolerance}`);
    // ProRes 4444 keeps alpha exactly (10 bits); VP8 codes it lossily, like the picture.
    assert.ok(off <= want.length * (name === 'out.mov' ? 0 : 0.005), `${name}: ${off} alpha values off by more than ${tolerance}`);
    assert.ok(sum / want.length < (name === 'out.mov' ? 0.5 : 1), `${name}: mean alpha error ${(sum / want.length).toFixed(2)}`);
  }
  for (const [out, re] of [['out.mp4', /^pixelwise: --out .*out\.mp4: H\.264 keeps no transparency \(--effect transparent\); name it .*out\.webm \(VP8 with alpha: browsers, OBS\) or \.mov \(ProRes 4444: video editors\)$/],
    ['-', /^pixelwise: --effect transparent: the stream formats on stdout keep no transparency; write a \.webm \(VP8 with alpha\) or \.mov \(ProRes 4444\) file$/]] as const) {
    const r = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', src, '--model', 'person', '--effect', 'transparent', '--out', out === '-' ? '-' : path.join(d, out)], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr.trim(), re);
  }
  // Without transparency, a .webm is VP9 (not an MP4 under that name).
  const plain = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', src, '--model', 'person', '--out', path.join(d, 'overlay.webm'), '--quiet'], { encoding: 'utf8' });
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(fs.readFileSync(path.join(d, 'overlay.webm')).subarray(0, 4).toString('hex'), '1a45dfa3', 'a Matroska/WebM file');
});

test('video: stdin to stdout in an ffmpeg pipe (raw RGB frames in and out equal the overlay of each frame\'s prediction; MJPEG; bad streams)', async () => {
  const { d, src } = await fixture(0.5);
  const cli = (args: string[], input: Buffer) => spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', '-', '--model', path.join(d, 'pkg'), '--quiet', ...args], { input, maxBuffer: 1 << 26 });
  const raw = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', src, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']).stdout;
  const size = 96 * 64 * 3;
  assert.equal(raw.length, 5 * size);
  const r = cli(['--input-format', 'raw', '--frame-size', '64x96', '--out', '-', '--out-format', 'raw'], raw);
  assert.equal(r.status, 0, String(r.stderr));
  assert.equal(r.stdout.length, raw.length, 'one raw frame out per raw frame in');
  assert.match(String(r.stderr), /5 frames \(96x64\).*-> stdout/);
  assert.doesNotMatch(String(r.stderr), /note: stdin ended/);
  // A frame size that is not the frames' own: the bytes past the last whole frame are said.
  const wrong = cli(['--input-format', 'raw', '--frame-size', '64x97', '--out', '-', '--out-format', 'raw'], raw);
  assert.equal(wrong.status, 0, String(wrong.stderr));
  const whole = Math.floor(raw.length / (97 * 64 * 3));
  assert.equal(wrong.stdout.length, whole * 97 * 64 * 3);
  assert.match(String(wrong.stderr), new RegExp(`note: stdin ended ${raw.length - whole * 97 * 64 * 3} bytes into a frame \\(a 97x64 RGB frame is ${97 * 64 * 3} bytes\\), which was left out; if the frames look sheared or garbled, --frame-size 64x97 is not their own`));
  const seg = await openSegmenter(path.join(d, 'pkg'), { runtime: 'auto' });
  const palette = seg.card.classes.map((c) => c.color);
  for (let i = 0; i < 5; i++) {
    const frame = { data: new Uint8Array(raw.subarray(i * size, (i + 1) * size)), width: 96, height: 64 };
    const [labels] = await seg.predictBatch([frame]);
    const expected = overlay(frame, colorize(labels, 96, 64, palette), 0.5).data;
    assert.ok(Buffer.from(expected).equals(r.stdout.subarray(i * size, (i + 1) * size)), `frame ${i + 1}`);
  }
  await seg.dispose();
  // MJPEG in (the size comes from the stream), MJPEG out: five decodable 96x64 frames.
  const mjpeg = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', src, '-f', 'mjpeg', '-']).stdout;
  const m = cli(['--out', '-'], mjpeg);
  assert.equal(m.status, 0, String(m.stderr));
  const back = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'mjpeg', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { input: m.stdout }).stdout;
  assert.equal(back.length, 5 * size);
  // Not a video; raw frames without a size; --json with the video on stdout: one line each, no output.
  for (const [args, input, message] of [[['--out', '-'], Buffer.from('not a video\n'), /stdin: not a video stream ffmpeg can read.*--input-format/],
    [['--input-format', 'raw', '--out', '-'], raw, /--input-format raw needs --frame-size/],
    [['--out', '-', '--json'], raw, /--json prints to stdout/]] as const) {
    const bad = cli([...args], input);
    assert.notEqual(bad.status, 0);
    assert.equal(bad.stdout.length, 0);
    assert.match(String(bad.stderr).trim(), message);
    assert.equal(String(bad.stderr).trim().split('\n').length, 1, String(bad.stderr));
  }
  // A terminal on stdin or stdout (before: waited for ever for frames typed in; printed the video's
  // bytes to the terminal): one line each. `script` gives the command a terminal.
  if (spawnSync('script', ['--version']).status === 0) {
    for (const [args, message] of [[`- --out ${path.join(d, 'never.mp4')}`, '-: stdin is a terminal, not a video stream'], [`${src} --out -`, '--out -: stdout is a terminal']]) {
      const r = spawnSync('script', ['-qec', `"${process.execPath}" bin/pixelwise.js video ${args} --model "${path.join(d, 'pkg')}"`, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, r.stdout);
      assert.ok(r.stdout.trim().startsWith(`pixelwise: ${message}`), r.stdout);
      assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
    }
    assert.ok(!fs.existsSync(path.join(d, 'never.mp4')));
  }
});

test('video: a clip with sound to stdout (MJPEG and raw frames without it; fragmented MP4 and MPEG-TS with it), and a reader that stops early', async () => {
  const { d } = await fixture(0.5);
  // Before: every clip with sound failed on stdout ("Error initializing output stream 0:1": MJPEG
  // and raw frames hold no audio), --out-format mp4 failed on any clip (an index at the front needs
  // a file to seek back into), and a reader that stopped early (| head) aborted the process
  // natively (exit 134) under running worker threads.
  const src = path.join(d, 'sound.mp4');
  const g = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '6', '-pix_fmt', 'yuv420p', '-shortest', src]);
  assert.equal(g.status, 0, String(g.stderr));
  const video = (args: string[]) => spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', src, '--model', path.join(d, 'pkg'), '--quiet', '--max-frames', '5', '--out', '-', ...args], { maxBuffer: 1 << 26 });
  const streams = (bytes: Buffer, format?: string) => {
    const r = spawnSync(ffmpegPath(), ['-hide_banner', ...(format ? ['-f', format] : []), '-i', '-', '-f', 'null', '-'], { input: bytes });
    return { video: /Stream #\d+:\d+.*: Video/.test(String(r.stderr)), audio: /Stream #\d+:\d+.*: Audio/.test(String(r.stderr)), frames: Number(/frame=\s*(\d+)/.exec(String(r.stderr))?.[1]) };
  };
  for (const [format, demuxer, audio] of [['mjpeg', 'mjpeg', false], ['mp4', undefined, true], ['mpegts', undefined, true]] as const) {
    const r = video(['--out-format', format]);
    assert.equal(r.status, 0, `${format}: ${String(r.stderr)}`);
    assert.deepEqual(streams(r.stdout, demuxer), { video: true, audio, frames: 5 }, format);
  }
  const raw = video(['--out-format', 'raw']);
  assert.equal(raw.status, 0, String(raw.stderr));
  assert.equal(raw.stdout.length, 5 * 96 * 64 * 3);
  // The reader stops after its first kilobyte: the command stops as on a signal, in one line. The
  // shipped camvid-live (a network busy for tens of milliseconds a frame, so the pipe closes while
  // its workers run) aborted every time before.
  const early = spawnSync('bash', ['-c', `"${process.execPath}" bin/pixelwise.js video "${src}" --model models/camvid-live --workers 2 --out - 2>"${path.join(d, 'err.txt')}" | head -c 1000 >/dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8', timeout: 60_000 });
  const err = fs.readFileSync(path.join(d, 'err.txt'), 'utf8').trim();
  assert.equal(early.stdout.trim(), '0', err);
  assert.equal(err.split('\n').at(-1), 'pixelwise: stopped: the reader of stdout closed it');
  assert.doesNotMatch(err, /terminate|Napi|at .*\.js:\d+/);
});

test('threaded segmenter: several workers (each call to the least busy one) give the single network\'s labels', async () => {
  const { d, src } = await fixture(0.3);
  const frames: { data: Uint8Array; width: number; height: number }[] = [];
  for await (const f of readFrames(src, probeVideo(src))) frames.push({ data: f, width: 96, height: 64 });
  const one = await openThreadedSegmenter(path.join(d, 'pkg'), { runtime: 'onnx', workers: 1 });
  const two = await openThreadedSegmenter(path.join(d, 'pkg'), { runtime: 'onnx', workers: 2, threads: 2 });
  assert.deepEqual([one.workers, two.workers], [1, 2]);
  // All frames at once: with two workers the calls are spread over both, answers stay in order.
  const [a, b] = [await Promise.all(frames.map((f) => one.predictBatch([f]))), await Promise.all(frames.map((f) => two.predictBatch([f])))];
  assert.deepEqual(b.map((l) => [...l[0]]), a.map((l) => [...l[0]]));
  await Promise.all([one.dispose(), two.dispose()]);
});

/** A frame turned a quarter counter-clockwise (what a display matrix of +90 degrees asks for). */
function quarterCounterClockwise(f: Uint8Array, w: number, h: number): Uint8Array {
  const o = new Uint8Array(f.length);
  for (let y = 0; y < w; y++) for (let x = 0; x < h; x++) for (let c = 0; c < 3; c++) o[(y * h + x) * 3 + c] = f[(x * w + (w - 1 - y)) * 3 + c];
  return o;
}

test('video: odd frame sizes (padded for H.264) and phone videos with rotation metadata (upright): label maps equal per-frame predictions', async () => {
  const { d, src } = await fixture(0.5);
  const bin = path.resolve('bin/pixelwise.js');
  const seg = await openSegmenter(path.join(d, 'pkg'), { runtime: 'auto' });
  const labelsEqualPredictions = async (video: string, labelsDir: string, w: number, h: number) => {
    let n = 0;
    for await (const frame of readFrames(video, probeVideo(video))) {
      n++;
      const [expected] = await seg.predictBatch([{ data: frame, width: w, height: h }]);
      const saved = decode(fs.readFileSync(path.join(labelsDir, `frame_${String(n).padStart(6, '0')}.png`)));
      assert.deepEqual([saved.width, saved.height], [w, h]);
      assert.deepEqual([...saved.data], [...expected], `${path.basename(video)} frame ${n}`);
    }
    return n;
  };

  // 65x49: libx264 refuses odd sizes; the frames are padded by one column and row, and said so.
  const odd = path.join(d, 'odd.mkv');
  const g = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=65x49:rate=10', '-t', '0.5', '-c:v', 'ffv1', odd]);
  assert.equal(g.status, 0, String(g.stderr));
  const r = spawnSync(process.execPath, [bin, 'video', odd, '--model', path.join(d, 'pkg'), '--out', path.join(d, 'odd.mp4'), '--mask-video', path.join(d, 'odd-mask.mp4'), '--labels-dir', path.join(d, 'odd-labels'), '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /the 65x49 frames are encoded as 66x50/);
  assert.equal(await labelsEqualPredictions(odd, path.join(d, 'odd-labels'), 65, 49), 5);
  for (const f of ['odd.mp4', 'odd-mask.mp4']) assert.deepEqual([probeVideo(path.join(d, f)).width, probeVideo(path.join(d, f)).height, probeVideo(path.join(d, f)).frames], [66, 50, 5], f);

  // A 96x64 stream stored with a quarter turn: decoded upright (64x96), never sliced at the stored width.
  const rotated = path.join(d, 'rotated.mp4');
  const t = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', src, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
  assert.equal(t.status, 0, String(t.stderr));
  const info = probeVideo(rotated);
  assert.deepEqual([info.width, info.height], [64, 96]);
  const stored: Uint8Array[] = [];
  for await (const f of readFrames(src, probeVideo(src))) stored.push(f);
  let i = 0;
  for await (const f of readFrames(rotated, info)) assert.ok(Buffer.from(f).equals(Buffer.from(quarterCounterClockwise(stored[i++], 96, 64))), `frame ${i} is the stored frame turned upright`);
  assert.equal(i, 5);
  const rr = spawnSync(process.execPath, [bin, 'video', rotated, '--model', path.join(d, 'pkg'), '--out', path.join(d, 'rot-out.mp4'), '--labels-dir', path.join(d, 'rot-labels'), '--quiet'], { encoding: 'utf8' });
  assert.equal(rr.status, 0, rr.stderr);
  assert.equal(await labelsEqualPredictions(rotated, path.join(d, 'rot-labels'), 64, 96), 5);
  const out = probeVideo(path.join(d, 'rot-out.mp4'));
  assert.deepEqual([out.width, out.height, out.frames], [64, 96, 5], 'written upright');
  await seg.dispose();
});

test('video: a model of a fixed input size runs two networks side by side on frames larger than it (the network\'s pixels decide, not the frame\'s)', { skip: !fs.existsSync('models/cityscapes-live/model.onnx') && 'models/cityscapes-live not in this checkout' }, async () => {
  const { d } = await fixture(0.1);
  const src = path.join(d, 'big.mp4');
  // 1440x816 frames (2^20.2 pixels) for a 256x448 network (2^16.8).
  const g = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=1440x816:rate=10', '-t', '0.3', '-pix_fmt', 'yuv420p', src]);
  assert.equal(g.status, 0, String(g.stderr));
  const run = (model: string) => spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', src, '--model', model, '--runtime', 'onnx', '--out', path.join(d, 'out.mp4'), '--x264-preset', 'ultrafast'], { encoding: 'utf8' });
  const fixed = run('cityscapes-live');
  assert.equal(fixed.status, 0, fixed.stderr);
  assert.match(fixed.stdout, /3 frames \(1440x816\) in .*onnx, 2 networks side by side/);
  // A network that runs at the frame's size (the U-Net package: any size) stays one.
  const native = run(path.join(d, 'pkg'));
  assert.equal(native.status, 0, native.stderr);
  assert.match(native.stdout, /3 frames \(1440x816\) in .*onnx, one network;/);
});
