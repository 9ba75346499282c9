// A model card on disk (`model.json` in a model folder): reading it, checked, and confining the
// files it names to its folder. No TF.js here: commands that run an ONNX graph read cards too.
import fs from 'node:fs';
import path from 'node:path';
import { lacksStride, parseCard, type ModelCard, type StrideOf } from './card.js';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { isDir, isFile, writeFileAtomic } from '../util/fs.js';
import { modelName } from './shipped.js';

/** Writes `card` as `dir`/model.json, checked as it will be read back: a card pixelwise would refuse to read is refused here. */
export function writeCard(dir: string, card: ModelCard): void {
  const json = JSON.stringify(card, null, 2);
  const r = json === undefined ? { error: 'not an object' } : parseCard(JSON.parse(json), () => undefined);
  if ('error' in r) throw new UserError(`card: ${r.error}; build cards with buildCard`, 2, 'card');
  writeFileAtomic(path.join(dir, 'model.json'), json + '\n');
}

/**
 * The card in `dir`, checked; `strideOf` gives the network stride that some version-1 cards did not
 * record (the model registry knows it).
 */
export function readCardWith(dir: string, strideOf: StrideOf): ModelCard {
  const file = path.join(dir, 'model.json');
  const raw = rawCard(dir);
  const r = parseCard(raw, strideOf);
  if ('error' in r) throw new UserError(`${file}: ${r.error}`);
  const { card } = r;
  checkCardFiles(dir, card);
  return card;
}

/**
 * The card in `dir`, without loading TF.js: the model registry (whose builders need it) is
 * imported only for a version-1 card that lacks its stride. Commands that run an ONNX graph start
 * faster this way.
 */
export async function openCard(dir: string): Promise<ModelCard> {
  expectArgs('openCard', [['dir', dir, 'string']]);
  const strideOf: StrideOf = lacksStride(rawCard(dir)) ? (await import('./registry.js')).archStride : () => undefined;
  return readCardWith(dir, strideOf);
}

/**
 * Whether a model runs from the ONNX file its card names rather than from its TF.js weights. That
 * file holds the card's own weights, so not when other weights are asked for (`weights`: a
 * checkpoint) or TF.js is (`tfjs`). Other weights for a model that has no TF.js weights (an
 * imported or 8-bit graph) are refused rather than ignored.
 */
export function runsFromOnnxFile(dir: string, card: ModelCard, o: { weights?: string; tfjs?: boolean }): boolean {
  if (!card.onnx) return false;
  if (card.weights) return !(o.weights || o.tfjs);
  if (o.weights) throw argumentError('weights', o.weights, `${modelName(dir)} is an ONNX graph with no TF.js weights to replace; a checkpoint applies to training runs and to packages that hold their weights (.safetensors)`);
  return true;
}

function rawCard(dir: string): unknown {
  const file = path.join(dir, 'model.json');
  if (!isDir(dir)) throw argumentError('model', dir, 'folder not found (give a training run folder or a model package)');
  if (!isFile(file)) throw argumentError('model', dir, 'no model.json in it; is this a pixelwise run or model folder?');
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { throw new UserError(`${file}: invalid JSON (${(e as Error).message})`); }
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

/**
 * The weights file to load: `which` is a checkpoint of a training run by name (best, last), a
 * file name in the folder, or a path; by default the card's, then best, then last.
 */
export function weightsFile(dir: string, card: ModelCard, which?: string): string {
  if (which) {
    const tries = [which, path.join(dir, which), path.join(dir, `${which}.safetensors`)];
    const found = tries.find(isFile);
    if (!found) throw argumentError('weights', which, `no such checkpoint (in ${modelName(dir)}: ${checkpointsIn(dir).join(', ') || 'none'}; or give a path to a .safetensors file)`);
    return path.resolve(found);
  }
  if (card.weights && isFile(path.join(dir, card.weights))) return cardFile(dir, card, 'weights');
  const found = ['best.safetensors', 'last.safetensors'].map((w) => path.join(dir, w)).find(isFile);
  if (!found) throw argumentError('model', dir, `no weights file (${[card.weights, 'best.safetensors', 'last.safetensors'].filter(Boolean).join(', ')}); has training saved a checkpoint yet?`);
  return path.resolve(found);
}

const checkpointsIn = (dir: string) => { try { return fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).map((f) => f.replace(/\.safetensors$/, '')); } catch { return []; } };
