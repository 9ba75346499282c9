// `pixelwise demo` (npm run demo): segments the photos that ship in assets/photos with the shipped
// models (VOC for everyday photos, Cityscapes for the dash-cam frame) and writes label maps, colour
// masks, overlays, legends, class shares and an overview picture. `--train` instead runs the whole
// training pipeline on a generated dataset: train a small U-Net, evaluate it, predict.
import { Command, Option } from 'commander';
import { BACKENDS, type BackendName } from '../engine/backend_names.js';
import { parsePositiveInt } from './options.js';

export interface Opts { out: string; train?: boolean; epochs: number; backend: BackendName }

export function demoCommand(): Command {
  return new Command('demo')
    .description('segment the photos that ship with pixelwise using the shipped models (--train: train a small U-Net on generated data instead)')
    .option('--out <dir>', 'output folder', 'demo-output')
    .option('--train', 'run the training pipeline on a generated dataset instead (about a minute)')
    .option('--epochs <n>', 'epochs with --train', parsePositiveInt, 10)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .action(async (o: Opts) => {
      (await import('./output_paths.js')).checkOutputDir('--out', o.out);
      if (o.train) await (await import('./actions/demo_train.js')).demoTrain(o);
      else await (await import('./actions/demo.js')).demoPhotos(o);
    });
}

