// Dataset checks behind `pixelwise verify`: every problem as one line naming the file.
import { BandStats, readRaster, type SampleType } from './raster.js';
import { DATASET_SPEC_KEYS, lossyMaskProblem, pairSamples, pairingHint, sameStemProblem, type DatasetSpec, type PairingSpec } from './dataset.js';
import { readMask } from './mask_io.js';
import { classHistogram, medianFrequencyWeights } from './stats.js';
import { UserError, describeError } from '../util/errors.js';
import { IMAGE_KINDS } from './image_exts.js';
import { refuseUnknownKeys, expectArgs } from '../util/call_options.js';

export interface VerifyReport {
  problems: string[];
  images: number;
  histogram: number[];
  ignored: number;
  suggestedWeights: number[];
  modes: Record<string, number>;
  /** The images' bands: count and sample type (of the first image), per-band mean and std of samples / full scale. */
  bands: { channels: number; sampleType: SampleType | null; mean: number[]; std: number[] };
}

/** Each image without its mask and mask without its image, as one line naming the file; no pairs at all, with how to pair them. */
function pairingProblems(spec: PairingSpec, pairing: ReturnType<typeof pairSamples>): string[] {
  const problems: string[] = [...pairing.sameStem.map(sameStemProblem), ...pairing.lossyMasks.map(lossyMaskProblem)];
  for (const f of pairing.imagesWithoutMask) problems.push(`${f}: no mask with the same name in ${spec.masks}`);
  for (const f of pairing.masksWithoutImage) problems.push(`${f}: no image with the same name in ${spec.images}`);
  const hint = pairingHint(spec, pairing);
  if (!pairing.samples.length && !hint && !pairing.imagesWithoutMask.length && !pairing.lossyMasks.length && !pairing.sameStem.length) problems.push(`${spec.images}: no images (${IMAGE_KINDS}) found`);
  if (hint) problems.push(`${pairing.imagesWithoutMask.length || 'no'} images ${pairing.imagesWithoutMask.length ? 'without a mask' : 'found'}${hint}`);
  return problems;
}

export async function verifyDataset(spec: DatasetSpec, onProgress?: (done: number, total: number) => void): Promise<VerifyReport> {
  expectArgs('verifyDataset', [['spec', spec, 'object']]);
  refuseUnknownKeys(spec, DATASET_SPEC_KEYS, 'verifyDataset()');
  const pairing = pairSamples(spec);
  const problems = pairingProblems(spec, pairing);
  // Counted mask by mask: a dataset's masks are never held together (Cityscapes' train split: 6 GB decoded).
  const histogram = new Array<number>(spec.numClasses).fill(0);
  const modes: Record<string, number> = {};
  const bands = new BandStats();
  let ignored = 0, done = 0;
  for (const s of pairing.samples) {
    // Decoded in full, as training will: a truncated or corrupt file fails here, not mid-training.
    let size: [number, number] | null = null;
    try {
      const im = await readRaster(s.image);
      size = [im.width, im.height];
      if (bands.channels && (im.channels !== bands.channels || im.sampleType !== bands.sampleType)) problems.push(`${s.image}: ${im.channels} bands of ${im.sampleType} where the first image has ${bands.channels} of ${bands.sampleType}; a dataset's images share their bands`);
      else bands.add(im);
    } catch (e) { problems.push(`${s.image}: unreadable image (${describeError(e).split('\n')[0].replace(`${s.image}: `, '')})`); }
    try {
      const m = readMask(s.mask!, { colors: spec.colors, unknownLabel: 256 as number, labelMap: spec.labelMap });
      modes[m.mode] = (modes[m.mode] ?? 0) + 1;
      if (m.unknownColors) problems.push(`${s.mask}: ${m.unknownColors} pixels have colours not in the class list`);
      if (size) {
        const [w, h] = size; // EXIF orientation applied, as training sees it
        if (w !== m.width || h !== m.height) problems.push(`${s.mask}: mask is ${m.width}x${m.height} but its image is ${w}x${h}`);
      }
      const bad = new Map<number, number>();
      for (let i = 0; i < m.data.length; i++) {
        const v = m.data[i];
        if (v === spec.ignoreIndex) ignored++;
        else if (v >= spec.numClasses) bad.set(v, (bad.get(v) ?? 0) + 1);
      }
      if (bad.size) {
        const vals = [...bad.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([v, c]) => `${v} (${c} px)`).join(', ');
        const hint = bad.has(255) && spec.numClasses === 2 ? '; 0/255 binary mask: use options.labelMap 255:1' : `; use options.numClasses > ${Math.max(...bad.keys())} or options.ignoreIndex`;
        problems.push(`${s.mask}: labels >= options.numClasses ${spec.numClasses} that are not the ignore label ${spec.ignoreIndex}: ${vals}${hint}`);
      }
      classHistogram([m.data], spec.numClasses, spec.ignoreIndex).forEach((v, i) => { histogram[i] += v; });
    } catch (e) {
      problems.push(describeError(e));
    }
    onProgress?.(++done, pairing.samples.length);
  }
  return { problems, images: pairing.samples.length, histogram, ignored, suggestedWeights: medianFrequencyWeights(histogram), modes,
    bands: { channels: bands.channels, sampleType: bands.sampleType, mean: bands.mean(), std: bands.std() } };
}

