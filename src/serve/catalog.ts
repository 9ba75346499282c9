// The models `pixelwise serve` offers: the shipped ones, plus each model package (a folder with
// model.json) directly inside --models DIR. Requests name a model; they never give a path.
import fs from 'node:fs';
import path from 'node:path';
import { MODELS_DIR, shippedModels } from '../models/shipped.js';
import { openCard } from '../models/card_file.js';
import type { ModelCard } from '../models/card.js';
import { argumentError } from '../util/errors.js';
import { isDir } from '../util/fs.js';

export interface CatalogEntry { name: string; dir: string; card: ModelCard }

const NAME = /^[\w.-]+$/;

export async function buildCatalog(modelsDir?: string): Promise<Map<string, CatalogEntry>> {
  const out = new Map<string, CatalogEntry>();
  const add = async (name: string, dir: string) => {
    // A package of --models named as a shipped model is served under that name in its place: said.
    const shipped = out.get(name);
    try {
      out.set(name, { name, dir, card: await openCard(dir) });
      if (shipped) process.stderr.write(`serve: ${dir} is served as ${name}, in place of the shipped model of that name\n`);
    } catch (e) {
      process.stderr.write(`serve: skipping model ${dir} (${(e as Error).message})\n`);
    }
  };
  for (const name of shippedModels()) await add(name, path.join(MODELS_DIR, name));
  if (modelsDir) {
    if (!isDir(modelsDir)) throw argumentError('models', modelsDir, 'no such folder');
    for (const d of fs.readdirSync(modelsDir).sort()) {
      if (NAME.test(d) && fs.existsSync(path.join(modelsDir, d, 'model.json'))) await add(d, path.resolve(modelsDir, d));
    }
    if (fs.existsSync(path.join(modelsDir, 'model.json'))) await add(path.basename(path.resolve(modelsDir)), path.resolve(modelsDir));
  }
  return out;
}

/** What /v1/models tells a client about a model: enough to draw its results and preprocess for it. */
export function describeModel(e: CatalogEntry) {
  const c = e.card;
  return {
    name: e.name, arch: c.model.arch, numClasses: c.model.numClasses,
    classes: c.classes.map((k, id) => ({ id, name: k.name, color: k.color })),
    input: c.input, output: c.output,
    onnx: !!c.onnx, licence: c.licence ?? null, source: c.source ?? null,
  };
}
