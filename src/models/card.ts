// The model card (`model.json`): the one place that decides how an image becomes network input and
// how the network's output becomes a label map. The zod schema is the source; the type is inferred
// from it. No Node imports: the browser module reads cards with this same code.
//
// Version 2 holds the processing rules under `input` and `output`. Version 1 cards (the fields
// `normalization`, `resize`, `pillowResize`, `model.stride`) are migrated on read (migrateCard).
// zod's mini build: the same schemas at a fraction of the browser bundle.
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages
import type { ModelSpec } from './seg_model.js';
import type { Precision } from './precision_names.js';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { MAX_CLASSES } from '../data/class_sets.js';

export { PRECISIONS, type Precision } from './precision_names.js';

const posInt = z.int().check(z.positive());
const hw = z.tuple([posInt, posInt]);
const triple = z.tuple([z.number(), z.number(), z.number()]);

/**
 * How an image is resized for the network: Pillow's antialiasing BILINEAR or BICUBIC, OpenCV's
 * INTER_LINEAR (image-segmentation-keras's; all three exact), or sharp's linear.
 */
export const RESIZE_FILTERS = ['pillow', 'sharp', 'pillow-bicubic', 'opencv-linear'] as const;
export const resizeFilterSchema = z.enum(RESIZE_FILTERS);
export type ResizeFilterName = z.infer<typeof resizeFilterSchema>;

/**
 * The network's input size: the image's own (`native`), one size for every image (`fixed`, [h, w]),
 * or each side brought down to a multiple of `multiple` (`multiple`), resized with `filter`.
 */
export const inputRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('native') }),
  z.object({ kind: z.literal('fixed'), size: hw, filter: resizeFilterSchema }),
  z.object({ kind: z.literal('multiple'), multiple: posInt, filter: resizeFilterSchema }),
]);
export type InputRule = z.infer<typeof inputRuleSchema>;

/**
 * Network input = (sample / full scale - mean) / std per band (full scale 255 for 8-bit, 65535 for
 * 16-bit, 1 for float samples), in `channelOrder` for RGB (mean 0.5, std 0.5: [-1, 1]).
 */
export const normalizationSchema = z.object({ mean: z.array(z.number()), std: z.array(z.number().check(z.positive())), channelOrder: z.optional(z.enum(['RGB', 'BGR'])) });

export const cardInputSchema = z.object({
  rule: inputRuleSchema,
  /** Bands per pixel the network takes: 3 = RGB; 1 = grey; more: e.g. RGB + near-infrared. */
  channels: posInt,
  /** The images' samples: 8-bit (default), 16-bit or float. */
  sampleType: z.optional(z.enum(['uint8', 'uint16', 'float32'])),
  normalization: normalizationSchema,
  /** Input height and width are padded (zeros after normalisation) to multiples of this. */
  stride: posInt,
});
export type CardInput = z.infer<typeof cardInputSchema>;

/**
 * What the network gives (`logits` or `probabilities` per class, or a `labels` map) and how a result
 * at the network's size goes back to the image's: `scores` resizes the class scores bilinearly and
 * takes the argmax there; `labels` takes the argmax at the network's size and resizes the label map
 * by nearest neighbour (`nearest`; scores, when asked for, still go back bilinearly).
 */
export const cardOutputSchema = z.object({
  kind: z.enum(['logits', 'probabilities', 'labels']),
  resizeBack: z.enum(['scores', 'labels']),
  /**
   * How a label map goes back by nearest neighbour: Pillow's NEAREST (pixel centres; the default)
   * or OpenCV's INTER_NEAREST (floor(x * in / out): image-segmentation-keras's `predict`).
   */
  nearest: z.optional(z.enum(['pillow', 'opencv'])),
  /**
   * The network's scores come at 1 / scale of its input on each side (default 1; a fixed input
   * size that scale divides): they go from there to the image's size in one resize, as
   * transformers' post-processing takes a SegFormer's quarter-size logits.
   */
  scale: z.optional(posInt),
});
export type CardOutput = z.infer<typeof cardOutputSchema>;

