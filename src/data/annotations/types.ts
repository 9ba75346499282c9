// What every labelling tool's export is read into before it is drawn as masks: images, each with
// its shapes in drawing order, and the tool's label list.
import colorString from 'color-string';
import { UserError } from '../../util/errors.js';
import { parseJsonBytes } from '../../util/json_file.js';
import { isDir, isFile, readWholeFile } from '../../util/fs.js';
import type { Rgb } from '../classes.js';

/**
 * One filled area: a polygon outline (x0, y0, x1, y1, ...), an ellipse (a circle when rx = ry) turned
 * clockwise by `degrees` about its centre, or a bitmap placed at (left, top): its set pixels' box,
 * a bit a pixel (maskRegion), so that an export of thousands of full-image masks (COCO RLE, Label
 * Studio brushes) is held in a fraction of their decoded size until drawn.
 */
export type Region =
  // `coco`: drawn as pycocotools draws polygons (polygon.ts fillPolygonCoco; COCO's, and CVAT's, whose mask export uses it), not by pixel centres.
  | { kind: 'polygon'; xy: number[]; coco?: boolean }
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number; degrees: number }
  | { kind: 'mask'; bits: Uint8Array; left: number; top: number; width: number; height: number };

/** A bitmap region from a mask (one byte a pixel, set where not 0) of width x height placed at (left, top): cropped to its set pixels, packed a bit a pixel. */
export function maskRegion(mask: Uint8Array, width: number, height: number, left = 0, top = 0): Region {
  // The rows holding set pixels, found four pixels at a time (most of a full-image mask is empty);
  // then, within them, each row's first and last set pixel from its ends.
  const n = Math.min(mask.length, width * height), words = mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, n >> 2) : null;
  const nonZero = (from: number, to: number, step: number): number => {
    let i = from;
    if (words && step > 0) {
      for (; i < to && i & 3; i++) if (mask[i]) return i;
      if (i < to) { let k = i >> 2; while (k < to >> 2 && !words[k]) k++; i = k << 2; }
    }
    for (; step > 0 ? i < to : i >= to; i += step) if (mask[i]) return i;
    return -1;
  };
  const first = nonZero(0, n, 1);
  if (first < 0) return { kind: 'mask', bits: new Uint8Array(0), left, top, width: 0, height: 0 };
  const y0 = Math.floor(first / width), y1 = Math.floor(nonZero(n - 1, first, -1) / width);
  let x0 = width, x1 = -1;
  for (let y = y0; y <= y1; y++) {
    const row = y * width, a = nonZero(row, row + Math.min(x0, width), 1);
    if (a >= 0) x0 = a - row;
    const b = nonZero(row + width - 1, row + Math.max(x1 + 1, 0), -1);
    if (b >= 0) x1 = b - row;
  }
  const w = x1 - x0 + 1, h = y1 - y0 + 1, bits = new Uint8Array(Math.ceil((w * h) / 8));
  for (let y = 0; y < h; y++) {
    const row = (y0 + y) * width + x0;
    for (let x = 0; x < w; x++) if (mask[row + x]) { const i = y * w + x; bits[i >> 3] |= 0x80 >> (i & 7); }
  }
  return { kind: 'mask', bits, left: left + x0, top: top + y0, width: w, height: h };
}

/** Sets `value` in `labels` (w x h) at a bitmap region's set pixels; those outside the image are left out. */
export function drawBits(labels: Uint8Array, w: number, h: number, r: { bits: Uint8Array; left: number; top: number; width: number; height: number }, value: number): void {
  const { bits, left, top, width } = r;
  for (let y = Math.max(0, -top); y < r.height && top + y < h; y++) {
    const out = (top + y) * w + left;
    const x0 = Math.max(0, -left), x1 = Math.min(width, w - left);
    for (let x = x0, i = y * width + x0; x < x1; x++, i++) {
      const byte = bits[i >> 3];
      // A byte of no set pixel: on to the next byte.
      if (!byte) { const skip = 7 - (i & 7); x += skip; i += skip; continue; }
      if (byte & (0x80 >> (i & 7))) labels[out + x] = value;
    }
  }
}

export interface Shape {
  label: string;
  /** Filled as their union (COCO's several polygons of one object). */
  regions: Region[];
  /** COCO iscrowd: drawn as the ignore label. */
  crowd?: boolean;
  /** A region known to hold an object whose outline is not (a COCO bbox without a usable segmentation): drawn as the ignore label. */
  ignore?: boolean;
  /** Drawing order across shapes (CVAT z_order); equal ones keep file order. */
  z?: number;
  /** The shape as the file names it, for reports ("annotation 17", "shape 3"). */
  what: string;
}

export interface AnnotatedImage {
  /** The image file as the export names it (a path, a file name or a URL). */
  name: string;
  /** Where the export's own location puts the image (labelme: imagePath beside its JSON file), tried first. */
  near?: string;
  /** The name has no extension: the image is the file of that name with any readable one (CVAT video frames). */
  anyExtension?: boolean;
  /** The export lists it, but its file may be absent (video frames not all extracted): then it is left out, counted. */
  optional?: boolean;
  width?: number;
  height?: number;
  shapes: Shape[];
  /** The image's encoded bytes, base64, as the export holds them (labelme's imageData). */
  embedded?: string;
  /** The annotation file the entry comes from (labelme: one per image). */
  source?: string;
  /** Polygon coordinates in fractions of the image's width and height (YOLO), not pixels. */
  normalized?: boolean;
  /**
   * A label map the export holds whole (CVAT segmentation masks): class names per value. `read`
   * decodes it when it is drawn: an export of thousands of masks is never held decoded at once.
   */
  labelMap?: { read: () => Uint8Array; width: number; height: number; names: string[] };
}

