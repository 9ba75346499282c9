// Gradient checkpointing (--checkpoint-blocks): a training forward pass that keeps only the
// activations at a few cut points and recomputes the rest during the backward pass. A backward
// pass needs, for every layer, the tensors its gradient reads (convolution inputs, BatchNorm inputs,
// ReLU outputs): the peak of a training step is the sum of them over the whole network. Here the
// network's layers run in segments; a segment runs without recording (its inner activations are
// freed as soon as it ends) and, when the backward pass reaches it, runs again with recording and
// is differentiated on the spot, so that at most one segment's activations are alive at a time: the
// price is a second forward pass of every segment but the last.
//
// The graph comes from the model's symbolic tensors (sourceLayer, inputs), and every layer runs as
// tfjs-layers' own executor runs it (`layer.apply([inputs], { training })`), so a segmented forward
// computes exactly what LayersModel.apply computes.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { argumentError } from '../util/errors.js';
import { customGrad } from '../engine/custom_grad.js';

type SymT = tfl.SymbolicTensor;
type Layer = tfl.layers.Layer;

/** One layer call: the symbolic ids it reads and the one it writes. */
interface Step { layer: Layer; inputs: number[]; output: number }

interface Segment {
  steps: Step[];
  /** Ids of tensors computed before the segment and read in it. */
  inputs: number[];
  /** Ids of tensors computed in the segment and read after it (or the network's output). */
  outputs: number[];
}

export class SegmentedForward {
  private readonly segments: Segment[];
  private readonly inputId: number;

  /**
   * `count`: how many segments to aim for, of about equal numbers of layers. `joinedToNext`: layers
   * never separated from the step after them (a BatchNormalization that computes the activation
   * after it, fused_batchnorm.ts: a segment boundary would hand the activation an already
   * activated tensor it no longer recognises, and the recomputation would apply it twice).
   */
  constructor(net: tfl.LayersModel, count: number, joinedToNext: (layer: Layer) => boolean = () => false) {
    if (net.inputs.length !== 1 || net.outputs.length !== 1) throw new Error('gradient checkpointing: one input and one output expected');
    this.inputId = net.inputs[0].id;
    const steps = topologicalSteps(net.outputs[0], this.inputId);
    this.segments = cutSegments(steps, net.outputs[0].id, count, joinedToNext);
  }

  /** Segments the network was cut into (the last one is never recomputed). */
  get segmentCount(): number { return this.segments.length; }

  /** Layers per segment, for logs and tests. */
  get segmentSizes(): number[] { return this.segments.map((s) => s.steps.length); }

  /** The network's output for `x` in training mode, recording only the segments' outputs. */
  apply(x: tf.Tensor): tf.Tensor {
    const values = new Map<number, tf.Tensor>([[this.inputId, x]]);
    const last = this.segments.length - 1;
    // The last segment would be recomputed at once: it runs recorded, as without checkpointing.
    this.segments.forEach((seg, i) => (i === last ? runSteps(seg.steps, values) : this.checkpointed(seg, values)));
    return values.get(this.segments[last].outputs[0])!;
  }

  /**
   * One segment as customGrad nodes. customGrad has one output, so a segment with several outputs
   * is a main node (its last output; it computes all of them) followed by one node per other
   * output that hands over the value the main node computed. Those later nodes come first in the
   * backward pass: each keeps its incoming gradient for the main node, which then differentiates
   * the recomputed segment with respect to all its outputs at once. They hang off the main node's
   * output through a scalar token, so that they are on the tape exactly when the main node is.
   */
  private checkpointed(seg: Segment, values: Map<number, tf.Tensor>): void {
    const inputs = seg.inputs.map((id) => values.get(id)!);
    // The image needs no gradient; weights are inputs of the recorded node, so that their
    // gradients reach the optimizer's variables through the tape.
    const needGrad = seg.inputs.map((id) => id !== this.inputId);
    const weights = uniqueVariables(seg.steps);
    const main = seg.outputs[seg.outputs.length - 1], others = seg.outputs.slice(0, -1);
    const handed: tf.Tensor[] = [];
    const dys: (tf.Tensor | null)[] = others.map(() => null);
    const y = customGrad((args, save) => {
      const xs = args.slice(0, inputs.length);
      save(xs);
      const out = runSegment(seg, xs);
      others.forEach((id) => handed.push(tf.keep(out.get(id)!)));
      return {
        value: out.get(main)!,
        gradFunc: (dy, saved) => recomputeGradients(seg, saved, needGrad, weights, [...dys, dy]),
      };
    })(...inputs, ...weights);
    values.set(main, y);
    if (!others.length) return;
    const mainShape = y.shape;
    const token = customGrad(() => ({ value: tf.scalar(0), gradFunc: () => [tf.zeros(mainShape)] }))(y);
    others.forEach((id, i) => values.set(id, customGrad(() => {
      const value = tf.clone(handed[i]);
      handed[i].dispose();
      return { value, gradFunc: (dy) => { dys[i] = tf.keep(tf.clone(dy)); return [tf.scalar(0)]; } };
    })(token)));
  }
}

/**
 * The backward pass of one segment: its forward again, recorded, then differentiated with respect
 * to its inputs and weights for the gradients `dys` of its outputs (null: none arrived). The
 * recomputation must not move the BatchNorm running statistics a second time: they are put back
 * as the first pass left them.
 */
