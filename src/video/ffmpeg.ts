// Video frames in and out through the ffmpeg binary shipped by @ffmpeg-installer/ffmpeg: decode to
// raw RGB on a pipe (from a file or from this process's stdin), encode raw RGB from a pipe to H.264
// MP4, or to MJPEG / raw / MPEG-TS on stdout so pixelwise can sit in an ffmpeg pipe. No system ffmpeg needed.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../util/errors.js';

const require = createRequire(import.meta.url);
export function ffmpegPath(): string {
  try { return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path; } catch {
    throw new UserError('video support needs @ffmpeg-installer/ffmpeg (npm i @ffmpeg-installer/ffmpeg)');
  }
}

export interface VideoInfo { width: number; height: number; fps: number; frames: number; audio: boolean }

export function probeVideo(file: string): VideoInfo {
  const r = spawnSync(ffmpegPath(), ['-hide_banner', '-i', file], { encoding: 'utf8' });
  const v = /Stream #\S+.*Video: .*?(\d{2,5})x(\d{2,5})[^,]*,(?:.*?([\d.]+) fps)?/.exec(r.stderr);
  if (!v) throw new UserError(`${file}: not a readable video (ffmpeg found no video stream)`);
  const d = /Duration: (\d+):(\d+):([\d.]+)/.exec(r.stderr);
  const fps = v[3] ? parseFloat(v[3]) : 25;
  const seconds = d ? +d[1] * 3600 + +d[2] * 60 + parseFloat(d[3]) : 0;
  // ffmpeg turns the frames of a video with rotation metadata (phone videos) upright when it
  // decodes them, so a quarter turn swaps the size the stream line gives.
  const turned = quarterTurn(r.stderr.slice(v.index));
  return { width: +v[turned ? 2 : 1], height: +v[turned ? 1 : 2], fps, frames: Math.round(seconds * fps), audio: /Stream #\S+.*Audio: /.test(r.stderr) };
}

/** Whether the first video stream's rotation (display matrix, or the older `rotate` tag) is a quarter or three-quarter turn. */
function quarterTurn(streamReport: string): boolean {
  const next = streamReport.indexOf('\n    Stream #', 1);
  const own = next > 0 ? streamReport.slice(0, next) : streamReport;
  const m = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(own) ?? /^\s+rotate\s*:\s*(-?[\d.]+)/m.exec(own);
  return !!m && Math.abs(Math.round(parseFloat(m[1]) / 90)) % 2 === 1;
}

const RGB_OUT = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
const lastLine = (err: string) => err.trim().split('\n').pop() ?? '';

/** Cuts ffmpeg's raw RGB output into frames of `size` bytes. */
async function* rgbFrames(p: ChildProcessWithoutNullStreams, size: number, name: string, stderr: () => string): AsyncGenerator<Uint8Array> {
  // Pipe chunks (64 KB) are copied once, into the frame they belong to (appending each chunk to
  // a growing buffer copied each frame's bytes many times over).
  let frame = new Uint8Array(size), filled = 0;
  try {
    for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
      for (let off = 0; off < chunk.length;) {
        const n = Math.min(size - filled, chunk.length - off);
        frame.set(chunk.subarray(off, off + n), filled);
        filled += n; off += n;
        if (filled === size) { yield frame; frame = new Uint8Array(size); filled = 0; }
      }
    }
  } finally { p.kill(); }
  const code = p.exitCode ?? await new Promise<number | null>((r) => p.on('close', r));
  if (code && code !== 255 && stderr()) throw new UserError(`${name}: ffmpeg failed to decode (${lastLine(stderr())})`);
}

/** Yields RGB frames (width*height*3 bytes each). */
export async function* readFrames(file: string, info: VideoInfo): AsyncGenerator<Uint8Array> {
  const p = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', file, ...RGB_OUT]);
  let err = '';
  p.stderr.on('data', (b) => { err += b; });
  yield* rgbFrames(p, info.width * info.height * 3, file, () => err);
}

/** A video arriving on stdin: any stream ffmpeg can demux from a pipe (MJPEG, MPEG-TS, NUT, ...), or raw RGB frames of a given size. */
export interface StdinVideo { format?: string; width?: number; height?: number; fps: number }

