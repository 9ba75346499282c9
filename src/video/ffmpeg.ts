// Video frames in and out through the ffmpeg binary shipped by @ffmpeg-installer/ffmpeg: decode to
// raw RGB on a pipe, encode raw RGB from a pipe to H.264 MP4. No system ffmpeg needed.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
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
  return { width: +v[1], height: +v[2], fps, frames: Math.round(seconds * fps), audio: /Stream #\S+.*Audio: /.test(r.stderr) };
}

/** Yields RGB frames (width*height*3 bytes each). */
export async function* readFrames(file: string, info: VideoInfo): AsyncGenerator<Uint8Array> {
  const p = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const size = info.width * info.height * 3;
  let buf = Buffer.alloc(0);
  let err = '';
  p.stderr.on('data', (b) => { err += b; });
  try {
    for await (const chunk of p.stdout) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= size) { yield new Uint8Array(buf.subarray(0, size)); buf = buf.subarray(size); }
    }
  } finally { p.kill(); }
  const code = p.exitCode ?? await new Promise<number | null>((r) => p.on('close', r));
  if (code && code !== 255 && err) throw new UserError(`${file}: ffmpeg failed to decode (${err.trim().split('\n').pop()})`);
}

export class FrameWriter {
  private readonly p: ChildProcessWithoutNullStreams;
  private err = '';
  /** `audioFrom`: a file whose audio track (if any) goes into the output, cut to the video's length. */
  constructor(readonly file: string, width: number, height: number, fps: number, audioFrom?: string) {
    const audio = audioFrom ? ['-i', audioFrom, '-map', '0:v:0', '-map', '1:a:0?', '-c:a', 'aac', '-b:a', '160k', '-shortest'] : [];
    this.p = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps),
      '-i', '-', ...audio, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', file]);
    this.p.stderr.on('data', (b) => { this.err += b; });
  }
  async write(frame: Uint8Array): Promise<void> {
    if (!this.p.stdin.write(frame)) await new Promise((r) => this.p.stdin.once('drain', r));
  }
  async close(): Promise<void> {
    this.p.stdin.end();
    const code = await new Promise<number | null>((r) => this.p.on('close', r));
    if (code !== 0) throw new UserError(`${this.file}: ffmpeg failed to encode (${this.err.trim().split('\n').pop()})`);
  }
}
