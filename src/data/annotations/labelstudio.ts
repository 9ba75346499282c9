// Label Studio JSON exports (and JSON-MIN ones, read as the JSON export they come from): a list of
// tasks, each with its image URL and annotations whose results
// are brush masks (`brushlabels`, RLE: formats/mask_rle.ts), polygons (`polygonlabels`, points in
// percent of the image), rectangles (`rectanglelabels`, percent, turned about the top-left corner)
// or ellipses (`ellipselabels`: centre and radii in percent of the width and height, turned about
// the centre). A task's last annotation that was not cancelled is the one read. A task not yet
// annotated gives no image (Label Studio's own converter leaves such tasks out: an all-background
// mask would teach that its objects are background), unless asked to take its last prediction
// (pre-annotations, as predict --export writes them) as its labels.
import { extname } from 'node:path';
import { decodeBrushRle } from '../../formats/mask_rle.js';
import { IMAGE_EXTS } from '../image_io.js';
import { UserError } from '../../util/errors.js';
import { ellipseProblem, flatPoints, isRecord, listIn, maskRegion, polygonProblem, REEXPORT, ShapeProblems, turnedRectangle, type AnnotatedImage, type AnnotationSet, type Shape } from './types.js';

interface LsResult { type?: unknown; from_name?: unknown; to_name?: unknown; original_width?: number; original_height?: number; value?: unknown }
interface LsTask { id?: unknown; data?: unknown; image?: unknown; annotations?: unknown; predictions?: unknown }

/** The keys of a JSON-MIN record that are Label Studio's bookkeeping, not the task's data. */
const MIN_META = new Set(['id', 'annotator', 'annotation_id', 'created_at', 'updated_at', 'lead_time', 'agreement']);
/** The region types, by the label list each one's value holds. */
const REGION_TYPES = ['brushlabels', 'polygonlabels', 'rectanglelabels', 'ellipselabels'];

/**
 * A JSON-MIN export's records as the JSON export's tasks. Label Studio writes a record per
 * annotation, newest first: the task's data, and per control (its name) the list of its regions'
 * values, each with the image's original size and without its type (told here by its label list:
 * brushlabels, ...; a control of separate Labels by its fields). A task's first record is read.
 */
function fromJsonMin(records: unknown[]): LsTask[] {
  const seen = new Set<unknown>();
  const tasks: LsTask[] = [];
  for (const rec of records) {
    if (!isRecord(rec)) { tasks.push(rec as LsTask); continue; }
    if (rec.id !== undefined && seen.has(rec.id)) continue;
    seen.add(rec.id);
    const data: Record<string, unknown> = {}, result: LsResult[] = [];
    for (const [key, value] of Object.entries(rec)) {
      if (MIN_META.has(key)) continue;
      const regions = Array.isArray(value) && value.length && value.every(isRecord) ? value as Record<string, unknown>[] : null;
      if (!regions) { data[key] = value; continue; }
      for (const { original_width, original_height, ...v } of regions) {
        const type = REGION_TYPES.find((t) => t in v)
          ?? (!Array.isArray(v.labels) ? '' : 'rle' in v ? 'brushlabels' : 'points' in v ? 'polygonlabels' : 'radiusX' in v ? 'ellipselabels' : 'width' in v ? 'rectanglelabels' : '');
        result.push({ type, from_name: key, original_width: original_width as number, original_height: original_height as number, value: type && !(type in v) ? { ...v, [type]: v.labels } : v });
      }
    }
    tasks.push({ id: rec.id, data, annotations: result.length || rec.annotation_id != null ? [{ result }] : [] });
  }
  return tasks;
}

/** Whether a list is a JSON-MIN export: records with Label Studio's annotation fields, and no task "data". */
const isJsonMin = (list: unknown[]): boolean => list.some(isRecord) && list.every((r) => !isRecord(r) || (!('data' in r) && !('annotations' in r) && ('annotation_id' in r || 'annotator' in r || 'lead_time' in r)));

