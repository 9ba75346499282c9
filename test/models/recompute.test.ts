// Gradient checkpointing (models/recompute.ts) next to the fused BatchNorm-activation kernels
// (models/fused_batchnorm.ts): a segment boundary between a BatchNormalization and the PReLU it
// computes would hand the PReLU an activated tensor it no longer recognises, and the recomputed
// pass would apply it twice. A chain of conv-BN-PReLU blocks is cut into every number of segments:
// the cuts never separate the pair, and the gradients equal those of the uncut network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../src/engine/backend.ts';
import { fuseBatchNormTraining, fusedWithNext } from '../../src/models/fused_batchnorm.ts';
import { SegmentedForward } from '../../src/models/recompute.ts';

function chain(): tfl.LayersModel {
  const input = tfl.input({ shape: [null, null, 3] });
  let x = input as tfl.SymbolicTensor;
  for (let i = 0; i < 6; i++) {
    x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: `conv${i}`, kernelInitializer: tfl.initializers.glorotNormal({ seed: i }) }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: `bn${i}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: tfl.initializers.constant({ value: 0.25 }), name: `act${i}` }).apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'head', kernelInitializer: tfl.initializers.glorotNormal({ seed: 9 }) }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

test('checkpointing never cuts between a BatchNorm and the PReLU fused into it; gradients equal the uncut network at every segment count', async () => {
  await initEngine('wasm');
  const net = chain();
  assert.equal(fuseBatchNormTraining(net), 6);
  assert.ok(net.layers.filter(fusedWithNext).length === 6, 'every BatchNorm computes its PReLU');
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
  const r = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 2);
  const vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
  const grads = (forward: () => tf.Tensor) => tf.tidy(() => {
    const g = tf.variableGrads(() => tf.sum(tf.mul(forward(), r)) as tf.Scalar, vars);
    return vars.map((v) => g.grads[v.name].dataSync() as Float32Array);
  });
  const plain = grads(() => net.apply(x, { training: true }) as tf.Tensor);
  const scale = Math.max(...plain.map((g) => g.reduce((a, v) => Math.max(a, Math.abs(v)), 0)));
  const worst = (g: Float32Array[]) => Math.max(...g.map((a, i) => a.reduce((m, v, j) => Math.max(m, Math.abs(v - plain[i][j])), 0)));
  const bnEnds = (s: SegmentedForward) => (s as unknown as { segments: { steps: { layer: tfl.layers.Layer }[] }[] }).segments
    .slice(0, -1).filter((seg) => seg.steps[seg.steps.length - 1].layer.getClassName() === 'BatchNormalization').length;
  let splitSomewhere = false;
  for (let count = 2; count <= 9; count++) {
    const joined = new SegmentedForward(net, count, fusedWithNext);
    assert.ok(joined.segmentCount >= 2, `${count}: ${joined.segmentCount} segments`);
    assert.equal(bnEnds(joined), 0, `${count}: a segment ends on a BatchNorm`);
    const d = worst(grads(() => joined.apply(x)));
    assert.ok(d <= 1e-5 * scale, `${count} segments (${joined.segmentSizes}): gradients differ by ${d} (largest ${scale})`);
    // The hazard the rule avoids: cut without it, a segment can end on the BatchNorm, and then the
    // recomputed PReLU runs twice.
    const naive = new SegmentedForward(net, count);
    if (bnEnds(naive) > 0) {
      splitSomewhere = true;
      assert.ok(worst(grads(() => naive.apply(x))) > 1e-3 * scale, `${count}: a cut after a fused BatchNorm went unnoticed`);
    }
  }
  assert.ok(splitSomewhere, 'no segment count put a cut after a BatchNorm: the test does not exercise the rule');
  tf.dispose([x, r]);
  net.dispose();
});