function recomputeGradients(seg: Segment, saved: tf.Tensor[], needGrad: boolean[], weights: tf.Variable[], dys: (tf.Tensor | null)[]): tf.Tensor[] {
  const stats = seg.steps.flatMap((s) => s.layer.nonTrainableWeights);
  const before = stats.map((w) => tf.clone(w.read()));
  const xs = [...saved.filter((_, j) => needGrad[j]), ...weights];
  const single = dys.length === 1;
  // Several outputs: y = sum_i sum(o_i * dy_i), whose gradient with respect to o_i is dy_i exactly.
  const { value, grads } = tf.engine().gradients(() => {
    const out = runSegment(seg, saved);
    if (single) return out.get(seg.outputs[0])!;
    const terms = seg.outputs.flatMap((id, i) => (dys[i] ? [tf.sum(tf.mul(out.get(id)!, dys[i]!))] : []));
    return terms.length ? tf.addN(terms) : tf.scalar(0);
  }, xs, single ? dys[0]! : undefined, true);
  if (!single) tf.dispose(dys.filter((d): d is tf.Tensor => d !== null));
  value.dispose();
  stats.forEach((w, j) => { w.write(before[j]); before[j].dispose(); });
  let k = 0;
  const dInputs = saved.map((x, j) => (needGrad[j] ? grads[k++] ?? tf.zerosLike(x) : tf.zerosLike(x)));
  const dWeights = weights.map((w) => grads[k++] ?? tf.zerosLike(w));
  return [...dInputs, ...dWeights];
}

/** Runs layers in order on concrete tensors, adding each output to `values`. Intermediate values
 * stay in the caller's scope (a recorded run needs them; customGrad tidies an unrecorded one). */
function runSteps(steps: Step[], values: Map<number, tf.Tensor>): void {
  for (const s of steps) values.set(s.output, s.layer.apply(s.inputs.map((id) => values.get(id)!), { training: true }) as tf.Tensor);
}

/** A segment's values from its input values (aligned with `seg.inputs`). */
function runSegment(seg: Segment, inputs: tf.Tensor[]): Map<number, tf.Tensor> {
  const values = new Map(seg.inputs.map((id, j) => [id, inputs[j]]));
  runSteps(seg.steps, values);
  return values;
}

function uniqueVariables(steps: Step[]): tf.Variable[] {
  const seen = new Set<string>();
  const out: tf.Variable[] = [];
  for (const s of steps) {
    for (const w of s.layer.trainableWeights) {
      const v = w.read() as tf.Variable;
      if (!seen.has(v.name)) { seen.add(v.name); out.push(v); }
    }
  }
  return out;
}

/** Every layer call from the input to `output`, in the order the model was built (a topological order). */
function topologicalSteps(output: SymT, inputId: number): Step[] {
  const all = new Map<number, SymT>();
  const visit = (t: SymT) => {
    if (all.has(t.id) || t.id === inputId) return;
    all.set(t.id, t);
    t.inputs.forEach(visit);
  };
  visit(output);
  return [...all.values()].sort((a, b) => a.id - b.id).map((t) => {
    if ((t.outputTensorIndex ?? 0) > 0) throw new Error(`gradient checkpointing: layer ${t.sourceLayer.name} has several outputs`);
    return { layer: t.sourceLayer, inputs: t.inputs.map((i) => i.id), output: t.id };
  });
}

/**
 * Cuts the steps into about `count` segments of similar length. Each cut is placed, within half a
 * share after the segment's share of layers, where the fewest tensors cross it (a U-Net level is
 * better cut after its pooling than between its skip tensor and the pool).
 */
function cutSegments(steps: Step[], outputId: number, count: number, joinedToNext: (layer: Layer) => boolean): Segment[] {
  if (count < 1 || !Number.isInteger(count)) throw argumentError('checkpointBlocks', count, 'a whole number >= 1 (0 turns checkpointing off)');
  const lastUse = new Map<number, number>();
  steps.forEach((s, i) => s.inputs.forEach((id) => lastUse.set(id, i)));
  lastUse.set(outputId, steps.length);
  const share = Math.max(1, Math.round(steps.length / count));
  const crossing = (start: number, end: number) => steps.slice(start, end).filter((s) => (lastUse.get(s.output) ?? -1) >= end).map((s) => s.output);
  const canEnd = (e: number) => e >= steps.length || !joinedToNext(steps[e - 1].layer);
  const segments: Segment[] = [];
  for (let start = 0; start < steps.length;) {
    let end = Math.min(steps.length, start + share);
    while (!canEnd(end)) end++;
    for (let e = end + 1; e <= Math.min(steps.length, start + share + Math.floor(share / 2)); e++) {
      if (canEnd(e) && crossing(start, e).length < crossing(start, end).length) end = e;
    }
    if (steps.length - end < share / 2) end = steps.length; // no stub of a last segment
    const produced = new Set(steps.slice(start, end).map((s) => s.output));
    const inputs = [...new Set(steps.slice(start, end).flatMap((s) => s.inputs))].filter((id) => !produced.has(id));
    segments.push({ steps: steps.slice(start, end), inputs, outputs: crossing(start, end) });
    start = end;
  }
  return segments;
}
