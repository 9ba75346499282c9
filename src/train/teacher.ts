// The teacher of a distillation run: a model opened as every model is (segmenter.ts), run on each
// training batch's augmented crops as the student sees them, its logits turned into probabilities
// at the distillation temperature. It must predict the run's classes, in the run's order.
import type { PixelImage } from '../data/pixels.js';
import type { ClassInfo } from '../data/classes.js';
import { openSegmenter } from '../inference/open.js';
import type { Segmenter } from '../inference/segmenter.js';
import { UserError, argumentError } from '../util/errors.js';

export interface Teacher {
  softTargets(imgs: PixelImage[]): Promise<Float32Array>;
  /** Its label maps at each image's size (validation masks of a run without masks). */
  labels(imgs: PixelImage[]): Promise<Uint8Array[]>;
  readonly name: string;
  dispose(): Promise<void>;
}

/** Per pixel, softmax(logits / temperature) of CHW scores, written NHWC at `offset` of `out`. */
export function softTargetsInto(out: Float32Array, offset: number, scores: Float32Array, c: number, temperature: number): void {
  const px = scores.length / c;
  for (let i = 0; i < px; i++) {
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, scores[k * px + i]);
    let sum = 0;
    const o = offset + i * c;
    for (let k = 0; k < c; k++) { const e = Math.exp((scores[k * px + i] - max) / temperature); out[o + k] = e; sum += e; }
    for (let k = 0; k < c; k++) out[o + k] /= sum;
  }
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Opens `model` as the teacher of a run over `classes`; `threads`: ONNX Runtime's (the training has the cores). */
export async function openTeacher(model: string, classes: ClassInfo[], temperature: number, threads = 1): Promise<Teacher> {
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
  if (theirs.length !== classes.length || theirs.some((n, i) => !sameName(n, classes[i].name))) {
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
      scored.forEach((s, i) => softTargetsInto(out, i * width * height * c, s.scores, c, temperature));
      return out;
    },
    labels: (imgs) => seg.predictBatch(imgs),
    dispose: () => seg.dispose(),
  };
}
