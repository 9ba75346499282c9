// The `export` command's work, loaded when the command runs (the definition in ../export.ts stays light).
import fs from 'node:fs';
import path from 'node:path';
import { initEngine } from '../../engine/backend.js';
import { loadModelPackage, readCard, writeCard } from '../../models/package.js';
import { buildCard, variantCards, type ModelCard } from '../../models/card.js';
import { exportOnnx } from '../../io/onnx_export.js';
import { onnx } from '../../formats/onnx_proto.js';
import { MODELS_DIR, modelName, resolveModelDir } from '../../models/shipped.js';
import { cardFile, runsFromOnnxFile } from '../../models/card_file.js';
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
  if (!fs.existsSync(path.join(folder, 'model.json'))) return;
  let card: ModelCard;
  try { card = readCard(folder); } catch { return; }
  const own = folder === path.resolve(modelDir);
  // Its own graph (card.onnx) is what export makes again; its weights, 8-bit or per-aspect graphs are other files.
  const named = [card.weights, ...variantCards(card).map((c) => c.onnx), card.int8?.onnx].filter((f) => f && !(own && f === card.onnx));
  if (named.includes(path.basename(out))) throw new UserError(`--out ${out}: a file of the model package ${folder} (its model.json names it); writing another model there would break that package: choose another path`);
}

/**
 * A package that is an ONNX graph and no TF.js weights (imported, 8-bit, most shipped models): its
 * graph is the export, as it is, and the package for it copies every graph its card names.
 */
function exportGraph(modelDir: string, card: ModelCard, out: string, dir: string): void {
  const graphs = [...new Set([...variantCards(card).map((c) => c.onnx!), ...(card.int8 ? [card.int8.onnx] : [])])];
  const files = graphs.map((name) => {
    const file = cardFile(modelDir, { weights: '', onnx: name }, 'onnx'), bytes = fs.readFileSync(file);
    // Copied as they are: a damaged graph is said here, not by whatever runs the export.
    try { onnx.ModelProto.decode(bytes); } catch (e) { throw new UserError(`${file}: not a readable ONNX graph (${(e as Error).message}); the package is damaged: make or install it again`); }
    return { name, bytes };
  });
  const bytes = files[0].bytes;
  writeFileAtomic(out, bytes);
  for (const f of files) writeFileAtomic(path.join(dir, f.name), f.bytes);
  writeCard(dir, card);
  const name = modelName(modelDir);
  const more = files.length > 1 ? `; its package also holds ${files.slice(1).map((f) => f.name).join(', ')}` : '';
  process.stdout.write(`wrote ${out} (${(bytes.length / 1e6).toFixed(2)} MB: the ONNX graph of ${name} as it runs; \`pixelwise models ${name}\` gives its input and output) and ${dir}/model.json${more}\n`);
}

export async function run(o: ExportOpts): Promise<void> {
  if (!!o.out === !!o.package) throw new UserError('give --out FILE.onnx, or --package DIR to make a shippable model package');
  if (o.about && !o.package) throw new UserError('--about goes with --package');
  await initEngine('wasm');
  if (o.package) {
    checkOutputDir('--package', o.package);
    const runDir = resolveModelDir(o.model);
    // A package has its card and graph already; what --package adds comes from a run's records.
    if (!fs.existsSync(path.join(runDir, 'train.json'))) throw new UserError(`--model ${o.model}: a model package, not a training run (no train.json); --package makes a training run a package to ship. This one ships as it is (copy its folder), and \`export --out FILE.onnx\` writes its graph`);
    const r = packageRun(runDir, o.package, readAbout(o.about));
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
  const own = readCard(modelDir);
  if (runsFromOnnxFile(modelDir, own, { weights: o.weights }) && !own.weights) return exportGraph(modelDir, own, out, dir);
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
