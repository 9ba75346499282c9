// `pixelwise evaluate`: scores of a model on a labelled folder.
import { Command } from 'commander';
import { addDatasetOptions, addInferenceOptions, type DataOpts, type InferenceOpts } from './shared.js';
import { parseFloatArg, parseIntArg, parsePositiveInt } from './options.js';

export interface Opts extends InferenceOpts, DataOpts { model: string; labelMap?: string; classFile?: string;
  ignoreIndex?: number; voidIndex?: number; json?: boolean; report?: string; batchSize: number; weights?: string; bootstrap: number; seed: number; perImage?: string; worst?: number; calibration?: boolean; record?: boolean; classMap?: string; boundary?: boolean; boundaryTolerance?: number }

export function evaluateCommand(): Command {
  return addInferenceOptions(addDatasetOptions(new Command('evaluate').description('score a model on images + masks (confusion matrix, IoU, accuracy, Dice)'), 'val')
    .requiredOption('--model <name|dir>', 'shipped model name or a training run / model package folder')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .option('--ignore-index <n>', 'ground-truth value dropped from scoring (default: the model\'s)', parseIntArg)
    .option('--void-index <n>', 'ground-truth value kept in the matrix (predictions there count as false positives) but left out of the means', parseIntArg)
    .option('--class-map <map>', 'score a model of other classes than the dataset\'s: auto (classes of the same name), cityscapes-camvid, pairs MODEL=DATASET,... (car=Car,truck=Car; classes of the same name join too), or a JSON file of them ({"truck": "Car"}); pairs join classes into one scored class; a model class in none counts as a miss, a dataset class in none is not scored')
    .option('--boundary', 'also boundary F1 (the BF score): per class, how many outline pixels of the prediction and of the truth lie within a tolerance of the other\'s')
    .option('--boundary-tolerance <px>', 'with --boundary: the distance in pixels within which outlines match (default: 0.75% of each image\'s diagonal)', parseFloatArg)
    .option('--json', 'print the scores as JSON on stdout')
    .option('--report <dir>', 'where to write scores.json and scores.md (default: MODEL/eval)')
    .option('--batch-size <n>', 'images per forward pass', parsePositiveInt, 1)
    .option('--bootstrap <n>', '95% intervals from N resamples of the images (0: none)', parseIntArg, 1000)
    .option('--seed <n>', 'the bootstrap\'s seed', parseIntArg, 1)
    .option('--calibration', 'also the expected calibration error (15 bins over valid pixels) and a reliability diagram (REPORT/reliability.svg)')
    .option('--per-image <file>', 'also write each image\'s mIoU and pixel accuracy, worst first (.csv or .json)')
    .option('--worst <k>', 'also draw the K images scored worst (per-image mIoU), each as image | truth | prediction | errors in red: REPORT/worst.jpg', parsePositiveInt)
    .option('--record', 'also write the scores into the model\'s card (model.json): its evaluation, and the mIoU first among its scores, with this command; the model as it runs by default (or, with --precision int8, its added 8-bit graph), given by its folder'))
    .action(async (o: Opts) => (await import('./actions/evaluate.js')).run(o));
}
