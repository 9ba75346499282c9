// Messages between the HTTP server and its inference workers.
import type { LabelStudioRegions } from '../data/annotations/format_names.js';

export const OUTPUTS = ['labels', 'mask', 'overlay', 'json', 'coco', 'labelstudio', 'cvat-xml', 'yolo', 'labelme', 'supervisely', 'probabilities'] as const;
export type Output = typeof OUTPUTS[number];

export interface Job {
  /** Model name (as listed by /v1/models) and its folder. */
  model: string; dir: string;
  /** The encoded image as uploaded. */
  image: Uint8Array;
  output: Output;
  /** Overlay opacity. */
  alpha: number;
  /** Background effect (`blur`, `blur=8`, `grey`, `color=#RRGGBB`) and the classes it keeps. */
  effect?: string; keep?: string[];
  format: 'png' | 'jpeg';
  /** json: include the label map (base64, one byte per pixel). */
  withLabels: boolean;
  /** coco, labelstudio, cvat-xml, yolo, labelme: the image's name in the export, and Label Studio's control and object names. */
  name?: string; fromName?: string; toName?: string;
  /** labelstudio: brush masks or polygons. */
  regions?: LabelStudioRegions;
  /** yolo, labelme, cvat-xml, labelstudio polygons: how far (pixels) thinned outlines may stray from the exact ones (0: exact). */
  tolerance?: number;
  /** probabilities: the classes whose confidence masks are returned (names or ids). */
  classes?: string[];
}

/** loadMs: the time the model took to load for this job (0 when the worker held it). */
export interface Timings { loadMs: number; decodeMs: number; inferenceMs: number; renderMs: number }

export type JobResult =
  | { ok: true; contentType: string; body: Uint8Array; timings: Timings; width: number; height: number }
  | { ok: false; status: number; message: string };
