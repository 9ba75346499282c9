// `pixelwise compare A B`: two models on the same labelled images, their difference with a paired
// bootstrap interval; a CI gate with --fail-if-worse.
import { Command, Option } from 'commander';
import { PRECISIONS, type Precision } from '../models/precision_names.js';
import { addDatasetOptions, type DataOpts } from './shared.js';
import { parseFloatArg, parseIntArg, parsePositiveInt } from './options.js';

export interface Opts extends DataOpts { labelMap?: string; classFile?: string; ignoreIndex?: number; bootstrap: number; seed: number; report: string; failIfWorse?: number; worst: number; quiet?: boolean; classMap?: string; boundary?: boolean; precisionB?: Precision }

export function compareCommand(): Command {
  return addDatasetOptions(new Command('compare')
    .description('compare model B with model A on the same images + masks: the mIoU difference and per class, with 95% paired-bootstrap intervals; on images without masks (--images alone): how far B\'s label maps agree with A\'s')
    .argument('<a>', 'model A (shipped name, training run or model package): the reference')
    .argument('<b>', 'model B: the candidate'), 'val')
    .option('--ignore-index <n>', 'ground-truth value dropped from scoring (default: the layout\'s or model A\'s)', parseIntArg)
    .option('--bootstrap <n>', 'resamples of the images', parsePositiveInt, 1000)
    .option('--seed <n>', 'the bootstrap\'s seed', parseIntArg, 1)
    .option('--report <dir>', 'writes compare.md, compare.json and differ.jpg (the images where A and B differ most) here', 'compare')
    .option('--worst <k>', 'how many of the most differing images to show', parsePositiveInt, 8)
    .option('--fail-if-worse <points>', 'exit 1 when B is worse than A by more than this many mIoU points with 95% confidence (the interval\'s upper end below -points)', parseFloatArg)
    .option('--class-map <map>', 'models of other classes than the dataset\'s (the start model against the one fine-tuned from it): join their classes to the dataset\'s as evaluate --class-map does (auto, cityscapes-camvid, MODEL=DATASET pairs, or a JSON file); a model of the dataset\'s own classes is scored in the same classes')
    .option('--boundary', 'also each model\'s boundary F1 (as evaluate --boundary: outlines within 0.75% of each image\'s diagonal), beside the mIoU difference')
    .addOption(new Option('--precision-b <p>', 'open model B at this precision: a model against its own 8-bit graph (compare voc voc --precision-b int8)').choices(PRECISIONS))
    .option('--quiet', 'no progress bar')
    .action(async (a: string, b: string, o: Opts) => (await import('./actions/compare.js')).run(a, b, o));
}
