// Files written for one predicted image: label map (indexed PNG, value = class id), colour mask,
// overlay on the photo, a legend of the classes present, and those classes with their pixel
// counts and shares as JSON. Each written atomically.
import path from 'node:path';
import sharp from 'sharp';
import type { ClassInfo } from '../data/classes.js';
import type { RgbImage } from '../data/image_io.js';
import { encodeLabelPngFast } from '../render/label_png.js';
import { colorize, overlay } from '../render/colorize.js';
import { legendPng } from '../render/legend.js';
import { classAreas, classShares, type ClassArea } from './label_map.js';
import { writeFileAtomic } from '../util/fs.js';
import { effectFields, type parseEffect } from '../render/compose.js';
import type { Segmentation } from './result.js';
import { probabilityPng } from '../render/probability_png.js';
import { expectArgs } from '../util/call_options.js';

/** The pictures and lists predict writes beside each label map (NAME_labels.png, always written). */
export const PREDICTION_EXTRAS = ['color', 'overlay', 'legend', 'classes'] as const;
export type PredictionExtra = typeof PREDICTION_EXTRAS[number];

/** The files written, label map first: those of `w` (writePredictionOutputs) that were asked for. */
export const writtenFiles = (w: WrittenOutputs): string[] => [w.labels, w.color, w.overlay, w.legend, w.classes].filter((f): f is string => f != null);

/** The files written (an extra not asked for: undefined) and the class areas. */
export interface WrittenOutputs { labels: string; color?: string; overlay?: string; legend?: string; classes?: string; areas: ClassArea[] }

/** NAME_labels.png, and of NAME_color.png, NAME_overlay.png, NAME_legend.png, NAME_classes.json those in `extras` (default all). */
export async function writePredictionOutputs(outDir: string, name: string, photo: RgbImage, labels: Uint8Array,
  classes: ClassInfo[], alpha: number, extras: readonly PredictionExtra[] = PREDICTION_EXTRAS): Promise<WrittenOutputs> {
  expectArgs('writePredictionOutputs', [['outDir', outDir, 'string'], ['name', name, 'string'], ['photo', photo, 'object']]);
  const { width, height } = photo;
  const palette = classes.map((c) => c.color);
  const want = new Set(extras);
  const at = (suffix: string) => path.join(outDir, `${name}${suffix}`);
  const files: WrittenOutputs = { labels: at('_labels.png'), areas: classAreas(labels, classes) };
  const png = (img: RgbImage) => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
  writeFileAtomic(files.labels, await encodeLabelPngFast(labels, width, height, palette));
  const color = want.has('color') || want.has('overlay') ? colorize(labels, width, height, palette) : null;
  if (want.has('color')) writeFileAtomic(files.color = at('_color.png'), await png(color!));
  if (want.has('overlay')) writeFileAtomic(files.overlay = at('_overlay.png'), await png(overlay(photo, color!, alpha)));
  if (want.has('legend')) writeFileAtomic(files.legend = at('_legend.png'), await legendPng(classes, classShares(labels, classes.length)));
  if (want.has('classes')) writeFileAtomic(files.classes = at('_classes.json'), JSON.stringify({ width, height, classes: files.areas }, null, 1) + '\n');
  return files;
}

/** The files writePredictionOutputs writes for an image: its name and these endings. */
export const PREDICTION_SUFFIXES = ['_labels.png', '_color.png', '_overlay.png', '_legend.png', '_classes.json'];

/** The first of `files` that an output would land on (each of `names` and `suffixes`, under `out`), or null. */
export function outputOverInput(files: string[], names: string[], out: string, suffixes: readonly string[] = PREDICTION_SUFFIXES): string | null {
  const inputs = new Set(files.map((f) => path.resolve(f)));
  for (const name of names) for (const suffix of suffixes) if (inputs.has(path.resolve(out, name + suffix))) return path.resolve(out, name + suffix);
  return null;
}

/** The files written for an image are its name and one of these endings: which files of an output folder are predictions. */
export const PREDICTION_FILE = /(_labels\.(png|tif)|_color\.png|_overlay\.png|_legend\.png|_classes\.json|_effect\.(png|jpg)|_cutout_.+\.png|_prob_.+\.png)$/;

/** A class name as it appears in a cut-out's file name. */
export const cutoutFileName = (className: string) => className.replace(/[^\w.-]+/g, '_');

export interface ApplyOptions { effect: ReturnType<typeof parseEffect> | null; replacement?: RgbImage; keep: string[]; cutout: string[]; probabilities?: string[] }

/** The effect picture (JPEG for JPEG inputs, else PNG), the cut-outs and the confidence masks of one image; returns the files. */
export async function writeApplied(outDir: string, name: string, input: string, r: Segmentation, o: ApplyOptions): Promise<string[]> {
  const files: string[] = [];
  if (o.effect) {
    const jpeg = /\.jpe?g$/i.test(input) && o.effect.kind !== 'transparent'; // transparency needs PNG
    const bg = effectFields(o.effect, o.replacement);
    const file = path.join(outDir, `${name}_effect.${jpeg ? 'jpg' : 'png'}`);
    writeFileAtomic(file, await r.background({ keep: o.keep, ...bg, format: jpeg ? 'jpeg' : 'png', quality: 92 }) as Buffer);
    files.push(file);
  }
  for (const c of await r.cutout(o.cutout)) {
    const file = path.join(outDir, `${name}_cutout_${cutoutFileName(c.name)}.png`);
    writeFileAtomic(file, c.png);
    files.push(file);
  }
  for (const c of o.probabilities ?? []) {
    const file = path.join(outDir, `${name}_prob_${cutoutFileName(c)}.png`);
    writeFileAtomic(file, probabilityPng(r.probability([c]), r.width, r.height));
    files.push(file);
  }
  return files;
}
