// Models that ship in the package's `models/` folder, addressed by name wherever a model folder
// is accepted (`--model voc`, `load('voc')`). A name that is also an existing folder means the folder.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { argumentError } from '../util/errors.js';
import { isDir } from '../util/fs.js';

export const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));
export const DEFAULT_MODEL = 'voc';

/** Names of the shipped model packages (folders of models/ holding a model.json). */
export function shippedModels(): string[] {
  if (!isDir(MODELS_DIR)) return [];
  return fs.readdirSync(MODELS_DIR).filter((d) => fs.existsSync(path.join(MODELS_DIR, d, 'model.json'))).sort();
}

/** A `--model` value (folder or shipped name; default: the shipped VOC model) -> model folder. */
export function resolveModelDir(model: string | undefined): string {
  const m = model ?? DEFAULT_MODEL;
  if (isDir(m)) return m;
  if (/^[\w-]+$/.test(m) && isDir(path.join(MODELS_DIR, m))) return path.join(MODELS_DIR, m);
  const names = shippedModels();
  throw argumentError('model', m, `no such folder and no shipped model of that name (shipped: ${names.join(', ') || 'none'}); give a training run folder or a model package`);
}

export const STARTS_DIR = path.join(MODELS_DIR, 'starts');

/** Names of the shipped starts (model packages that training begins from: models/starts/NAME). */
export function shippedStarts(): string[] {
  if (!isDir(STARTS_DIR)) return [];
  return fs.readdirSync(STARTS_DIR).filter((d) => fs.existsSync(path.join(STARTS_DIR, d, 'model.json'))).sort();
}

/** A weights argument naming a shipped start -> its folder; anything else as given. */
export function resolveStart(value: string): string {
  if (!isDir(value) && /^[\w-]+$/.test(value) && isDir(path.join(STARTS_DIR, value))) return path.join(STARTS_DIR, value);
  return value;
}
