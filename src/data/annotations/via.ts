// VGG Image Annotator (VIA 1 and 2) JSON: the annotations export (images keyed by file name and
// size) or a VIA 2 project (the same under `_via_img_metadata`). Regions are polygons
// (all_points_x/y), rectangles, circles and ellipses (theta in radians, turned about the centre) in
// image pixels; polylines and points have no area. VIA has no label field: a region's class is the
// value of its region attribute (the one attribute it has, or the one named label, class, name,
// type or category); a region with none is "object". A VIA 2 project lists that attribute's options:
// the classes in the project's order.
import { UserError } from '../../util/errors.js';
import { ellipseProblem, isRecord, polygonProblem, ShapeProblems, type AnnotatedImage, type AnnotationSet, type Shape } from './types.js';

const LABEL_KEYS = ['label', 'class', 'name', 'type', 'category'];
const VIA_DEFAULT_LABEL = 'object';

/** The class a region's attributes name: a string value, or the one checked option of a checkbox. */
function labelOf(attributes: unknown): { label: string } | { why: string } {
  const a = isRecord(attributes) ? attributes : {};
  const keys = Object.keys(a);
  if (!keys.length) return { label: VIA_DEFAULT_LABEL };
  const key = keys.length === 1 ? keys[0] : keys.find((k) => LABEL_KEYS.includes(k.trim().toLowerCase()));
  if (key == null) return { why: `region attributes ${keys.map((k) => `"${k}"`).join(', ')}: none is named ${LABEL_KEYS.join(', ')}, so the class is unclear` };
  const v = a[key];
  if (typeof v === 'string' && v.trim()) return { label: v.trim() };
  if (isRecord(v)) {
    const on = Object.keys(v).filter((k) => v[k] === true);
    if (on.length === 1) return { label: on[0] };
  }
  return { why: `region attribute "${key}" holds no one class name` };
}

/**
 * The class list a VIA 2 project holds: the options of its region attribute (a dropdown, radio or
 * checkbox; the one attribute with options, or the one named as LABEL_KEYS), in the project's
 * order; null when it has none (an annotations export, a text attribute).
 */
function projectOptions(json: unknown): string[] | null {
  const attributes = isRecord(json) && isRecord(json._via_attributes) && isRecord(json._via_attributes.region) ? json._via_attributes.region : {};
  const withOptions = Object.keys(attributes).filter((k) => { const a = attributes[k]; return isRecord(a) && isRecord(a.options) && Object.keys(a.options).length > 0; });
  const key = withOptions.length === 1 ? withOptions[0] : withOptions.find((k) => LABEL_KEYS.includes(k.trim().toLowerCase()));
  if (key == null) return null;
  return Object.keys((attributes[key] as { options: Record<string, unknown> }).options).map((o) => o.trim()).filter(Boolean);
}

export function readVia(json: unknown, file: string, skipInvalid = false): AnnotationSet {
  if (isRecord(json) && ('project' in json || 'file' in json) && 'metadata' in json) throw new UserError(`${file}: a VIA 3 project, which convert does not read; export the annotations from VIA 2 (JSON) or as COCO`);
  const meta = isRecord(json) && isRecord(json._via_img_metadata) ? json._via_img_metadata : json;
  if (!isRecord(meta) || !Object.values(meta).every((e) => isRecord(e) && typeof e.filename === 'string')) {
    throw new UserError(`${file}: not a VIA annotations file (an object of images, each with "filename" and "regions", or a VIA 2 project)`);
  }
  const problems = new ShapeProblems(file, skipInvalid);
  const listed = projectOptions(json);
  const labels: string[] = [...(listed ?? [])];
  const images: AnnotatedImage[] = [];
  for (const entry of Object.values(meta) as { filename: string; regions?: unknown }[]) {
    const img: AnnotatedImage = { name: entry.filename, shapes: [] };
    // VIA 1 keeps regions in an object keyed "0", "1", ...; VIA 2 in a list.
    const regions = Array.isArray(entry.regions) ? entry.regions : isRecord(entry.regions) ? Object.values(entry.regions) : [];
    regions.forEach((region, k) => {
      const r = isRecord(region) ? region : {};
      const s = isRecord(r.shape_attributes) ? r.shape_attributes : {};
      const kind = typeof s.name === 'string' ? s.name : '';
      const l = labelOf(r.region_attributes);
      const what = `region ${k} (${'label' in l ? l.label : kind || 'no shape'})`;
      if (!['polygon', 'rect', 'circle', 'ellipse'].includes(kind)) return problems.skip(img.name, what, `a ${kind || 'region without a shape'} has no area`);
      if ('why' in l) return problems.invalid(img.name, what, l.why);
      const n = (key: string) => (typeof s[key] === 'number' ? (s[key] as number) : NaN);
      const shape: Shape = { label: l.label, regions: [], what };
      if (kind === 'polygon') {
        const xs = Array.isArray(s.all_points_x) ? s.all_points_x : [], ys = Array.isArray(s.all_points_y) ? s.all_points_y : [];
        if (xs.length !== ys.length) return problems.invalid(img.name, what, `all_points_x has ${xs.length} values and all_points_y ${ys.length}`);
        const xy = xs.flatMap((x, i) => [x, ys[i]]);
        const why = polygonProblem(xy);
        if (why) return problems.invalid(img.name, what, why);
        shape.regions.push({ kind: 'polygon', xy: xy as number[] });
      } else if (kind === 'rect') {
        const [x, y, w, h] = ['x', 'y', 'width', 'height'].map(n);
        if (![x, y, w, h].every(Number.isFinite)) return problems.invalid(img.name, what, 'a rect without x, y, width, height');
        shape.regions.push({ kind: 'polygon', xy: [x, y, x + w, y, x + w, y + h, x, y + h] });
      } else {
        const [cx, cy] = [n('cx'), n('cy')];
        const [rx, ry] = kind === 'circle' ? [n('r'), n('r')] : [n('rx'), n('ry')];
        const degrees = kind === 'ellipse' && s.theta != null ? (n('theta') * 180) / Math.PI : 0;
        const why = ellipseProblem(cx, cy, rx, ry, degrees);
        if (why) return problems.invalid(img.name, what, why);
        shape.regions.push({ kind: 'ellipse', cx, cy, rx, ry, degrees });
      }
      if (!labels.includes(l.label)) labels.push(l.label);
      img.shapes.push(shape);
    });
    images.push(img);
  }
  return { format: 'via', images, labels, ...(listed ? {} : { firstUse: true }), skipped: problems.skipped };
}
