// CVAT exports: "CVAT for images 1.1" XML (polygons, boxes and ellipses, both turned about their
// centre by `rotation` degrees clockwise, and masks per image, layered by z_order) and "Segmentation mask 1.1" (a zip, or its folder: labelmap.txt with each label's
// colour, and SegmentationClass/ colour PNGs).
import { XMLParser } from 'fast-xml-parser';
import { decodeMask } from '../mask_io.js';
import { UserError } from '../../util/errors.js';
import { ellipseProblem, polygonProblem, ShapeProblems, turnedRectangle, type AnnotatedImage, type AnnotationSet, type Shape } from './types.js';
import type { Rgb } from '../classes.js';

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

const tagOf = (n: Node) => Object.keys(n).find((k) => k !== ':@')!;
const children = (n: Node) => (n[tagOf(n)] as Node[]) ?? [];
const attrs = (n: Node) => n[':@'] ?? {};
const find = (nodes: Node[], tag: string) => nodes.filter((n) => tagOf(n) === tag);
const num = (v: string | undefined) => (v == null || v.trim() === '' ? NaN : Number(v));

/** A CVAT mask's `rle`: run lengths over its box, row-major, starting with a run of 0s. */
function boxMask(rle: string, width: number, height: number): Uint8Array | null {
  const counts = rle.split(',').map((v) => Number(v.trim()));
  const mask = new Uint8Array(width * height);
  let i = 0;
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k];
    if (!Number.isInteger(n) || n < 0 || i + n > mask.length) return null;
    if (k % 2) mask.fill(1, i, i + n);
    i += n;
  }
  return i === mask.length ? mask : null;
}

export function readCvatXml(xml: string, file: string, skipInvalid = false): AnnotationSet {
  let doc: Node[];
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, parseAttributeValue: false }).parse(xml) as Node[];
  } catch (e) { throw new UserError(`${file}: not valid XML (${(e as Error).message.split('\n')[0]})`); }
  const root = find(doc, 'annotations')[0];
  if (!root) throw new UserError(`${file}: not a CVAT for images file (no <annotations>)`);
  if (!find(children(root), 'image').length && find(children(root), 'track').length) {
    throw new UserError(`${file}: a "CVAT for video" export (shapes in <track> elements, by frame number); export the task as "CVAT for images 1.1", which lists each frame's shapes under its image file`);
  }
  const problems = new ShapeProblems(file, skipInvalid);
  // The task's labels in their order: meta > task|project|job > labels > label > name.
  const labels: string[] = [];
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      if (tagOf(n) === 'label') { const name = find(children(n), 'name')[0]; const t = name && find(children(name), '#text')[0]; if (t) labels.push(String(t['#text'])); }
      else if (tagOf(n) !== 'image' && tagOf(n) !== '#text') walk(children(n));
    }
  };
  walk(find(children(root), 'meta'));
  const images: AnnotatedImage[] = [];
  for (const node of find(children(root), 'image')) {
    const a = attrs(node);
    const img: AnnotatedImage = { name: a.name, width: num(a.width) || undefined, height: num(a.height) || undefined, shapes: [] };
    if (!img.name) throw new UserError(`${file}: an <image> without a name`);
    children(node).forEach((el, k) => {
      const tag = tagOf(el), e = attrs(el);
      if (tag === '#text' || tag === 'tag') return;
      const what = `<${tag}> ${k} (${e.label ?? 'no label'})`;
      if (!e.label) return problems.invalid(img.name, what, 'a shape without a label');
      const shape: Shape = { label: e.label, regions: [], z: num(e.z_order) || 0, what };
      if (tag === 'polygon') {
        const xy = (e.points ?? '').split(';').flatMap((p) => p.split(',').map(Number));
        const why = polygonProblem(e.points ? xy : []);
        if (why) return problems.invalid(img.name, what, why);
        shape.regions.push({ kind: 'polygon', xy });
      } else if (tag === 'box') {
        const [x0, y0, x1, y1] = [e.xtl, e.ytl, e.xbr, e.ybr].map(num);
        const degrees = e.rotation == null ? 0 : num(e.rotation);
        if ([x0, y0, x1, y1].some((v) => !Number.isFinite(v))) return problems.invalid(img.name, what, 'a box without xtl, ytl, xbr, ybr');
        if (!Number.isFinite(degrees)) return problems.invalid(img.name, what, `a box whose rotation "${e.rotation}" is not a number`);
        shape.regions.push({ kind: 'polygon', xy: turnedRectangle(x0, y0, x1 - x0, y1 - y0, degrees, (x0 + x1) / 2, (y0 + y1) / 2) });
      } else if (tag === 'ellipse') {
        const [cx, cy, rx, ry] = [e.cx, e.cy, e.rx, e.ry].map(num);
        const degrees = e.rotation == null ? 0 : num(e.rotation);
        const why = ellipseProblem(cx, cy, rx, ry, degrees);
        if (why) return problems.invalid(img.name, what, why);
        shape.regions.push({ kind: 'ellipse', cx, cy, rx, ry, degrees });
      } else if (tag === 'mask') {
        const [left, top, width, height] = [e.left, e.top, e.width, e.height].map(num);
        // The box lies in the image (CVAT draws masks on it), which also bounds what is allocated.
        const fits = [left, top, width, height].every(Number.isInteger) && left >= 0 && top >= 0 && width > 0 && height > 0
          && (img.width != null && img.height != null ? left + width <= img.width && top + height <= img.height : width * height <= 2 ** 28);
        const mask = fits ? boxMask(e.rle ?? '', width, height) : null;
        if (!mask) return problems.invalid(img.name, what, 'a mask whose rle does not fill its left/top/width/height box, or a box outside the image');
        shape.regions.push({ kind: 'mask', mask, left, top, width, height });
      } else return problems.skip(img.name, what, `a ${tag} has no area`);
      img.shapes.push(shape);
    });
    images.push(img);
  }
  return { format: 'cvat', images, labels, skipped: problems.skipped };
}

