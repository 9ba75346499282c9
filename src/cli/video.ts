// `pixelwise video`: segments every frame of a video and writes the overlaid video (H.264 MP4),
// optionally the colour-mask video and per-frame label maps.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { initEngine } from '../engine/backend.js';
import { openSegmenter } from '../inference/segmenter.js';
import { probeVideo, readFrames, FrameWriter } from '../video/ffmpeg.js';
import { colorize, overlay } from '../render/colorize.js';
import { encodeLabelPngFast } from '../render/label_png.js';
import { addInferenceOptions, segmenterOptions, type InferenceOpts } from './shared.js';
import { parseFloatArg, parsePositiveInt } from './options.js';
import { progressBar } from '../util/progress.js';
import { UserError } from '../util/errors.js';
import { isFile, writeFileAtomic } from '../util/fs.js';

interface Opts extends InferenceOpts { model: string; out: string; alpha: number; maskVideo?: string; labelsDir?: string; maxFrames?: number }

export function videoCommand(): Command {
  return addInferenceOptions(new Command('video')
    .description('segment a video: writes the overlaid video (MP4), optionally the mask video and label maps')
    .argument('<input>', 'video file (anything ffmpeg reads)')
    .option('--model <name|dir>', 'shipped model (voc, cityscapes; see `pixelwise models`) or a training run / model package folder', 'voc')
    .requiredOption('--out <file>', 'overlaid output video (.mp4)')
    .option('--alpha <x>', 'overlay opacity', parseFloatArg, 0.5)
    .option('--mask-video <file>', 'also write the colour-mask video')
    .option('--labels-dir <dir>', 'also write each frame\'s label map (frame_000001.png, ...)')
    .option('--max-frames <n>', 'stop after this many frames', parsePositiveInt))
    .action(async (input: string, o: Opts) => {
      if (!isFile(input)) throw new UserError(`${input}: no such video file`);
      if (o.alpha < 0 || o.alpha > 1) throw new UserError(`--alpha ${o.alpha}: must be between 0 and 1`);
      const info = probeVideo(input);
      await initEngine(o.backend);
      const seg = await openSegmenter(o.model, segmenterOptions(o));
      const palette = seg.card.classes.map((c) => c.color);
      // Encode to temp names and rename at the end: an interrupted run never leaves a half file under the final name.
      const tmpOut = `${o.out}.partial.mp4`;
      fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
      const writer = new FrameWriter(tmpOut, info.width, info.height, info.fps);
      const maskWriter = o.maskVideo ? new FrameWriter(`${o.maskVideo}.partial.mp4`, info.width, info.height, info.fps) : null;
      const total = Math.min(info.frames || Infinity, o.maxFrames ?? Infinity);
      const bar = progressBar('video', Number.isFinite(total) ? total : 0, 'frames', o.quiet);
      let n = 0;
      const t0 = Date.now();
      for await (const rgb of readFrames(input, info)) {
        const frame = { data: rgb, width: info.width, height: info.height };
        const [labels] = await seg.predictBatch([frame]);
        const color = colorize(labels, info.width, info.height, palette);
        await writer.write(overlay(frame, color, o.alpha).data);
        if (maskWriter) await maskWriter.write(color.data);
        if (o.labelsDir) writeFileAtomic(path.join(o.labelsDir, `frame_${String(n + 1).padStart(6, '0')}.png`), await encodeLabelPngFast(labels, info.width, info.height, palette));
        bar.update(++n);
        if (o.maxFrames && n >= o.maxFrames) break;
      }
      bar.stop();
      await writer.close();
      fs.renameSync(tmpOut, o.out);
      if (maskWriter) { await maskWriter.close(); fs.renameSync(`${o.maskVideo}.partial.mp4`, o.maskVideo!); }
      await seg.dispose();
      const secs = (Date.now() - t0) / 1000;
      process.stdout.write(`${n} frames (${info.width}x${info.height}) in ${secs.toFixed(1)} s (${(n / secs).toFixed(2)} frames/s, ${seg.runtime}) -> ${o.out}\n`);
    });
}
