// Supervisely projects, as Supervisely downloads them: meta.json (the classes) and a folder per
// dataset holding img/NAME and ann/NAME.json. Objects are drawn as Supervisely's SDK draws them:
// polygons in pixel indices (a vertex is a pixel's centre) filled by OpenCV's fillPoly, edges
// included, their interior rings cut out the same way; rectangles with both corner pixels included;
// bitmaps (a PNG, zlib-compressed, base64) placed at their origin. Points, lines and graphs have
// no area.
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { decode } from 'fast-png';
import { fillPolygonInclusive } from '../polygon.js';
import { decodeMask } from '../mask_io.js';
import { UserError } from '../../util/errors.js';
import { isDir, isFile } from '../../util/fs.js';
import { filesUnder } from '../image_list.js';
import type { Rgb } from '../classes.js';
import { toolColor, isRecord, listIn, maskRegion, readJsonFile, REEXPORT, ShapeProblems, type AnnotatedImage, type AnnotationSet, type Region, type Shape } from './types.js';

const NO_AREA = ['point', 'line', 'polyline', 'graph', 'keypoints', 'cuboid', 'cuboid_2d', 'point_cloud'];

/** The annotation files of a project folder, a dataset folder or one file, each with the dataset folder it belongs to. */
function annotationFiles(input: string): { file: string; dataset: string }[] {
  if (isFile(input)) return [{ file: input, dataset: path.dirname(path.dirname(input)) }];
  if (!isDir(input)) throw new UserError(`${input}: not found; give the Supervisely project folder (meta.json and a folder per dataset)`);
  const out = filesUnder(input, true, (f) => f.toLowerCase().endsWith('.json')).filter((f) => path.basename(path.dirname(path.join(input, f))) === 'ann')
    .map((f) => ({ file: path.join(input, f), dataset: path.dirname(path.dirname(path.join(input, f))) }));
  if (!out.length) throw new UserError(`${input}: no ann/*.json files; give the Supervisely project folder (meta.json and a folder per dataset, each with img/ and ann/)`);
  return out;
}

/** The images folder a Supervisely export is read with when none is given: the project (or the dataset of one file). */
export function superviselyImages(input: string): string {
  return isFile(input) ? path.dirname(path.dirname(path.dirname(input))) : input;
}

export function readSupervisely(input: string, skipInvalid = false): AnnotationSet {
  const labels: string[] = [];
  const colors = new Map<string, Rgb>();
  const meta = isDir(input) && isFile(path.join(input, 'meta.json')) ? readJsonFile(path.join(input, 'meta.json')) : null;
  if (meta != null) {
    for (const c of listIn(isRecord(meta) ? meta.classes : null, path.join(input, 'meta.json'), 'classes')) {
      if (!isRecord(c) || typeof c.title !== 'string' || labels.includes(c.title)) continue;
      labels.push(c.title);
      const color = toolColor(c.color);
      if (color) colors.set(c.title, color);
    }
  }
  const problems = new ShapeProblems(input, skipInvalid);
  const images: AnnotatedImage[] = [];
  for (const { file, dataset } of annotationFiles(input)) {
    const ann = readJsonFile(file);
    const name = path.basename(file).replace(/\.json$/i, '');
    const size = isRecord(ann) && isRecord(ann.size) ? ann.size : null;
    const w = size?.width, h = size?.height;
    if (!isRecord(ann) || !Array.isArray(ann.objects) || !(Number.isInteger(w) && Number.isInteger(h) && (w as number) > 0 && (h as number) > 0 && (w as number) * (h as number) <= 2 ** 28)) {
      throw new UserError(`${file}: not a Supervisely annotation (needs "size" with the image's width and height, and "objects"); ${REEXPORT}`);
    }
    const img: AnnotatedImage = { name, near: path.join(dataset, 'img', name), width: w as number, height: h as number, shapes: [], source: file };
    // The polygons are drawn on the whole image, as OpenCV clips to it: one canvas per image, made when needed.
    let canvas: Uint8Array | null = null;
    const onCanvas = () => (canvas ??= new Uint8Array((w as number) * (h as number)));
    (ann.objects as unknown[]).forEach((o, k) => {
      const what = `object ${k}${isRecord(o) && typeof o.classTitle === 'string' ? ` (${o.classTitle})` : ''}`;
      if (!isRecord(o) || typeof o.classTitle !== 'string') return problems.invalid(name, what, 'an object without a classTitle');
      const type = String(o.geometryType ?? o.shape ?? '');
      if (NO_AREA.includes(type)) return problems.skip(name, what, `a ${type} has no area`);
      const region = type === 'bitmap' || type === 'alpha_mask' ? bitmapRegion(o.bitmap)
        : type === 'rectangle' ? rectangleRegion(o.points)
          : type === 'polygon' ? polygonRegion(o.points, onCanvas, w as number, h as number)
            : { why: `geometry "${type}" is not one convert draws (polygon, rectangle, bitmap)` };
      if ('why' in region) return problems.invalid(name, what, region.why);
      if (!labels.includes(o.classTitle)) labels.push(o.classTitle);
      const shape: Shape = { label: o.classTitle, regions: [region], what };
      img.shapes.push(shape);
    });
    images.push(img);
  }
  return { format: 'supervisely', images, labels, skipped: problems.skipped, colors };
}