const classSchema = z.object({ name: z.string(), color: triple });

export const cardSchema = z.object({
  format: z.literal('pixelwise-model'),
  version: z.literal(2),
  // The architecture's own options are checked when the network is built (registry.ts).
  model: z.pipe(z.looseObject({ arch: z.string(), numClasses: posInt.check(z.lte(MAX_CLASSES, `at most ${MAX_CLASSES} (label maps hold one byte a pixel)`)) }), z.transform((m) => m as ModelSpec)),
  classes: z.array(classSchema),
  input: cardInputSchema,
  output: cardOutputSchema,
  ignoreIndex: z.optional(z.int()),
  /** The safetensors weights (TF.js); '' for a model that is an ONNX file only. */
  weights: z._default(z.string(), ''),
  /** Learned parameters (no BatchNorm statistics), as papers count them. */
  parameters: z.optional(z.int().check(z.nonnegative())),
  /** An ONNX file of the network, run with ONNX Runtime. */
  onnx: z.optional(z.string()),
  /**
   * int8: the network computes on 8-bit grids (an 8-bit graph, its activations rounded to 8 bits):
   * runtimes whose integer kernels round otherwise can move labels by whole grid steps. Absent: float.
   */
  precision: z.optional(z.enum(['float32', 'int8'])),
  /**
   * An 8-bit version of this float network (`pixelwise quantize`), run when asked for (precision
   * int8): its ONNX file, how it was made, and how often its labels are the float network's.
   */
  int8: z.optional(z.object({
    onnx: z.string(),
    /** Static QDQ: int8 weights per output channel, uint8 activations from calibrated ranges. */
    method: z.string(),
    calibrationImages: posInt,
    /** Convolutions on 8 bits, of the graph's. */
    quantized: z.int().check(z.nonnegative()), convolutions: z.int().check(z.nonnegative()),
    /** Convolutions (ONNX node names) left in float: asked for, or found by the sensitivity pass. */
    keptFloat: z.array(z.string()),
    /** Share of pixels whose label is the float network's, on the check images (held apart from calibration). */
    agreement: z.number().check(z.gte(0), z.lte(1)),
    checkImages: z.int().check(z.nonnegative()),
    /** Median ms per check image end to end, float and 8-bit, measured when quantising (that machine, those threads). */
    speed: z.optional(z.object({ floatMs: z.number().check(z.positive()), int8Ms: z.number().check(z.positive()), threads: posInt })),
    /** The 8-bit graph's scores on labelled images (`evaluate --precision int8 --record`), as the card's own `evaluation`. */
    evaluation: z.optional(z.record(z.string(), z.unknown())),
  })),
  /**
   * The same network as other ONNX files at other fixed input sizes [h, w] (MediaPipe's selfie
   * model: general 256x256, landscape 144x256): each image goes to the one whose aspect ratio is
   * nearest its own (the card's own `onnx` and size included).
   */
  variants: z.optional(z.array(z.object({ onnx: z.string(), size: hw }))),
  /**
   * Softmax temperature fitted by `pixelwise calibrate` (log-loss on held-apart labelled images):
   * every probability is softmax(scores / temperature). Label maps do not change (argmax of
   * scores / t, t > 0, is the argmax of the scores).
   */
  temperature: z.optional(z.number().check(z.positive())),
  licence: z.optional(z.string()),
  source: z.optional(z.string()),
  notes: z.optional(z.string()),
  /** How the package was made: source file, its sha256, the pixelwise command. */
  provenance: z.optional(z.object({ file: z.string(), sha256: z.string(), command: z.string() })),
  /** Published scores of these weights, with where they were published. */
  scores: z.optional(z.array(z.object({ metric: z.string(), value: z.number(), dataset: z.string(), source: z.string() }))),
  /** A model trained by pixelwise: how (see package_run.ts)... */
  training: z.optional(z.record(z.string(), z.unknown())),
  /** ... and how good it is on its validation split (mIoU, pixel accuracy, IoU per class). */
  evaluation: z.optional(z.record(z.string(), z.unknown())),
});
export type ModelCard = z.output<typeof cardSchema>;
export type CardFields = z.input<typeof cardSchema>;
export type PublishedScore = NonNullable<ModelCard['scores']>[number];

