// The library's video (video/segment_video.ts): videoFrames() yields each frame's segmentation,
// equal to the model's prediction on the frame decoded here; segmentVideo() writes the video that
// `pixelwise video` writes for the same options, byte for byte; refusals name the argument; a
// stopped run leaves no file; a loaded model's dispose() ends a stream its caller left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { probeVideo, readFrames } from '../../src/video/ffmpeg.ts';
import { openSegmenter } from '../../src/inference/open.ts';
import { classAreas } from '../../src/inference/label_map.ts';
import { load } from '../../src/inference/load.ts';
import { segmentVideo, videoFrames, type VideoFrame } from '../../src/video/segment_video.ts';
import { fixture } from './fixture.ts';

const cli = (args: string[]) => spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'video', ...args, '--quiet'], { encoding: 'utf8' });

test('videoFrames(): each frame\'s label map is the model\'s prediction on the decoded frame; index, time, classes; maxFrames; an early break', async () => {
  const { d, src } = await fixture(0.6);
  const pkg = path.join(d, 'pkg');
  const ref = await openSegmenter(pkg, { runtime: 'auto' });
  const expected: Uint8Array[] = [];
  for await (const frame of readFrames(src, probeVideo(src))) expected.push((await ref.predictBatch([{ data: frame, width: 96, height: 64 }]))[0]);
  await ref.dispose();
  assert.equal(expected.length, 6);
  const seg = await load(pkg);
  const got: VideoFrame[] = [];
  for await (const f of videoFrames(seg, src)) got.push(f);
  assert.deepEqual(got.map((f) => f.index), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(got.map((f) => f.time), [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  got.forEach((f, i) => {
    assert.deepEqual([f.width, f.height], [96, 64]);
    assert.deepEqual([...f.labels], [...expected[i]], `frame ${i}`);
    assert.deepEqual(f.classes, classAreas(f.labels, seg.card.classes), `frame ${i} classes`);
  });
  // Probabilities are kept, as segment() keeps them: a frame's cut-outs and effects work.
  assert.equal((await got[0].background({ keep: [0], grey: true, format: 'raw' }) as { data: Uint8Array }).data.length, 96 * 64 * 3);
  const two: VideoFrame[] = [];
  for await (const f of videoFrames(seg, src, { maxFrames: 2, probabilities: false })) two.push(f);
  assert.deepEqual(two.map((f) => f.index), [0, 1]);
  for await (const f of videoFrames(seg, pathToFileURL(src), { maxFrames: 1, probabilities: false })) assert.deepEqual([...f.labels], [...expected[0]], 'a file: URL');
  assert.deepEqual([...two[1].labels], [...expected[1]], 'probabilities: false, the same label map');
  await assert.rejects(two[0].background({ keep: [0], grey: true }), /probabilities: false/);
  for await (const f of videoFrames(seg, src)) if (f.index === 1) break; // the decoder stops, the hold is released
  // A stream whose caller stops asking for frames: dispose() ends it (decoder and networks) instead
  // of waiting for it, and the stream then refuses.
  const left = videoFrames(seg, src);
  assert.equal((await left.next()).value?.index, 0);
  await seg.dispose();
  await assert.rejects(left.next(), (e: Error & { argument?: string }) => e.argument === 'model' && /disposed while its video ran/.test(e.message));
  await assert.rejects(async () => { for await (const f of videoFrames(seg, src)) void f; }, (e: Error & { argument?: string }) => e.argument === 'model' && /disposed; load\(\) it again/.test(e.message));
});

test('segmentVideo(): the overlay video and the grey-background video are the command\'s, byte for byte; onFrame sees every frame; no partial file', async () => {
  const { d, src } = await fixture(0.5);
  const pkg = path.join(d, 'pkg');
  const seg = await load(pkg);
  const seen: number[] = [];
  const r = await segmentVideo(seg, src, { out: path.join(d, 'lib.mp4'), alpha: 0.6, onFrame: (f) => { seen.push(f.index); } });
  assert.deepEqual([r.frames, r.width, r.height, r.fps], [5, 96, 64, 10]);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  const c = cli([src, '--model', pkg, '--out', path.join(d, 'cli.mp4'), '--alpha', '0.6']);
  assert.equal(c.status, 0, c.stderr);
  assert.ok(fs.readFileSync(path.join(d, 'lib.mp4')).equals(fs.readFileSync(path.join(d, 'cli.mp4'))), 'overlay: the library\'s video is the command\'s');
  await segmentVideo(seg, src, { out: path.join(d, 'lib-grey.mp4'), background: { keep: [seg.card.classes[1].name], grey: true } });
  const e = cli([src, '--model', pkg, '--out', path.join(d, 'cli-grey.mp4'), '--effect', 'grey', '--keep', seg.card.classes[1].name]);
  assert.equal(e.status, 0, e.stderr);
  assert.ok(fs.readFileSync(path.join(d, 'lib-grey.mp4')).equals(fs.readFileSync(path.join(d, 'cli-grey.mp4'))), 'effect: the library\'s video is the command\'s');
  assert.deepEqual(fs.readdirSync(d).filter((f) => f.includes('partial')), []);
  await seg.dispose();
});

test('segmentVideo() and videoFrames() refuse bad arguments by name before any work; an aborted run rejects and leaves no file', async () => {
  const { d, src } = await fixture(0.5);
  const seg = await load(path.join(d, 'pkg'));
  const names = (argument: string, message: RegExp) => (e: Error & { argument?: string }) => e.name === 'UserError' && e.argument === argument && message.test(e.message);
  const out = path.join(d, 'o.mp4');
  const cases: [() => Promise<unknown>, string, RegExp][] = [
    [() => segmentVideo('voc' as never, src, { out }), 'model', /^model: expected a model from load\(\).*the string "voc" \(load\(\) it first\)/],
    [() => segmentVideo(seg, path.join(d, 'nope.mp4'), { out }), 'video', /^video .*nope\.mp4: no such file$/],
    [() => segmentVideo(seg, 'https://example.com/v.mp4', { out }), 'video', /reads nothing from the network/],
    [() => segmentVideo(seg, src, undefined as never), 'options', /^options: expected \{ out:/],
    [() => segmentVideo(seg, src, { out: path.join(d, 'o.gif') }), 'out', /o\.gif: video files are written as MP4 .* name it .*o\.mp4/],
    [() => segmentVideo(seg, src, { out: src }), 'out', /that is the input video/],
    [() => segmentVideo(seg, src, { out: d + '/' }), 'out', /a folder; give a file name$/],
    [() => segmentVideo(seg, src, { out: path.join(d, 'no', 'such', 'o.mp4') }), 'out', /no folder .* to write it in/],
    [() => segmentVideo(seg, src, { out, alpha: 2 }), 'alpha', /^alpha 2: expected an opacity from 0 to 1$/],
    [() => segmentVideo(seg, src, { out, maxFrames: 0 }), 'maxFrames', /maxFrames 0/],
    [() => segmentVideo(seg, src, { out, smooth: 1 }), 'smooth', /^smooth 1: must be at least 0 and below 1$/],
    [() => segmentVideo(seg, src, { out, maxFrame: 3 } as never), 'options', /^maxFrame 3: not an option of segmentVideo\(\) \(its options: maxFrames, smooth, signal, out, alpha, background, onFrame\)/],
    [() => segmentVideo(seg, src, { out, background: { keep: ['cat'], grey: true } }), 'background.keep', /cat/],
    [() => segmentVideo(seg, src, { out, background: { keep: [1] } }), 'background', /blur|color|image|grey|transparent/],
    [() => segmentVideo(seg, src, { out, background: { keep: [1], transparent: true } }), 'out', /H\.264 keeps no transparency.*o\.webm/],
    [() => segmentVideo(seg, src, { out, background: { keep: [1], image: path.join(d, 'no.png') } }), 'background.image', /^background\.image .*no\.png/],
  ];
  for (const [call, argument, message] of cases) await assert.rejects(call(), (e: Error & { argument?: string }) => {
    assert.equal(e.name, 'UserError', `${argument}: ${e.stack}`);
    assert.match(e.message, message);
    assert.equal(e.argument, argument, e.message);
    return true;
  });
  await assert.rejects(async () => { for await (const f of videoFrames(seg, src, { smooth: -1 })) void f; }, names('smooth', /^smooth -1/));
  const stop = new AbortController();
  await assert.rejects(segmentVideo(seg, src, { out, onFrame: (f) => { if (f.index === 1) stop.abort(); }, signal: stop.signal }), (e: Error) => e.name === 'AbortError');
  assert.deepEqual(fs.readdirSync(d).filter((f) => f.startsWith('o.')), [], 'no output, whole or partial');
  assert.equal(fs.existsSync(out), false);
  await seg.dispose();
});
