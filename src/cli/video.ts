// `pixelwise video`: segments every frame of a video and writes the overlaid video (H.264 MP4),
// optionally the colour-mask video, per-frame label maps and class areas; or the video with a
// background effect. Decoding, inference and drawing + encoding run as overlapping stages.
import { Command, Option } from 'commander';
import { DEFAULT_X264_PRESET, VIDEO_FORMATS, X264_PRESETS, type VideoFormat, type X264Preset } from '../video/ffmpeg.js';
import { addInferenceOptions, addExportOptions, goesWith, type InferenceOpts, type ExportOpts } from './shared.js';
import { parseFloatArg, parsePositive, parsePositiveInt, parseSize, parseWorkerCount } from './options.js';

export interface Opts extends InferenceOpts, ExportOpts {
  export?: string; exportDir?: string; exportEvery: number;
  model: string; out: string; alpha: number; maskVideo?: string; labelsDir?: string; maxFrames?: number;
  effect?: string; keep?: string; smooth: number; batch: number; workers?: number; json?: boolean;
  inputFormat?: string; frameSize?: [number, number]; fps: number; outFormat?: VideoFormat; x264Preset?: X264Preset;
}

export function videoCommand(): Command {
  const c = addExportOptions(addInferenceOptions(new Command('video')
    .description('segment a video: writes the overlaid (or effect) video (MP4), optionally the mask video, label maps and per-frame class areas')
    .argument('<input>', 'video file (anything ffmpeg reads), or - for a stream on stdin')
    .option('--model <name|dir>', 'shipped model (voc, cityscapes, ade20k, person, camvid; see `pixelwise models`) or a training run / model package folder (default: voc; with an --effect that keeps people: person)')
    .requiredOption('--out <file>', 'output video (.mp4, .m4v or .mov: H.264; .webm: VP9): the overlay, or the effect with --effect; - for stdout')
    .addOption(new Option('--x264-preset <name>', `encoding speed of H.264 output (x264's presets; faster = larger files at the same quality; default ${DEFAULT_X264_PRESET})`).choices(X264_PRESETS))
    .addOption(new Option('--out-format <fmt>', 'the video on stdout (--out -): MJPEG, raw RGB frames (both without sound), or H.264 in MPEG-TS or fragmented MP4 (default mjpeg)').choices(VIDEO_FORMATS))
    .option('--input-format <fmt>', 'the stream on stdin (input -): mjpeg, raw (RGB frames; needs --frame-size), mpegts, nut, ... (default: ffmpeg guesses)')
    .option('--frame-size <HxW>', 'height x width of raw frames on stdin (e.g. 540x960, as --input-size elsewhere)', parseSize)
    .option('--fps <n>', 'frame rate of raw frames on stdin', parsePositive, 25)
    .option('--alpha <x>', 'overlay opacity', parseFloatArg, 0.5)
    .option('--effect <kind>', 'the output shows everything but --keep blurred (blur[=SIGMA]), recoloured (color=#RRGGBB), greyed (grey), replaced (replace=IMAGE) or transparent (transparent: a video with an alpha channel, --out X.webm (VP8 with alpha) or X.mov (ProRes 4444))')
    .option('--keep <classes>', 'classes the effect leaves as they are (default person)')
    .option('--smooth <x>', 'temporal smoothing: each frame\'s class scores mixed with the previous frames\' (exponential average; 0 = off, 0.5 = half from the past)', parseFloatArg, 0)
    .option('--batch <n>', 'frames per inference call', parsePositiveInt, 1)
    .option('--workers <n>', 'networks running side by side, each on --threads / n threads (default: 2 on 2 or more cores when the network input is at most 2^20 pixels, else 1)', parseWorkerCount)
    .option('--json', 'print each frame\'s class areas (pixels, share) as one JSON line on stdout')
    .option('--mask-video <file>', 'also write the colour-mask video')
    .option('--labels-dir <dir>', 'also write each frame\'s label map (frame_000001.png, ...)')
    .option('--max-frames <n>', 'stop after this many frames', parsePositiveInt)
    .option('--export <formats>', 'also write pre-annotations of the frames for labelling tools into --export-dir: coco, labelstudio, cvat, cvat-xml, yolo, labelme, supervisely (as predict --export), the frames named as CVAT names a video\'s (frame_000000.png, from 0), and the frames themselves (frames/)')
    .option('--export-dir <dir>', 'the folder of --export\'s files')
    .option('--export-every <n>', 'export every n-th frame (frame 0, n, 2n, ...)', parsePositiveInt, 1)))
    .action(async (input: string, o: Opts) => (await import('./actions/video.js')).run(input, o));
  return goesWith(c, ['--fps'], (o) => o.inputFormat === 'raw', '--input-format raw (raw frames on stdin carry no rate; a file or stream says its own)');
}
