// CVAT exports: "CVAT for images 1.1" XML (polygons, boxes and ellipses, both turned about their
// centre by `rotation` degrees clockwise, and masks per image, layered by z_order), "CVAT for video
// 1.1" (the same shapes in tracks, by frame) and "Segmentation mask 1.1" (a zip, or its folder:
// labelmap.txt with each label's colour, and SegmentationClass/ colour PNGs).
import { XMLParser } from 'fast-xml-parser';
import { decodeMask } from '../mask_io.js';
import { UserError } from '../../util/errors.js';
import { ellipseProblem, toolColor, maskRegion, polygonProblem, ShapeProblems, turnedRectangle, type AnnotatedImage, type AnnotationSet, type Shape } from './types.js';
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
  const problems = new ShapeProblems(file, skipInvalid);
  // The task's labels in their order: meta > task|project|job > labels > label > name.
  const labels: string[] = [];
  const colors = new Map<string, Rgb>();
  const text = (n: Node, tag: string) => { const e = find(children(n), tag)[0]; const t = e && find(children(e), '#text')[0]; return t ? String(t['#text']) : undefined; };
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      if (tagOf(n) === 'label') {
        const name = text(n, 'name');
        if (name == null) continue;
        labels.push(name);
        const color = toolColor(text(n, 'color'));
        if (color) colors.set(name, color);
      }
      else if (tagOf(n) !== 'image' && tagOf(n) !== '#text') walk(children(n));
    }
  };
  walk(find(children(root), 'meta'));
  /** A shape element of an image (or of a track, which names the label) as a Shape, or null when passed over. */
  const shapeOf = (el: Node, k: number, img: AnnotatedImage, trackLabel?: string): Shape | null => {
    const tag = tagOf(el), e = attrs(el);
    if (tag === '#text' || tag === 'tag') return null;
    const label = trackLabel ?? e.label;
    const what = `<${tag}> ${k}${e.frame != null ? ` of frame ${e.frame}` : ''} (${label ?? 'no label'})`;
    if (!label) { problems.invalid(img.name, what, 'a shape without a label'); return null; }
    const shape: Shape = { label, regions: [], z: num(e.z_order) || 0, what };
    if (tag === 'polygon') {
      const xy = (e.points ?? '').split(';').flatMap((p) => p.split(',').map(Number));
      const why = polygonProblem(e.points ? xy : []);
      if (why) { problems.invalid(img.name, what, why); return null; }
      // CVAT's own masks (its Segmentation mask export, through Datumaro) draw polygons and boxes with pycocotools.
      shape.regions.push({ kind: 'polygon', xy, coco: true });
    } else if (tag === 'box') {
      const [x0, y0, x1, y1] = [e.xtl, e.ytl, e.xbr, e.ybr].map(num);
      const degrees = e.rotation == null ? 0 : num(e.rotation);
      if ([x0, y0, x1, y1].some((v) => !Number.isFinite(v))) { problems.invalid(img.name, what, 'a box without xtl, ytl, xbr, ybr'); return null; }
      if (!Number.isFinite(degrees)) { problems.invalid(img.name, what, `a box whose rotation "${e.rotation}" is not a number`); return null; }
      shape.regions.push({ kind: 'polygon', xy: turnedRectangle(x0, y0, x1 - x0, y1 - y0, degrees, (x0 + x1) / 2, (y0 + y1) / 2), coco: true });
    } else if (tag === 'ellipse') {
      const [cx, cy, rx, ry] = [e.cx, e.cy, e.rx, e.ry].map(num);
      const degrees = e.rotation == null ? 0 : num(e.rotation);
      const why = ellipseProblem(cx, cy, rx, ry, degrees);
      if (why) { problems.invalid(img.name, what, why); return null; }
      shape.regions.push({ kind: 'ellipse', cx, cy, rx, ry, degrees });
    } else if (tag === 'mask') {
      const [left, top, width, height] = [e.left, e.top, e.width, e.height].map(num);
      // The box lies in the image (CVAT draws masks on it), which also bounds what is allocated.
      const fits = [left, top, width, height].every(Number.isInteger) && left >= 0 && top >= 0 && width > 0 && height > 0
        && (img.width != null && img.height != null ? left + width <= img.width && top + height <= img.height : width * height <= 2 ** 28);
      const mask = fits ? boxMask(e.rle ?? '', width, height) : null;
      if (!mask) { problems.invalid(img.name, what, 'a mask whose rle does not fill its left/top/width/height box, or a box outside the image'); return null; }
      shape.regions.push(maskRegion(mask, width, height, left, top));
    } else { problems.skip(img.name, what, `a ${tag} has no area`); return null; }
    return shape;
  };
  const images: AnnotatedImage[] = [];
  for (const node of find(children(root), 'image')) {
    const a = attrs(node);
    const img: AnnotatedImage = { name: a.name, width: num(a.width) || undefined, height: num(a.height) || undefined, shapes: [] };
    if (!img.name) throw new UserError(`${file}: an <image> without a name`);
    children(node).forEach((el, k) => { const sh = shapeOf(el, k, img); if (sh) img.shapes.push(sh); });
    images.push(img);
  }
  if (!images.length) {
    // "CVAT for video": tracks of shapes by frame, every frame's (interpolated) shape written, the
    // ones out of view marked outside. Frames are images named frame_NNNNNN (as CVAT's export with
    // images names them, any extension); frames without an image under options.images are left out.
    const size = find(children(root), 'meta').flatMap((m) => deepFind(children(m), 'original_size'))[0];
    const dim = (k: string) => { const n = size && find(children(size), k)[0]; const t = n && find(children(n), '#text')[0]; return t ? num(String(t['#text'])) || undefined : undefined; };
    const frames = new Map<number, AnnotatedImage>();
    const frameImage = (f: number) => {
      if (!frames.has(f)) frames.set(f, { name: `frame_${String(f).padStart(6, '0')}`, width: dim('width'), height: dim('height'), shapes: [], anyExtension: true, optional: true });
      return frames.get(f)!;
    };
    for (const track of find(children(root), 'track')) {
      const label = attrs(track).label;
      children(track).forEach((el, k) => {
        if (tagOf(el) === '#text') return;
        const f = num(attrs(el).frame);
        if (!Number.isInteger(f) || f < 0) return problems.invalid(`track ${attrs(track).id ?? '?'}`, `<${tagOf(el)}> ${k}`, `frame "${attrs(el).frame}" is not a frame number`);
        const img = frameImage(f);
        if (attrs(el).outside === '1') return;
        const sh = shapeOf(el, k, img, label ?? '');
        if (sh) img.shapes.push({ ...sh, what: `track ${attrs(track).id ?? '?'}, ${sh.what}` });
      });
    }
    images.push(...[...frames.entries()].sort(([a], [b]) => a - b).map(([, img]) => img));
  }
  // Labels the shapes use that the meta does not list (a hand-made or trimmed file), in order of first use.
  for (const img of images) for (const sh of img.shapes) if (!labels.includes(sh.label)) labels.push(sh.label);
  return { format: 'cvat', images, labels, skipped: problems.skipped, colors };
}

