// `pixelwise verify`: checks a dataset before training.
import { Command } from 'commander';
import { addDatasetOptions, type DataOpts } from './shared.js';
import { parseIntArg, parsePositiveInt } from './options.js';

export interface Opts extends DataOpts { labelMap?: string; classFile?: string; classes?: number; ignoreIndex?: number; quiet?: boolean }

export function verifyCommand(): Command {
  return addDatasetOptions(new Command('verify').description('check images + masks: pairing, sizes, labels; prints class frequencies and weights'))
    .option('--classes <n>', 'number of classes (required unless --data names a dataset whose classes are known)', parsePositiveInt)
    .option('--ignore-index <n>', 'mask value that is ignored (default 255)', parseIntArg)
    .option('--quiet', 'no progress bar')
    .action(async (o: Opts) => (await import('./actions/verify.js')).run(o));
}
