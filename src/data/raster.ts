// Images as they are stored, not as 8-bit RGB: any number of bands (grey, RGB, RGBA, multi-band
// satellite), 8-bit, 16-bit or float samples kept at full precision, and a GeoTIFF's
// georeferencing. TIFF is read with geotiff (any band count, integer or float samples, the geo
// tags), a 16-bit PNG with fast-png (its 16 bits exactly), everything else with sharp (8-bit, its
// own channels, EXIF orientation applied as image_io.ts does).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { decode } from 'fast-png';
import type * as GeoTiff from 'geotiff';
import { UserError } from '../util/errors.js';
import { readFailure } from '../util/fs.js';
import { expectArgs } from '../util/call_options.js';
import { decoderWords, readImage } from './image_io.js';

import { SAMPLE_MAX, type PixelImage, type SampleType, type Samples } from './pixels.js';
import { IMAGE_KINDS } from './image_exts.js';

export { SAMPLE_MAX, type SampleType };

/** Where a GeoTIFF's pixels lie: its model tie point and pixel scale, and its GeoKeys, as stored. */
export interface GeoReference { origin: number[]; resolution: number[]; tags: Record<string, unknown> }

/** An image as stored: its bands and sample type always named. */
export interface Raster extends PixelImage {
  data: Samples;
  channels: number;
  sampleType: SampleType;
  geo?: GeoReference;
}

// geotiff (with its dependencies some 170 modules) loads on the first TIFF, not with every
// command that reads images; its CommonJS build, so that the label writer stays synchronous.
let geotiffModule: typeof GeoTiff | undefined;
const geotiff = (): typeof GeoTiff => (geotiffModule ??= createRequire(import.meta.url)('geotiff') as typeof GeoTiff);

const GEO_TAGS = ['ModelPixelScale', 'ModelTiepoint', 'ModelTransformation', 'GeoKeyDirectory', 'GeoAsciiParams', 'GeoDoubleParams'];

async function readTiff(file: string, bytes: Buffer): Promise<Raster | null> {
  let tiff;
  try { tiff = await geotiff().fromArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer); } catch { return null; }
  const img = await tiff.getImage(0).catch(() => null);
  if (!img) return null;
  let raster;
  try { raster = await img.readRasters({ interleave: true }); } catch { return null; } // a compression geotiff lacks: sharp's turn
  const width = img.getWidth(), height = img.getHeight(), channels = img.getSamplesPerPixel();
  let data: Raster['data'], sampleType: SampleType;
  if (raster instanceof Uint8Array) { data = raster; sampleType = 'uint8'; }
  else if (raster instanceof Uint16Array) { data = raster; sampleType = 'uint16'; }
  else { data = Float32Array.from(raster as ArrayLike<number>); sampleType = 'float32'; } // int16, int32, float64, ...
  if (data.length !== width * height * channels) throw new UserError(`${file}: TIFF holds ${data.length} samples for ${width}x${height}x${channels}`);
  // geotiff 3 keeps the tags behind getValue (older versions: as plain fields).
  const dir = (img as unknown as { fileDirectory?: Record<string, unknown> & { getValue?: (t: string) => unknown } }).fileDirectory;
  const tagOf = (t: string) => { try { return dir?.getValue ? dir.getValue(t) : dir?.[t]; } catch { return undefined; } };
  const tags: Record<string, unknown> = {};
  for (const t of GEO_TAGS) { const v = tagOf(t); if (v != null) tags[t] = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v; }
  let geo: GeoReference | undefined;
  if (Object.keys(tags).length) {
    try { geo = { origin: img.getOrigin(), resolution: img.getResolution(), tags }; } catch { geo = { origin: [], resolution: [], tags }; }
  }
  return { data, width, height, channels, sampleType, ...(geo ? { geo } : {}) };
}

/** A 16-bit PNG (grey, grey + alpha, RGB or RGBA) at its 16 bits. */
function readPng16(bytes: Buffer): Raster | null {
  let png;
  try { png = decode(bytes); } catch { return null; }
  if (png.depth !== 16 || png.palette) return null;
  return { data: png.data as Uint16Array, width: png.width, height: png.height, channels: png.channels, sampleType: 'uint16' };
}

export async function readRaster(file: string): Promise<Raster> {
  expectArgs('readRaster', [['file', file, 'string']]);
  let bytes: Buffer;
  try { bytes = fs.readFileSync(file); } catch (e) {
    throw readFailure(file, 'image', e) ?? new UserError(`${file}: cannot read image (${(e as Error).message})`);
  }
  return decodeRaster(bytes, file);
}

