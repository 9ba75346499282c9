// A segmentation network plus what is needed to use it: padding inputs to the architecture's
// stride (and cropping the logits back), and named weights for checkpoints and import.
import * as tf from '@tensorflow/tfjs-core';
import { adaptFirstConv, RGB_BANDS } from './in_channels.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { BinaryScores } from './layers.js';
import { variableOf } from '../engine/private/tfjs_layers.js';
import { getArch } from './registry.js';
import { archOptionsFrom } from './options.js';
import type { ArchOptions } from './types.js';
import { checkLayerKinds } from './layer_kinds.js';
import { setBuildOptions } from './blocks.js';
import type { NamedArray } from '../formats/safetensors.js';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { MAX_CLASSES } from '../data/class_sets.js';
import { SegmentedForward } from './recompute.js';
import { fuseBatchNormTraining, fusedWithNext } from './fused_batchnorm.js';

export interface ModelSpec extends ArchOptions {
  arch: string;
  /**
   * Binary segmentation (numClasses 2): the architecture's head has one sigmoid output, given to
   * the rest as the scores [0, z] (layers.ts BinaryScores).
   */
  binary?: boolean;
}

/** The network with its one output channel given as two class scores (see BinaryScores). */
function binaryNet(net: tfl.LayersModel): tfl.LayersModel {
  const z = net.outputs[0];
  return tfl.model({ inputs: net.inputs, outputs: new BinaryScores({ name: 'binary_scores' }).apply(z) as tfl.SymbolicTensor, name: net.name });
}

export class SegModel {
  readonly net: tfl.LayersModel;
  readonly stride: number;
  private segmented: SegmentedForward | null = null;
  constructor(readonly spec: ModelSpec) {
    expectArgs('SegModel', [['spec', spec, 'object']]);
    const a = getArch(spec.arch);
    archOptionsFrom(spec, spec.arch, a); // an option this architecture does not take, or out of range, is refused by name
    if (!(Number.isInteger(spec.numClasses) && spec.numClasses >= 1)) throw argumentError('numClasses', spec.numClasses, 'expected a whole number of classes, 1 or more');
    if (spec.numClasses > MAX_CLASSES) throw argumentError('numClasses', spec.numClasses, `at most ${MAX_CLASSES} (label maps and masks hold one byte a pixel)`);
    if (spec.inChannels != null && !(Number.isInteger(spec.inChannels) && spec.inChannels >= 1)) throw argumentError('inChannels', spec.inChannels, 'expected a whole number of input bands, 1 or more');
    const opts = { ...a.defaults, ...spec };
    setBuildOptions({ seed: spec.seed, bnEpsilon: spec.bnEpsilon });
    if (spec.binary && spec.numClasses !== 2) throw new UserError(`binary model: numClasses must be 2 (background and foreground), not ${spec.numClasses}`);
    try {
      this.net = spec.binary ? binaryNet(a.build({ ...opts, numClasses: 1 })) : a.build(opts);
    } catch (e) {
      // TF.js starts its wasm backend asynchronously: a model built before that fails in its words.
      if (/has not yet been initialized/.test((e as Error).message)) throw new UserError('the TF.js engine is not started: await initEngine() (pixelwise/train) before building or loading a model; train() starts it itself');
      throw e;
    }
    checkLayerKinds(this.net); // a layer kind without export/import rules fails here, not at export
    fuseBatchNormTraining(this.net);
    this.stride = a.stride(opts);
  }

  /** Logits [n, h, w, classes] for any h, w: zero-padded (= the mean colour) to the stride, then cropped. */
  forward(x: tf.Tensor4D, training = false): tf.Tensor4D {
    const [, h, w] = x.shape;
    const s = this.stride;
    const ph = (s - (h % s)) % s, pw = (s - (w % s)) % s;
    const xp = ph || pw ? tf.pad(x, [[0, 0], [0, ph], [0, pw], [0, 0]]) : x;
    const y = (training && this.segmented ? this.segmented.apply(xp) : this.net.apply(xp, { training })) as tf.Tensor4D;
    return ph || pw ? tf.slice(y, [0, 0, 0, 0], [-1, h, w, -1]) : y;
  }

