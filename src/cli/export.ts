// `pixelwise export`: a model package to ONNX (opset 13, NCHW, input H/W multiples of the stride).
import { Command, Option } from 'commander';

export interface ExportOpts { model: string; out?: string; weights?: string; package?: string; about?: string }

export function exportCommand(): Command {
  return new Command('export')
    .description('export a model to ONNX (MODEL.onnx and, beside it, a card for running it), or make a training run a package to ship (--package)')
    .requiredOption('--model <name|dir>', 'shipped model name or a training run / model package folder')
    .addOption(new Option('--format <fmt>', 'output format').choices(['onnx']).default('onnx'))
    .option('--out <file>', 'output .onnx file')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .option('--package <dir>', 'instead: make a training run a model package to ship (best weights, model.onnx, curves, and a card with the training summary and validation scores)')
    .option('--about <file>', 'with --package: JSON of what the run cannot know (licence, source, notes, initialisation, data, recipe, command)')
    .action(async (o: ExportOpts) => (await import('./actions/export.js')).run(o));
}