/** The stride of a version-1 card's network, which old cards did not always record. */
export type StrideOf = (model: { arch: string; numClasses: number }) => number | undefined;

/** Whether a raw card is a version-1 card that leaves its stride to `migrateCard`'s `strideOf`. */
export function lacksStride(raw: unknown): boolean {
  const c = raw as { version?: unknown; model?: { stride?: unknown } } | null;
  return c?.version === 1 && !!c.model && c.model.stride === undefined;
}

/** A version-1 card (pixelwise before the processing rules moved under `input`/`output`) as version 2. */
export function migrateCard(raw: unknown, strideOf: StrideOf): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const c = raw as Record<string, unknown>;
  if (c.version !== 1) return raw;
  const { normalization, resize, pillowResize, version: _v, model, ...rest } = c as {
    normalization?: unknown; resize?: [number, number]; pillowResize?: { size?: [number, number]; multiple?: number };
    version: 1; model?: { stride?: number; arch: string; numClasses: number };
  };
  const { stride, ...spec } = model ?? ({} as { stride?: number; arch: string; numClasses: number });
  const rule: unknown = pillowResize?.size ? { kind: 'fixed', size: pillowResize.size, filter: 'pillow' }
    : pillowResize ? { kind: 'multiple', multiple: pillowResize.multiple ?? 1, filter: 'pillow' }
      : resize ? { kind: 'fixed', size: resize, filter: 'sharp' } : { kind: 'native' };
  return {
    ...rest, version: 2, model: model ? spec : model,
    input: { rule, channels: 3, normalization, stride: stride ?? (model ? strideOf(model) : undefined) },
    // Version 1 sent Pillow-resized label maps back by Pillow NEAREST, sharp-resized scores bilinearly.
    output: { kind: 'logits', resizeBack: pillowResize ? 'labels' : 'scores' },
  };
}

/** Why a card is not valid, in one line naming the field; null when it is. */
export function parseCard(raw: unknown, strideOf: StrideOf): { card: ModelCard } | { error: string } {
  const r = cardSchema.safeParse(migrateCard(raw, strideOf));
  if (!r.success) {
    const i = r.error.issues[0];
    return { error: i.path.length ? `invalid model card at "${i.path.join('.')}": ${i.message}` : `invalid model card: ${i.message}` };
  }
  const card = r.data;
  if (card.classes.length !== card.model.numClasses) return { error: `${card.classes.length} classes listed but the model has ${card.model.numClasses} outputs` };
  const bands = bandsError(card.input, card.model) ?? scaleError(card);
  return bands ? { error: bands } : { card };
}

/** Why a card's output scale cannot be (output.scale), or null. */
function scaleError(card: Pick<ModelCard, 'input' | 'output'>): string | null {
  const s = card.output.scale ?? 1, rule = card.input.rule;
  if (s === 1) return null;
  if (card.output.kind === 'labels') return 'invalid model card at output.scale: a label map comes at the input\'s size';
  if (rule.kind !== 'fixed' || rule.size.some((v) => v % s) || card.input.stride !== 1) return `invalid model card at output.scale: ${s} needs a fixed input size whose sides it divides (input.rule) and input.stride 1`;
  return null;
}

/** Why the input's bands disagree (channels, the normalisation's lengths, the network's), or null. */
function bandsError(input: CardInput, model: ModelSpec): string | null {
  const c = input.channels, n = input.normalization;
  if (n.mean.length !== c || n.std.length !== c) return `invalid model card at input.normalization: ${n.mean.length} means and ${n.std.length} stds for ${c} bands (input.channels)`;
  if ((model.inChannels ?? 3) !== c) return `invalid model card at input.channels: ${c} bands but the network takes ${model.inChannels ?? 3} (model.inChannels)`;
  if (n.channelOrder === 'BGR' && c !== 3) return 'invalid model card at input.normalization.channelOrder: BGR needs 3 bands';
  return null;
}