/** An encoded image's bytes (TIFF, PNG, anything sharp reads) as stored; `name` names it in errors. */
export async function decodeRaster(bytes: Buffer, name: string): Promise<Raster> {
  expectArgs('decodeRaster', [['bytes', bytes, 'bytes']]);
  const magic = bytes.subarray(0, 4).toString('latin1');
  const tiff = magic === 'II*\0' || magic === 'MM\0*', png = magic === '\x89PNG';
  const file = name;
  if (tiff) { const r = await readTiff(file, bytes); if (r) return r; }
  if (png) {
    // 16-bit PNGs keep their 16 bits (fast-png); 8-bit ones are libvips' (faster), as are PNGs
    // turned by an EXIF orientation, as image_io.ts reads them.
    const m = await sharp(bytes).metadata().catch(() => null);
    if (m && m.depth === 'ushort' && (m.orientation ?? 1) === 1) { const r = readPng16(bytes); if (r) return r; }
  }
  try {
    // Grey stays grey (libvips would otherwise write it out as sRGB).
    const m = await sharp(bytes).metadata();
    const pipe = sharp(bytes).rotate();
    if ((m.channels ?? 3) <= 2) pipe.toColourspace('b-w');
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels, sampleType: 'uint8' };
  } catch (e) {
    throw new UserError(`${file}: cannot read image (${decoderWords(e)}); check the file is a valid ${IMAGE_KINDS}`);
  }
}

/** Per band, the mean and standard deviation of samples / SAMPLE_MAX, accumulated image by image. */
export class BandStats {
  private sum: number[] = [];
  private sq: number[] = [];
  private n = 0;
  channels = 0;
  sampleType: SampleType | null = null;

  add(r: Raster): void {
    if (!this.channels) { this.channels = r.channels; this.sum = new Array(r.channels).fill(0); this.sq = new Array(r.channels).fill(0); this.sampleType = r.sampleType; }
    if (r.channels !== this.channels) return; // the caller reports mixed band counts
    const scale = 1 / SAMPLE_MAX[r.sampleType];
    const c = r.channels;
    for (let k = 0; k < c; k++) {
      let s = 0, q = 0;
      for (let i = k; i < r.data.length; i += c) { const v = r.data[i] * scale; s += v; q += v * v; }
      this.sum[k] += s; this.sq[k] += q;
    }
    this.n += r.width * r.height;
  }

  mean(): number[] { return this.sum.map((s) => s / Math.max(1, this.n)); }
  std(): number[] { const m = this.mean(); return this.sq.map((q, k) => Math.sqrt(Math.max(0, q / Math.max(1, this.n) - m[k] * m[k]))); }
}

/**
 * A label map as a single-band 8-bit GeoTIFF carrying `geo`'s georeferencing as stored (tie point,
 * pixel scale or transformation, GeoKeys), so that GIS tools place it over its source image.
 */
export function geoTiffLabels(labels: Uint8Array, width: number, height: number, geo: GeoReference): Uint8Array {
  expectArgs('geoTiffLabels', [['geo', geo, 'object']]);
  const tags: Record<string, unknown> = {};
  for (const t of GEO_TAGS) if (geo.tags[t] != null) tags[t] = geo.tags[t];
  // geotiff's writer puts a whole-globe tie point in place of ours unless a projection key is
  // named; the GeoKey directory written is the one given, so the named key only keeps the tie point.
  const projection = projectionKey(geo.tags.GeoKeyDirectory as number[] | undefined) ?? { ProjectedCSTypeGeoKey: 32767 };
  return new Uint8Array(geotiff().writeArrayBuffer(labels, { width, height, SamplesPerPixel: 1, BitsPerSample: [8], PhotometricInterpretation: 1, ...projection, ...tags } as Parameters<typeof GeoTiff.writeArrayBuffer>[1]));
}

/** The projection a GeoKey directory names (ProjectedCSTypeGeoKey 3072 or GeographicTypeGeoKey 2048), as a named key. */
function projectionKey(dir: number[] | undefined): Record<string, number> | null {
  if (!dir || dir.length < 4) return null;
  for (let i = 4; i + 3 < dir.length; i += 4) {
    const [key, location, , value] = dir.slice(i, i + 4);
    if (location !== 0) continue;
    if (key === 3072) return { ProjectedCSTypeGeoKey: value };
    if (key === 2048) return { GeographicTypeGeoKey: value };
  }
  return null;
}

/**
 * An image as a model takes it: 8-bit RGB (image_io.ts: EXIF orientation, alpha dropped, grey made
 * RGB) for a model of 8-bit RGB input, as stored (its bands and sample depth) otherwise, refused in
 * one line naming the file when its bands are not the model's.
 */
export async function readModelInput(file: string, input: { channels: number; sampleType?: SampleType }): Promise<PixelImage> {
  expectArgs('readModelInput', [['file', file, 'string'], ['input', input, 'object']]);
  if (input.channels === 3 && (input.sampleType ?? 'uint8') === 'uint8') return readImage(file);
  const r = await readRaster(file);
  if (r.channels !== input.channels) throw new UserError(`${file}: ${r.channels} band${r.channels === 1 ? '' : 's'} but the model takes ${input.channels} (its card's input.channels); give images with the bands it was trained on`);
  return r;
}
