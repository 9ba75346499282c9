// The `video` command's work, loaded when the command runs (the definition in ../video.ts stays light).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { openThreadedSegmenter } from '../../inference/threaded.js';
import { probeVideo, readFrames, openStdinVideo, FrameWriter, encodedSize, fileEncoding, videoFileProblem, type VideoInfo } from '../../video/ffmpeg.js';
import { colorize } from '../../render/colorize.js';
import { encodeLabelPngFast, isIndexedPngHead } from '../../render/label_png.js';
import { modelForEffect, segmenterOptions } from './shared.js';
import { progressBar } from '../../util/progress.js';
import { UserError } from '../../util/errors.js';
import { isDir, isFile, pathKind, writeFileAtomic } from '../../util/fs.js';
import { checkOutputDir, checkOutputFile } from '../output_paths.js';
import { PartialOutputs, onStopSignal } from '../stop_signals.js';
import { prefetch } from '../../util/prefetch.js';
import { readImage } from '../../data/image_io.js';
import { effectFields, parseEffect } from '../../render/compose.js';
import { classAreas, classIds, classList } from '../../inference/label_map.js';
import { segmentFrames, warmUp } from '../../video/segment_frames.js';
import { defaultVideoWorkers, drawFrame, videoImages } from '../../video/segment_video.js';
import { withSmoothing } from '../../inference/smoothing.js';
import { makeSegmentation } from '../../inference/result.js';
import type { Opts } from '../video.js';
import { openCard } from '../../models/card_file.js';
import { resolveModelDir } from '../../models/shipped.js';
import { netSize } from '../../inference/processor.js';
import { ExportBuilder, type LabelStudioNames } from '../../data/annotations/export.js';
import { checkExportDir, checkLabelmeEdits, parseExports, writeExports } from './exports.js';

/** The input video: a file, or `-` for stdin (its size then comes from ffmpeg's decoding, or --frame-size for raw frames). */
async function openInput(input: string, o: Opts): Promise<{ info: VideoInfo; frames: AsyncGenerator<Uint8Array>; trailingBytes?: () => number }> {
  if (input === '-') {
    const [height, width] = o.frameSize ?? [];
    return openStdinVideo({ format: o.inputFormat, width, height, fps: o.fps });
  }
  if (o.inputFormat || o.frameSize) throw new UserError('--input-format and --frame-size describe a video on stdin (input -); a file is probed by ffmpeg');
  if (!isFile(input)) throw new UserError(`${input}: no such video file`);
  const info = probeVideo(input);
  return { info, frames: readFrames(input, info) };
}

/**
 * --labels-dir: label maps are frame_000001.png, ...: never written over frames (the export's
 * frames/, or frames extracted there as CVAT names them: RGB images, where a label map is an
 * indexed PNG).
 */
function checkLabelsDir(dir: string, exportDir?: string): void {
  checkOutputDir('--labels-dir', dir);
  if (exportDir && path.resolve(dir) === path.resolve(exportDir, 'frames')) throw new UserError(`--labels-dir ${dir}: the export writes the frames there (--export-dir's frames/); give another folder`);
  if (!isDir(dir)) return;
  const frame = fs.readdirSync(dir).sort().find((f) => /^frame_\d+\.png$/.test(f) && !isIndexedPng(path.join(dir, f)));
  if (frame) throw new UserError(`--labels-dir ${dir}: holds images named as the label maps are (${frame}: extracted frames?), which they would be written over; give another folder`);
}

/** Whether `file` is an indexed PNG, as label maps are written. */
function isIndexedPng(file: string): boolean {
  const head = Buffer.alloc(26);
  try {
    const fd = fs.openSync(file, 'r');
    try { fs.readSync(fd, head, 0, 26, 0); } finally { fs.closeSync(fd); }
  } catch { return false; }
  return isIndexedPngHead(head);
}

