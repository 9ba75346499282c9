// COCO instance annotations (JSON): images, categories, and annotations whose segmentation is a
// list of polygons or an RLE (list counts or pycocotools' compressed string); iscrowd marks crowd
// regions.
import { decodeCocoRle, type CocoRle } from '../../formats/mask_rle.js';
import { UserError } from '../../util/errors.js';
import { isRecord, polygonProblem, REEXPORT, ShapeProblems, type AnnotatedImage, type AnnotationSet, type Shape } from './types.js';

interface CocoImage { id: number; file_name: string; width?: number; height?: number }
interface CocoAnnotation { id?: number; image_id: number; category_id: number; segmentation?: unknown; iscrowd?: number }

export function readCoco(json: unknown, file: string, skipInvalid = false): AnnotationSet {
  const j = json as { images?: CocoImage[]; annotations?: CocoAnnotation[]; categories?: { id: number; name: string }[] };
  if (!j || !Array.isArray(j.images) || !Array.isArray(j.annotations) || !Array.isArray(j.categories)) {
    throw new UserError(`${file}: not a COCO annotation file (needs "images", "annotations" and "categories" arrays)`);
  }
  const problems = new ShapeProblems(file, skipInvalid);
  for (const [key, list] of [['images', j.images], ['annotations', j.annotations], ['categories', j.categories]] as const) {
    const k = (list as unknown[]).findIndex((e) => !isRecord(e));
    if (k >= 0) throw new UserError(`${file}: "${key}" entry #${k} is not an object; ${REEXPORT}`);
  }
  const categories = [...j.categories].sort((a, b) => a.id - b.id);
  const names = new Map(categories.map((c) => [c.id, String(c.name)]));
  const images = new Map<number, AnnotatedImage>();
  for (const im of j.images) {
    if (typeof im?.file_name !== 'string') throw new UserError(`${file}: image ${im?.id} has no file_name`);
    if (images.has(im.id)) throw new UserError(`${file}: image id ${im.id} appears twice`);
    images.set(im.id, { name: im.file_name, width: im.width, height: im.height, shapes: [] });
  }
  j.annotations.forEach((a, k) => {
    const what = `annotation ${a.id ?? `#${k}`}`;
    const img = images.get(a.image_id);
    if (!img) throw new UserError(`${file}: ${what}: image_id ${a.image_id} names no entry of "images"`);
    const label = names.get(a.category_id);
    if (label == null) return problems.invalid(img.name, what, `category_id ${a.category_id} names no category`);
    const shape: Shape = { label, regions: [], crowd: a.iscrowd === 1, what };
    const seg = a.segmentation;
    if (Array.isArray(seg)) {
      for (const ring of seg) {
        const why = Array.isArray(ring) ? polygonProblem(ring) : 'a polygon that is not a list of coordinates';
        if (why) return problems.invalid(img.name, what, why);
        shape.regions.push({ kind: 'polygon', xy: ring as number[], coco: true });
      }
    } else if (seg && typeof seg === 'object' && 'counts' in seg) {
      const rle = seg as CocoRle;
      const [h, w] = Array.isArray(rle.size) ? rle.size : [NaN, NaN];
      if ((img.height != null && h !== img.height) || (img.width != null && w !== img.width)) {
        return problems.invalid(img.name, what, `RLE of size ${w}x${h} for an image of ${img.width}x${img.height}`);
      }
      if (Number.isInteger(h) && Number.isInteger(w) && h * w > 2 ** 28) return problems.invalid(img.name, what, `RLE of size ${w}x${h}, larger than any image convert reads (2^28 pixels)`);
      const mask = Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0 ? decodeCocoRle(rle) : null;
      if (!mask) return problems.invalid(img.name, what, 'an RLE whose counts do not decode to its size');
      shape.regions.push({ kind: 'mask', mask, left: 0, top: 0, width: w, height: h });
    } else return problems.invalid(img.name, what, 'no segmentation (polygons or RLE)');
    if (!shape.regions.length) return problems.skip(img.name, what, 'an empty segmentation');
    img.shapes.push(shape);
  });
  return { format: 'coco', images: [...images.values()], labels: categories.map((c) => String(c.name)), skipped: problems.skipped };
}