  /**
   * Gradient checkpointing for training passes (--checkpoint-blocks): the network runs in about
   * `blocks` segments whose activations are recomputed in the backward pass (0: off). Returns the
   * number of segments it was cut into.
   */
  setCheckpointBlocks(blocks: number): number {
    this.segmented = blocks > 0 ? new SegmentedForward(this.net, blocks, fusedWithNext) : null;
    return this.segmented?.segmentCount ?? 0;
  }

  get checkpointSegments(): number[] { return this.segmented?.segmentSizes ?? []; }

  get trainableVariables(): tf.Variable[] {
    return this.net.trainableWeights.map(variableOf);
  }

  paramCount(): number { return this.net.countParams(); }

  /** Learned parameters only (no BatchNorm running statistics), as papers count them. */
  trainableParamCount(): number { return this.net.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a! * b!, 1)!, 0); }

  /** Stable weight names: tfjs-layers suffixes `name` (`_1`, `_2`) when a process builds a model twice. */
  static weightName(w: tfl.LayerVariable): string { return w.originalName; }

  async namedWeights(): Promise<NamedArray[]> {
    return Promise.all(this.net.weights.map(async (w) => ({
      name: SegModel.weightName(w), shape: w.shape as number[], data: (await w.read().data()) as Float32Array,
    })));
  }

  /**
   * Loads weights by name; missing, unexpected and wrongly shaped tensors are reported by name.
   * `strict`: tensors matching no weight are an error (default). `layers`: only these layers'
   * weights are loaded and required (an encoder's). `keepMismatched`: weights whose shape differs
   * keep their values and are returned (fine-tuning to another class count: the head stays new).
   * `keepMissing`: weights the file lacks keep their values and are returned (another decoder over
   * the file's encoder); at least one tensor must load.
   */
  loadNamedWeights(src: Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>, origin: string,
    o: { strict?: boolean; layers?: Set<string>; keepMismatched?: boolean; keepMissing?: boolean } = {}): string[] {
    const missing: string[] = [], badShape: string[] = [], kept: string[] = [];
    const wanted = new Set<string>();
    const assigns: [tfl.LayerVariable, tf.Tensor][] = [];
    for (const w of this.net.weights) {
      const name = SegModel.weightName(w);
      if (o.layers && !o.layers.has(name.slice(0, name.lastIndexOf('/')))) continue;
      wanted.add(name);
      const t = src.get(name);
      if (!t) { (o.keepMissing ? kept : missing).push(name); continue; }
      const n = this.spec.inChannels ?? RGB_BANDS;
      if (n !== RGB_BANDS && t.shape.length === 4 && w.shape.length === 4 && t.shape[2] === RGB_BANDS && w.shape[2] === n
        && t.shape[0] === w.shape[0] && t.shape[1] === w.shape[1] && t.shape[3] === w.shape[3]) {
        // A pretrained RGB first convolution for an input of n bands (smp's rule).
        const a = adaptFirstConv(t.data, t.shape, n);
        assigns.push([w, tf.tensor(a.data, a.shape)]);
        continue;
      }
      if (t.shape.join('x') !== w.shape.join('x')) {
        (o.keepMismatched ? kept : badShape).push(o.keepMismatched ? name : `${name} (file ${t.shape.join('x')}, model ${w.shape.join('x')})`);
        continue;
      }
      assigns.push([w, tf.tensor(Float32Array.from(t.data), t.shape)]);
    }
    const unexpected = [...src.keys()].filter((k) => !wanted.has(k) && !k.startsWith('optimizer/'));
    const problems = [
      missing.length ? `missing ${missing.length}: ${missing.slice(0, 5).join(', ')}` : '',
      badShape.length ? `wrong shape ${badShape.length}: ${badShape.slice(0, 5).join(', ')}` : '',
      (o.strict ?? true) && unexpected.length ? `unexpected ${unexpected.length}: ${unexpected.slice(0, 5).join(', ')}` : '',
      assigns.length === 0 ? 'no tensor of the file fits' : '',
    ].filter(Boolean);
    if (problems.length) {
      assigns.forEach(([, t]) => t.dispose());
      throw new UserError(`${origin}: weights do not fit ${this.spec.arch} (${problems.join('; ')})`);
    }
    for (const [w, t] of assigns) { w.write(t); t.dispose(); }
    return kept;
  }

  dispose(): void { this.net.dispose(); }
}
