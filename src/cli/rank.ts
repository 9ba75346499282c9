// `pixelwise rank`: unlabelled images ordered by the model's uncertainty (what to label next).
import { Command, Option } from 'commander';
import { addInferenceOptions, addExportOptions, type InferenceOpts, type ExportOpts } from './shared.js';
import { parsePositiveInt } from './options.js';
import { STRATEGIES, type Strategy } from '../inference/uncertainty.js';

export interface Opts extends InferenceOpts, ExportOpts {
  model?: string; weights?: string; images: string; recursive?: boolean; strategy: Strategy; aggregate: 'mean' | 'top10'; budget?: number; out: string;
  export?: string;
}

export function rankCommand(): Command {
  return addExportOptions(addInferenceOptions(new Command('rank')
    .description('order unlabelled images by the model\'s uncertainty, most uncertain first (active learning): rank.csv, rank.json')
    .requiredOption('--images <dir>', 'the unlabelled images')
    .option('--recursive', 'also the images in subfolders')
    .option('--model <name|dir>', 'the model (shipped name, training run or model package; default voc)')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .addOption(new Option('--strategy <name>', 'per-pixel uncertainty').choices(STRATEGIES).default('entropy'))
    .addOption(new Option('--aggregate <how>', 'an image\'s score: the mean over its pixels, or the mean of its most uncertain 10%').choices(['mean', 'top10']).default('mean'))
    .option('--budget <n>', 'how many images to select (the top of the ranking; exported with --export)', parsePositiveInt)
    .option('--out <dir>', 'output folder (scores.jsonl keeps every image scored: a second run continues)', 'rank')
    .option('--export <formats>', 'pre-annotations of the selected images: coco, labelstudio, cvat, cvat-xml, yolo, labelme, supervisely (as predict --export)')))
    .action(async (o: Opts) => (await import('./actions/rank.js')).run(o));
}