/** ffmpeg's demuxer name for a user's format word: `raw` is raw RGB (rgb24) frames. */
const demuxer = (format: string) => (format === 'raw' || format === 'rawvideo' ? 'rawvideo' : format);

/**
 * Decodes the video on this process's stdin. The frame size and rate are read from ffmpeg's own
 * report of the stream it writes (stdin can be read only once, so there is no separate probe).
 */
export async function openStdinVideo(o: StdinVideo): Promise<{ info: VideoInfo; frames: AsyncGenerator<Uint8Array>; trailingBytes: () => number }> {
  const fmt = o.format ? demuxer(o.format) : undefined;
  if (fmt === 'rawvideo' && !(o.width && o.height)) throw new UserError('inputFormat raw needs options.frameSize HEIGHTxWIDTH (and options.fps, default 25): raw frames carry no size', 2, 'inputFormat');
  const input = fmt === 'rawvideo' ? ['-f', 'rawvideo', '-pixel_format', 'rgb24', '-video_size', `${o.width}x${o.height}`, '-framerate', String(o.fps)]
    : fmt ? ['-f', fmt] : [];
  const p = spawn(ffmpegPath(), ['-hide_banner', '-nostats', '-loglevel', 'info', ...input, '-i', 'pipe:0', ...RGB_OUT]);
  // Node drains (drops) a child's output that nobody listens to once the child exits; a 'readable'
  // listener keeps the frames until they are read, however long the model takes to load.
  p.stdout.on('readable', () => {});
  // Raw frames: bytes past the last whole frame (ffmpeg leaves them out) say the size may be wrong.
  let bytes = 0;
  if (fmt === 'rawvideo') process.stdin.on('data', (b: Buffer) => { bytes += b.length; });
  process.stdin.pipe(p.stdin);
  p.stdin.on('error', () => {}); // ffmpeg stops reading when it fails or has enough: not our error
  let err = '';
  const info = await new Promise<VideoInfo>((resolve, reject) => {
    const onData = (b: Buffer) => {
      err += b;
      const m = /Output #0[\s\S]*?Stream #\S+.*Video: rawvideo[^\n]*?, (\d{1,5})x(\d{1,5})[^\n]*?, ([\d.]+) fps/.exec(err);
      if (m) { p.stderr.off('data', onData); resolve({ width: +m[1], height: +m[2], fps: parseFloat(m[3]), frames: 0, audio: false }); }
    };
    p.stderr.on('data', onData);
    p.on('close', () => reject(new UserError(`stdin: not a video stream ffmpeg can read${fmt ? ` as ${o.format}` : ''} (${lastLine(err) || 'no data'}); name the format with --input-format (mjpeg, raw, mpegts, nut)`)));
  });
  err = '';
  p.stderr.on('data', (b) => { err += b; });
  const frameBytes = info.width * info.height * 3;
  return { info, frames: rgbFrames(p, frameBytes, 'stdin', () => err.split('\n').filter((l) => !/^\s*(frame=|video:)/.test(l)).join('\n')), trailingBytes: () => bytes % frameBytes };
}

/** Output formats: `mp4` (H.264, the default for files) and, for stdout, `mjpeg`, `raw` (RGB frames), `mpegts` (H.264). */
export const VIDEO_FORMATS = ['mp4', 'mjpeg', 'raw', 'mpegts'] as const;
export type VideoFormat = typeof VIDEO_FORMATS[number];

/** x264's speed presets that pixelwise offers, fastest first. */
export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const;
export type X264Preset = typeof X264_PRESETS[number];

/**
 * superfast by default: at the same quality (CRF 20) less encoding time than veryfast for larger
 * files; encoding shares the cores with the network, so it sets the video's frame rate
 * (docs/benchmarks.md).
 */
export const DEFAULT_X264_PRESET: X264Preset = 'superfast';

/** What a file or stream is encoded as: the stdout formats, and for files by their extension, WebM (VP9; VP8 with alpha) and ProRes 4444 in QuickTime (alpha). */
type Encoding = VideoFormat | 'webm' | 'prores';

