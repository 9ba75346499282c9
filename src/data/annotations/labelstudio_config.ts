// A Label Studio labelling config (the project's XML: <View>, an <Image>, controls such as
// <BrushLabels> holding <Label value="Car" background="rgba(0, 0, 255, 0.7)"/>): the control
// pixelwise answers, and the project's classes in the project's order. A JSON export holds no
// class list, so the config is what numbers a project's classes alike in every export.
import { XMLParser } from 'fast-xml-parser';
import { defaultPalette, type ClassInfo } from '../classes.js';
import { distinctColors } from './export.js';
import { toolColor } from './types.js';
import type { LabelStudioRegions } from './format_names.js';

/** A <Label> of the config: its name, and the model classes it stands for when it says (`predicted_values="car, truck"`). */
export interface ConfigLabel { value: string; predicted: string[]; color?: string }
export interface RegionConfig { fromName: string; toName: string; dataKey: string; labels: ConfigLabel[]; regions: LabelStudioRegions }

/** The controls answered, by the regions they draw. */
const CONTROLS: Record<string, LabelStudioRegions> = { BrushLabels: 'brush', PolygonLabels: 'polygon' };
/** The controls whose labels name areas of an image (convert draws all of them); keypoints and text spans have none. */
const AREA_CONTROLS = new Set(['BrushLabels', 'PolygonLabels', 'RectangleLabels', 'EllipseLabels', 'Labels']);

interface Control { tag: string; name?: string; toName?: string; labels: ConfigLabel[] }

/** The controls of a config in document order, and its images (name -> data key); the reason when it is not XML. */
function parseConfig(xml: string): { controls: Control[]; images: Map<string, string> } | string {
  let doc: unknown;
  try { doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml); } catch (e) { return `the labelling config is not XML (${(e as Error).message.split('\n')[0]})`; }
  const controls: Control[] = [];
  const images = new Map<string, string>();
  const walk = (node: unknown, tag: string) => {
    if (Array.isArray(node)) { node.forEach((n) => walk(n, tag)); return; }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (tag === 'Image' && typeof o.name === 'string' && typeof o.value === 'string') images.set(o.name, o.value.replace(/^\$/, ''));
    if (AREA_CONTROLS.has(tag)) {
      const labels = ([] as unknown[]).concat(o.Label ?? []).filter((l): l is Record<string, unknown> => !!l && typeof l === 'object' && typeof (l as Record<string, unknown>).value === 'string')
        .map((l) => ({ value: l.value as string, predicted: typeof l.predicted_values === 'string' ? l.predicted_values.split(',').map((v) => v.trim()).filter(Boolean) : [], ...(typeof l.background === 'string' ? { color: l.background } : {}) }));
      controls.push({ tag, labels, ...(typeof o.name === 'string' ? { name: o.name } : {}), ...(typeof o.toName === 'string' ? { toName: o.toName } : {}) });
    }
    for (const [k, v] of Object.entries(o)) if (typeof v === 'object') walk(v, k);
  };
  walk(doc, '');
  return { controls, images };
}

/**
 * The BrushLabels (else PolygonLabels) control of a labelling config, its image and its labels;
 * the reason when there is neither.
 */
export function regionConfig(xml: string): RegionConfig | string {
  const parsed = parseConfig(xml);
  if (typeof parsed === 'string') return parsed;
  const pick = (regions: LabelStudioRegions) => parsed.controls.find((c) => CONTROLS[c.tag] === regions && c.name != null && c.toName != null);
  // Both in one config: brush masks, the label maps' pixels exactly.
  const c = pick('brush') ?? pick('polygon');
  if (!c) return 'the labelling config has no <BrushLabels> or <PolygonLabels> (pixelwise answers brush or polygon regions)';
  return { fromName: c.name!, toName: c.toName!, dataKey: parsed.images.get(c.toName!) ?? c.toName!, labels: c.labels, regions: CONTROLS[c.tag] };
}

/**
 * The classes of a config's labels: background first (the pixels no region covers), then the
 * labels (one class per name, in any case, as convert finds shapes' classes), coloured as the
 * config colours them, no two alike (as convert's own class lists).
 */
export function configClasses(config: Pick<RegionConfig, 'labels'>): ClassInfo[] {
  const byKey = new Map<string, ConfigLabel>();
  for (const l of config.labels) if (l.value.trim().toLowerCase() !== 'background' && !byKey.has(l.value.trim().toLowerCase())) byKey.set(l.value.trim().toLowerCase(), l);
  const labels = [...byKey.values()];
  const palette = defaultPalette(labels.length + 1);
  const colors = distinctColors(labels.map((l, i) => ({ name: l.value, color: toolColor(l.color) ?? palette[i + 1] })), [[0, 0, 0]]);
  return [{ name: 'background', color: [0, 0, 0] }, ...labels.map((l, i) => ({ name: l.value, color: colors[i] }))];
}

/**
 * A project's classes from its labelling config, as a class list: those of the control serve
 * answers and trains (brush, else polygon) first, so that its class ids are the same, then the
 * other labels of areas (rectangles, ellipses) that convert draws. The reason when the config is
 * not XML or names no labels of areas.
 */
export function labellingConfigClasses(xml: string): ClassInfo[] | string {
  const parsed = parseConfig(xml);
  if (typeof parsed === 'string') return parsed;
  const served = regionConfig(xml);
  const labels = [...(typeof served === 'string' ? [] : served.labels), ...parsed.controls.flatMap((c) => c.labels)];
  if (!labels.length) return 'the labelling config has no <Label> under a control of areas (<BrushLabels>, <PolygonLabels>, <RectangleLabels>, <EllipseLabels>, <Labels>)';
  return configClasses({ labels });
}
