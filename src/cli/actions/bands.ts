// The bands a training run reads its images with (--channels): 8-bit RGB as photos are read, or
// the images as stored (grey, 16-bit, float, multi-band GeoTIFF), normalised per band with the
// training set's own mean and standard deviation (recorded in the card).
import { readRaster, BandStats, type SampleType } from '../../data/raster.js';
import type { Normalization } from '../../data/normalize.js';
import { UserError } from '../../util/errors.js';
import { progressBar } from '../../util/progress.js';

export interface Bands { bands: number; sampleType: SampleType; norm: Normalization }

const DEPTH: SampleType[] = ['uint8', 'uint16', 'float32'];

/**
 * `--channels auto`: 8-bit images of up to 4 channels (grey, RGB, with or without alpha) are read as
 * RGB, as before; deeper samples or more bands are read as stored. `--channels N`: as stored, N bands.
 * Returns null for the RGB reading.
 */
export async function resolveBands(channels: string, images: string[], log: (l: string) => void, quiet = false): Promise<Bands | null> {
  if (!images.length) return null;
  let want: number | null = null;
  if (channels !== 'auto') {
    want = Number(channels);
    if (!Number.isInteger(want) || want < 1 || want > 64) throw new UserError(`--channels ${channels}: expected auto or a band count 1..64`);
  }
  const first = await readRaster(images[0]);
  if (want == null) {
    if (first.sampleType === 'uint8' && first.channels <= 4) return null;
    want = first.channels;
  }
  const stats = new BandStats();
  let type: SampleType = 'uint8';
  const bar = progressBar('band statistics', images.length, 'img', quiet);
  try {
    for (let i = 0; i < images.length; i++) {
      const r = i === 0 ? first : await readRaster(images[i]);
      if (r.channels !== want) throw new UserError(`${images[i]}: ${r.channels} band${r.channels === 1 ? '' : 's'} but --channels ${want}${channels === 'auto' ? ` (the first image, ${images[0]}, has ${want})` : ''}; every image needs the same bands`);
      if (DEPTH.indexOf(r.sampleType) > DEPTH.indexOf(type)) type = r.sampleType;
      stats.add(r);
      bar.update(i + 1);
    }
  } finally { bar.stop(); }
  // A constant band (std 0) is left unscaled rather than divided by zero.
  const norm: Normalization = { mean: stats.mean(), std: stats.std().map((s) => (s > 1e-8 ? s : 1)) };
  const fmt = (v: number[]) => v.map((x) => x.toPrecision(4)).join(', ');
  log(`images read as stored: ${want} band${want === 1 ? '' : 's'} of ${type}; normalised per band with the training set's mean [${fmt(norm.mean)}] and std [${fmt(norm.std)}] (of samples / full scale)`);
  return { bands: want, sampleType: type, norm };
}
