// The teacher of a distillation run: a model opened as every model is (segmenter.ts), run on each
// training batch's augmented crops as the student sees them, its logits turned into probabilities
// at the distillation temperature. It must predict the run's classes, in the run's order.
import type { PixelImage } from '../data/pixels.js';
import type { ClassInfo } from '../data/classes.js';
import { readCard } from '../models/package.js';
import { resolveModelDir } from '../models/shipped.js';
import { openSegmenter } from '../inference/open.js';
import type { Segmenter } from '../inference/segmenter.js';
import { UserError, argumentError } from '../util/errors.js';

/** The classes a teacher model predicts (a shipped name, model package or run folder): a run without masks learns them. */
export function teacherClasses(teacher: string): ClassInfo[] {
  try { return readCard(resolveModelDir(teacher)).classes; } catch (e) {
    // Its errors name the model as `model`: here it is the teacher.
    if (e instanceof UserError && e.argument === 'model') throw new UserError(`teacher ${teacher}: ${e.message.replace(/^model \S+: /, '')}`, 2, 'teacher');
    throw e;
  }
}

export interface Teacher {
  softTargets(imgs: PixelImage[]): Promise<Float32Array>;
  /** Its label maps at each image's size (validation masks of a run without masks). */
  labels(imgs: PixelImage[]): Promise<Uint8Array[]>;
  /** Its probabilities of a whole image at the temperature, 8-bit, HWC in the run's classes (teacherView image). */
  imageTargets(img: PixelImage): Promise<{ data: Uint8Array; c: number }>;
  readonly name: string;
  dispose(): Promise<void>;
}

/**
 * Per pixel, softmax(logits / temperature) of CHW scores, written NHWC at `offset` of `out`. With
 * `into` (the run's class of each of the scores' `c` classes, `outC` of them), each run class gets
 * the sum of its classes' probabilities.
 */
export function softTargetsInto(out: Float32Array, offset: number, scores: Float32Array, c: number, temperature: number, into?: { map: readonly number[]; outC: number }): void {
  const px = scores.length / c;
  const e = new Float64Array(c);
  const oc = into?.outC ?? c;
  for (let i = 0; i < px; i++) {
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, scores[k * px + i]);
    let sum = 0;
    for (let k = 0; k < c; k++) { e[k] = Math.exp((scores[k * px + i] - max) / temperature); sum += e[k]; }
    const o = offset + i * oc;
    if (!into) { for (let k = 0; k < c; k++) out[o + k] = e[k] / sum; continue; }
    for (let r = 0; r < oc; r++) out[o + r] = 0;
    for (let k = 0; k < c; k++) out[o + into.map[k]] += e[k] / sum;
  }
}

/** Per pixel, the run class (of `outC`) whose summed probability is highest: label maps of a teacher of more classes. */
export function mergedLabels(scores: Float32Array, c: number, map: readonly number[], outC: number): Uint8Array {
  const px = scores.length / c;
  const p = new Float32Array(px * outC);
  softTargetsInto(p, 0, scores, c, 1, { map, outC });
  const labels = new Uint8Array(px);
  for (let i = 0; i < px; i++) {
    let best = 0;
    for (let r = 1; r < outC; r++) if (p[i * outC + r] > p[i * outC + best]) best = r;
    labels[i] = best;
  }
  return labels;
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Opens `model` as the teacher of a run over `classes`; `threads`: ONNX Runtime's (the training has
 * the cores). `into`: the run's class each of the teacher's classes counts as (a run of some of its
 * classes, the others its background); without it the teacher must predict the run's classes.
 */
export async function openTeacher(model: string, classes: ClassInfo[], temperature: number, threads = 1, into?: readonly number[]): Promise<Teacher> {
  if (!(temperature > 0)) throw argumentError('distillTemperature', temperature, 'must be above 0 (1 = the plain softmax)');
  let seg: Segmenter;
  try {
    seg = await openSegmenter(model, { threads, tiling: { pixelBudget: 0 } });
  } catch (e) {
    // Its errors name the model as `model`: here it is the teacher.
    if (e instanceof UserError && e.argument === 'model') throw argumentError('teacher', model, e.message.replace(/^model \S+: /, ''));
    throw e;
  }
  const theirs = seg.card.classes.map((c) => c.name);
  if (into && into.length !== theirs.length) {
    await seg.dispose();
    throw argumentError('teacherClasses', into.join(','), `${into.length} entries for a teacher of ${theirs.length} classes (${model}); give the run's class of each of its classes`);
  }
  if (!into && (theirs.length !== classes.length || theirs.some((n, i) => !sameName(n, classes[i].name)))) {
    await seg.dispose();
    const list = (a: string[]) => (a.length > 6 ? [...a.slice(0, 6), '...'] : a).join(', ');
    throw argumentError('teacher', model, `predicts ${theirs.length} classes (${list(theirs)}) where the run has ${classes.length} (${list(classes.map((c) => c.name))}); a teacher must predict the run's classes in the same order`);
  }
  const c = classes.length;
  return {
    name: model,
    async softTargets(imgs) {
      const { width, height } = imgs[0];
      const out = new Float32Array(imgs.length * width * height * c);
      const scored = await seg.scoresBatch(imgs);
      scored.forEach((s, i) => softTargetsInto(out, i * width * height * c, s.scores, theirs.length, temperature, into && { map: into, outC: c }));
      return out;
    },
    async imageTargets(img) {
      const [{ scores }] = await seg.scoresBatch([img]);
      const p = new Float32Array(img.width * img.height * c);
      softTargetsInto(p, 0, scores, theirs.length, temperature, into && { map: into, outC: c });
      return { data: Uint8Array.from(p, (v) => Math.round(v * 255)), c };
    },
    labels: async (imgs) => (into ? (await seg.scoresBatch(imgs)).map((s) => mergedLabels(s.scores, theirs.length, into, c)) : seg.predictBatch(imgs)),
    dispose: () => seg.dispose(),
  };
}
