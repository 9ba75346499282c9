// A model's identity, by content: what batch names its jobs by and what predict's record holds,
// so that work done with a model is known for that model wherever it was copied, and not for a
// model retrained in the same folder.
import path from 'node:path';
import { cardFile, openCard } from './card_file.js';
import { resolveModelDir } from './shipped.js';
import { fileSha256 as fileHash, sha256 } from '../util/hash.js';

/**
 * The model's identity: its card and the files it names (weights, ONNX graphs), by content. The
 * same model copied to another path is the same model; a retrained one in the same path is not.
 */
export async function modelIdentity(model: string | undefined): Promise<string> {
  const dir = resolveModelDir(model);
  const card = await openCard(dir);
  const parts = [fileHash(path.join(dir, 'model.json'))];
  if (card.weights) parts.push(fileHash(cardFile(dir, card, 'weights')));
  if (card.onnx) parts.push(fileHash(cardFile(dir, card, 'onnx')));
  for (const v of card.variants ?? []) parts.push(fileHash(cardFile(dir, { weights: '', onnx: v.onnx }, 'onnx')));
  return sha256(parts.join(','));
}
