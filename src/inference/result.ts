// The result of segmenting one image, with its renderers: colour mask, overlay, legend, cut-outs
// and background effects. Probabilities are kept (one byte per class and pixel) so that effects
// and cut-outs have soft edges.
import sharp from 'sharp';
import type { ClassInfo, Rgb } from '../data/classes.js';
import { decodeImageBuffer, readImage, type RgbImage } from '../data/image_io.js';
import { checkedAlpha, colorize, overlay } from '../render/colorize.js';
import { legendPng } from '../render/legend.js';
import { backdrop } from '../render/effects.js';
import { boundingBox, chosenEffect, composite, cutoutRgba, effectOptionsShape, matte, parseColor, type Effect } from '../render/compose.js';
import { checkedOptions } from '../util/call_options.js';
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages
import { classAreas, classIds, classShares, confidenceMasks, probabilityOf, type ClassArea } from './label_map.js';
import { UserError, argumentError } from '../util/errors.js';

/** Encoded image (PNG by default, JPEG) or raw pixels. */
export interface RenderOptions { format?: 'png' | 'jpeg' | 'raw'; quality?: number }
export interface RawPixels { data: Uint8Array; width: number; height: number; channels: 3 | 4 }
export type Rendered = Buffer | RawPixels;

export interface BackgroundOptions extends RenderOptions {
  /** Classes kept as they are (names or ids); everything else gets the effect. */
  keep: (string | number)[];
  /**
   * Gaussian blur sigma in pixels; or `color` (#RRGGBB or [r, g, b]); or `image` (replaces the
   * background); or `grey`; or `transparent` (RGBA: the kept classes opaque, the rest clear, PNG or raw).
   */
  blur?: number; color?: string | Rgb; image?: RgbImage | string | Uint8Array; grey?: boolean; transparent?: boolean;
}

export interface Cutout { id: number; name: string; /** [x, y, width, height] in the image */ box: [number, number, number, number]; png: Buffer }

export interface Segmentation {
  /** Class id per pixel, row-major, width x height (the input image's size). */
  labels: Uint8Array;
  width: number;
  height: number;
  /** Classes present, largest first, with pixel counts and shares of the image. */
  classes: ClassArea[];
  /** The RGB image that was segmented (decoded from the input). */
  image: RgbImage;
  /** Per pixel, the probability (0..1) of belonging to any of these classes. */
  probability(classes: (string | number)[]): Float32Array;
  /** One mask per class, in class order, each pixel's probability (0..1): MediaPipe's confidence masks. */
  confidenceMasks(): Float32Array[];
  colorMask(o?: RenderOptions): Promise<Rendered>;
  overlay(o?: RenderOptions & { alpha?: number }): Promise<Rendered>;
  /** PNG: swatch, name and area share of each class present. */
  legend(): Promise<Buffer>;
  /** One RGBA PNG per listed class present, cropped to its box; opacity from its probability (soft edges). */
  cutout(classes: (string | number)[]): Promise<Cutout[]>;
  /** The image with everything but `keep` blurred, recoloured, replaced, greyed or made transparent; soft edges. */
  background(o: BackgroundOptions): Promise<Rendered>;
}

const FORMATS = ['png', 'jpeg', 'raw'];

// The renderers' options as a JavaScript caller may pass them (keys and types; values checked where used).
const renderShape = { format: z.optional(z.string()), quality: z.optional(z.number()) } satisfies { [K in keyof Required<RenderOptions>]: z.ZodMiniType };
const renderSchema = z.strictObject(renderShape);
const overlaySchema = z.strictObject({ ...renderShape, alpha: z.optional(z.number()) });
const backgroundSchema = z.strictObject({ ...renderShape, ...effectOptionsShape } satisfies { [K in keyof Required<BackgroundOptions>]: z.ZodMiniType });

export async function encode(img: RgbImage | RawPixels, o: RenderOptions = {}): Promise<Rendered> {
  if (o.format !== undefined && !FORMATS.includes(o.format)) throw argumentError('format', o.format, `use ${FORMATS.join(', ')}`);
  if (o.quality !== undefined && !(Number.isInteger(o.quality) && o.quality >= 1 && o.quality <= 100)) throw argumentError('quality', o.quality, 'expected a whole number from 1 to 100');
  const channels = 'channels' in img ? img.channels : 3;
  if (o.format === 'raw') return { data: img.data, width: img.width, height: img.height, channels };
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels } });
  return o.format === 'jpeg' ? s.jpeg({ quality: o.quality ?? 90 }).toBuffer() : s.png().toBuffer();
}

