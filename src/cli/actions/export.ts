// The `export` command's work, loaded when the command runs (the definition in ../export.ts stays light).
import path from 'node:path';
import { initEngine } from '../../engine/backend.js';
import { loadModelPackage, writeCard } from '../../models/package.js';
import { exportOnnx } from '../../io/onnx_export.js';
import { resolveModelDir } from '../../models/shipped.js';
import { writeFileAtomic } from '../../util/fs.js';

export async function run(o: { model: string; out: string; weights?: string }): Promise<void> {
  await initEngine('wasm');
  const { model, card } = loadModelPackage(resolveModelDir(o.model), o.weights);
  const bytes = exportOnnx(model);
  writeFileAtomic(o.out, bytes);
  // A package for the ONNX file alone: same card, pointing at the .onnx, with the input stride.
  const dir = `${o.out.replace(/\.onnx$/i, '')}.model`;
  writeCard(dir, { ...card, model: { ...card.model, stride: model.stride }, weights: '', onnx: path.relative(dir, path.resolve(o.out)) });
  process.stdout.write(`wrote ${o.out} (${(bytes.length / 1e6).toFixed(2)} MB, input [N,3,H,W] normalised, H and W multiples of ${model.stride}; output logits [N,${card.model.numClasses},H,W]) and ${dir}/model.json\n`);
  model.dispose();
    }
