// The library's video: every frame of a video file segmented, in order (`videoFrames`), or the
// video written with its segmentation drawn, the overlay or a background effect (`segmentVideo`),
// in a few lines:
//   const seg = await load('cityscapes');
//   await segmentVideo(seg, 'dashcam.mp4', { out: 'segmented.mp4' });
//   for await (const f of videoFrames(seg, 'dashcam.mp4')) console.log(f.time, f.classes[0]);
// Decoding (ffmpeg), inference and drawing + encoding overlap as in `pixelwise video`, which runs
// the same stages (videoImages, segmentFrames, drawFrame) with its own outputs around them.
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages
import type { ClassInfo } from '../data/classes.js';
import { decodeImageBuffer, readImage, type RgbImage } from '../data/image_io.js';
import { classIds } from '../inference/label_map.js';
import { modelInternals, type SegmentationModel } from '../inference/load.js';
import { makeSegmentation, type BackgroundOptions, type RawPixels, type Segmentation } from '../inference/result.js';
import { withSmoothing } from '../inference/smoothing.js';
import { openThreadedSegmenter } from '../inference/threaded.js';
import { defaultThreads } from '../inference/onnx_runtime.js';
import { netSize } from '../inference/processor.js';
import type { Segmenter } from '../inference/segmenter.js';
import { overlayLabels } from '../render/colorize.js';
import { checkedOptions, fnOption, signalOption } from '../util/call_options.js';
import { chosenEffect, effectOptionsShape } from '../render/compose.js';
import { UserError, argumentError } from '../util/errors.js';
import { localPath } from '../util/local_path.js';
import { isDir, isFile } from '../util/fs.js';
import { FrameWriter, probeVideo, readFrames, videoFileProblem, type VideoInfo } from './ffmpeg.js';
import { segmentFrames, warmUp } from './segment_frames.js';

/** A segmented frame: its Segmentation (labels, classes, overlay(), background(), ...), where it is in the video. */
export interface VideoFrame extends Segmentation {
  /** From 0, in decoding order. */
  index: number;
  /** Seconds from the start (index / frame rate). */
  time: number;
}

export interface VideoOptions {
  /** Stop after this many frames. */
  maxFrames?: number;
  /** Temporal smoothing: each frame's class scores mixed with the previous frames' (exponential average; 0 = off, 0.5 = half from the past). */
  smooth?: number;
  /** Stops the run between two frames (the promise or the iteration rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface VideoFramesOptions extends VideoOptions {
  /** Keep class probabilities (default true, as segment()): cut-outs, background effects and probability() need them; false is faster. */
  probabilities?: boolean;
}

export interface SegmentVideoOptions extends VideoOptions {
  /** The video to write: .mp4, .m4v or .mov (H.264; ProRes 4444 with a transparent background in .mov) or .webm (VP9; VP8 with transparency). */
  out: string;
  /** Opacity of the class colours over the frames (default 0.5), when no `background` effect is asked. */
  alpha?: number;
  /** Instead of the overlay: every frame with everything but `keep` blurred, recoloured, greyed, replaced or made transparent (as Segmentation.background). */
  background?: Omit<BackgroundOptions, 'format' | 'quality'>;
  /** Called with each frame after it is written (progress, per-frame class areas, label maps; its probabilities only with a `background` effect). */
  onFrame?: (frame: VideoFrame) => void | Promise<void>;
}

export interface VideoWritten { out: string; frames: number; width: number; height: number; fps: number; seconds: number }

const videoShape = {
  maxFrames: z.optional(z.number().check(z.int(), z.minimum(1))), smooth: z.optional(z.number()), signal: z.optional(signalOption),
} satisfies { [K in keyof Required<VideoOptions>]: z.ZodMiniType };
const videoFramesSchema = z.strictObject({ ...videoShape, probabilities: z.optional(z.boolean()) } satisfies { [K in keyof Required<VideoFramesOptions>]: z.ZodMiniType });
const segmentVideoSchema = z.strictObject({
  ...videoShape, out: z.string(), alpha: z.optional(z.number()), background: z.optional(z.strictObject(effectOptionsShape)), onFrame: z.optional(fnOption),
} satisfies { [K in keyof Required<SegmentVideoOptions>]: z.ZodMiniType });

