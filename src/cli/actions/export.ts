// The `export` command's work, loaded when the command runs (the definition in ../export.ts stays light).
import fs from 'node:fs';
import path from 'node:path';
import { initEngine } from '../../engine/backend.js';
import { loadModelPackage, readCard, writeCard } from '../../models/package.js';
import { buildCard, variantCards, type ModelCard } from '../../models/card.js';
import { exportOnnx } from '../../io/onnx_export.js';
import { MODELS_DIR, resolveModelDir } from '../../models/shipped.js';
import { isInside, writeFileAtomic } from '../../util/fs.js';
import { packageRun, readAbout } from '../../train/package_run.js';
import { UserError } from '../../util/errors.js';
import { checkOutputDir, checkOutputFile } from '../output_paths.js';
import type { ExportOpts } from '../export.js';

/**
 * The shipped models are part of the installed package, and a graph another package's card names
 * is that package's: neither is written over (a package's own graph may be exported again in place).
 */
function checkNotAnotherPackage(out: string, modelDir: string): void {
  const folder = path.dirname(path.resolve(out));
  if (isInside(MODELS_DIR, folder)) throw new UserError(`--out ${out}: inside the shipped models (${MODELS_DIR}), which are not written to; choose another path`);
  if (!fs.existsSync(path.join(folder, 'model.json')) || folder === path.resolve(modelDir)) return;
  let card: ModelCard;
  try { card = readCard(folder); } catch { return; }
  const named = [card.weights, ...variantCards(card).map((c) => c.onnx), card.int8?.onnx].filter(Boolean);
  if (named.includes(path.basename(out))) throw new UserError(`--out ${out}: a file of the model package ${folder} (its model.json names it); writing another model there would break that package: choose another path`);
}

export async function run(o: ExportOpts): Promise<void> {
  if (!!o.out === !!o.package) throw new UserError('give --out FILE.onnx, or --package DIR to make a shippable model package');
  if (o.about && !o.package) throw new UserError('--about goes with --package');
  await initEngine('wasm');
  if (o.package) {
    checkOutputDir('--package', o.package);
    const r = packageRun(resolveModelDir(o.model), o.package, readAbout(o.about));
    const mb = (n: number) => (n / 2 ** 20).toFixed(2);
    const ev = r.card.evaluation as { mIoU?: number } | undefined;
    process.stdout.write(`wrote ${o.package}: weights ${mb(r.weightsBytes)} MB, model.onnx ${mb(r.onnxBytes)} MB${ev?.mIoU != null ? `, val mIoU ${(ev.mIoU * 100).toFixed(2)}` : ''}, card ${path.join(o.package, 'model.json')}\n`);
    return;
  }
  const out = o.out!;
  checkOutputFile('--out', out, '.onnx');
  const modelDir = resolveModelDir(o.model);
  checkNotAnotherPackage(out, modelDir);
  const dir = `${out.replace(/\.onnx$/i, '')}.model`;
  checkOutputDir('--out', dir);
  const { model, card } = loadModelPackage(modelDir, o.weights);
  const bytes = exportOnnx(model);
  writeFileAtomic(out, bytes);
  // A package for the ONNX file alone: same card, with the input stride, and a copy of the file
  // (a card names files inside its own folder).
  writeFileAtomic(path.join(dir, 'model.onnx'), bytes);
  writeCard(dir, buildCard({ ...card, weights: '', onnx: 'model.onnx' }));
  process.stdout.write(`wrote ${out} (${(bytes.length / 1e6).toFixed(2)} MB, input [N,3,H,W] normalised, H and W multiples of ${model.stride}; output logits [N,${card.model.numClasses},H,W]) and ${dir}/model.json\n`);
  model.dispose();
}