export interface SkippedShape {
  image: string; what: string; reason: string;
  /** An object the mask would mark as background, its region unknown (a shape that cannot be drawn, skipped by options.skipInvalid): its image is left out of the lists. */
  lost?: boolean;
}

export interface AnnotationSet {
  format: string;
  images: AnnotatedImage[];
  /** The export's labels in its own order (COCO categories by id, CVAT's label list, else first use). */
  labels: string[];
  /**
   * The export holds no class list (Label Studio JSON, labelme, VIA without its attribute's
   * options): `labels` is the order of first use, which another export may not share.
   */
  firstUse?: boolean;
  skipped: SkippedShape[];
  /** Images whose entries hold no annotation yet (Label Studio tasks not annotated): given no mask. */
  unannotated?: string[];
  /** The colour the tool shows each label in, where the export says (CVAT, Supervisely). */
  colors?: Map<string, Rgb>;
}

/**
 * A colour as a labelling tool writes it, as [r, g, b]: "#rrggbb" (CVAT, Supervisely) or any CSS
 * colour Label Studio's configs give a label ("rgba(255, 0, 0, 0.7)", "red", "#f00"; the alpha
 * is the tool's display opacity, left out); undefined for anything else.
 */
export function toolColor(v: unknown): Rgb | undefined {
  const c = typeof v === 'string' ? colorString.get.rgb(v.trim().toLowerCase()) : null;
  return c ? [c[0], c[1], c[2]] : undefined;
}

/**
 * Shapes that cannot be drawn as they are (a polygon of fewer than 3 points, an RLE that does not
 * decode): an error naming the file and the shape, or, when asked, skipped and reported.
 */
export class ShapeProblems {
  readonly skipped: SkippedShape[] = [];
  constructor(private readonly file: string, private readonly skipInvalid: boolean) {}
  invalid(image: string, what: string, reason: string): void {
    if (!this.skipInvalid) throw new UserError(`${this.file}: ${image}, ${what}: ${reason}; fix the file or pass options.skipInvalid to skip such shapes`);
    this.skipped.push({ image, what, reason, lost: true });
  }
  /** Shapes with no area (lines, points) or nothing to draw: always skipped, always reported. */
  skip(image: string, what: string, reason: string): void { this.skipped.push({ image, what, reason }); }
}

/** The fix for an export whose structure is not the tool's: a damaged or hand-edited file. */
export const REEXPORT = 'the file is damaged or not the tool\'s export; export it again';

/** A plain object (not null, not a list). */
export const isRecord = (v: unknown): v is Record<string, unknown> => v != null && typeof v === 'object' && !Array.isArray(v);

/** A list of the export (absent: empty), or a one-line error naming where it is something else. */
export function listIn(v: unknown, file: string, where: string): unknown[] {
  if (v == null) return [];
  if (!Array.isArray(v)) throw new UserError(`${file}: ${where} is not a list; ${REEXPORT}`);
  return v;
}

/** [[x, y], ...] flattened to x0, y0, x1, y1, ...; null when an entry is not a pair (polygonProblem checks the numbers). */
export function flatPoints(v: unknown): unknown[] | null {
  if (!Array.isArray(v)) return null;
  const out: unknown[] = [];
  for (const p of v) {
    if (!Array.isArray(p) || p.length !== 2) return null;
    out.push(p[0], p[1]);
  }
  return out;
}

/** An ellipse's centre, radii and turn in pixels and degrees, or the reason it cannot be drawn. */
export function ellipseProblem(cx: number, cy: number, rx: number, ry: number, degrees: number): string | null {
  if (![cx, cy, rx, ry, degrees].every(Number.isFinite)) return 'an ellipse whose centre, radii or rotation is not a finite number';
  if (!(rx > 0 && ry > 0)) return `an ellipse of radius ${rx} x ${ry} (both must be above 0)`;
  return null;
}

/** The corners of a w x h rectangle whose corner (x, y) is turned `degrees` clockwise about (px, py). */
export function turnedRectangle(x: number, y: number, w: number, h: number, degrees: number, px: number, py: number): number[] {
  const c = Math.cos((degrees * Math.PI) / 180), s = Math.sin((degrees * Math.PI) / 180);
  const turn = (ax: number, ay: number) => [px + (ax - px) * c - (ay - py) * s, py + (ax - px) * s + (ay - py) * c];
  return [...turn(x, y), ...turn(x + w, y), ...turn(x + w, y + h), ...turn(x, y + h)];
}

/** A polygon from a flat coordinate list, or the reason it is not one. */
export function polygonProblem(xy: unknown[]): string | null {
  if (xy.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return 'a polygon coordinate is not a finite number';
  if (xy.length % 2) return `a polygon with an odd number of coordinates (${xy.length})`;
  if (xy.length < 6) return `a polygon with fewer than 3 points (${xy.length / 2})`;
  return null;
}

/** An export's JSON file, parsed, or a one-line error naming the file (a folder, missing, not JSON). */
export function readJsonFile(file: string): unknown {
  if (isDir(file)) throw new UserError(`${file}: a folder; give the export's JSON file`);
  if (!isFile(file)) throw new UserError(`${file}: file not found`);
  let bytes: Buffer;
  try { bytes = readWholeFile(file, 'export the project in parts (a task range or a split each)'); } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try { return parseJsonBytes(bytes); } catch (e) { throw new UserError(`${file}: not valid JSON (${(e as Error).message.replace(/\s+/g, ' ')})`); }
}
