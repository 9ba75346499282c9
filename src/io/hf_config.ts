// A Hugging Face model folder's own description of its preprocessing and classes
// (preprocessor_config.json, config.json, README.md's front matter), as a model card's input rule,
// normalisation, class names and licence: what transformers' image processors and transformers.js
// read, so that an ONNX export from Optimum or transformers.js runs as its authors ran it.
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages
import type { Normalization } from '../data/normalize.js';
import { UserError } from '../util/errors.js';

const size = z.union([z.number(), z.looseObject({ height: z.optional(z.number()), width: z.optional(z.number()), shortest_edge: z.optional(z.number()) })]);

/** The keys of an image processor's configuration pixelwise reads (others are left as they are). */
const preprocessorSchema = z.looseObject({
  do_resize: z.optional(z.boolean()),
  size: z.optional(size),
  resample: z.optional(z.number()),
  do_center_crop: z.optional(z.boolean()),
  crop_size: z.optional(size),
  do_rescale: z.optional(z.boolean()),
  rescale_factor: z.optional(z.number().check(z.positive())),
  do_normalize: z.optional(z.boolean()),
  image_mean: z.optional(z.array(z.number())),
  image_std: z.optional(z.array(z.number().check(z.positive()))),
  do_flip_channel_order: z.optional(z.boolean()),
  size_divisor: z.optional(z.number()),
});

const configSchema = z.looseObject({ id2label: z.optional(z.record(z.string(), z.string())) });

/** PIL's resampling filters by number, as transformers' configurations give them. */
const RESAMPLE = ['nearest', 'lanczos', 'bilinear', 'bicubic', 'box', 'hamming'];

export interface HfPreprocessing {
  /** The fixed [h, w] every image is resized to, or null (the image's own size). */
  size: [number, number] | null;
  /** Pillow's filter the processor resizes with (bilinear where it names another pixelwise has not). */
  filter: 'pillow' | 'pillow-bicubic';
  normalization: Normalization | null;
  /** Where pixelwise does otherwise than the authors' processor, in words. */
  notes: string[];
}

function checked<T>(schema: z.ZodMiniType<T>, raw: unknown, file: string): T {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UserError(`${file}: ${i.path.join('.') || '(top)'}: ${i.message}; fix the file or remove it`);
  }
  return r.data;
}

/** [h, w] of a size given as a number (square) or { height, width }; null for { shortest_edge }. */
function hw(s: z.infer<typeof size>): [number, number] | null {
  if (typeof s === 'number') return [s, s];
  return s.height && s.width ? [s.height, s.width] : null;
}

/** The input rule and normalisation a preprocessor_config.json describes (transformers' defaults where a key is absent). */
export function hfPreprocessing(raw: unknown, file: string, bands: number): HfPreprocessing {
  const p = checked(preprocessorSchema, raw, file);
  const notes: string[] = [];
  let fixed: [number, number] | null = null, filter: HfPreprocessing['filter'] = 'pillow';
  if (p.do_resize !== false && p.size !== undefined) {
    const crop = p.do_center_crop && p.crop_size !== undefined ? hw(p.crop_size) : null;
    const resized = hw(p.size);
    if (crop) {
      fixed = crop;
      notes.push(`The authors' processor resizes and then crops the centre ${crop[1]}x${crop[0]}; pixelwise resizes the whole image to ${crop[1]}x${crop[0]} (a label for every pixel).`);
    } else if (resized) fixed = resized;
    else throw new UserError(`${file}: size ${JSON.stringify(p.size)} resizes the shortest side (keeping the aspect ratio), which a model card does not describe; give --input-size HxW (the size the network was trained at)`);
    const named = RESAMPLE[p.resample ?? 2] ?? `filter ${p.resample}`;
    if (named === 'bicubic') filter = 'pillow-bicubic';
    else if (named !== 'bilinear') notes.push(`The authors' processor resizes with ${named}; pixelwise with Pillow's bilinear.`);
  }
  // Network input = ((pixel * rescale) - mean) / std, in the card's units of pixel / 255.
  const rescale = p.do_rescale === false ? 1 : p.rescale_factor ?? 1 / 255;
  const k = 1 / (255 * rescale);
  let normalization: Normalization | null;
  if (p.do_normalize === false || (p.do_normalize === undefined && !p.image_mean && !p.image_std)) {
    normalization = { mean: Array(bands).fill(0), std: Array(bands).fill(k) };
  } else if (p.image_mean && p.image_std) {
    for (const [key, v] of [['image_mean', p.image_mean], ['image_std', p.image_std]] as const) {
      if (v.length !== bands) throw new UserError(`${file}: ${key} has ${v.length} values for an input of ${bands} bands; fix the file or give --mean and --std`);
    }
    normalization = { mean: p.image_mean.map((m) => m * k), std: p.image_std.map((s) => s * k) };
  } else normalization = null; // do_normalize with the processor class's own defaults: not in the file
  if (normalization && p.do_flip_channel_order) normalization.channelOrder = 'BGR';
  return { size: fixed, filter, normalization, notes };
}

/** Class names by id from config.json's id2label (ids 0..n-1, each once), or null when it has none. */
export function hfClassNames(raw: unknown, file: string): string[] | null {
  const c = checked(configSchema, raw, file);
  if (!c.id2label) return null;
  const entries = Object.entries(c.id2label);
  const names: string[] = [];
  for (const [id, name] of entries) {
    const i = Number(id);
    if (!Number.isInteger(i) || i < 0 || i >= entries.length) throw new UserError(`${file}: id2label has the id ${JSON.stringify(id)}; ids must be 0..${entries.length - 1}`);
    names[i] = name.trim();
  }
  return names;
}

/** The `license:` of a Hugging Face README.md's front matter, or null. */
export function hfLicence(readme: string): string | null {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme);
  const m = front && /^license:\s*(.+?)\s*$/m.exec(front[1]);
  return m ? m[1].replace(/^["']|["']$/g, '') : null;
}