/** `check`'s refusal as a refusal of `argument`. */
function named(argument: string, check: () => unknown): void {
  try { check(); } catch (e) { throw e instanceof UserError ? new UserError(e.message, 2, argument) : e; }
}

/** The video file to read (a path or a file: URL; nothing from the network), probed: an existing file ffmpeg reads. */
function openVideoFile(video: unknown): { file: string; info: VideoInfo } {
  const file = localPath(video, 'video', 'download the video and give its path');
  if (file === undefined || !file.trim()) throw new UserError(`video: expected the path of a video file, got ${typeof video === 'string' ? 'an empty string' : typeof video}`, 2, 'video');
  if (!isFile(file)) throw new UserError(`video ${file}: no such file`, 2, 'video');
  try { return { file, info: probeVideo(file) }; } catch (e) { throw e instanceof UserError ? new UserError(`video ${e.message}`, 2, 'video') : e; }
}

/**
 * Two networks side by side, one thread each, when there are two cores and the network input is
 * at most about a megapixel (a model's fixed input size or --input-size, else the frame; 2^20
 * pixels): one network leaves a core idle while a frame is decoded, its scores resized back and
 * drawn, and ONNX Runtime's second thread gains less than a second network does. Larger inputs run
 * one network on both threads, at half the memory (the figures: docs/benchmarks.md).
 */
export function defaultVideoWorkers(threads: number | undefined, netPixels: number): number {
  return netPixels <= 1 << 20 ? Math.min(2, Math.max(1, threads ?? defaultThreads())) : 1;
}

/** A decoded video's frames as images, the first `maxFrames` of them (all without it). */
export async function* videoImages(source: { info: VideoInfo; frames: AsyncIterable<Uint8Array> }, maxFrames?: number): AsyncGenerator<RgbImage> {
  let n = 0;
  for await (const rgb of source.frames) {
    yield { data: rgb, width: source.info.width, height: source.info.height };
    if (maxFrames && ++n >= maxFrames) return;
  }
}

/** A frame as the output video shows it: the overlay, or the background effect (RGBA when transparent). */
export async function drawFrame(frame: Segmentation, classes: ClassInfo[], how: { alpha: number } | { background: Omit<BackgroundOptions, 'format' | 'quality'> }): Promise<Uint8Array> {
  if ('background' in how) return (await frame.background({ ...how.background, format: 'raw' }) as RawPixels).data;
  return overlayLabels(frame.image, frame.labels, classes.map((c) => c.color), how.alpha).data;
}

/** Each frame of `video` segmented by `model`, in order. */
export async function* videoFrames(model: SegmentationModel, video: string | URL, options: VideoFramesOptions = {}): AsyncGenerator<VideoFrame> {
  modelInternals(model);
  const o = checkedOptions(videoFramesSchema, options, 'videoFrames()');
  const { file, info } = openVideoFile(video);
  yield* framesOf(model, file, info, o, o.probabilities ?? true);
}

/**
 * The frames of `video` through the loaded model's networks in worker threads, as `pixelwise video`
 * runs them: this thread decodes, draws and encodes meanwhile (the model's own segmenter would
 * block it during each run).
 */