/** A replacement background as segment() takes images: a path, an encoded file's bytes, or decoded RGB. */
async function backgroundImage(image: RgbImage | string | Uint8Array): Promise<RgbImage> {
  if (typeof image === 'string') return readImage(image);
  if (image instanceof Uint8Array) return decodeImageBuffer(image, 'background image');
  const { data, width, height } = image as Partial<RgbImage>;
  if (!(data instanceof Uint8Array) || !(Number.isInteger(width) && Number.isInteger(height)) || data.length !== width! * height! * 3) {
    throw new UserError('background: image must be a path, an encoded image (Buffer), or { data, width, height } with width*height*3 RGB bytes');
  }
  return image as RgbImage;
}

/** The effect of background options (exactly one of blur, color, image, grey; transparent has no backdrop). */
export async function effectOf(o: BackgroundOptions): Promise<Effect> {
  const kind = chosenEffect(o);
  if (kind === 'transparent') throw new Error('effectOf: a transparent background has no backdrop');
  if (kind === 'blur') return { blur: o.blur! };
  if (kind === 'color') return { color: typeof o.color === 'string' ? parseColor(o.color, 'background color') : o.color! };
  if (kind === 'image') return { image: await backgroundImage(o.image!) };
  return { grey: true };
}

/**
 * `prob8` null: segmented without probabilities; the soft-edged renderers then refuse.
 * `personMatte`: the probability of a person per pixel from a portrait model, which background()
 * keeping exactly the person class uses instead of this model's (sharper person edges).
 */
export function makeSegmentation(image: RgbImage, labels: Uint8Array, prob8: Uint8Array | null, classes: ClassInfo[],
  personMatte?: (image: RgbImage) => Promise<Float32Array>): Segmentation {
  const { width, height } = image;
  const C = classes.length;
  const probs = (): Uint8Array => {
    if (!prob8) throw new UserError('this result was segmented with { probabilities: false }; cut-outs, background effects and probability() need probabilities');
    return prob8;
  };
  const probability = (wanted: (string | number)[]) => probabilityOf(probs(), C, classIds(classes, wanted, 'class'));
  const mask = () => colorize(labels, width, height, classes.map((c) => c.color));
  return {
    labels, width, height, image, classes: classAreas(labels, classes),
    probability,
    confidenceMasks: () => confidenceMasks(probs(), C),
    colorMask: async (o) => encode(mask(), checkedOptions(renderSchema, o, 'colorMask()')),
    overlay: async (given) => {
      const o = checkedOptions(overlaySchema, given, 'overlay()');
      return encode(overlay(image, mask(), checkedAlpha(o.alpha ?? 0.5)), o);
    },
    legend: () => legendPng(classes, classShares(labels, C)),
    async cutout(wanted) {
      const out: Cutout[] = [];
      for (const id of classIds(classes, wanted, 'cutout')) {
        const box = boundingBox(labels, width, (l) => l === id, 2);
        if (!box) continue;
        const rgba = cutoutRgba(image, matte(probabilityOf(probs(), C, [id])), box);
        out.push({ id, name: classes[id].name, box: [box[0], box[1], box[2] - box[0], box[3] - box[1]], png: await encode({ ...rgba, channels: 4 }) as Buffer });
      }
      return out;
    },
    async background(given) {
      const o = checkedOptions(backgroundSchema, given, 'background()');
      const transparent = chosenEffect(o) === 'transparent';
      if (transparent && o.format === 'jpeg') throw argumentError('format', 'jpeg', 'JPEG keeps no transparency; use png or raw');
      const effect = transparent ? null : await effectOf(o);
      const ids = classIds(classes, o.keep, 'keep');
      const person = personMatte && ids.length === 1 && classes[ids[0]].name === 'person';
      const alpha = matte(person ? await personMatte(image) : probability(o.keep));
      if (!effect) return encode({ ...cutoutRgba(image, alpha, [0, 0, width, height]), channels: 4 }, o);
      return encode(composite(image, await backdrop(image, effect), alpha), o);
    },
  };
}