/** The values a dataset's masks hold, before anyone says what they mean. */
export interface MaskValues {
  masks: number;
  /** Pixels per mask value (index and grey masks, and grey saved as RGB), in value order. */
  values: [number, number][];
  /** RGB colour masks: their values are colours, which a class file names. */
  colourMasks: number;
  /** Files without their pair, and masks that could not be read: each one line naming the file. */
  problems: string[];
}

/**
 * Reads every mask of `pairing` for the values it holds: what a user who does not know the classes
 * of a dataset asks first (verify without --classes).
 */
export function maskValues(pairing: PairingSpec, onProgress?: (done: number, total: number) => void): MaskValues {
  expectArgs('maskValues', [['pairing', pairing, 'object']]);
  const paired = pairSamples(pairing), { samples } = paired;
  const counts = new Float64Array(256), problems = pairingProblems(pairing, paired);
  let colourMasks = 0, done = 0;
  for (const s of samples) {
    try {
      const m = readMask(s.mask!);
      for (let i = 0; i < m.data.length; i++) counts[m.data[i]]++;
    } catch (e) {
      if (e instanceof UserError && / RGB colour mask;/.test(e.message)) colourMasks++;
      else problems.push(describeError(e));
    }
    onProgress?.(++done, samples.length);
  }
  const values: [number, number][] = [];
  counts.forEach((n, v) => { if (n) values.push([v, n]); });
  return { masks: samples.length, values, colourMasks, problems };
}

/**
 * The --classes (and label rules) that read mask values as they most likely mean, in words: 0/255
 * as two classes, 0..K-1 as K classes with 255 the ignore label, values with gaps packed by a label map.
 */
export function classesFromValues(values: number[]): string {
  expectArgs('classesFromValues', [['values', values, 'array']]);
  const vals = values.filter((v) => v !== 255), ignored = values.includes(255);
  if (!vals.length) return ignored ? 'every pixel is 255, the ignore label: no class to learn' : 'no mask values';
  if (vals.length === 1 && vals[0] === 0 && ignored) return '--classes 2 (0 and 255: 255 read as class 1; or --classes 1 for one sigmoid output)';
  const top = vals[vals.length - 1], ign = ignored ? ', 255 the ignore label' : '';
  if (vals.length === top + 1) return `--classes ${top + 1} (ids 0..${top}${ign})`;
  const missing = Array.from({ length: top + 1 }, (_, v) => v).filter((v) => !vals.includes(v));
  const pack = vals.map((v, i) => [v, i]).filter(([v, i]) => v !== i).map(([v, i]) => `${v}:${i}`).join(',');
  return `--classes ${top + 1} (ids 0..${top}${ign}; ${missing.length > 6 ? `${missing.length} of them` : missing.join(', ')} never appear${vals.length <= 32 ? `: --label-map ${pack} --classes ${vals.length} packs the ${vals.length} found` : ''})`;
}