function checkOptions(input: string, o: Opts): void {
  if (o.alpha < 0 || o.alpha > 1) throw new UserError(`--alpha ${o.alpha}: must be between 0 and 1`);
  if (!(o.smooth >= 0 && o.smooth < 1)) throw new UserError(`--smooth ${o.smooth}: must be at least 0 and below 1`);
  if (o.keep && !o.effect) throw new UserError('--keep goes with --effect (the classes the effect leaves as they are)');
  if (o.out === '-' && o.json) throw new UserError('--json prints to stdout, which --out - already carries the video on; write the video to a file');
  if (o.maskVideo === '-') throw new UserError('--mask-video -: only --out can go to stdout');
  // A terminal is no stream of frames: reading it would wait for ever, writing to it print binary.
  if (input === '-' && process.stdin.isTTY) throw new UserError('-: stdin is a terminal, not a video stream; pipe one in (ffmpeg -i clip.mp4 -f mjpeg - | pixelwise video - ...) or give the video\'s file');
  if (o.out === '-' && process.stdout.isTTY) throw new UserError('--out -: stdout is a terminal; pipe the video into a player or encoder (... --out - | ffplay -f mjpeg -) or give a file name');
  if (o.out !== '-' && o.outFormat && o.outFormat !== 'mp4') throw new UserError(`--out-format ${o.outFormat}: a file is written as its name says (.mp4: H.264, .webm: VP9); the other formats are for --out - (stdout)`);
  const transparent = !!o.effect && parseEffect(o.effect).kind === 'transparent';
  if (transparent && o.out === '-') throw new UserError('--effect transparent: the stream formats on stdout keep no transparency; write a .webm (VP8 with alpha) or .mov (ProRes 4444) file');
  const format = o.out === '-' ? o.outFormat ?? 'mjpeg' : fileEncoding(o.out, transparent);
  for (const [flag, file] of [['--out', o.out], ['--mask-video', o.maskVideo]] as const) {
    if (!file || file === '-' || isDir(file) || pathKind(file) === 'other') continue; // a folder or a device (/dev/null): checkOutputFile says so
    const problem = videoFileProblem(file, input === '-' ? undefined : input, flag === '--out' && transparent ? '--effect transparent' : undefined);
    if (problem) throw new UserError(`${flag} ${file}: ${problem}`);
  }
  if (o.x264Preset && format !== 'mp4' && format !== 'mpegts') throw new UserError(`--x264-preset ${o.x264Preset}: applies to H.264 output (a .mp4 file, or --out - --out-format mpegts), not ${format === 'webm' ? 'WebM (VP9, VP8)' : format === 'prores' ? 'ProRes' : format}`);
  // Each output its own path: two on one would leave one of them, or fail after the work.
  const named: [string, string | undefined][] = [['--out', o.out], ['--mask-video', o.maskVideo], ['--labels-dir', o.labelsDir], ['--export-dir', o.exportDir]];
  const outputs = named.filter((x): x is [string, string] => !!x[1] && x[1] !== '-');
  for (const [i, [flag, target]] of outputs.entries()) {
    const same = outputs.slice(0, i).find(([, t]) => path.resolve(t) === path.resolve(target));
    if (same) throw new UserError(`${flag} ${target}: ${same[0]} names it too; give each output its own path`);
  }
  checkOutputFile('--out', o.out, '.mp4');
  if (o.maskVideo) checkOutputFile('--mask-video', o.maskVideo, '.mp4');
  if (o.labelsDir) checkLabelsDir(o.labelsDir, o.exportDir);
  if (o.export && !o.exportDir) throw new UserError('--export needs --export-dir, the folder of the pre-annotations and the frames they label');
  if (!o.export && (o.exportDir || o.exportEvery !== 1)) throw new UserError(`${o.exportDir ? '--export-dir' : '--export-every'} goes with --export (the formats of the frames' pre-annotations)`);
  if (o.export) {
    parseExports(o.export);
    checkOutputDir('--export-dir', o.exportDir!);
    checkExportDir(o.exportDir!, '--export-dir');
    const frames = path.join(o.exportDir!, 'frames');
    if (fs.existsSync(frames) && !fs.statSync(frames).isDirectory()) throw new UserError(`--export-dir ${o.exportDir}: frames is a file, where the export writes the frames' folder; move it away or give another --export-dir`);
  }
}

/** The name CVAT gives a video's frame (from 0), which the exports use for it. */
const frameName = (index: number) => `frame_${String(index).padStart(6, '0')}.png`;

/**
 * The pixels of the network's input for frames of w x h: a model of a fixed input size runs at
 * that size whatever the frame's. The frame's own when the card cannot be read here (opening the
 * model then says why).
 */
async function networkPixels(model: string | undefined, w: number, h: number): Promise<number> {
  try {
    const [nw, nh] = netSize((await openCard(resolveModelDir(model))).input.rule, w, h);
    return nw * nh;
  } catch {
    return w * h;
  }
}

