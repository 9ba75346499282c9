// Label maps as the labelling tools' own files, so that a model's predictions open there as
// editable pre-annotations (and read back with convert.ts to the same label maps):
// - COCO: one annotation per class present in an image, its segmentation the compressed RLE
//   pycocotools writes, with area, bbox and a score (the class's mean probability there);
// - Label Studio: one task per image with a prediction of brush regions (brush RLE) or polygon
//   regions (outlines in percent of the image), a score (the image's mean top probability), and a
//   labelling config for the classes (BrushLabels or PolygonLabels);
// - CVAT Segmentation mask 1.1: a zip of labelmap.txt, ImageSets/Segmentation/default.txt and
//   SegmentationClass/ colour PNGs (masks in CVAT); CVAT for images 1.1 XML: a polygon per region
//   (polygons in CVAT, what its users draw and edit);
// - Ultralytics YOLO segmentation: a zip as CVAT exports it (data.yaml, train.txt, labels/train/ with
//   one row per region: the class index and its outline in fractions of the image);
// - labelme: one JSON per image, a polygon per region.
// YOLO, labelme, CVAT's XML and Label Studio's polygons hold outlines: each 4-connected region of a
// class is one (outlines.ts), its holes joined in, and each reads back to the region's pixels exactly.
// A leading background class ("background", "other", "_background_") is not exported: its pixels
// are the unlabelled rest, which every reader takes as background.
import { deflateSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { encode as encodePng } from 'fast-png';
import sharp from 'sharp';
import { stringify as yamlText } from 'yaml';
import { encodeBrushRle, encodeCocoRle } from '../../formats/mask_rle.js';
import type { ClassInfo, Rgb } from '../classes.js';
import { UserError, argumentError, checkedLabelMap } from '../../util/errors.js';
import { labelOutlines } from '../outlines.js';
import { refuseUnknownKeys, expectArgs } from '../../util/call_options.js';
import { EXPORT_FORMATS, LS_REGIONS, type ExportFormat, type LabelStudioRegions } from './format_names.js';

export { EXPORT_FORMATS, type ExportFormat } from './format_names.js';

/**
 * An image's predictions. `confidence`: the probability of each pixel's label (the exported regions'
 * and images' scores); `confidenceSums` in its place gives the same scores from its sums alone
 * (confidenceSums), for predictions whose probabilities are gone (a resumed run).
 */
export interface Prediction { name: string; width: number; height: number; labels: Uint8Array; confidence?: Float32Array; confidenceSums?: ConfidenceSums }

/** What the exports take from a label map's confidence: its sum over all pixels and, by label, over that label's pixels. */
export interface ConfidenceSums { total: number; byLabel: number[] }

/** The sums of `confidence` (one value per pixel of `labels`) that the exports' scores are made of. */
export function confidenceSums(labels: Uint8Array, confidence: Float32Array): ConfidenceSums {
  if (confidence.length !== labels.length) throw argumentError('confidence', `${confidence.length} values`, `give one per pixel of the ${labels.length}`);
  const byLabel = new Array<number>(256).fill(0);
  let total = 0;
  // Summed in pixel order, as the scores always were.
  for (let i = 0; i < labels.length; i++) { total += confidence[i]; byLabel[labels[i]] += confidence[i]; }
  let n = 256;
  while (n > 0 && byLabel[n - 1] === 0) n--;
  return { total, byLabel: byLabel.slice(0, n) };
}

/** The name CVAT, YOLO and labelme pair a mask or label file with its image by: the image's name less its extension. */
const stem = (name: string) => name.replace(/\.[^./]+$/, '');

/** The labelme file of an exported image, relative to the export's labelme folder. */
export const labelmeFileOf = (name: string) => `${stem(name)}.json`;

/** The file of each format that holds an image's regions under its name less the extension. */
const STEM_FILES: Partial<Record<ExportFormat, (stem: string) => string>> = {
  cvat: (s) => `the CVAT mask SegmentationClass/${s}.png (CVAT pairs masks with images by the name less its extension)`,
  yolo: (s) => `the YOLO label file labels/train/${s}.txt`,
  labelme: (s) => `the labelme file ${s}.json`,
};

/**
 * Names seen by one export, and why a next one cannot join them (or null): the tools pair regions
 * with images by file name, and CVAT's masks by the name less its extension ("a.jpg" and "a.png"
 * are one mask).
 */
class ExportNames {
  private readonly seen = new Map<string, string>();
  constructor(private readonly formats: readonly ExportFormat[]) {}
  problem(n: string): string | null {
    // A Supervisely dataset keeps its images in one folder, img/, by name.
    if (this.formats.includes('supervisely') && n.includes('/')) return `"${n}" is in a subfolder, and a Supervisely dataset holds its images in one folder by name`;
    const byStem = this.formats.find((f) => STEM_FILES[f]);
    const key = byStem ? stem(n) : n;
    const other = this.seen.get(key);
    if (other === n) return `two images are named "${n}", and the labelling tools pair regions with images by file name`;
    if (other !== undefined) return `"${other}" and "${n}" would share ${STEM_FILES[byStem!]!(key)}`;
    this.seen.set(key, n);
    return null;
  }
}

/** Why these image names cannot share one export, or null. */
export function exportNamesProblem(names: string[], formats: readonly ExportFormat[]): string | null {
  const seen = new ExportNames(formats);
  for (const n of names) { const why = seen.problem(n); if (why) return why; }
  return null;
}

const BACKGROUND = ['background', 'other', '_background_'];
/** The class ids an export lists: all but a leading background class. */
export function exportedClasses(classes: ClassInfo[]): number[] {
  return classes.map((_, i) => i).filter((i) => !(i === 0 && BACKGROUND.includes(classes[0].name.trim().toLowerCase())));
}

/** Masks of each exported class present in `p`, with its pixel count and box. */
function classMasks(p: Prediction, ids: number[], sums: ConfidenceSums | null): { id: number; mask: Uint8Array; area: number; bbox: [number, number, number, number]; score: number | null }[] {
  const out = [];
  const wanted = new Set(ids);
  const seen = new Set<number>();
  for (let i = 0; i < p.labels.length; i++) if (wanted.has(p.labels[i])) seen.add(p.labels[i]);
  for (const id of [...seen].sort((a, b) => a - b)) {
    const mask = new Uint8Array(p.labels.length);
    let area = 0, x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
    for (let i = 0; i < p.labels.length; i++) {
      if (p.labels[i] !== id) continue;
      mask[i] = 1; area++;
      const x = i % p.width, y = Math.floor(i / p.width);
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
    out.push({ id, mask, area, bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1] as [number, number, number, number], score: sums ? (sums.byLabel[id] ?? 0) / area : null });
  }
  return out;
}

/**
 * The exports built an image at a time (only the encoded regions are kept, never the label maps),
 * then written whole.
 */
export class ExportBuilder {
  private readonly ids: number[];
  private readonly colors: Rgb[];
  private readonly images: object[] = [];
  private readonly annotations: object[] = [];
  private readonly tasks: object[] = [];
  private readonly pngs: Record<string, Uint8Array> = {};
  private readonly stems: string[] = [];
  private readonly yoloFiles: { name: string; file: string; rows: string }[] = [];
  private readonly labelmeFiles: { name: string; file: string; json: LabelmeFile }[] = [];
  private readonly cvatImages: string[] = [];
  private readonly superviselyAnns: { name: string; json: object }[] = [];
  private readonly added: ExportNames;

  /**
   * `options.outlineTolerance`: outlines (yolo, labelme, cvat-xml, Label Studio polygons) thinned to
   * within this many pixels (default 0: exact). `options.labels`: the label maps are labels (masks
   * of a dataset), not predictions: Label Studio's tasks carry them as annotations.
   */
  constructor(private readonly classes: ClassInfo[], private readonly formats: ExportFormat[], private readonly names: LabelStudioNames, private readonly options: { outlineTolerance?: number; labels?: boolean } = {}) {
    expectArgs('ExportBuilder', [['classes', classes, 'array'], ['formats', formats, 'array'], ['names', names, 'object']]);
    refuseUnknownKeys(names, { fromName: true, toName: true, imageUrlPrefix: true, modelVersion: true, urlNames: true, regions: true } satisfies Record<keyof LabelStudioNames, true>, 'ExportBuilder() names');
    if (names.regions !== undefined && !LS_REGIONS.includes(names.regions)) throw argumentError('regions', names.regions, `use ${LS_REGIONS.join(' or ')}`);
    refuseUnknownKeys(options, { outlineTolerance: true, labels: true }, 'ExportBuilder()');
    const unknown = (formats as unknown[]).find((f) => !(EXPORT_FORMATS as readonly unknown[]).includes(f));
    if (unknown !== undefined) throw argumentError('formats', unknown, `unknown export format; use ${EXPORT_FORMATS.join(', ')}`);
    const tol = options.outlineTolerance ?? 0;
    if (!(Number.isFinite(tol) && tol >= 0)) throw argumentError('outlineTolerance', tol, 'a distance in pixels, 0 (exact) or more');
    this.ids = exportedClasses(classes);
    this.added = new ExportNames(formats);
    // Black is CVAT's background: kept free when every class is exported.
    this.colors = distinctColors(classes, this.ids.includes(0) ? [[0, 0, 0]] : []);
  }

  async add(p: Prediction): Promise<void> {
    checkedLabelMap(p.labels, p.width, p.height);
    if (p.confidence && p.confidence.length !== p.labels.length) throw new UserError(`confidence: ${p.confidence.length} values for ${p.labels.length} pixels of ${p.name}; give one per pixel`, 2, 'confidence');
    const sums = p.confidence ? confidenceSums(p.labels, p.confidence) : p.confidenceSums ?? null;
    if (sums && !(Number.isFinite(sums.total) && Array.isArray(sums.byLabel))) throw new UserError(`confidenceSums of ${p.name}: not a total and sums by label; give what confidenceSums(labels, confidence) returns`, 2, 'confidenceSums');
    const clash = this.added.problem(p.name);
    if (clash) throw new UserError(`name: ${clash}; rename one, or export them in separate runs`, 2, 'name');
    const polygons = this.formats.includes('labelstudio') && this.names.regions === 'polygon';
    const masks = this.formats.includes('coco') || this.formats.includes('supervisely') || (this.formats.includes('labelstudio') && !polygons) ? classMasks(p, this.ids, sums) : [];
    const exported = new Set(this.ids);
    const outlines = this.formats.includes('yolo') || this.formats.includes('labelme') || this.formats.includes('cvat-xml') || polygons
      ? labelOutlines(p.labels, p.width, p.height, (l) => exported.has(l), this.options.outlineTolerance ?? 0) : [];
    if (this.formats.includes('coco')) {
      const imageId = this.images.length + 1;
      this.images.push({ id: imageId, file_name: p.name, width: p.width, height: p.height });
      for (const m of masks) {
        this.annotations.push({
          id: this.annotations.length + 1, image_id: imageId, category_id: m.id + 1, iscrowd: 0,
          segmentation: encodeCocoRle(m.mask, p.height, p.width), area: m.area, bbox: m.bbox, ...(m.score != null ? { score: round(m.score) } : {}),
        });
      }
    }
    if (this.formats.includes('labelstudio')) {
      const n = this.names;
      const region = { from_name: n.fromName, to_name: n.toName, origin: this.options.labels ? 'manual' : 'prediction', original_width: p.width, original_height: p.height, image_rotation: 0 };
      // A class's score: its mean probability over its pixels (the same for each of its regions).
      const areas = polygons && sums ? labelCounts(p.labels) : null;
      const result = polygons
        ? outlines.map((o, k) => {
          // Points in percent of the image, as Label Studio stores them (to 1e-6: the pixel edges come back exactly).
          const points = Array.from({ length: o.xy.length / 2 }, (_, j) => [percent(o.xy[2 * j], p.width), percent(o.xy[2 * j + 1], p.height)]);
          const score = sums && areas ? (sums.byLabel[o.label] ?? 0) / areas[o.label] : null;
          return { id: `r${k + 1}`, type: 'polygonlabels', ...region, value: { points, closed: true, polygonlabels: [this.classes[o.label].name] }, ...(score != null ? { score: round(score) } : {}) };
        })
        : masks.map((m, k) => ({
          id: `r${k + 1}`, type: 'brushlabels', ...region,
          value: { format: 'rle', rle: encodeBrushRle(m.mask, p.height, p.width), brushlabels: [this.classes[m.id].name] },
          ...(m.score != null ? { score: round(m.score) } : {}),
        }));
      const score = sums ? round(sums.total / p.labels.length) : undefined;
      const data = { [n.toName]: n.imageUrlPrefix + (n.urlNames ? p.name : urlPath(p.name)) };
      this.tasks.push(this.options.labels ? { data, annotations: [{ result, ground_truth: false }] } : { data, predictions: [{ model_version: n.modelVersion, ...(score != null ? { score } : {}), result }] });
    }
    if (this.formats.includes('cvat')) {
      const rgb = new Uint8Array(p.width * p.height * 3);
      for (let i = 0; i < p.labels.length; i++) rgb.set(this.colors[p.labels[i]] ?? [0, 0, 0], i * 3);
      const s = stem(p.name);
      this.stems.push(s);
      this.pngs[`SegmentationClass/${s}.png`] = new Uint8Array(await sharp(rgb, { raw: { width: p.width, height: p.height, channels: 3 } }).png().toBuffer());
    }
    if (this.formats.includes('supervisely')) {
      // A bitmap object per class: its mask cropped to its box, as Supervisely's SDK encodes one.
      const objects = masks.map((m) => ({
        classTitle: this.classes[m.id].name, description: '', tags: [], geometryType: 'bitmap',
        bitmap: { data: superviselyBitmap(m.mask, p.width, m.bbox), origin: [m.bbox[0], m.bbox[1]] },
      }));
      this.superviselyAnns.push({ name: p.name, json: { description: '', tags: [], size: { height: p.height, width: p.width }, objects } });
    }
    if (this.formats.includes('cvat-xml')) {
      const shapes = outlines.map((o) => `    <polygon label="${xmlAttr(this.classes[o.label].name)}" source="auto" occluded="0" z_order="0" points="${
        Array.from({ length: o.xy.length / 2 }, (_, k) => `${o.xy[2 * k]},${o.xy[2 * k + 1]}`).join(';')}"></polygon>\n`).join('');
      this.cvatImages.push(`  <image id="${this.cvatImages.length}" name="${xmlAttr(p.name)}" width="${p.width}" height="${p.height}">\n${shapes}  </image>\n`);
    }
    if (this.formats.includes('yolo') || this.formats.includes('labelme')) {
      if (this.formats.includes('yolo')) {
        const index = new Map(this.ids.map((id, k) => [id, k]));
        const frac = (v: number, size: number) => String(Math.round((v / size) * 1e6) / 1e6);
        this.yoloFiles.push({ name: p.name, file: `${stem(p.name)}.txt`, rows: outlines.map((o) =>
          [index.get(o.label), ...o.xy.map((v, k) => frac(v, k % 2 ? p.height : p.width))].join(' ') + '\n').join('') });
      }
      if (this.formats.includes('labelme')) {
        const shapes = outlines.map((o) => ({
          label: this.classes[o.label].name, points: Array.from({ length: o.xy.length / 2 }, (_, k) => [o.xy[2 * k], o.xy[2 * k + 1]]),
          group_id: null, description: '', shape_type: 'polygon' as const, flags: {}, mask: null,
        }));
        this.labelmeFiles.push({ name: p.name, file: labelmeFileOf(p.name), json: { version: '5.5.0', flags: {}, shapes, imagePath: p.name, imageData: null, imageHeight: p.height, imageWidth: p.width } });
      }
    }
  }

  /** COCO instances JSON. */
  coco(): object {
    return {
      info: { description: 'predictions by pixelwise', date_created: new Date().toISOString() },
      images: this.images, categories: this.ids.map((i) => ({ id: i + 1, name: this.classes[i].name, supercategory: '' })), annotations: this.annotations,
    };
  }

  /** Label Studio tasks with predictions. */
  labelStudio(): object[] { return this.tasks; }

  /** CVAT Segmentation mask 1.1 zip. */
  cvatZip(): Uint8Array {
    const lines = ['# label:color_rgb:parts:actions', ...(this.ids.includes(0) ? ['background:0,0,0::'] : []),
      ...this.classes.map((c, i) => `${i === 0 && !this.ids.includes(0) ? 'background' : c.name}:${this.colors[i].join(',')}::`)];
    return zipSync({
      'labelmap.txt': new TextEncoder().encode(lines.join('\n') + '\n'),
      'ImageSets/Segmentation/default.txt': new TextEncoder().encode(this.stems.join('\n') + '\n'),
      ...this.pngs,
    }, { level: 6 });
  }

  /** CVAT for images 1.1 XML: the exported classes as the task's labels, a polygon per region of each image. */
  cvatXml(): string {
    const labels = this.ids.map((i) => `        <label>\n          <name>${xmlText(this.classes[i].name)}</name>\n          <color>${hex(this.colors[i])}</color>\n          <type>polygon</type>\n          <attributes></attributes>\n        </label>\n`).join('');
    return `<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n  <meta>\n    <task>\n      <size>${this.cvatImages.length}</size>\n      <mode>annotation</mode>\n      <labels>\n${labels}      </labels>\n    </task>\n  </meta>\n${this.cvatImages.join('')}</annotations>\n`;
  }

  /**
   * Ultralytics YOLO segmentation zip, as CVAT writes and reads it: data.yaml (the class names by
   * index), train.txt (the images, expected under images/train/) and labels/train/NAME.txt.
   */
  yoloZip(): Uint8Array {
    const enc = (s: string) => new TextEncoder().encode(s);
    // A map by index with numeric keys, as Ultralytics and CVAT write it.
    const names = new Map(this.ids.map((id, k) => [k, this.classes[id].name]));
    return zipSync({
      'data.yaml': enc(yamlText({ path: '.', train: 'train.txt', names })),
      'train.txt': enc(this.yoloFiles.map((f) => `images/train/${f.name}\n`).join('')),
      ...Object.fromEntries(this.yoloFiles.map((f) => [`labels/train/${f.file}`, enc(f.rows)])),
    }, { level: 6 });
  }

  /**
   * A Supervisely project: meta.json (the exported classes as bitmap classes) and, for the one
   * dataset, ann/NAME.json per image (its images go into img/ beside it).
   */
  supervisely(): { meta: object; anns: { name: string; file: string; json: object }[] } {
    const classes = this.ids.map((i) => ({ title: this.classes[i].name, shape: 'bitmap', color: hex(this.colors[i]), geometry_config: {}, hotkey: '' }));
    return { meta: { classes, tags: [], projectType: 'images' }, anns: this.superviselyAnns.map((a) => ({ ...a, file: `${a.name}.json` })) };
  }

  /** YOLO label files: NAME.txt each, a row per region (the class index among the exported classes, then its outline in fractions of the image). */
  yoloLabels(): { name: string; file: string; rows: string }[] { return this.yoloFiles; }

  /** labelme files: NAME.json each, its imagePath the image's name (labelme's layout: beside the image). */
  labelme(): { name: string; file: string; json: LabelmeFile }[] { return this.labelmeFiles; }
}

/** What labelme 5 writes for an image. */
export interface LabelmeFile {
  version: string; flags: object; imagePath: string; imageData: null; imageHeight: number; imageWidth: number;
  shapes: { label: string; points: number[][]; group_id: null; description: string; shape_type: 'polygon'; flags: object; mask: null }[];
}

/**
 * What Label Studio's tasks are written with: the control and object names, the prefix of each
 * task's image URL (the image's name, percent-encoded, follows; `urlNames`: the names are URLs
 * already, used as they are) and the predictions' model version.
 */
export interface LabelStudioNames { fromName: string; toName: string; imageUrlPrefix: string; modelVersion: string; urlNames?: boolean; regions?: LabelStudioRegions }

/** A file name as a URL path, each segment percent-encoded as Label Studio's local storage quotes paths ("a b#1.png" -> "a%20b%231.png"). */
const urlPath = (name: string) => name.split('/').map(encodeURIComponent).join('/');

const hex = (c: Rgb) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Label Studio labelling config for brush (or polygon) labels of `classes` on an image. */
export function labelStudioConfig(classes: ClassInfo[], n: Pick<LabelStudioNames, 'fromName' | 'toName' | 'regions'>): string {
  expectArgs('labelStudioConfig', [['classes', classes, 'array'], ['names', n, 'object']]);
  const labels = exportedClasses(classes).map((i) => `    <Label value="${xmlAttr(classes[i].name)}" background="${hex(classes[i].color)}"/>`);
  const control = n.regions === 'polygon' ? 'PolygonLabels' : 'BrushLabels';
  return `<View>\n  <Image name="${xmlAttr(n.toName)}" value="$${xmlAttr(n.toName)}" zoom="true"/>\n  <${control} name="${xmlAttr(n.fromName)}" toName="${xmlAttr(n.toName)}">\n${labels.join('\n')}\n  </${control}>\n</View>\n`;
}

/** Colours told apart: a class whose colour an earlier class has gets the nearest free one (CVAT maps colours to labels). */
export function distinctColors(classes: ClassInfo[], reserved: Rgb[] = []): Rgb[] {
  const used = new Set<string>(reserved.map((c) => c.join()));
  return classes.map((c) => {
    const col: Rgb = [...c.color];
    for (let step = 1; used.has(col.join()); step++) col[step % 3] = (c.color[step % 3] + step) % 256;
    used.add(col.join());
    return col;
  });
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/** A coordinate in percent of the image's side, to 1e-6 (a pixel edge stays within 0.5 px of itself for sides up to 10^7 px). */
const percent = (v: number, side: number) => Math.round((v / side) * 1e8) / 1e6;

/** How many pixels each label has. */
function labelCounts(labels: Uint8Array): Uint32Array {
  const n = new Uint32Array(256);
  for (let i = 0; i < labels.length; i++) n[labels[i]]++;
  return n;
}

/**
 * A Supervisely bitmap: the mask inside `bbox` as a palette PNG whose index 0 is transparent and 1
 * white (what Supervisely's SDK writes, and its decoder reads from the alpha), zlib-compressed, base64.
 */
function superviselyBitmap(mask: Uint8Array, width: number, bbox: [number, number, number, number]): string {
  const [x0, y0, w, h] = bbox;
  const crop = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) crop.set(mask.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + w), y * w);
  const png = encodePng({ width: w, height: h, data: crop, depth: 8, channels: 1, palette: [[0, 0, 0, 0], [255, 255, 255, 255]] });
  return Buffer.from(deflateSync(png)).toString('base64');
}
