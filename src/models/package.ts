// A model on disk is a folder: `model.json` (the card, card.ts: architecture, classes, palette,
// input and output rules, licence, source) plus a safetensors weights file and/or an ONNX file. A training run
// folder is such a package too, so predict/evaluate take either.
import fs from 'node:fs';
import path from 'node:path';
import { SegModel, type ModelSpec } from './seg_model.js';
import { parseCard, type ModelCard } from './card.js';
import { findArch } from './registry.js';
import { readSafetensors } from '../formats/safetensors.js';
import { UserError, argumentError } from '../util/errors.js';
import { isDir, isFile, writeFileAtomic } from '../util/fs.js';

export function writeCard(dir: string, card: ModelCard): void {
  writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
}

export function readCard(dir: string): ModelCard {
  const file = path.join(dir, 'model.json');
  if (!isDir(dir)) throw argumentError('model', dir, 'folder not found (give a training run folder or a model package)');
  if (!isFile(file)) throw argumentError('model', dir, 'no model.json in it; is this a pixelwise run or model folder?');
  let raw: unknown;
  try { raw = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { throw new UserError(`${file}: invalid JSON (${(e as Error).message})`); }
  const r = parseCard(raw, (m) => findArch(m.arch)?.stride(m as ModelSpec));
  if ('error' in r) throw new UserError(`${file}: ${r.error}`);
  const { card } = r;
  checkCardFiles(dir, card);
  return card;
}

/**
 * The file a card names (`weights` or `onnx`), confined to the card's folder: a card is data a
 * user may have been handed, so a path that leaves its folder (`../../etc/passwd`, an absolute
 * path, a symlink pointing out) or that is not a regular file of the field's kind is refused. Every
 * reader of a card's files (the runtimes, serve's downloads) comes through here.
 */
export function cardFile(dir: string, card: Pick<ModelCard, 'weights' | 'onnx'>, field: 'weights' | 'onnx'): string {
  const name = card[field] ?? '';
  const file = path.join(dir, 'model.json');
  const ext = field === 'onnx' ? '.onnx' : '.safetensors';
  if (!name) throw new UserError(`${file}: names no ${field} file`);
  const root = path.resolve(dir);
  const target = confined(dir, field, name);
  if (path.extname(target).toLowerCase() !== ext) throw new UserError(`${file}: ${field} "${name}" is not a ${ext} file`);
  let real: string;
  try { real = fs.realpathSync(target); } catch { throw new UserError(`${target}: the ${field} file named by model.json was not found`); }
  if (!inside(real, fs.realpathSync(root))) throw new UserError(`${file}: ${field} "${name}" links outside the model's folder; copy the file into the folder`);
  if (!fs.statSync(real).isFile()) throw new UserError(`${target}: the ${field} file named by model.json is not a regular file`);
  return target;
}

const inside = (p: string, root: string) => p.startsWith(root + path.sep);

/** `name` (a card's `field`) resolved in `dir`, refused when it is absolute or leaves the folder. */
function confined(dir: string, field: string, name: string): string {
  const target = path.resolve(dir, name);
  if (path.isAbsolute(name) || !inside(target, path.resolve(dir))) {
    throw new UserError(`${path.join(dir, 'model.json')}: ${field} "${name}" is outside the model's folder; a card names files inside its own folder`);
  }
  return target;
}

/** Confines the files a card names as soon as it is read (a broken card fails where it is loaded, not at first use). */
function checkCardFiles(dir: string, card: ModelCard): void {
  for (const field of ['weights', 'onnx'] as const) if (card[field]) confined(dir, field, card[field]!);
  for (const v of card.variants ?? []) confined(dir, 'variants.onnx', v.onnx);
  if (card.int8) confined(dir, 'int8.onnx', card.int8.onnx);
}

/** A copy of a model package: its card and the files it names (weights, ONNX files, variants, the 8-bit graph). */
export function copyPackage(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  const card = readCard(from);
  const files = new Set<string>();
  for (const kind of ['onnx', 'weights'] as const) { try { files.add(cardFile(from, card, kind)); } catch { /* the card names none */ } }
  for (const v of card.variants ?? []) files.add(path.join(from, v.onnx));
  if (card.int8) files.add(path.join(from, card.int8.onnx));
  for (const f of files) if (fs.existsSync(f)) fs.copyFileSync(f, path.join(to, path.basename(f)));
  fs.copyFileSync(path.join(from, 'model.json'), path.join(to, 'model.json'));
}

export interface LoadedModel { model: SegModel; card: ModelCard; dir: string; weightsFile: string }

/**
 * The weights file to load: `which` is a checkpoint of a training run by name (best, last), a
 * file name in the folder, or a path; by default the card's, then best, then last.
 */
export function weightsFile(dir: string, card: ModelCard, which?: string): string {
  if (which) {
    const tries = [which, path.join(dir, which), path.join(dir, `${which}.safetensors`)];
    const found = tries.find(isFile);
    if (!found) throw argumentError('weights', which, `no such checkpoint (in ${dir}: ${checkpointsIn(dir).join(', ') || 'none'}; or give a path to a .safetensors file)`);
    return path.resolve(found);
  }
  if (card.weights && isFile(path.join(dir, card.weights))) return cardFile(dir, card, 'weights');
  const found = ['best.safetensors', 'last.safetensors'].map((w) => path.join(dir, w)).find(isFile);
  if (!found) throw argumentError('model', dir, `no weights file (${[card.weights, 'best.safetensors', 'last.safetensors'].filter(Boolean).join(', ')}); has training saved a checkpoint yet?`);
  return path.resolve(found);
}

const checkpointsIn = (dir: string) => { try { return fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).map((f) => f.replace(/\.safetensors$/, '')); } catch { return []; } };

/** Loads a model package; `which` picks a checkpoint of a training run (best by default). */
export function loadModelPackage(dir: string, which?: string): LoadedModel {
  const card = readCard(dir);
  const file = weightsFile(dir, card, which);
  const model = new SegModel(card.model);
  model.loadNamedWeights(readSafetensors(file).tensors, file, { strict: false });
  return { model, card, dir, weightsFile: file };
}

export { palette, type ModelCard } from './card.js';