/**
 * What a video run holds open: its temp outputs, its encoders and its model. Released on failure,
 * on Ctrl-C / SIGTERM and at the end, the model's workers last (ONNX Runtime aborts the process
 * when a thread with a session open is torn down; a model still loading is let finish, then closed).
 */
class Held {
  readonly outputs = new PartialOutputs();
  readonly writers: FrameWriter[] = [];
  private opening?: ReturnType<typeof openThreadedSegmenter>;
  private closing?: Promise<void>;
  model(p: ReturnType<typeof openThreadedSegmenter>): ReturnType<typeof openThreadedSegmenter> { return (this.opening = p); }
  async closeModel(): Promise<void> { if (this.opening) await (this.closing ??= this.opening.then((s) => s.dispose(), () => {})); }
  /** The run failed or was stopped: encoders killed, temp files removed, the model closed. */
  async abort(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.abort()));
    this.outputs.discard();
    await this.closeModel();
  }
}

export async function run(input: string, o: Opts): Promise<void> {
  checkOptions(input, o);
  const held = new Held();
  const stopOnSignal = onStopSignal(() => held.abort());
  try {
    await runVideo(input, o, held);
  } finally {
    await held.closeModel(); // also when an option is refused after the model opened
    stopOnSignal.dispose();
  }
}

