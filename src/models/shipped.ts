// Models that ship in the package's `models/` folder, addressed by name wherever a model folder
// is accepted (`--model voc`, `load('voc')`). A name that is also an existing folder means the folder.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, argumentError } from '../util/errors.js';
import { isDir } from '../util/fs.js';

export const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));
export const DEFAULT_MODEL = 'voc';

/** Names of the shipped models to segment with (folders of models/ whose card names an ONNX file). */
export function shippedModels(): string[] {
  return packages().filter(cardNamesOnnx);
}

/** A `--model` value (folder or shipped name; default: the shipped VOC model) -> model folder. */
export function resolveModelDir(model: string | undefined): string {
  const m = model ?? DEFAULT_MODEL;
  if (typeof m !== 'string' || !m) {
    const got = m === null ? 'null' : typeof m === 'object' ? 'an object' : typeof m === 'string' ? 'an empty string' : `a ${typeof m}`;
    throw new UserError(`model: got ${got}; give a shipped model's name (${shippedModels().join(', ')}) or a model folder's path`, 2, 'model');
  }
  if (isDir(m)) return m;
  if (/^[\w-]+$/.test(m) && isDir(path.join(MODELS_DIR, m))) return path.join(MODELS_DIR, m);
  const names = shippedModels();
  throw argumentError('model', m, `no such folder and no shipped model of that name (shipped: ${names.join(', ') || 'none'}); give a training run folder or a model package`);
}

/**
 * Shipped starts: packages of trainable weights without an ONNX file (models/NAME), which training
 * begins from (`--encoder-weights NAME`, `--init-weights NAME`); every model to segment with ships a
 * pre-exported ONNX file.
 */
export function shippedStarts(): string[] {
  return packages().filter((d) => !cardNamesOnnx(d));
}

/** A weights argument naming a shipped start -> its folder; anything else as given. */
export function resolveStart(value: string): string {
  if (!isDir(value) && /^[\w-]+$/.test(value) && shippedStarts().includes(value)) return path.join(MODELS_DIR, value);
  return value;
}

/** Whether a model folder is one of the shipped models (part of the installed package). */
export function isShippedDir(dir: string): boolean {
  return path.resolve(path.dirname(dir)) === path.resolve(MODELS_DIR) && shippedModels().includes(path.basename(dir));
}

/**
 * A model folder as the user named it: a shipped model given by name (resolveModelDir made it the
 * installed folder's absolute path) by that name; a path as it was given.
 */
export function modelName(dir: string): string {
  return path.dirname(dir) === path.resolve(MODELS_DIR) && isShippedDir(dir) ? path.basename(dir) : dir;
}

/** Folders of models/ holding a model.json. */
function packages(): string[] {
  if (!isDir(MODELS_DIR)) return [];
  return fs.readdirSync(MODELS_DIR).filter((d) => fs.existsSync(path.join(MODELS_DIR, d, 'model.json'))).sort();
}

/** Whether a package's card names an ONNX file (an unreadable card counts as a model: loading it says what is wrong). */
function cardNamesOnnx(d: string): boolean {
  try { return Boolean((JSON.parse(fs.readFileSync(path.join(MODELS_DIR, d, 'model.json'), 'utf8')) as { onnx?: unknown }).onnx); } catch { return true; }
}
