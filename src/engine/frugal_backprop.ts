// TF.js's backward pass, releasing memory as it goes. TF.js (tfjs-core 4.x Engine.gradients) keeps
// every tensor saved for the backward pass and every intermediate gradient until the whole backward
// pass ends, so a training step peaks at the saved activations plus the gradients of all of them.
// Here each tape node's saved tensors are released as soon as its gradient is computed, and the
// gradient of a tensor is released once its producer has consumed it (by then every consumer has
// added to it), which is what PyTorch's autograd does. The arithmetic is TF.js's, in TF.js's order:
// the gradients are bit for bit the same.
//
// This replaces Engine.gradients on the engine instance (the one method every tf.grad /
// variableGrads / optimizer call goes through) and so reads the engine's tape state, through
// private/tfjs_core.ts (the fields it uses are listed in EngineInternals there).
import * as tf from '@tensorflow/tfjs-core';
import { engineInternals, type EngineInternals, type TapeNode } from './private/tfjs_core.js';

/** What the last backward pass held at most (bytes of live tensors), for tests and benchmarks. */
export const backpropStats = { peakBytes: 0 };

/** Installs the releasing backward pass (idempotent); `false` restores TF.js's own. */
export function useFrugalBackprop(on = true): void {
  const engine = engineInternals();
  if (on && !engine.frugalBackprop) {
    engine.frugalBackprop = { original: engine.gradients };
    engine.gradients = function (f, xs, dy, allowNoGradients = false) { return gradients(engine, f, xs, dy, allowNoGradients, true); };
  } else if (!on && engine.frugalBackprop) {
    engine.gradients = engine.frugalBackprop.original;
    delete engine.frugalBackprop;
  }
}

/** Engine.gradients as in tfjs-core 4.22, with `release` deciding whether memory goes back early. */
export function gradients(engine: EngineInternals, f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor | undefined, allowNoGradients: boolean, release: boolean): { value: tf.Tensor; grads: tf.Tensor[] } {
  tf.util.assert(xs.length > 0, () => 'gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  const y = engine.scopedRun(() => engine.startTape(), () => engine.endTape(), () => engine.tidy('forward', f));
  tf.util.assert(y instanceof tf.Tensor, () => 'The result y returned by f() must be a tensor.');
  // This pass's own tape: a gradient function may run a backward pass of its own (gradient
  // checkpointing does), which replaces and clears engine.state.activeTape.
  const recorded = engine.state.activeTape ?? [];
  const tape = filteredNodes(recorded, xs, y);
  if (!allowNoGradients && tape.length === 0 && xs.length > 0) {
    throw new Error('Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.');
  }
  return engine.tidy('backward', () => {
    const acc: Record<number, tf.Tensor> = { [y.id]: dy ?? tf.ones(y.shape) };
    // Higher-order gradients need the tape (and its saved tensors) after this pass.
    const outermost = engine.state.gradientDepth === 0;
    // Never released: the gradients returned, and a dy that the caller owns.
    const keep = new Set(xs.map((x) => x.id));
    if (dy != null) keep.add(y.id);
    backprop(engine, acc, tape, release && outermost, keep);
    const grads = xs.map((x) => acc[x.id]);
    if (outermost) {
      for (const node of recorded) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
    }
    return { value: y, grads };
  });
}

function backprop(engine: EngineInternals, acc: Record<number, tf.Tensor>, tape: TapeNode[], release: boolean, keep: Set<number>): void {
  // A gradient function may hand back its dy as an input's gradient (identity-like ops): the same
  // tensor then stands for two entries, and is released only when neither needs it.
  const uses = new Map<tf.Tensor, number>();
  for (const t of Object.values(acc)) uses.set(t, (uses.get(t) ?? 0) + 1);
  const drop = (id: number) => {
    const t = acc[id];
    delete acc[id];
    const n = (uses.get(t) ?? 1) - 1;
    if (n > 0) uses.set(t, n); else { uses.delete(t); t.dispose(); }
  };
  backpropStats.peakBytes = tf.memory().numBytes;
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    const dys = node.outputs.map((o) => acc[o.id] ?? null);
    if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const inputGradients = node.gradient(dys);
    for (const name in node.inputs) {
      if (!(name in inputGradients)) throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`);
      const dx = engine.tidy(() => inputGradients[name]());
      if (dx.dtype !== 'float32') throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
      const x = node.inputs[name];
      if (!tf.util.arraysEqual(dx.shape, x.shape)) throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
      if (acc[x.id] == null) {
        acc[x.id] = dx;
        uses.set(dx, (uses.get(dx) ?? 0) + 1);
      } else {
        const sum = tf.add(acc[x.id], dx);
        if (!uses.has(dx)) dx.dispose(); // a fresh gradient, now added in (TF.js leaves it to the tidy)
        drop(x.id);
        acc[x.id] = sum;
        uses.set(sum, 1);
      }
    }
    backpropStats.peakBytes = Math.max(backpropStats.peakBytes, tf.memory().numBytes);
    if (!release) continue;
    for (const t of node.saved ?? []) t.dispose();
    // The tape is in execution order: walking it backward, a tensor's producer comes after all of
    // its consumers, so its gradient is complete, and used up, here.
    for (const o of node.outputs) if (acc[o.id] && !keep.has(o.id)) drop(o.id);
  }
}

/** The tape nodes on a path from any of xs to y, their inputs pruned to those that depend on xs (tfjs-core's getFilteredNodesXToY). */
function filteredNodes(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  const out: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.has(t.id)) inputs[name] = t;
    out.push({ ...node, inputs, outputs: node.outputs });
  }
  return out;
}