export function readLabelStudio(given: unknown, file: string, skipInvalid = false, usePredictions = false): AnnotationSet {
  if (!Array.isArray(given)) throw new UserError(`${file}: not a Label Studio JSON export (a list of tasks)`);
  const json: unknown[] = isJsonMin(given) ? fromJsonMin(given) : given;
  const problems = new ShapeProblems(file, skipInvalid);
  const labels: string[] = [];
  const images: AnnotatedImage[] = [];
  const unannotated: string[] = [];
  json.forEach((entry, t) => {
    if (!isRecord(entry)) throw new UserError(`${file}: task #${t} is not an object; ${REEXPORT}`);
    const task = entry as LsTask;
    const id = typeof task.id === 'number' || typeof task.id === 'string' ? task.id : `#${t}`;
    const anns = listIn(task.annotations, file, `task ${id}: "annotations"`).filter((a) => isRecord(a) && !a.was_cancelled) as { result?: unknown }[];
    const predictions = listIn(task.predictions, file, `task ${id}: "predictions"`).filter(isRecord) as { result?: unknown }[];
    const ann = anns.at(-1) ?? (usePredictions ? predictions.at(-1) : undefined);
    const results = listIn(ann?.result, file, `task ${id}: "result"`);
    const url = imageOf(task, results.filter(isRecord) as LsResult[]);
    if (!url) {
      const min = !('data' in task) && typeof task.image === 'string';
      throw new UserError(`${file}: task ${id} has no image in "data"${min ? ' (a JSON-MIN export? export the project as "JSON")' : ''}`);
    }
    if (!ann) { unannotated.push(url); return; }
    const img: AnnotatedImage = { name: url, shapes: [] };
    results.forEach((entry, k) => {
      if (!isRecord(entry)) return problems.invalid(img.name, `task ${id}, result ${k}`, 'a result that is not an object');
      const r = entry as LsResult;
      const v = isRecord(r.value) ? r.value : {};
      const type = typeof r.type === 'string' ? r.type : '';
      const given = v[type];
      const names = Array.isArray(given) && given.every((n) => typeof n === 'string') ? (given as string[]) : null;
      const what = `task ${id}, result ${k} (${names?.join(', ') || type})`;
      if (!['brushlabels', 'polygonlabels', 'rectanglelabels', 'ellipselabels'].includes(type)) return problems.skip(img.name, what, `a ${type || 'result'} is not a region`);
      if (!names) return problems.invalid(img.name, what, `"${type}" is not a list of label names`);
      if (names.length !== 1) return problems.invalid(img.name, what, `${names.length} labels on one region (one expected)`);
      const w = r.original_width, h = r.original_height;
      if (!(Number.isInteger(w) && Number.isInteger(h) && w! > 0 && h! > 0)) return problems.invalid(img.name, what, 'no original_width and original_height');
      if ((img.width != null && img.width !== w) || (img.height != null && img.height !== h)) return problems.invalid(img.name, what, `original size ${w}x${h} differs from the task's other results (${img.width}x${img.height})`);
      img.width = w; img.height = h;
      const shape: Shape = { label: names[0], regions: [], what };
      if (type === 'brushlabels') {
        const mask = v.format === 'rle' && Array.isArray(v.rle) ? decodeBrushRle(v.rle as number[], h!, w!) : null;
        if (!mask) return problems.invalid(img.name, what, 'a brush whose rle does not decode to its original size');
        shape.regions.push(maskRegion(mask, w!, h!));
      } else if (type === 'polygonlabels') {
        const pts = flatPoints(v.points);
        if (!pts) return problems.invalid(img.name, what, 'points that are not a list of [x, y] pairs');
        const why = polygonProblem(pts);
        if (why) return problems.invalid(img.name, what, why);
        shape.regions.push({ kind: 'polygon', xy: (pts as number[]).map((c, i) => (c * (i % 2 ? h! : w!)) / 100) });
      } else if (type === 'ellipselabels') {
        const [x, y, rx, ry, rot] = ['x', 'y', 'radiusX', 'radiusY', 'rotation'].map((key) => Number(v[key] ?? (key === 'rotation' ? 0 : NaN)));
        const e = { cx: (x * w!) / 100, cy: (y * h!) / 100, rx: (rx * w!) / 100, ry: (ry * h!) / 100, degrees: rot };
        const why = ellipseProblem(e.cx, e.cy, e.rx, e.ry, e.degrees);
        if (why) return problems.invalid(img.name, what, why);
        shape.regions.push({ kind: 'ellipse', ...e });
      } else {
        const [x, y, rw, rh, rot] = ['x', 'y', 'width', 'height', 'rotation'].map((key) => Number(v[key] ?? 0));
        if (![x, y, rw, rh, rot].every(Number.isFinite)) return problems.invalid(img.name, what, 'a rectangle without x, y, width, height');
        const [px, py] = [(x * w!) / 100, (y * h!) / 100];
        shape.regions.push({ kind: 'polygon', xy: turnedRectangle(px, py, (rw * w!) / 100, (rh * h!) / 100, rot, px, py) });
      }
      if (!labels.includes(names[0])) labels.push(names[0]);
      img.shapes.push(shape);
    });
    images.push(img);
  });
  return { format: 'labelstudio', images, labels, firstUse: true, skipped: problems.skipped, unannotated };
}

/**
 * The task's image: of the strings in "data", the one its results point at (`to_name`, the usual
 * `image` key) or that names an image file, before any other (a task may carry captions or ids).
 */
function imageOf(task: LsTask, results: LsResult[]): string | undefined {
  const data = isRecord(task.data) ? task.data : {};
  const keys = [...new Set([...results.map((r) => (typeof r.to_name === 'string' ? r.to_name : undefined)), 'image', 'img', ...Object.keys(data)])];
  const strings = keys.map((k) => (k == null ? undefined : data[k])).filter((v): v is string => typeof v === 'string' && v.length > 0);
  const file = (v: string) => { const local = /[?&]d=([^&]+)/.exec(v); return (local ? local[1] : v.replace(/[?#].*$/, '')); };
  return strings.find((v) => IMAGE_EXTS.includes(extname(file(v)).toLowerCase())) ?? strings[0];
}