/** Every card is made here (training, import, export, packaging): checked against the schema. */
export function buildCard(fields: Omit<CardFields, 'format' | 'version' | 'input' | 'output' | 'model'> & {
  model: ModelSpec;
  input: Omit<CardInput, 'channels' | 'rule'> & { rule?: InputRule };
  output?: CardOutput;
}): ModelCard {
  expectArgs('buildCard', [['fields', fields, 'object']]);
  expectArgs('buildCard', [['fields.input', fields.input, 'object'], ['fields.model', fields.model, 'object']]);
  const rule = fields.input.rule ?? { kind: 'native' };
  const parsed = cardSchema.safeParse({
    ...fields, format: 'pixelwise-model', version: 2,
    input: { ...fields.input, rule, channels: fields.model.inChannels ?? 3 },
    output: fields.output ?? defaultOutput(rule),
  });
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UserError(`model card ${i.path.join('.')}: ${i.message}`);
  }
  const card = parsed.data;
  const bands = bandsError(card.input, card.model) ?? scaleError(card);
  if (bands) throw new Error(bands);
  return card;
}

/** Label maps of a Pillow-resized input go back by Pillow NEAREST (as the imported models' authors did); others' scores go back bilinearly. */
export function defaultOutput(rule: InputRule): CardOutput {
  return { kind: 'logits', resizeBack: rule.kind !== 'native' && rule.filter === 'pillow' ? 'labels' : 'scores' };
}

/**
 * The card with its input rule replaced by a resize to [h, w] (speed against detail, e.g. video):
 * with the card's own filter where it is an exact one (the network saw such inputs: Pillow's
 * bicubic, OpenCV's bilinear), else Pillow's bilinear. Label
 * maps go back by nearest, but from scores at a fraction of the input (output.scale) as the card
 * says: nearest from a grid k times coarser would draw k x k blocks.
 */
export function withFixedInput(card: ModelCard, size: [number, number]): ModelCard {
  const s = card.output.scale ?? 1;
  if (size.some((v) => v % s)) throw argumentError('inputSize', size.join('x'), `this model's scores come at 1/${s} of its input: give sides that are multiples of ${s} (e.g. ${size.map((v) => Math.max(s, Math.round(v / s) * s)).join('x')})`);
  const own = card.input.rule;
  const rule: InputRule = { kind: 'fixed', size, filter: own.kind !== 'native' && own.filter !== 'sharp' ? own.filter : 'pillow' };
  return { ...card, input: { ...card.input, rule }, output: { ...card.output, resizeBack: s > 1 ? card.output.resizeBack : 'labels' } };
}

/**
 * The card to run at a precision: the card itself when it is that precision already (an imported
 * 8-bit graph is int8; everything else float32), its 8-bit graph (card.int8) for int8, or null when
 * it has no graph of that precision.
 */
export function cardAtPrecision(card: ModelCard, precision: Precision | undefined): ModelCard | null {
  const own: Precision = card.precision ?? 'float32';
  if (!precision || precision === own) return card;
  if (precision === 'float32' || !card.int8) return null;
  const { int8, variants: _v, ...rest } = card;
  return { ...rest, onnx: int8.onnx, weights: '', precision: 'int8' };
}

export const palette = (card: ModelCard) => card.classes.map((c) => c.color);

/**
 * The card of each network a card names: itself, then one per variant (its ONNX file and fixed
 * size in place of the card's; no variants of its own).
 */
export function variantCards(card: ModelCard): ModelCard[] {
  const rule = card.input.rule;
  if (!card.variants?.length || rule.kind !== 'fixed') return [card];
  const { variants, ...base } = card;
  return [base, ...variants.map((v) => ({ ...base, onnx: v.onnx, weights: '', input: { ...card.input, rule: { ...rule, size: v.size } } }))];
}