/** A file's encoding by its name: .webm is WebM (VP9, or VP8 with an alpha channel); .mov with an alpha channel is ProRes 4444; the rest H.264 in MP4. */
export function fileEncoding(file: string, alpha: boolean): Encoding {
  const ext = path.extname(file).toLowerCase();
  return ext === '.webm' ? 'webm' : ext === '.mov' && alpha ? 'prores' : 'mp4';
}

/** The encodings that keep an alpha channel. */
export const ALPHA_ENCODINGS: readonly Encoding[] = ['webm', 'prores'];

/** The names video files are written under: ISO media files and WebM. */
export const VIDEO_FILE_EXTS = ['.mp4', '.m4v', '.mov', '.webm'];

/**
 * Why a video file cannot be written as `out` (undefined: it can): it is the `input` video, its name
 * is of no video file type, or its type keeps no transparency where `alphaBy` (the option asking
 * for it) wants an alpha channel. Each caller words it with the argument or flag it came from; a
 * folder is each caller's to refuse.
 */
export function videoFileProblem(out: string, input?: string, alphaBy?: string): string | undefined {
  if (input !== undefined && path.resolve(out) === path.resolve(input)) return 'that is the input video; write to another file';
  const ext = path.extname(out).toLowerCase(), stem = ext ? out.slice(0, -ext.length) : out;
  if (!VIDEO_FILE_EXTS.includes(ext)) return `video files are written as MP4 (H.264) or WebM (VP9); name it ${stem}.mp4 (or .m4v, .mov, .webm)`;
  if (alphaBy && !ALPHA_ENCODINGS.includes(fileEncoding(out, true))) return `H.264 keeps no transparency (${alphaBy}); name it ${stem}.webm (VP8 with alpha: browsers, OBS) or .mov (ProRes 4444: video editors)`;
  return undefined;
}