/** Elements of a tag anywhere below these nodes. */
function deepFind(nodes: Node[], tag: string): Node[] {
  return nodes.flatMap((n) => (tagOf(n) === tag ? [n] : tagOf(n) === '#text' ? [] : deepFind(children(n), tag)));
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
export function readCvatMasks(files: Map<string, () => Uint8Array>, file: string): AnnotationSet {
  const lm = [...files.keys()].find((k) => k.split('/').pop() === 'labelmap.txt');
  if (!lm) throw new UserError(`${file}: not a CVAT Segmentation mask export (no labelmap.txt)`);
  const labelmap = parseLabelmap(Buffer.from(files.get(lm)!()).toString('utf8'), `${file}: ${lm}`);
  const prefix = lm.slice(0, -'labelmap.txt'.length);
  const images: AnnotatedImage[] = [];
  const UNKNOWN = 255;
  const names = labelmap.map((l) => l.name);
  for (const [k, bytes] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!k.startsWith(`${prefix}SegmentationClass/`) || !k.toLowerCase().endsWith('.png')) continue;
    const where = `${file}: ${k}`;
    // The size from the PNG's header; the pixels are decoded when the mask is drawn.
    const [width, height] = pngSize(bytes(), where);
    const read = () => {
      const m = decodeMask(bytes(), where, { colors: labelmap.map((l) => l.color), unknownLabel: UNKNOWN });
      if (m.unknownColors) throw new UserError(`${where}: ${m.unknownColors} pixels have colours that labelmap.txt does not list`);
      if (m.width !== width || m.height !== height) throw new UserError(`${where}: its header says ${width}x${height}, its pixels ${m.width}x${m.height}; export it again`);
      return m.data;
    };
    // A mask pairs with the image of its name less the extension, whatever the image's (JPEGImages/x.jpg for SegmentationClass/x.png).
    images.push({ name: k.slice(`${prefix}SegmentationClass/`.length, -'.png'.length), anyExtension: true, width, height, shapes: [], labelMap: { read, width, height, names } });
  }
  if (!images.length) throw new UserError(`${file}: no SegmentationClass/*.png in the export`);
  return { format: 'cvat-mask', images, labels: names, skipped: [], colors: new Map(labelmap.map((l) => [l.name, l.color])) };
}

/** A PNG's width and height from its IHDR chunk. */
function pngSize(bytes: Uint8Array, where: string): [number, number] {
  const png = bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 && String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR';
  if (!png) throw new UserError(`${where}: not a PNG mask; export it again`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [v.getUint32(16), v.getUint32(20)];
}
