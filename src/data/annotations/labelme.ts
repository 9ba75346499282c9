// labelme JSON (one file per image): shapes with a label, points and a shape_type (polygon,
// rectangle, circle, mask; lines and points have no area and are skipped).
import path from 'node:path';
import { decodeMask } from '../mask_io.js';
import { UserError } from '../../util/errors.js';
import { flatPoints, isRecord, maskRegion, polygonProblem, ShapeProblems, type AnnotatedImage, type Shape } from './types.js';

interface LabelmeShape { label?: unknown; points?: unknown; shape_type?: unknown; mask?: unknown }

/** Whether a JSON value has labelme's shape (an imagePath and a list of shapes). */
export function isLabelme(json: unknown): boolean {
  const j = json as { imagePath?: unknown; shapes?: unknown } | null;
  return !!j && typeof j === 'object' && typeof j.imagePath === 'string' && Array.isArray(j.shapes);
}

export function readLabelme(json: unknown, file: string, problems: ShapeProblems): AnnotatedImage {
  const j = json as { imagePath: string; imageWidth?: number; imageHeight?: number; imageData?: unknown; shapes: LabelmeShape[] };
  if (!isLabelme(json)) throw new UserError(`${file}: not a labelme file (needs "imagePath" and "shapes")`);
  // labelme writes imagePath relative to the JSON file (with "\\" on Windows), and by default the
  // image itself too (imageData: the file's bytes, base64).
  const img: AnnotatedImage = { name: j.imagePath, near: path.resolve(path.dirname(file), j.imagePath.replace(/\\/g, '/')), width: j.imageWidth, height: j.imageHeight, shapes: [], source: file };
  if (typeof j.imageData === 'string' && j.imageData.length) img.embedded = j.imageData;
  (j.shapes as unknown[]).forEach((entry, k) => {
    if (!isRecord(entry)) return problems.invalid(img.name, `shape ${k}`, 'a shape that is not an object');
    const s = entry as LabelmeShape;
    const what = `shape ${k} (${typeof s.label === 'string' ? s.label : 'no label'})`;
    if (typeof s.label !== 'string') return problems.invalid(img.name, what, 'a shape without a label');
    const flat = flatPoints(s.points ?? []);
    if (!flat) return problems.invalid(img.name, what, 'points that are not a list of [x, y] pairs');
    const type = s.shape_type == null ? 'polygon' : String(s.shape_type);
    const shape: Shape = { label: s.label, regions: [], what };
    if (type === 'polygon') {
      const why = polygonProblem(flat);
      if (why) return problems.invalid(img.name, what, why);
      shape.regions.push({ kind: 'polygon', xy: flat as number[] });
    } else if (type === 'rectangle' || type === 'circle' || type === 'mask') {
      if (flat.length !== 4 || flat.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return problems.invalid(img.name, what, `a ${type} needs 2 points (${flat.length / 2} given)`);
      const [x0, y0, x1, y1] = flat as number[];
      if (type === 'rectangle') shape.regions.push({ kind: 'polygon', xy: [x0, y0, x1, y0, x1, y1, x0, y1] });
      else if (type === 'circle') { const r = Math.hypot(x1 - x0, y1 - y0); shape.regions.push({ kind: 'ellipse', cx: x0, cy: y0, rx: r, ry: r, degrees: 0 }); }
      else {
        // labelme 5: a base64 PNG of the box between the two points.
        if (typeof s.mask !== 'string') return problems.invalid(img.name, what, 'a mask shape without its "mask" image');
        const m = decodeMask(Buffer.from(s.mask, 'base64'), `${file} (${what})`);
        shape.regions.push(maskRegion(m.data, m.width, m.height, Math.round(Math.min(x0, x1)), Math.round(Math.min(y0, y1))));
      }
    } else return problems.skip(img.name, what, `a ${type} has no area`);
    img.shapes.push(shape);
  });
  return img;
}
