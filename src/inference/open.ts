// Opening a model from disk (shipped name, training run, imported model, or an ONNX file with its
// card) as a network of the runtime asked for, then a segmenter through the one factory
// (segmenter.ts). `auto` picks ONNX Runtime, the faster one here (see docs/benchmarks.md), when the
// model exports.
import type { BackendName } from '../engine/backend_names.js';
import { cardFile, openCard, runsFromOnnxFile } from '../models/card_file.js';
import { cardAtPrecision, PRECISIONS, variantCards, type ModelCard, type Precision } from '../models/card.js';
import { isShippedDir, modelName, resolveModelDir } from '../models/shipped.js';
import { UserError, argumentError } from '../util/errors.js';
import type { Network } from './network.js';
import { OnnxNetwork } from './onnx_runtime.js';
import { NODE_FILTERS } from './node_filters.js';
import { byAspect, createSegmenter, networkSide, segmenterOptionsShape, TILING_HINTS, type Segmenter, type SegmenterOptions } from './segmenter.js';
import { RUNTIMES, type RuntimeName } from './runtime_names.js';
import { BACKENDS } from '../engine/backend_names.js';
import { checkedOptions } from '../util/call_options.js';
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages

export interface OpenOptions extends SegmenterOptions {
  runtime?: RuntimeName;
  /** TF.js backend, for models that TF.js builds (default auto). */
  backend?: BackendName;
  /** A checkpoint of a training run (best, last) or a weights file. */
  weights?: string;
  /** ONNX Runtime threads. */
  threads?: number;
  /** ONNX Runtime: specialise the graph to an input shape that comes twice in a row (see OnnxNetwork.specialize). */
  specialize?: boolean;
  /** int8: the model's 8-bit graph (`pixelwise quantize`); float32: its float one. Default: the card's own. */
  precision?: Precision;
}

/** OpenOptions as a JavaScript caller may pass them (keys and types; see call_options.ts). */
export const openOptionsSchema = z.strictObject({
  ...segmenterOptionsShape,
  runtime: z.optional(z.enum(RUNTIMES as [RuntimeName, ...RuntimeName[]])),
  backend: z.optional(z.enum(BACKENDS as [BackendName, ...BackendName[]])),
  weights: z.optional(z.string('expected a checkpoint name (best, last) or a weights file\'s path')),
  threads: z.optional(z.number()),
  specialize: z.optional(z.boolean()),
  precision: z.optional(z.enum(PRECISIONS as [Precision, ...Precision[]])),
} satisfies { [K in keyof Required<OpenOptions>]: z.ZodMiniType });

/** Opens a model (shipped name, training run, imported model, or external ONNX with a card). */
export async function openSegmenter(model: string | undefined, o: OpenOptions = {}): Promise<Segmenter> {
  o = checkedOptions(openOptionsSchema, o, 'openSegmenter()', TILING_HINTS);
  return openEach(model, o, (network, card) => createSegmenter(network, card, { filters: NODE_FILTERS, ...o }));
}

/** The network side of a segmenter (segmenter.ts networkSide): what a worker thread holds. */
export async function openNetwork(model: string | undefined, o: OpenOptions = {}): Promise<Segmenter> {
  return openEach(model, o, (network, card) => networkSide(network, card, { filters: NODE_FILTERS, ...o }));
}

/** A segmenter made by `make` for the model's network and for each of its card's variants, routed by aspect. */
async function openEach(model: string | undefined, o: OpenOptions, make: (n: Network, c: ModelCard) => Segmenter): Promise<Segmenter> {
  const { network, card, dir } = await openModel(model, o);
  const parts: Segmenter[] = [];
  try {
    parts.push(make(network, variantCards(card)[0]));
    for (const v of variantCards(card).slice(1)) {
      if (o.runtime === 'tfjs') throw argumentError('runtime', o.runtime, `the model ${modelName(dir)} runs its variants as ONNX files; use the onnx or auto runtime`);
      const net = await OnnxNetwork.create(cardFile(dir, v, 'onnx'), card.model.numClasses, o.threads);
      try { parts.push(make(net, v)); } catch (e) { await net.dispose(); throw e; }
    }
    return byAspect(parts, card);
  } catch (e) {
    if (!parts.length) await network.dispose();
    for (const p of parts) await p.dispose();
    throw e;
  }
}

/** A model's card and its network on the runtime asked for. */
export async function openModel(model: string | undefined, o: OpenOptions = {}): Promise<{ network: Network; card: ModelCard; dir: string }> {
  const runtime = o.runtime ?? 'auto';
  if (!RUNTIMES.includes(runtime)) throw argumentError('runtime', runtime, `use ${RUNTIMES.join(', ')}`);
  const dir = resolveModelDir(model);
  const card = atPrecision(await openCard(dir), o.precision, dir);
  const onnx = async (bytes: Uint8Array | string) => {
    const net = await OnnxNetwork.create(bytes, card.model.numClasses, o.threads);
    net.specialize = !!o.specialize;
    return net;
  };
  if (runsFromOnnxFile(dir, card, { weights: o.weights, tfjs: runtime === 'tfjs' })) {
    // A pre-exported ONNX file (shipped and imported models, `pixelwise export`): ONNX Runtime
    // runs it without building the TF.js model.
    // The option to change is the runtime (the model was maybe not even named: the default).
    if (runtime === 'tfjs') throw argumentError('runtime', runtime, `the model ${model == null ? `${modelName(dir)} (the default)` : modelName(dir)} is an ONNX-only model (no weights for TF.js); use the onnx or auto runtime`);
    return { network: await onnx(cardFile(dir, card, 'onnx')), card, dir };
  }
  // Building the TF.js model (to run it, or to export it for ONNX Runtime) needs the engine; a
  // pre-exported model above does not, and starts without loading TF.js at all.
  const [{ initEngine }, { loadModelPackage }, { exportOnnx }, { TfjsNetwork }] = await Promise.all([
    import('../engine/backend.js'), import('../models/package.js'), import('../io/onnx_export.js'), import('./tfjs_network.js')]);
  await initEngine(o.backend ?? 'auto');
  const { model: m } = loadModelPackage(dir, o.weights);
  if (runtime === 'tfjs') return { network: new TfjsNetwork(m), card, dir };
  try {
    const network = await onnx(exportOnnx(m));
    m.dispose();
    return { network, card, dir };
  } catch (e) {
    if (runtime === 'onnx') { m.dispose(); throw e instanceof UserError ? e : new UserError(`ONNX Runtime could not run ${dir}: ${(e as Error).message}`); }
    o.log?.(`note: using TF.js (${(e as Error).message.split('\n')[0]})`);
    return { network: new TfjsNetwork(m), card, dir };
  }
}

function atPrecision(card: ModelCard, precision: Precision | undefined, dir: string): ModelCard {
  if (precision !== undefined && !PRECISIONS.includes(precision)) throw argumentError('precision', precision, `use ${PRECISIONS.join(' or ')}`);
  const c = cardAtPrecision(card, precision);
  if (c) return c;
  const name = modelName(dir);
  // A shipped model is not changed in place: its 8-bit graph goes to a copy (quantize --out).
  throw argumentError('precision', precision, precision === 'int8'
    ? `${name} has no 8-bit graph; make one with pixelwise quantize --model ${name} --calibration IMAGES${isShippedDir(dir) ? ` --out ${name}-int8, and run that folder` : ''}`
    : `${name} is an 8-bit graph only`);
}