function encoderArgs(format: Encoding, preset: X264Preset, alpha: boolean, toStdout: boolean): string[] {
  const h264 = ['-c:v', 'libx264', '-preset', preset, '-crf', '20', '-pix_fmt', 'yuv420p'];
  switch (format) {
    // libvpx at its real-time speed (it shares the cores with the network). With an alpha channel,
    // VP8: this ffmpeg's VP9 encodes alpha far slower than the network runs, and VP8 with alpha is
    // the WebM that browsers and OBS play transparent. VP8's alpha needs no alt-ref frames.
    case 'webm': return alpha
      ? ['-c:v', 'libvpx', '-pix_fmt', 'yuva420p', '-crf', '10', '-b:v', '4M', '-auto-alt-ref', '0', '-deadline', 'realtime', '-cpu-used', '8', '-f', 'webm']
      : ['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuv420p', '-crf', '32', '-b:v', '0', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-f', 'webm'];
    case 'prores': return ['-c:v', 'prores_ks', '-profile:v', '4444', '-pix_fmt', 'yuva444p10le', '-f', 'mov'];
    // A file gets its index at the front (played while it downloads); a pipe cannot be sought
    // back into, so stdout gets fragmented MP4 (an empty index first, then self-contained fragments).
    case 'mp4': return [...h264, '-movflags', toStdout ? 'frag_keyframe+empty_moov+default_base_moof' : '+faststart', '-f', 'mp4'];
    case 'mpegts': return [...h264, '-f', 'mpegts'];
    case 'mjpeg': return ['-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p', '-f', 'mjpeg'];
    case 'raw': return ['-f', 'rawvideo', '-pix_fmt', 'rgb24'];
  }
}

export interface WriterOptions {
  /** A file whose audio track (if any) goes into the output, cut to the video's length (not into MJPEG or raw frames, which hold none). */
  audioFrom?: string;
  format?: VideoFormat;
  /** x264's preset for H.264 output (mp4, mpegts); default DEFAULT_X264_PRESET. */
  preset?: X264Preset;
  /** The name errors give the output (the final name of a file written under a temp name). */
  name?: string;
  /** RGBA frames, their alpha kept (a file named .webm or .mov); otherwise RGB. */
  alpha?: boolean;
}

/** ffmpeg's words for an output it could not write, which it reports without failing its exit code. */
const WRITE_FAILED = /No space left on device|Error writing trailer|Disk quota exceeded|Input\/output error/i;

/** H.264 in 4:2:0 needs even sizes: the size an odd frame is padded to for it (one column or row, on the right or bottom). */
export function encodedSize(width: number, height: number, format: Encoding): [number, number] {
  return format === 'mp4' || format === 'mpegts' ? [width + (width & 1), height + (height & 1)] : [width, height];
}

/**
 * Encodes raw RGB frames to `file`, or to this process's stdout when `file` is `-`. An encoder
 * that fails (a size it refuses, a full disk, a folder that went away) rejects the pending write
 * or close with ffmpeg's own last line; it never leaves a write waiting for a 'drain'.
 */
export class FrameWriter {
  private readonly p: ChildProcessWithoutNullStreams;
  private err = '';
  private readonly ended: Promise<number | null>;
  private failure: Error | null = null;
  private readonly name: string;
  constructor(readonly file: string, width: number, height: number, fps: number, o: WriterOptions = {}) {
    const toStdout = file === '-';
    this.name = toStdout ? 'stdout' : o.name ?? file;
    const format: Encoding = toStdout ? o.format ?? 'mjpeg' : fileEncoding(file, !!o.alpha);
    if (o.alpha && !ALPHA_ENCODINGS.includes(format)) throw new UserError(`${this.name}: ${format === 'mp4' ? 'H.264' : format} keeps no transparency; write a .webm (VP8 with alpha) or .mov (ProRes 4444) file`);
    // MJPEG and raw frames are streams of pictures alone: no audio goes with them.
    const audio = o.audioFrom && format !== 'mjpeg' && format !== 'raw' ? ['-i', o.audioFrom, '-map', '0:v:0', '-map', '1:a:0?', ...(format === 'webm' ? ['-c:a', 'libopus', '-b:a', '128k'] : ['-c:a', 'aac', '-b:a', '160k']), '-shortest'] : [];
    const [w, h] = encodedSize(width, height, format);
    const pad = w !== width || h !== height ? ['-vf', `pad=${w}:${h}:0:0`] : [];
    this.p = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', o.alpha ? 'rgba' : 'rgb24', '-s', `${width}x${height}`, '-r', String(fps),
      '-i', 'pipe:0', ...audio, ...pad, ...encoderArgs(format, o.preset ?? DEFAULT_X264_PRESET, !!o.alpha, toStdout), toStdout ? 'pipe:1' : file]);
    this.p.stderr.on('data', (b) => { this.err += b; });
    this.ended = new Promise((resolve) => this.p.on('close', (code) => resolve(code)));
    this.p.on('error', (e) => { this.failure ??= e; });
    // ffmpeg closes its stdin when it fails: the write then errors (EPIPE), which is its failure to report, not a crash.
    this.p.stdin.on('error', (e) => { this.failure ??= e; });
    if (toStdout) this.p.stdout.pipe(process.stdout, { end: false });
  }
  private failed(): UserError {
    const why = (this.err.split('\n').find((l) => WRITE_FAILED.test(l)) ?? lastLine(this.err)) || this.failure?.message || 'ffmpeg stopped';
    if (/No space left on device/i.test(why)) return new UserError(`${this.name}: the disk is full; nothing was written under this name (free some space and run again)`);
    return new UserError(`${this.name}: ffmpeg failed to encode (${why})`);
  }
  async write(frame: Uint8Array): Promise<void> {
    if (this.failure || this.p.exitCode !== null) { await this.ended; throw this.failed(); }
    if (this.p.stdin.write(frame)) return;
    const drained = await Promise.race([
      new Promise<boolean>((r) => this.p.stdin.once('drain', () => r(true))),
      this.ended.then(() => false),
    ]);
    if (!drained) throw this.failed();
  }
  async close(): Promise<void> {
    this.p.stdin.end();
    const code = await this.ended;
    // ffmpeg exits 0 after failing to write the end of an MP4 (the full disk's last bytes): its
    // own report of a failed write counts as a failure too.
    if (code !== 0 || WRITE_FAILED.test(this.err)) throw this.failed();
  }
  /** Stops the encoder without finishing the file (an interrupted or failed run). */
  async abort(): Promise<void> {
    if (this.p.exitCode === null && this.p.signalCode === null) this.p.kill('SIGKILL');
    await this.ended;
  }
}
