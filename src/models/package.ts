// A model on disk is a folder: `model.json` (the card, card.ts: architecture, classes, palette,
// input and output rules, licence, source) plus a safetensors weights file and/or an ONNX file. A training run
// folder is such a package too, so predict/evaluate take either.
import fs from 'node:fs';
import path from 'node:path';
import { SegModel } from './seg_model.js';
import type { ModelCard } from './card.js';
import { cardFile, readCardWith, weightsFile } from './card_file.js';
import { archStride } from './registry.js';
import { readSafetensors } from '../formats/safetensors.js';
import { copyFileAtomic, makeDir } from '../util/fs.js';
import { expectArgs } from '../util/call_options.js';

export { writeCard, cardFile, openCard } from './card_file.js';

/** The card in `dir`, checked (version-1 cards migrated, with the registry's stride where they lack one). */
export function readCard(dir: string): ModelCard {
  expectArgs('readCard', [['dir', dir, 'string']]);
  return readCardWith(dir, archStride);
}

/** A copy of a model package: its card and the files it names (weights, ONNX files, variants, the 8-bit graph). */
export function copyPackage(from: string, to: string): void {
  makeDir(to);
  const card = readCard(from);
  const files = new Set<string>();
  for (const kind of ['onnx', 'weights'] as const) { try { files.add(cardFile(from, card, kind)); } catch { /* the card names none */ } }
  for (const v of card.variants ?? []) files.add(path.join(from, v.onnx));
  if (card.int8) files.add(path.join(from, card.int8.onnx));
  for (const f of files) if (fs.existsSync(f)) copyFileAtomic(f, path.join(to, path.basename(f)));
  copyFileAtomic(path.join(from, 'model.json'), path.join(to, 'model.json'));
}

export interface LoadedModel { model: SegModel; card: ModelCard; dir: string; weightsFile: string }

/** Loads a model package; `which` picks a checkpoint of a training run (best by default). */
export function loadModelPackage(dir: string, which?: string): LoadedModel {
  expectArgs('loadModelPackage', [['dir', dir, 'string']]);
  const card = readCard(dir);
  const file = weightsFile(dir, card, which);
  const model = new SegModel(card.model);
  model.loadNamedWeights(readSafetensors(file).tensors, file, { strict: false });
  return { model, card, dir, weightsFile: file };
}

export { palette, type ModelCard } from './card.js';
