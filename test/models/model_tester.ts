// The shared model test (after segmentation_models.pytorch's BaseModelTester), generated from the
// registry (registryArchitectures; test/models/zoo.test.ts runs it). It checks logits at odd input sizes, that
// one training step on a fixed batch lowers the loss, that saved weights load back to identical
// outputs, that the ONNX export computes what TF.js computes, that gradient checkpointing gives the
// same gradients at a lower peak, and that nothing leaks tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import type { ArchOptions, OptionKey } from '../../src/models/types.ts';
import { DECODERS, ENCODERS, NETWORKS, getArch } from '../../src/models/registry.ts';
import { exportOnnx } from '../../src/io/onnx_export.ts';
import { OnnxNetwork } from '../../src/inference/onnx_runtime.ts';
import { segmentationLoss } from '../../src/train/losses.ts';
import { Rng } from '../../src/util/random.ts';

/** Non-trivial BatchNorm/PReLU statistics so that the export check exercises every parameter. */
export function perturbBatchNorm(m: SegModel, rng: Rng): void {
  for (const w of m.net.weights) {
    const n = w.shape.reduce((a, b) => a! * b!, 1)!;
    const kind = w.originalName.split('/').pop();
    const gen = kind === 'moving_mean' || kind === 'beta' ? () => rng.uniform(-0.1, 0.1)
      : kind === 'moving_variance' || kind === 'gamma' ? () => rng.uniform(0.6, 1.4) : kind === 'alpha' ? () => rng.uniform(0, 0.3) : null;
    if (gen) { const t = tf.tensor(Float32Array.from({ length: n }, gen), w.shape as number[]); w.write(t); t.dispose(); }
  }
}

export interface TesterOptions extends Partial<ArchOptions> {
  /** Odd input sizes [h, w] for the shape check (padded to the stride inside SegModel). */
  sizes?: [number, number][];
  /** Training-step batch size and input size. */
  batch?: number; trainSize?: [number, number];
}

const maxRel = (a: Float32Array, b: Float32Array) => {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return d / Math.max(1, m);
};

export function testArchitecture(arch: string, o: TesterOptions = {}): void {
  const numClasses = o.numClasses ?? 5;
  const spec = { arch, numClasses, seed: 3, ...o };
  // One model per architecture, each check a test case of its own: one failing does not hide the others.
  test(`${arch}`, async (t) => {
    await initEngine('wasm');
    const before = tf.memory().numTensors;
    const m = new SegModel(spec);
    const [th, tw] = o.trainSize ?? [64, 64];
    const x = tf.randomNormal([o.batch ?? 2, th, tw, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const labels = tf.tidy(() => tf.squeeze(tf.cast(tf.mul(tf.add(tf.sign(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1])), 1), (numClasses - 1) / 2), 'int32'), [3]) as tf.Tensor3D);
    const loss = (training: boolean) => segmentationLoss('ce', m.forward(x, training), labels, { numClasses, ignoreIndex: 255 });
    const rng = new Rng(7);
    const [h, w] = [64, 96];
    const xs = Float32Array.from({ length: 2 * h * w * 3 }, () => rng.uniform(-2, 2));
    const nhwc = () => tf.tensor4d(xs, [2, h, w, 3]);
    try {
      await t.test('logits at odd input sizes', () => {
        for (const [ih, iw] of o.sizes ?? [[37, 53], [64, 31]]) {
          const y = tf.tidy(() => m.forward(tf.randomNormal([2, ih, iw, 3], 0, 1, 'float32', 1) as tf.Tensor4D));
          assert.deepEqual(y.shape, [2, ih, iw, numClasses], `${arch} at ${ih}x${iw}`);
          y.dispose();
        }
      });
      await t.test('one training step on a fixed batch lowers the loss', () => {
        const opt = tf.train.sgd(1e-2); // a plain gradient step: tests the gradients' direction, not Adam's step size
        const l0 = tf.tidy(() => loss(true).dataSync()[0]);
        opt.minimize(() => loss(true), false, m.trainableVariables);
        const l1 = tf.tidy(() => loss(true).dataSync()[0]);
        opt.dispose();
        assert.ok(l1 < l0, `${arch}: loss ${l0} -> ${l1}`);
      });
      await t.test('gradient checkpointing: same loss and gradients, lower peak', async (s) => { s.diagnostic(await checkRecomputation(m, loss, arch)); });
      perturbBatchNorm(m, rng);
      const ref = tf.tidy(() => tf.transpose(m.forward(nhwc()), [0, 3, 1, 2]).dataSync() as Float32Array);
      await t.test('saved weights load back to identical logits', async () => {
        const m2 = new SegModel(spec);
        try {
          m2.loadNamedWeights(new Map((await m.namedWeights()).map((v) => [v.name, v])), 'saved weights');
          const again = tf.tidy(() => tf.transpose(m2.forward(nhwc()), [0, 3, 1, 2]).dataSync() as Float32Array);
          assert.deepEqual(again, ref, `${arch}: reloaded weights give other logits`);
        } finally { m2.dispose(); }
      });
      const nchw = tf.tidy(() => tf.transpose(nhwc(), [0, 3, 1, 2]).dataSync() as Float32Array);
      const ort = await OnnxNetwork.create(exportOnnx(m), numClasses, 2);
      try {
        await t.test('the ONNX export computes what TF.js computes', async () => {
          const got = await ort.run(nchw, [2, 3, h, w]);
          assert.equal(got.length, ref.length, arch);
          const rel = maxRel(got, ref);
          assert.ok(rel <= 1e-4, `${arch}: ONNX vs TF.js max relative difference ${rel}`);
        });
        await t.test('the ONNX graph specialised to a shape, and the generic one after it', async () => {
          // The same shape again: the graph specialised to it (shape computations folded, Ifs inlined; opt-in).
          ort.specialize = true;
          await ort.run(nchw, [2, 3, h, w]);
          const fixed = await ort.run(nchw, [2, 3, h, w]);
          assert.equal(ort.specialisedFor, `2x3x${h}x${w}`, `${arch}: no specialised graph`);
          assert.ok(maxRel(fixed, ref) <= 1e-4, `${arch}: specialised ONNX vs TF.js max relative difference ${maxRel(fixed, ref)}`);
          // Another shape after it: the generic graph, reopened (it is released while the other serves).
          const first = await ort.run(nchw.subarray(0, 3 * h * w), [1, 3, h, w]);
          assert.ok(maxRel(first, ref.subarray(0, first.length)) <= 1e-4, `${arch}: generic ONNX after the specialised one`);
        });
      } finally { await ort.dispose(); }
    } finally {
      tf.dispose([x, labels]);
      m.dispose();
    }
    await t.test('no tensor leaks', () => assert.equal(tf.memory().numTensors, before, `${arch} leaks tensors`));
  });
}