async function* framesOf(model: SegmentationModel, video: string, info: VideoInfo, o: VideoOptions, probabilities: boolean): AsyncGenerator<VideoFrame> {
  const { model: name, options, segmenter, hold, personMatte } = modelInternals(model);
  withSmoothing(segmenter, o.smooth ?? 0); // refuses a bad value before the workers start
  let threaded: Promise<Segmenter & { workers: number }> | undefined;
  let images: AsyncGenerator<RgbImage> | undefined;
  let ended = false;
  // A dispose() of the model while frames are still to come (the caller may never ask for them)
  // stops the decoder and the networks; the stream then ends refusing, as a call after dispose().
  let ending: Promise<void> | undefined;
  const end = () => (ending ??= (async () => {
    ended = true;
    await images?.return(undefined).catch(() => undefined);
    await (await threaded?.catch(() => undefined))?.dispose();
  })());
  const release = hold(end);
  const refuse = () => { if (ended) throw new UserError('model: disposed while its video ran; load() it again to use it', 2, 'model'); };
  try {
    const [nw, nh] = netSize(segmenter.card.input.rule, info.width, info.height);
    const workers = defaultVideoWorkers(options.threads, nw * nh);
    threaded = openThreadedSegmenter(name, { ...options, workers });
    const networks = await threaded;
    refuse();
    // Where ONNX Runtime specialises the graph (inputs up to 2^18 pixels), that happens before the first frame.
    if (networks.runtime === 'onnx' && nw * nh <= 1 << 18) await warmUp(networks, info.width, info.height, { networks: workers, batch: 1, scores: probabilities });
    const seg = withSmoothing(networks, o.smooth ?? 0);
    images = videoImages({ info, frames: readFrames(video, info) }, o.maxFrames);
    for await (const r of segmentFrames(seg, images, { batch: 1, inFlight: workers + 1, scores: false, probabilities })) {
      refuse();
      o.signal?.throwIfAborted();
      const s = makeSegmentation(r.frame, r.labels, r.prob8 ?? null, segmenter.card.classes, personMatte);
      yield Object.assign(s, { index: r.index, time: +(r.index / info.fps).toFixed(3) });
      refuse(); // disposed while the caller held this frame: no further inference is asked for
    }
    refuse();
    o.signal?.throwIfAborted();
  } catch (e) {
    refuse(); // the networks' failure after a dispose() is the dispose's doing
    throw e;
  } finally {
    await end();
    release();
  }
}

/**
 * Writes `video` with `model`'s segmentation drawn on every frame to `options.out` (the audio goes
 * along). The file appears under its name only when complete: a failed or stopped run leaves none.
 */
export async function segmentVideo(model: SegmentationModel, video: string | URL, options: SegmentVideoOptions): Promise<VideoWritten> {
  const { segmenter } = modelInternals(model);
  if (options == null || typeof options !== 'object') throw new UserError('options: expected { out: \'segmented.mp4\', ... } (the video to write)', 2, 'options');
  const o = checkedOptions(segmentVideoSchema, options, 'segmentVideo()');
  const { file, info } = openVideoFile(video);
  const out = o.out;
  if (isDir(out)) throw argumentError('out', out, 'a folder; give a file name');
  const transparent = !!o.background?.transparent;
  const problem = videoFileProblem(out, file, transparent ? 'background.transparent' : undefined);
  if (problem) throw argumentError('out', out, problem);
  if (!isDir(path.dirname(path.resolve(out)))) throw argumentError('out', out, `no folder ${path.dirname(out)} to write it in`);
  const alpha = o.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw argumentError('alpha', alpha, 'expected an opacity from 0 to 1');
  withSmoothing(segmenter, o.smooth ?? 0); // refuses a bad value before the encoder starts
  const classes = segmenter.card.classes;
  const background = o.background ? { ...o.background } : undefined;
  if (background) {
    named('background.keep', () => classIds(classes, background.keep, 'background.keep'));
    named('background', () => chosenEffect(background));
    // A replacement background given as a file or bytes is decoded once, not for every frame.
    try {
      if (typeof background.image === 'string') background.image = await readImage(background.image);
      else if (background.image instanceof Uint8Array) background.image = await decodeImageBuffer(background.image, 'background.image');
    } catch (e) { throw e instanceof UserError ? new UserError(`background.image ${e.message}`, 2, 'background.image') : e; }
  }
  const how = background ? { background } : { alpha };
  const tmp = `${out}.partial${path.extname(out)}`;
  const writer = new FrameWriter(tmp, info.width, info.height, info.fps, { audioFrom: info.audio ? file : undefined, name: out, alpha: transparent });
  const t0 = Date.now();
  let frames = 0;
  try {
    // Probabilities only where the effect's soft edges need them: the overlay draws the label map.
    for await (const f of framesOf(model, file, info, o, !!background)) {
      await writer.write(await drawFrame(f, classes, how));
      frames++;
      await o.onFrame?.(f);
    }
    await writer.close();
    fs.renameSync(tmp, out);
  } catch (e) {
    await writer.abort();
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return { out, frames, width: info.width, height: info.height, fps: info.fps, seconds: (Date.now() - t0) / 1000 };
}
