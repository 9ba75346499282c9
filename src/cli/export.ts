// `pixelwise export`: a model package to ONNX (opset 13, NCHW, input H/W multiples of the stride).
import { Command, Option } from 'commander';

export function exportCommand(): Command {
  return new Command('export')
    .description('export a model to ONNX; writes MODEL.onnx and, beside it, a card for running it with --runtime onnx')
    .requiredOption('--model <name|dir>', 'shipped model name or a training run / model package folder')
    .addOption(new Option('--format <fmt>', 'output format').choices(['onnx']).default('onnx'))
    .requiredOption('--out <file>', 'output .onnx file')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .action(async (o: { model: string; out: string; weights?: string }) => (await import('./actions/export.js')).run(o));
}