async function runVideo(input: string, o: Opts, held: Held): Promise<void> {
  const effect = o.effect ? parseEffect(o.effect) : null;
  const replacement = effect?.kind === 'replace' ? await readImage(effect.file) : undefined;
  const source = await openInput(input, o);
  const info = source.info;
  // The model runs in worker threads: its runs block the thread that calls them, and this one
  // reads, draws and writes frames meanwhile.
  const keep = o.keep ? classList(o.keep) : ['person'];
  const model = modelForEffect(o.model, effect, keep);
  const netPixels = o.inputSize ? o.inputSize[0] * o.inputSize[1] : await networkPixels(model, info.width, info.height);
  const workers = o.workers ?? defaultVideoWorkers(o.threads, netPixels);
  const tLoad = Date.now();
  const seg = await held.model(openThreadedSegmenter(model, { ...segmenterOptions(o), workers }));
  const classes = seg.card.classes;
  if (effect) classIds(classes, keep, '--keep');
  const palette = classes.map((c) => c.color);
  // Encode to temp names and rename at the end: a failed or interrupted run never leaves a file,
  // whole or half, under the final name, and removes its temp files.
  const toStdout = o.out === '-';
  const transparent = effect?.kind === 'transparent';
  const format = toStdout ? o.outFormat ?? 'mjpeg' : fileEncoding(o.out, transparent);
  const [encW, encH] = encodedSize(info.width, info.height, format);
  if (encW !== info.width || encH !== info.height) {
    process.stderr.write(`note: H.264 needs even frame sizes: the ${info.width}x${info.height} frames are encoded as ${encW}x${encH} (one black ${encW !== info.width ? 'column on the right' : 'row at the bottom'}${encW !== info.width && encH !== info.height ? ' and row at the bottom' : ''})\n`);
  }
  const outputs = held.outputs;
  const tmpOut = toStdout ? '-' : outputs.add(o.out);
  const writer = new FrameWriter(tmpOut, info.width, info.height, info.fps, { audioFrom: info.audio ? input : undefined, format: o.outFormat, preset: o.x264Preset, name: o.out, alpha: transparent }); // the audio goes along
  const maskWriter = o.maskVideo ? new FrameWriter(outputs.add(o.maskVideo), info.width, info.height, info.fps, { preset: o.x264Preset, name: o.maskVideo }) : null;
  held.writers.push(writer, ...(maskWriter ? [maskWriter] : []));
  const total = Math.min(info.frames || Infinity, o.maxFrames ?? Infinity);
  const bar = progressBar('video', Number.isFinite(total) ? total : 0, 'frames', o.quiet || o.json);
  const needScores = !!effect;
  // Pre-annotations of every --export-every-th frame, beside the frames themselves (the tools but
  // CVAT's video tasks need them as images).
  const exports = o.export ? parseExports(o.export) : [];
  const lsNames: LabelStudioNames = { fromName: o.lsFromName, toName: o.lsToName, imageUrlPrefix: o.imageUrlPrefix, regions: o.lsRegions, modelVersion: `pixelwise ${path.basename(path.resolve(model ?? 'voc'))}` };
  const builder = exports.length ? new ExportBuilder(classes, exports, lsNames, { outlineTolerance: o.outlineTolerance }) : null;
  const framesDir = o.exportDir ? path.join(o.exportDir, 'frames') : '';
  if (builder) checkLabelmeEdits(o.exportDir!, exports, Array.from({ length: Number.isFinite(total) ? Math.ceil(total / o.exportEvery) : 0 }, (_, k) => frameName(k * o.exportEvery)), '--export-dir');
  let exported = 0;

  // Stage 1, decoding (ffmpeg), runs ahead of stage 2, inference (video/segment_frames, the network
  // in a worker thread), which runs ahead of stage 3, drawing and encoding: the stages overlap, each
  // queue holds a few frames.
  let n = 0, t0 = Date.now(), loadSecs = 0;
  try {
    // Where ONNX Runtime specialises the graph (inputs up to 2^18 pixels), that happens while loading.
    if (seg.runtime === 'onnx' && netPixels <= 1 << 18) await warmUp(seg, info.width, info.height, { networks: seg.workers, batch: o.batch, scores: needScores });
    loadSecs = (Date.now() - tLoad) / 1000;
    t0 = Date.now();
    // Smoothing wraps the segmenter after the warm-up (grey frames are no part of the scene).
    const stream = segmentFrames(withSmoothing(seg, o.smooth), videoImages(source, o.maxFrames), { inFlight: workers + 1, batch: o.batch, scores: needScores, probabilities: !!effect });
    const how = effect ? { background: { keep, ...effectFields(effect, replacement) } } : { alpha: o.alpha };
    for await (const r of prefetch(stream, 2)) {
      const { frame, labels } = r;
      await writer.write(await drawFrame(makeSegmentation(frame, labels, r.prob8 ?? null, classes), classes, how)); // RGBA when transparent
      if (maskWriter) await maskWriter.write(colorize(labels, info.width, info.height, palette).data);
      if (o.labelsDir) writeFileAtomic(path.join(o.labelsDir, `frame_${String(r.index + 1).padStart(6, '0')}.png`), await encodeLabelPngFast(labels, info.width, info.height, palette));
      if (builder && r.index % o.exportEvery === 0) {
        const name = frameName(r.index);
        writeFileAtomic(path.join(framesDir, name), await sharp(frame.data, { raw: { width: info.width, height: info.height, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer());
        await builder.add({ name, width: info.width, height: info.height, labels });
        exported++;
      }
      if (o.json) process.stdout.write(JSON.stringify({ frame: r.index + 1, time: +(r.index / info.fps).toFixed(3), classes: classAreas(labels, classes) }) + '\n');
      bar.update(++n);
    }
    bar.stop();
    await writer.close();
    if (maskWriter) await maskWriter.close();
    outputs.commit();
  } catch (e) {
    bar.stop();
    await held.abort();
    throw e;
  } finally {
    await held.closeModel();
  }
  const secs = (Date.now() - t0) / 1000;
  const summary = `${n} frame${n === 1 ? '' : 's'} (${info.width}x${info.height}) in ${secs.toFixed(1)} s (${(n / secs).toFixed(2)} frames/s, ${seg.runtime}, ${seg.workers > 1 ? `${seg.workers} networks side by side` : 'one network'}; model ready in ${loadSecs.toFixed(1)} s) -> ${toStdout ? 'stdout' : o.out}\n`;
  if (o.json || toStdout) process.stderr.write(summary); else process.stdout.write(summary);
  const trailing = source.trailingBytes?.() ?? 0;
  if (trailing) process.stderr.write(`note: stdin ended ${trailing} bytes into a frame (a ${info.width}x${info.height} RGB frame is ${info.width * info.height * 3} bytes), which was left out; if the frames look sheared or garbled, --frame-size ${info.height}x${info.width} is not their own\n`);
  if (builder) {
    const written = writeExports(o.exportDir!, exports, builder, classes, lsNames, (n) => path.join(framesDir, n), '--export-dir');
    const line = `pre-annotations of ${exported} frame${exported === 1 ? '' : 's'} (${framesDir}): ${written.join(', ')}\n`;
    if (o.json || toStdout) process.stderr.write(line); else process.stdout.write(line);
  }
}
