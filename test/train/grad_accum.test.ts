// Micro-batching: gradients accumulated over micro-batches equal the whole batch's, and the heap
// plan picks what fits, refuses what cannot fit before training, and leaves the model untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { accumulatedGradients, type LossSpec } from '../../src/train/grad_accum.ts';
import { balancedMicroBatch, planMicroBatch, probeStep, sampleBytesBound, WASM_HEAP_BYTES } from '../../src/train/micro_batch.ts';
import { segmentationLoss } from '../../src/train/losses.ts';
import { UserError } from '../../src/util/errors.ts';
import { cliMessage } from '../../src/cli/flags.ts';
import { Rng } from '../../src/util/random.ts';

const [B, H, W, K] = [4, 32, 48, 3];
const spec: LossSpec = { loss: 'ce', options: { numClasses: K, ignoreIndex: 255, classWeights: [0.5, 1, 3] } };

test('micro-batches of 2 give the gradients and loss of the whole batch of 4 (cross-entropy, class weights, ignored pixels)', async () => {
  await initEngine('wasm');
  const rng = new Rng(11);
  // Images [a, b, a, b]: each micro-batch [a, b] has the whole batch's BatchNorm statistics, so the
  // only difference left is how the micro-batches are combined. Labels differ in every sample, with
  // different shares of ignored pixels, so the micro-batches' loss normalisers differ.
  const pair = Float32Array.from({ length: 2 * H * W * 3 }, () => rng.uniform(-1, 1));
  const x = new Float32Array(B * H * W * 3); x.set(pair); x.set(pair, pair.length);
  const y = Int32Array.from({ length: B * H * W }, (_, i) => (rng.next() < 0.1 + 0.2 * Math.floor(i / (H * W)) ? 255 : rng.int(K)));
  const m = new SegModel({ arch: 'unet', numClasses: K, width: 4, depth: 2, seed: 3 });
  const vars = m.trainableVariables;
  const shard = { x, y, n: B, height: H, width: W };
  const whole = accumulatedGradients(m, vars, spec, shard, B);
  const micro = accumulatedGradients(m, vars, spec, shard, 2);
  // The reference: tf.variableGrads of the whole batch's loss, as training did before micro-batches.
  const ref = tf.variableGrads(() => segmentationLoss('ce', m.forward(tf.tensor4d(x, [B, H, W, 3]), true), tf.tensor3d(y, [B, H, W], 'int32'), spec.options), vars);
  assert.ok(Math.abs(micro.loss - whole.loss) < 1e-5 * Math.abs(whole.loss), `loss ${micro.loss} vs ${whole.loss}`);
  assert.ok(Math.abs(ref.value.dataSync()[0] - whole.loss) < 1e-6, 'one micro-batch = the plain gradient');
  for (let j = 0; j < vars.length; j++) {
    const a = micro.grads[j].dataSync(), b = whole.grads[j].dataSync(), r = ref.grads[vars[j].name].dataSync();
    assert.deepEqual(Array.from(b), Array.from(r), `${vars[j].name}: one micro-batch differs from the plain gradient`);
    let d = 0, s = 0;
    for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
    assert.ok(d <= 1e-4 * Math.max(s, 1e-3), `${vars[j].name}: micro-batch gradient differs by ${d} (scale ${s})`);
  }
  tf.dispose([...micro.grads, ...whole.grads, ref.value, ...Object.values(ref.grads)]);
  m.dispose();
});

