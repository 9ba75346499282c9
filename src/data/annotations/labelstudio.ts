// Label Studio JSON exports: a list of tasks, each with its image URL and annotations whose results
// are brush masks (`brushlabels`, RLE: formats/mask_rle.ts), polygons (`polygonlabels`, points in
// percent of the image) or rectangles (`rectanglelabels`, percent, rotated about the top-left
// corner). A task's last annotation that was not cancelled is the one read, or, in a task not yet
// annotated, its last prediction.
import { decodeBrushRle } from '../../formats/mask_rle.js';
import { UserError } from '../../util/errors.js';
import { polygonProblem, ShapeProblems, type AnnotatedImage, type AnnotationSet, type Shape } from './types.js';

interface LsResult { type?: string; original_width?: number; original_height?: number; value?: Record<string, unknown> }
interface LsTask { id?: number; data?: Record<string, unknown>; annotations?: { result?: LsResult[]; was_cancelled?: boolean }[]; predictions?: { result?: LsResult[] }[] }

export function readLabelStudio(json: unknown, file: string, skipInvalid = false): AnnotationSet {
  if (!Array.isArray(json)) throw new UserError(`${file}: not a Label Studio JSON export (a list of tasks)`);
  const problems = new ShapeProblems(file, skipInvalid);
  const labels: string[] = [];
  const images: AnnotatedImage[] = [];
  (json as LsTask[]).forEach((task, t) => {
    const url = Object.values(task?.data ?? {}).find((v): v is string => typeof v === 'string');
    if (!url) throw new UserError(`${file}: task ${task?.id ?? t} has no image in "data"`);
    const img: AnnotatedImage = { name: url, shapes: [] };
    // A task not yet annotated (pre-annotations, as predict --export writes them) gives its last prediction.
    const ann = (task.annotations ?? []).filter((a) => !a.was_cancelled).at(-1) ?? (task.predictions ?? []).at(-1);
    (ann?.result ?? []).forEach((r, k) => {
      const v = r.value ?? {};
      const type = r.type ?? '';
      const names = (v[type] as string[] | undefined) ?? [];
      const what = `task ${task.id ?? t}, result ${k} (${names.join(', ') || type})`;
      if (!['brushlabels', 'polygonlabels', 'rectanglelabels'].includes(type)) return problems.skip(img.name, what, `a ${type || 'result'} is not a region`);
      if (names.length !== 1) return problems.invalid(img.name, what, `${names.length} labels on one region (one expected)`);
      const w = r.original_width, h = r.original_height;
      if (!(Number.isInteger(w) && Number.isInteger(h) && w! > 0 && h! > 0)) return problems.invalid(img.name, what, 'no original_width and original_height');
      if ((img.width != null && img.width !== w) || (img.height != null && img.height !== h)) return problems.invalid(img.name, what, `original size ${w}x${h} differs from the task's other results (${img.width}x${img.height})`);
      img.width = w; img.height = h;
      const shape: Shape = { label: names[0], regions: [], what };
      if (type === 'brushlabels') {
        const mask = v.format === 'rle' && Array.isArray(v.rle) ? decodeBrushRle(v.rle as number[], h!, w!) : null;
        if (!mask) return problems.invalid(img.name, what, 'a brush whose rle does not decode to its original size');
        shape.regions.push({ kind: 'mask', mask, left: 0, top: 0, width: w!, height: h! });
      } else if (type === 'polygonlabels') {
        const pts = Array.isArray(v.points) ? (v.points as number[][]) : [];
        const xy = pts.flatMap(([x, y]) => [(x * w!) / 100, (y * h!) / 100]);
        const why = polygonProblem(pts.flat());
        if (why) return problems.invalid(img.name, what, why);
        shape.regions.push({ kind: 'polygon', xy });
      } else {
        const [x, y, rw, rh, rot] = ['x', 'y', 'width', 'height', 'rotation'].map((key) => Number(v[key] ?? 0));
        if (![x, y, rw, rh].every(Number.isFinite)) return problems.invalid(img.name, what, 'a rectangle without x, y, width, height');
        const [cx, cy] = [(x * w!) / 100, (y * h!) / 100], [pw, ph] = [(rw * w!) / 100, (rh * h!) / 100];
        const [c, s] = [Math.cos((rot * Math.PI) / 180), Math.sin((rot * Math.PI) / 180)];
        const corner = (dx: number, dy: number) => [cx + dx * c - dy * s, cy + dx * s + dy * c];
        shape.regions.push({ kind: 'polygon', xy: [...corner(0, 0), ...corner(pw, 0), ...corner(pw, ph), ...corner(0, ph)] });
      }
      if (!labels.includes(names[0])) labels.push(names[0]);
      img.shapes.push(shape);
    });
    images.push(img);
  });
  return { format: 'labelstudio', images, labels, skipped: problems.skipped };
}