/** [[x, y], ...] of integers (pixel indices) flattened, or null. */
function pixelPoints(v: unknown, least: number): number[] | null {
  if (!Array.isArray(v) || v.length < least) return null;
  const out: number[] = [];
  for (const p of v) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((c) => typeof c === 'number' && Number.isFinite(c) && Math.abs(c) < 2 ** 30)) return null;
    out.push(p[0], p[1]);
  }
  return out;
}

function rectangleRegion(points: unknown): Region | { why: string } {
  const xy = pixelPoints(isRecord(points) ? points.exterior : null, 2);
  if (!xy || xy.length !== 4) return { why: 'a rectangle needs points.exterior of 2 corners [[left, top], [right, bottom]]' };
  const [x0, x1] = [Math.min(xy[0], xy[2]), Math.max(xy[0], xy[2])], [y0, y1] = [Math.min(xy[1], xy[3]), Math.max(xy[1], xy[3])];
  // Both corner pixels are in the rectangle: its outline runs round their outer edges.
  return { kind: 'polygon', xy: [x0, y0, x1 + 1, y0, x1 + 1, y1 + 1, x0, y1 + 1] };
}

/** The polygon's pixels as Supervisely draws them (exterior filled, then the interior rings together cleared), as a mask over their box. */
function polygonRegion(points: unknown, onCanvas: () => Uint8Array, w: number, h: number): Region | { why: string } {
  const exterior = pixelPoints(isRecord(points) ? points.exterior : null, 3);
  if (!exterior) return { why: 'a polygon needs points.exterior of at least 3 [x, y] pairs' };
  const interior: number[][] = [];
  for (const ring of (isRecord(points) && Array.isArray(points.interior) ? points.interior : [])) {
    const xy = pixelPoints(ring, 1);
    if (!xy) return { why: 'a polygon\'s points.interior holds a ring that is not a list of [x, y] pairs' };
    interior.push(xy);
  }
  const xs = exterior.filter((_, k) => k % 2 === 0), ys = exterior.filter((_, k) => k % 2 === 1);
  const left = Math.max(0, Math.min(...xs)), top = Math.max(0, Math.min(...ys));
  const right = Math.min(w - 1, Math.max(...xs)), bottom = Math.min(h - 1, Math.max(...ys));
  if (right < left || bottom < top) return maskRegion(new Uint8Array(0), 0, 0);
  // Drawn on the whole image, as OpenCV clips to it; the box is copied out and the canvas cleared.
  const canvas = onCanvas();
  fillPolygonInclusive(canvas, w, h, [exterior], 1);
  if (interior.length) fillPolygonInclusive(canvas, w, h, interior, 0);
  const bw = right - left + 1, bh = bottom - top + 1, mask = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    const row = (top + y) * w + left;
    mask.set(canvas.subarray(row, row + bw), y * bw);
    canvas.fill(0, row, row + bw);
  }
  return maskRegion(mask, bw, bh, left, top);
}

/** A bitmap: base64 of a zlib-compressed PNG (the SDK writes a palette PNG, index 1 the object), set where it is not 0 (or transparent). */
function bitmapRegion(bitmap: unknown): Region | { why: string } {
  const origin = isRecord(bitmap) ? pixelPoints([bitmap.origin], 1) : null;
  if (!isRecord(bitmap) || typeof bitmap.data !== 'string' || !origin) return { why: 'a bitmap needs "data" (base64) and "origin" [x, y]' };
  let bytes: Uint8Array, png;
  try { bytes = inflateSync(Buffer.from(bitmap.data, 'base64')); png = decode(bytes); } catch (e) { return { why: `its bitmap data does not decode (${(e as Error).message}): base64 of a zlib-compressed PNG expected` }; }
  const { width, height, channels, depth } = png;
  let mask: Uint8Array;
  if (!png.palette && depth === 8 && channels >= 2) {
    // Grey with alpha, RGB, RGBA: set where opaque (with alpha) or not black.
    const d = png.data as Uint8Array;
    mask = new Uint8Array(width * height);
    for (let i = 0; i < mask.length; i++) mask[i] = channels === 2 || channels === 4 ? +(d[i * channels + channels - 1] > 0) : +(d[i * 3] > 0 || d[i * 3 + 1] > 0 || d[i * 3 + 2] > 0);
  } else {
    // Palette or grey, any bit depth: the value (index) is not 0.
    try { mask = Uint8Array.from(decodeMask(bytes, 'bitmap').data, (v) => (v ? 1 : 0)); } catch (e) { return { why: (e as Error).message }; }
  }
  return maskRegion(mask, width, height, origin[0], origin[1]);
}
