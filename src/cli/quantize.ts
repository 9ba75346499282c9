// `pixelwise quantize`: a model's 8-bit graph (static int8 QDQ), calibrated on images, gated on its agreement with the float graph.
import { Command, InvalidArgumentError } from 'commander';
import { parsePositiveInt, parseSize } from './options.js';

export interface Opts {
  model: string; calibration: string; out?: string; weights?: string; images: number; check: number;
  keepFloat?: string[]; minAgreement: number; threads?: number; quiet?: boolean;
  inputSize?: [number, number]; int8Only?: boolean;
}

function parseShare(v: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0 || x > 1) throw new InvalidArgumentError('expected a share between 0 and 1, e.g. 0.99');
  return x;
}

export function quantizeCommand(): Command {
  return new Command('quantize')
    .description('add an 8-bit graph to a model (static int8 QDQ ONNX: per-channel int8 weights, calibrated uint8 activations); run it with --precision int8')
    .requiredOption('--model <name|dir>', 'a training run or model package (the 8-bit graph is added to it), or a shipped model with --out')
    .requiredOption('--calibration <dir>', 'folder of images like those the model will see (no labels needed): calibration, and held-apart images to check against the float graph')
    .option('--out <dir>', 'write a copy of the model package with the 8-bit graph here instead of changing the model')
    .option('--input-size <HxW>', 'with --out: the copy runs at this fixed size (every image resized to it, Pillow bilinear; labels back by nearest), calibrated and checked there: speed against detail, e.g. a model for live video', parseSize)
    .option('--int8-only', 'with --out: the copy holds the 8-bit graph alone and runs it by default (an 8-bit model package, without the float graph and weights)')
    .option('--weights <file>', 'checkpoint of a training run (default: best)')
    .option('--images <n>', 'calibration images (spread evenly over the folder)', parsePositiveInt, 32)
    .option('--check <n>', 'images held apart to measure agreement with the float graph', parsePositiveInt, 8)
    .option('--keep-float <names>', 'convolutions (ONNX node names) left in float, comma-separated', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--min-agreement <p>', 'share of check pixels whose label must be the float graph\'s; below it a per-layer sensitivity pass puts the convolutions that change labels most back in float (0 = no pass)', parseShare, 0.99)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', parsePositiveInt)
    .option('--quiet', 'no progress bar')
    .action(async (o: Opts) => (await import('./actions/quantize.js')).run(o));
}