test('the heap plan: a small job runs whole, a requested micro-batch is kept, passes stop at full-speed size, an impossible crop is refused before training; the probe leaves BatchNorm statistics alone', async () => {
  await initEngine('wasm');
  const m = new SegModel({ arch: 'unet', numClasses: K, width: 4, depth: 2, seed: 3 });
  const stats = () => m.net.weights.filter((v) => !v.trainable).map((v) => Array.from(v.read().dataSync()));
  const before = stats();
  const tensors = tf.memory().numTensors;
  // A small job: far inside the heap by the layers' bound, so no probe runs.
  const p = await planMicroBatch(m, spec, 4, [H, W], 'auto');
  assert.equal(p.micro, 4);
  assert.deepEqual(p, { micro: 4, shard: 4, ...sampleBytesBound(m, [H, W]), checkpointBlocks: 0 });
  assert.equal((await planMicroBatch(m, spec, 4, [H, W], 2)).micro, 2);
  // Passes stop growing at the pixels the kernels need for full speed (all four would fit the heap).
  // At 512x512 the bound is not far enough inside the heap: the probe runs (in a worker).
  const big = await planMicroBatch(m, spec, 4, [512, 512], 'auto');
  assert.equal(big.micro, 1);
  assert.ok(big.perSampleBytes < sampleBytesBound(m, [512, 512])!.perSampleBytes && big.perSampleBytes > 512 * 512 * 4 * 8, `per-sample bytes ${big.perSampleBytes}: measured, below the bound`);
  assert.deepEqual(stats(), before, 'the probe moved the BatchNorm statistics');
  assert.equal(tf.memory().numTensors, tensors, 'the probe leaked tensors');
  assert.equal((await planMicroBatch(m, spec, 4, [256, 256], 'auto')).micro, 2);
  assert.equal((await planMicroBatch(m, spec, 4, [128, 128], 'auto')).micro, 4);
  // A crop whose one sample needs more than the heap: refused with the largest crop that fits.
  const side = Math.ceil(Math.sqrt((WASM_HEAP_BYTES / big.perSampleBytes) * 512 * 512) * 1.5 / 8) * 8;
  await assert.rejects(planMicroBatch(m, spec, 1, [side, side], 'auto'),
    (e: Error) => e instanceof UserError && e.argument === 'inputSize' && /^inputSize \d+x\d+: one unet training sample needs about [\d.]+ GB of the 4\.0 GB wasm heap; the largest crop that fits is about \d+x\d+/.test(e.message)
      // The command line words the arguments it names as flags.
      && /^--input-size \d+x\d+: .* \(or --checkpoint-blocks 8 to recompute/.test(cliMessage(e)));
  m.dispose();
});

test('the layers\' bound on a sample\'s bytes lies above what the probe measures, for every decoder of the registry with a small encoder and every network', async (t) => {
  await initEngine('wasm');
  const { DECODERS, NETWORKS } = await import('../../src/models/registry.ts');
  const specs = [...Object.keys(DECODERS).map((d) => ({ arch: `mobilenetv2_${d}` })), ...Object.keys(NETWORKS).map((n) => ({ arch: n })), { arch: 'unet', width: 4, depth: 2 }];
  const ratios: string[] = [];
  for (const s of specs) {
    const m = new SegModel({ numClasses: 6, seed: 3, ...s });
    try {
      const bound = sampleBytesBound(m, [H, W]);
      assert.ok(bound, `${s.arch}: every layer's output has one shape`);
      const measured = await probeStep(m, { ...spec, options: { ...spec.options, numClasses: 6, classWeights: undefined } }, [H, W]);
      assert.ok(measured.perSampleBytes < bound.perSampleBytes, `${s.arch}: probe ${measured.perSampleBytes} bytes a sample, bound ${bound.perSampleBytes}`);
      ratios.push(`${s.arch} ${(bound.perSampleBytes / measured.perSampleBytes).toFixed(1)}x`);
    } finally { m.dispose(); }
  }
  t.diagnostic(`bound / probe: ${ratios.join(', ')}`);
});

test('--micro-batch auto balances the passes: the fewest the heap allows, each as small as they permit', () => {
  assert.equal(balancedMicroBatch(4, 3), 2); // 2 + 2, not 3 + 1
  assert.equal(balancedMicroBatch(4, 4), 4);
  assert.equal(balancedMicroBatch(8, 3), 3); // 3 + 3 + 2
  assert.equal(balancedMicroBatch(8, 5), 4);
  assert.equal(balancedMicroBatch(5, 1), 1);
  assert.equal(balancedMicroBatch(3, 10), 3);
});