/** labelmap.txt of "Segmentation mask 1.1": `name:r,g,b:parts:actions` lines. */
export function parseLabelmap(text: string, file: string): { name: string; color: Rgb }[] {
  const out: { name: string; color: Rgb }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, rgb] = line.split(':');
    const c = (rgb ?? '').split(',').map(Number);
    if (c.length !== 3 || c.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) throw new UserError(`${file}: line "${line}" is not name:r,g,b:parts:actions`);
    out.push({ name, color: c as Rgb });
  }
  return out;
}

/** "Segmentation mask 1.1": files by path inside the export (zip entries or a folder's files). */
export function readCvatMasks(files: Map<string, Uint8Array>, file: string): AnnotationSet {
  const lm = [...files.keys()].find((k) => k.split('/').pop() === 'labelmap.txt');
  if (!lm) throw new UserError(`${file}: not a CVAT Segmentation mask export (no labelmap.txt)`);
  const labelmap = parseLabelmap(Buffer.from(files.get(lm)!).toString('utf8'), `${file}: ${lm}`);
  const prefix = lm.slice(0, -'labelmap.txt'.length);
  const images: AnnotatedImage[] = [];
  const UNKNOWN = 255;
  for (const [k, bytes] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!k.startsWith(`${prefix}SegmentationClass/`) || !k.toLowerCase().endsWith('.png')) continue;
    const m = decodeMask(bytes, `${file}: ${k}`, { colors: labelmap.map((l) => l.color), unknownLabel: UNKNOWN });
    if (m.unknownColors) throw new UserError(`${file}: ${k}: ${m.unknownColors} pixels have colours that labelmap.txt does not list`);
    images.push({ name: k.slice(`${prefix}SegmentationClass/`.length), width: m.width, height: m.height, shapes: [], labelMap: { data: m.data, width: m.width, height: m.height, names: labelmap.map((l) => l.name) } });
  }
  if (!images.length) throw new UserError(`${file}: no SegmentationClass/*.png in the export`);
  return { format: 'cvat-mask', images, labels: labelmap.map((l) => l.name), skipped: [] };
}
