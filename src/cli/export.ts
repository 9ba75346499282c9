// `pixelwise export`: a model package to ONNX (opset 13, NCHW, input H/W multiples of the stride).
import path from 'node:path';
import { Command, Option } from 'commander';
import { initEngine } from '../engine/backend.js';
import { loadModelPackage, writeCard } from '../models/package.js';
import { exportOnnx } from '../io/onnx_export.js';
import { resolveModelDir } from '../models/shipped.js';
import { writeFileAtomic } from '../util/fs.js';

export function exportCommand(): Command {
  return new Command('export')
    .description('export a model to ONNX; writes MODEL.onnx and, beside it, a card for running it with --runtime onnx')
    .requiredOption('--model <name|dir>', 'shipped model name or a training run / model package folder')
    .addOption(new Option('--format <fmt>', 'output format').choices(['onnx']).default('onnx'))
    .requiredOption('--out <file>', 'output .onnx file')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .action(async (o: { model: string; out: string; weights?: string }) => {
      await initEngine('wasm');
      const { model, card } = loadModelPackage(resolveModelDir(o.model), o.weights);
      const bytes = exportOnnx(model);
      writeFileAtomic(o.out, bytes);
      // A package for the ONNX file alone: same card, pointing at the .onnx, with the input stride.
      const dir = `${o.out.replace(/\.onnx$/i, '')}.model`;
      writeCard(dir, { ...card, model: { ...card.model, stride: model.stride }, weights: '', onnx: path.relative(dir, path.resolve(o.out)) });
      process.stdout.write(`wrote ${o.out} (${(bytes.length / 1e6).toFixed(2)} MB, input [N,3,H,W] normalised, H and W multiples of ${model.stride}; output logits [N,${card.model.numClasses},H,W]) and ${dir}/model.json\n`);
      model.dispose();
    });
}
