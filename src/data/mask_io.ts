// Annotation masks: PNG only, read with fast-png because sharp expands palette PNGs to RGB and
// the palette index *is* the class id. Encodings: grey (value = class id), palette (index =
// class id), RGB(A) colour masks mapped through the class colours, and RGB(A) holding a grey mask.
import fs from 'node:fs';
import { decode, encode } from 'fast-png';
import type { Rgb } from './classes.js';
import { UserError, argumentError, checkedLabelMap } from '../util/errors.js';
import { readFailure } from '../util/fs.js';
import { expectArgs } from '../util/call_options.js';

export type MaskMode = 'index' | 'palette' | 'rgb';
export interface Mask { data: Uint8Array; width: number; height: number; mode: MaskMode; unknownColors?: number }
export type LabelMap = Map<number, number>;

export interface MaskReadOptions {
  /** Class colours for RGB masks; pixels of other colours become `unknownLabel`. */
  colors?: Rgb[];
  unknownLabel?: number;
  labelMap?: LabelMap;
}

export function readMask(file: string, opts: MaskReadOptions = {}): Mask {
  expectArgs('readMask', [['file', file, 'string']]);
  let bytes: Uint8Array;
  try { bytes = fs.readFileSync(file); } catch (e) {
    throw readFailure(file, 'mask', e) ?? new UserError(`${file}: cannot read mask (${(e as Error).message}); masks must be PNG files`);
  }
  return decodeMask(bytes, file, opts);
}

/** A mask from PNG bytes; `file` names it in errors. */
export function decodeMask(bytes: Uint8Array, file: string, opts: MaskReadOptions = {}): Mask {
  let png;
  try { png = decode(bytes); } catch (e) {
    throw new UserError(`${file}: cannot read mask (${(e as Error).message}); masks must be PNG files`);
  }
  const { width, height, channels, depth } = png;
  const n = width * height;
  let out: Uint8Array = new Uint8Array(n);
  let mode: MaskMode;
  let unknown = 0;
  if (depth < 8) {
    // 1-, 2- and 4-bit grey or palette masks (common for binary masks): fast-png returns the rows
    // still packed, several pixels a byte; each pixel's value is its class id (or palette index).
    mode = png.palette ? 'palette' : 'index';
    out = unpackRows(png.data as Uint8Array, width, height, depth);
  } else if (png.palette) {
    mode = 'palette';
    out.set(png.data as Uint8Array);
  } else if (channels <= 2) {
    mode = 'index';
    greyValues(png.data, channels, out, file);
  } else {
    const src = png.data;
    const scale = depth === 16 ? 257 : 1;
    // A grey mask saved as RGB(A) (OpenCV's imwrite of a 3-channel array, an image editor): red,
    // green and blue equal at every pixel. Its value is the class id unless the class colours
    // given account for every pixel (a palette of greys: black and white for a binary mask).
    const grey = isGreyRgb(src, n, channels);
    mode = 'rgb';
    if (!opts.colors && !grey) {
      throw new UserError(`${file}: RGB colour mask; pass options.classFile with each class's colour so colours can be mapped to ids`);
    }
    if (opts.colors) {
      const lut = new Map<number, number>();
      opts.colors.forEach((c, i) => lut.set((c[0] << 16) | (c[1] << 8) | c[2], i));
      for (let i = 0; i < n; i++) {
        const o = i * channels;
        const key = ((src[o] / scale) << 16) | ((src[o + 1] / scale) << 8) | (src[o + 2] / scale);
        const id = lut.get(key);
        if (id == null) { unknown++; out[i] = opts.unknownLabel ?? 255; } else out[i] = id;
      }
    }
    if (grey && (!opts.colors || unknown)) {
      mode = 'index';
      unknown = 0;
      greyValues(src, channels, out, file);
    }
  }
  if (opts.labelMap && opts.labelMap.size) applyLabelMap(out, opts.labelMap);
  return { data: out, width, height, mode, unknownColors: unknown };
}

/** The first channel of interleaved samples as class ids into `out` (one a pixel); a 16-bit value past 255 is refused. */
function greyValues(src: ArrayLike<number>, channels: number, out: Uint8Array, file: string): void {
  for (let i = 0; i < out.length; i++) {
    const v = src[i * channels];
    if (v > 255) throw new UserError(`${file}: 16-bit mask value ${v} > 255; class ids must fit in 8 bits`);
    out[i] = v;
  }
}

/** Whether every pixel of interleaved samples (3 or 4 channels) has red, green and blue equal. */
function isGreyRgb(src: ArrayLike<number>, n: number, channels: number): boolean {
  for (let i = 0, o = 0; i < n; i++, o += channels) if (src[o] !== src[o + 1] || src[o] !== src[o + 2]) return false;
  return true;
}

/** PNG rows of `depth`-bit samples (1, 2 or 4; each row starts on a byte, most significant bits first) -> one byte a pixel. */
export function unpackRows(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8), perByte = 8 / depth, mask = (1 << depth) - 1;
  if (packed.length < rowBytes * height) throw new UserError(`mask data is shorter than its ${width}x${height} header says`);
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes, o = y * width;
    for (let x = 0; x < width; x++) {
      const shift = 8 - depth * ((x % perByte) + 1);
      out[o + x] = (packed[row + Math.floor(x / perByte)] >> shift) & mask;
    }
  }
  return out;
}

export function applyLabelMap(data: Uint8Array, map: LabelMap): void {
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = map.get(i) ?? i;
  for (let i = 0; i < data.length; i++) data[i] = lut[data[i]];
}

/** Parses `--label-map 255:1,128:2`. */
export function parseLabelMap(spec: string | undefined): LabelMap {
  const m: LabelMap = new Map();
  if (!spec) return m;
  expectArgs('parseLabelMap', [['spec', spec, 'string']]);
  for (const part of spec.split(',')) {
    const mm = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(part);
    if (!mm || +mm[1] > 255 || +mm[2] > 255) {
      throw argumentError('labelMap', spec, 'expected comma-separated FROM:TO pairs of values 0..255, e.g. 255:1');
    }
    m.set(+mm[1], +mm[2]);
  }
  return m;
}

/** A label map as an indexed PNG: pixel value = class id, with the class colours embedded. */
export function encodeLabelPng(labels: Uint8Array, width: number, height: number, palette: Rgb[]): Uint8Array {
  expectArgs('encodeLabelPng', [['palette', palette, 'array']]);
  labels = checkedLabelMap(labels, width, height);
  const pal: [number, number, number][] = palette.slice(0, 256).map((c) => [c[0], c[1], c[2]]);
  let maxLabel = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
  while (pal.length <= maxLabel) pal.push([0, 0, 0]);
  // Level 1: label maps are mostly runs of a few values, so fast deflate loses little size.
  return encode({ width, height, data: labels, depth: 8, channels: 1, palette: pal }, { zlib: { level: 1 } });
}
