// `pixelwise calibrate`: a softmax temperature fitted on labelled images, stored in the model's card.
import { Command } from 'commander';
import { addDatasetOptions, type DataOpts } from './shared.js';
import { parseIntArg, parsePositiveInt } from './options.js';

export interface Opts extends DataOpts { model: string; weights?: string; labelMap?: string; classFile?: string; ignoreIndex?: number; out?: string; pixels: number; quiet?: boolean }

export function calibrateCommand(): Command {
  return addDatasetOptions(new Command('calibrate')
    .description('fit a softmax temperature on labelled images (log-loss) and store it in the model card: calibrated probabilities everywhere, the same label maps'), 'val')
    .requiredOption('--model <name|dir>', 'a training run or model package (rewritten), or a shipped model with --out')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .option('--ignore-index <n>', 'ground-truth value left out (default: the layout\'s or the model\'s)', parseIntArg)
    .option('--out <dir>', 'write a calibrated copy of the model package here instead of changing the model')
    .option('--pixels <n>', 'valid pixels sampled evenly over the images for the fit (fewer for a model of many classes: at most 2^26 class scores, 256 MB, are kept)', parsePositiveInt, 2_000_000)
    .option('--quiet', 'no progress bar')
    .action(async (o: Opts) => (await import('./actions/calibrate.js')).run(o));
}
