// `pixelwise verify`: checks a dataset before training.
import { Command } from 'commander';
import { addDatasetOptions, goesWith, type DataOpts } from './shared.js';
import { parseFloatArg, parseIntArg, parsePositiveInt } from './options.js';

export interface Opts extends DataOpts { labelMap?: string; classFile?: string; classes?: number; ignoreIndex?: number; quiet?: boolean; model?: string; weights?: string; report: string; worst: number; overlays?: string; alpha: number }

export function verifyCommand(): Command {
  const c = goesWith(addDatasetOptions(new Command('verify').description('check images + masks: pairing, sizes, labels; prints class frequencies and weights'))
    .option('--classes <n>', 'number of classes (required unless --data names a dataset whose classes are known)', parsePositiveInt)
    .option('--ignore-index <n>', 'mask value that is ignored (default 255)', parseIntArg)
    .option('--model <name|dir>', 'also check every mask against this model\'s prediction (label QA): ranked suspects in REPORT/qa.csv, qa.json, qa.jpg')
    .option('--weights <file>', 'with --model: checkpoint inside the model folder (default: best)')
    .option('--report <dir>', 'with --model: where the QA report goes', 'qa')
    .option('--worst <k>', 'with --model: the contact sheet shows the K most suspect pairs', parsePositiveInt, 12)
    .option('--overlays <dir>', 'also draw every pair, its mask\'s colours over its image, as DIR/NAME_overlay.png, and a contact sheet of 12 of them, DIR/overview.jpg: to see that the masks sit on their images')
    .option('--alpha <x>', 'with --overlays: the opacity of the mask\'s colours (0..1)', parseFloatArg, 0.5)
    .option('--quiet', 'no progress bar')
    .action(async (o: Opts) => (await import('./actions/verify.js')).run(o)), ['--weights', '--report', '--worst'], (o) => o.model != null, '--model (label QA)');
  return goesWith(c, ['--alpha'], (o) => o.overlays != null, '--overlays');
}
