// The `export` command's work, loaded when the command runs (the definition in ../export.ts stays light).
import path from 'node:path';
import { initEngine } from '../../engine/backend.js';
import { loadModelPackage, writeCard } from '../../models/package.js';
import { buildCard } from '../../models/card.js';
import { exportOnnx } from '../../io/onnx_export.js';
import { resolveModelDir } from '../../models/shipped.js';
import { writeFileAtomic } from '../../util/fs.js';
import { packageRun, readAbout } from '../../train/package_run.js';
import { UserError } from '../../util/errors.js';
import { checkOutputDir, checkOutputFile } from '../output_paths.js';
import type { ExportOpts } from '../export.js';

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
  checkOutputFile('--out', out);
  const dir = `${out.replace(/\.onnx$/i, '')}.model`;
  checkOutputDir('--out', dir);
  const { model, card } = loadModelPackage(resolveModelDir(o.model), o.weights);
  const bytes = exportOnnx(model);
  writeFileAtomic(out, bytes);
  // A package for the ONNX file alone: same card, with the input stride, and a copy of the file
  // (a card names files inside its own folder).
  writeFileAtomic(path.join(dir, 'model.onnx'), bytes);
  writeCard(dir, buildCard({ ...card, weights: '', onnx: 'model.onnx' }));
  process.stdout.write(`wrote ${out} (${(bytes.length / 1e6).toFixed(2)} MB, input [N,3,H,W] normalised, H and W multiples of ${model.stride}; output logits [N,${card.model.numClasses},H,W]) and ${dir}/model.json\n`);
  model.dispose();
}