/** Small options for a fast test, by option name (the registry lists each architecture's options). */
const SMALL: Partial<Record<OptionKey, number>> = { width: 4, depth: 3, widthMult: 0.5 };

/**
 * The shared model test for the whole registry: every decoder with its default encoder, every
 * encoder with one decoder (U-Net's, unless a decoder's default already covers it), every network.
 */
export function registryArchitectures(): { arch: string; options: Partial<ArchOptions> }[] {
  const small = (name: string) => Object.fromEntries(getArch(name).options.filter((k) => SMALL[k] != null).map((k) => [k, SMALL[k]])) as Partial<ArchOptions>;
  const out = new Map<string, Partial<ArchOptions>>();
  for (const d of Object.keys(DECODERS)) out.set(d, small(d));
  const covered = new Set(Object.values(DECODERS).map((d) => d.defaultEncoder));
  for (const e of Object.keys(ENCODERS)) if (!covered.has(e)) out.set(`${e}_unet`, small(`${e}_unet`));
  for (const n of Object.keys(NETWORKS)) out.set(n, small(n));
  return [...out].map(([arch, options]) => ({ arch, options }));
}

/**
 * Gradient checkpointing (--checkpoint-blocks) against the plain backward pass: the same loss and
 * BatchNorm statistics bit for bit, the same gradients up to the order in which a tensor's
 * gradient contributions are summed, and a lower peak of live tensors.
 */
async function checkRecomputation(m: SegModel, loss: (training: boolean) => tf.Tensor, arch: string): Promise<string> {
  const stats = m.net.nonTrainableWeights;
  const start = stats.map((w) => tf.clone(w.read()));
  const run = async (blocks: number) => {
    m.setCheckpointBlocks(blocks);
    stats.forEach((w, i) => w.write(start[i]));
    let grads: Float32Array[] = [], value = 0;
    const { peakBytes } = await tf.profile(() => {
      const r = tf.variableGrads(() => loss(true) as tf.Scalar, m.trainableVariables);
      value = r.value.dataSync()[0];
      grads = m.trainableVariables.map((v) => r.grads[v.name].dataSync() as Float32Array);
      tf.dispose([r.value, ...Object.values(r.grads)]);
    });
    return { value, grads, peakBytes, stats: stats.map((w) => w.read().dataSync() as Float32Array) };
  };
  const plain = await run(0), recomputed = await run(4);
  const segments = m.checkpointSegments;
  m.setCheckpointBlocks(0);
  tf.dispose(start);
  assert.ok(segments.length >= 3, `${arch}: ${segments.length} segments`);
  assert.equal(recomputed.value, plain.value, `${arch}: loss`);
  recomputed.stats.forEach((s, i) => assert.deepEqual(s, plain.stats[i], `${arch}: ${stats[i].originalName}`));
  const scale = Math.max(...plain.grads.map((g) => g.reduce((a, v) => Math.max(a, Math.abs(v)), 0)));
  recomputed.grads.forEach((g, i) => {
    let d = 0;
    for (let j = 0; j < g.length; j++) d = Math.max(d, Math.abs(g[j] - plain.grads[i][j]));
    assert.ok(d <= 1e-5 * scale, `${arch}: gradient of ${m.trainableVariables[i].name} differs by ${d} (largest gradient ${scale})`);
  });
  assert.ok(recomputed.peakBytes < plain.peakBytes, `${arch}: peak ${recomputed.peakBytes} recomputing vs ${plain.peakBytes}`);
  return `checkpointing: ${segments.length} segments, peak ${(recomputed.peakBytes / 2 ** 20).toFixed(1)} MB recomputing vs ${(plain.peakBytes / 2 ** 20).toFixed(1)} MB`;
}
