// COCO instance annotations (JSON): images, categories, and annotations whose segmentation is a
// list of polygons or an RLE (list counts or pycocotools' compressed string); iscrowd marks crowd
// regions.
import { decodeCocoRle, type CocoRle } from '../../formats/mask_rle.js';
import { UserError } from '../../util/errors.js';
import { isRecord, maskRegion, polygonProblem, REEXPORT, ShapeProblems, type AnnotatedImage, type AnnotationSet, type Shape } from './types.js';

interface CocoImage { id: number; file_name: string; width?: number; height?: number }
interface CocoAnnotation { id?: number; image_id: number; category_id: number; segmentation?: unknown; iscrowd?: number; bbox?: unknown }

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
    /**
     * An object whose outline cannot be drawn (skipped and reported) but whose bbox says where it
     * is: the box is drawn as the ignore label, so that the mask marks no object as background.
     */
    const unknownOutline = (reason: string, always = false) => {
      if (always) problems.skip(img.name, what, reason); else problems.invalid(img.name, what, reason);
      const box = cocoBox(a.bbox);
      const skipped = problems.skipped[problems.skipped.length - 1];
      if (!box) { skipped.lost = true; return; }
      skipped.lost = false;
      skipped.reason += '; its bbox is drawn as the ignore label';
      const [x, y, w, h] = box;
      img.shapes.push({ label: '', regions: [{ kind: 'polygon', xy: [x, y, x + w, y, x + w, y + h, x, y + h], coco: true }], ignore: true, what });
    };
    const label = names.get(a.category_id);
    if (label == null) return unknownOutline(`category_id ${a.category_id} names no category`);
    const shape: Shape = { label, regions: [], crowd: a.iscrowd === 1, what };
    const seg = a.segmentation;
    if (Array.isArray(seg)) {
      for (const ring of seg) {
        const why = Array.isArray(ring) ? polygonProblem(ring) : 'a polygon that is not a list of coordinates';
        if (why) return unknownOutline(why);
        shape.regions.push({ kind: 'polygon', xy: ring as number[], coco: true });
      }
    } else if (seg && typeof seg === 'object' && 'counts' in seg) {
      const rle = seg as CocoRle;
      const [h, w] = Array.isArray(rle.size) ? rle.size : [NaN, NaN];
      if ((img.height != null && h !== img.height) || (img.width != null && w !== img.width)) {
        return unknownOutline(`RLE of size ${w}x${h} for an image of ${img.width}x${img.height}`);
      }
      if (Number.isInteger(h) && Number.isInteger(w) && h * w > 2 ** 28) return unknownOutline(`RLE of size ${w}x${h}, larger than any image convert reads (2^28 pixels)`);
      const mask = Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0 ? decodeCocoRle(rle) : null;
      if (!mask) return unknownOutline('an RLE whose counts do not decode to its size');
      shape.regions.push(maskRegion(mask, w, h));
    } else return unknownOutline('no segmentation (polygons or RLE)');
    // An empty list: COCO files of boxes (CVAT's export of rectangles) hold their objects this way.
    if (!shape.regions.length) return unknownOutline('an empty segmentation', true);
    img.shapes.push(shape);
  });
  // A category that only groups others (their supercategory) and marks no object is no class:
  // Roboflow's exports list the dataset's name so, as category 0.
  const used = new Set(j.annotations.map((a) => a.category_id));
  const groups = new Set(categories.map((c) => (c as { supercategory?: unknown }).supercategory).filter((n) => typeof n === 'string'));
  const labels = categories.filter((c) => used.has(c.id) || !groups.has(c.name)).map((c) => String(c.name));
  return { format: 'coco', images: [...images.values()], labels, skipped: problems.skipped };
}

/** A COCO bbox [x, y, width, height] in pixels, when it is one (finite, of some area). */
function cocoBox(v: unknown): [number, number, number, number] | null {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  return v[2] > 0 && v[3] > 0 ? v as [number, number, number, number] : null;
}
