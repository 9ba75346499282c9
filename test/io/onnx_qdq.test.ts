// Static int8 QDQ quantisation: BatchNorm folded into convolutions exactly; weights, biases and
// activations on their 8-bit grids as ONNX Runtime's quantiser puts them; the quantised graph's
// class scores follow the float graph's within its activation grid steps, and its labels agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { exportOnnx } from '../../src/io/onnx_export.ts';
import { onnx } from '../../src/formats/onnx_proto.ts';
import { activationsToCalibrate, floatsOf, foldBatchNorms, foldConstantAffines, preluPatterns, quantizeQdq, sharedAddGrids, uint8Params, weightScale } from '../../src/io/onnx_qdq.ts';
import { FLOAT, floatInit, ints, int, valueInfo, type O } from '../../src/formats/onnx_proto.ts';
import { calibrateRanges } from '../../src/inference/quantize.ts';
import { Rng } from '../../src/util/random.ts';

const [H, W, K] = [32, 32, 4];

async function run(bytes: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  try { return (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, H, W]) }))[s.outputNames[0]].data as Float32Array; } finally { await s.release(); }
}

test('uint8 activation grids hold 0 exactly and cover the range', () => {
  for (const r of [[-1.3, 2.7], [0.5, 3], [-4, -1], [0, 0]] as [number, number][]) {
    const { scale, zeroPoint } = uint8Params(r);
    assert.ok(zeroPoint >= 0 && zeroPoint <= 255);
    assert.ok((0 - zeroPoint) * scale <= Math.min(0, r[0]) + scale / 2 && (255 - zeroPoint) * scale >= Math.max(0, r[1]) - scale / 2, `${r}`);
  }
});

test('BatchNorm folding keeps the graph\'s output; the QDQ graph agrees with the float one', async () => {
  await initEngine('wasm');
  const m = new SegModel({ arch: 'unet', numClasses: K, width: 8, depth: 2, seed: 5 });
  // Moving statistics away from 0/1, so that folding them matters.
  const rng = new Rng(2);
  for (const w of m.net.weights) if (/moving_(mean|variance)/.test(w.originalName)) w.write((await import('@tensorflow/tfjs-core')).tensor(Float32Array.from({ length: w.shape[0]! }, () => (w.originalName.includes('variance') ? 0.5 + rng.next() : rng.uniform(-0.5, 0.5)))));
  const float = exportOnnx(m);
  m.dispose();
  const images = Array.from({ length: 6 }, () => Float32Array.from({ length: 3 * H * W }, () => rng.uniform(-2, 2)));

  const folded = onnx.ModelProto.decode(float);
  const n = foldBatchNorms(folded.graph!);
  assert.ok(n > 0, 'BatchNorms folded');
  assert.equal(folded.graph!.node!.filter((x) => x.opType === 'BatchNormalization').length, 0);
  const foldedBytes = onnx.ModelProto.encode(folded).finish();
  const [a, b] = [await run(float, images[0]), await run(foldedBytes, images[0])];
  const scale = a.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) <= 1e-4 * scale), 'folding changes nothing but rounding');

  const names = activationsToCalibrate(folded.graph!);
  async function* inputs() { for (const x of images.slice(1)) yield { x, dims: [1, 3, H, W] }; }
  const ranges = await calibrateRanges(foldedBytes, names, inputs());
  const done = quantizeQdq(folded.graph!, { ranges });
  assert.equal(done.length, folded.graph!.node!.filter((x) => x.opType === 'Conv').length, 'every convolution quantised');
  // Weights: int8 initializers; no float convolution weight left.
  const inits = new Map(folded.graph!.initializer!.map((t) => [t.name!, t]));
  for (const c of folded.graph!.node!.filter((x) => x.opType === 'Conv')) assert.ok(c.input![1].endsWith('qdq_weight_dequantized'));
  assert.ok([...inits.values()].some((t) => t.dataType === onnx.TensorProto.DataType.INT8));
  // A convolution read only by a Relu is quantised after the Relu (range from 0), never between the two.
  const nodes = folded.graph!.node!;
  const quantizes = new Set(nodes.filter((x) => x.opType === 'QuantizeLinear').map((x) => x.input![0]));
  let fused = 0;
  for (const c of nodes.filter((x) => x.opType === 'Conv')) {
    const readers = nodes.filter((x) => x.input!.includes(c.output![0]));
    if (readers.length === 1 && readers[0].opType === 'Relu') {
      fused++;
      assert.ok(!quantizes.has(c.output![0]), `${c.name}: quantised before its Relu`);
      assert.ok(quantizes.has(readers[0].output![0]), `${c.name}: its Relu's output is not quantised`);
    }
  }
  assert.ok(fused > 0, 'the U-Net has Conv -> Relu pairs');
  const q = onnx.ModelProto.encode(folded).finish();
  assert.ok(q.length < float.length * 0.5, `int8 graph ${q.length} bytes vs float ${float.length}`);
  // A per-channel weight scale is the channel's largest magnitude over 127.
  const firstConv = folded.graph!.node!.find((x) => x.opType === 'Conv')!;
  const ws = floatsOf(inits.get(firstConv.input![1].replace('qdq_weight_dequantized', 'qdq_weight_scale'))!);
  assert.ok(ws.every((s) => s > 0));

  let agree = 0, all = 0;
  for (const x of images) {
    const [f, i8] = [await run(float, x), await run(q, x)];
    const px = H * W;
    for (let p = 0; p < px; p++) {
      let bf = 0, bq = 0;
      for (let k = 1; k < K; k++) { if (f[k * px + p] > f[bf * px + p]) bf = k; if (i8[k * px + p] > i8[bq * px + p]) bq = k; }
      all++; if (bf === bq) agree++;
    }
  }
  assert.ok(agree / all > 0.9, `labels agree on ${(100 * agree / all).toFixed(1)}% of pixels`);
});

test('weight scales: the largest weight on 127 steps; outside depthwise, also two of one sign on 127 together', () => {
  // By hand: [0.5, 0.5, -0.2]: full range 0.5 / 127; pair-safe (0.5 + 0.5) / 127, so 64 + 64 steps.
  const w = Float32Array.of(0.5, 0.5, -0.2);
  assert.equal(weightScale(w, false), Math.fround(0.5 / 127));
  assert.equal(weightScale(w, true), Math.fround(1 / 127));
  // Opposite signs never add up: [0.6, -0.5, 0.1] keeps 0.6 + 0.1 = 0.7 as its worst pair.
  assert.equal(weightScale(Float32Array.of(0.6, -0.5, 0.1), true), Math.fround(0.7 / 127));
  assert.equal(weightScale(Float32Array.of(-0.6, -0.5, 0.1), true), Math.fround(1.1 / 127));
  // One dominant weight keeps its 127 steps.
  assert.equal(weightScale(Float32Array.of(0.9, 0.0, -0.3), true), Math.fround(0.9 / 127));
  assert.equal(weightScale(new Float32Array(4), true), 1);
});

test('an 8-bit graph computes the same integers on ONNX Runtime\'s native kernels as on its WebAssembly ones (no 16-bit saturation on x86 without VNNI)', async () => {
  // Inputs over [-1, 1] (zero point near 128: raw uint8 values up to 255) into dense convolutions
  // whose weights are mostly of one sign: unbounded int8 weights make 255 x (127 + 127) pair sums,
  // which x86's AVX2 kernels saturate at 32767; WebAssembly's widen first and never do.
  const rng = new Rng(21), C = 16, S = 24;
  const pos = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-0.2, 1));
  const bytes = model([
    { opType: 'Conv', name: 'stem', input: ['x', 'w1', 'b1'], output: ['c1'], attribute: [ints('pads', [1, 1, 1, 1])] },
    { opType: 'Relu', name: 'r1', input: ['c1'], output: ['r1'] },
    { opType: 'Conv', name: 'dw', input: ['r1', 'w2'], output: ['c2'], attribute: [int('group', C), ints('pads', [1, 1, 1, 1])] },
    { opType: 'Conv', name: 'grouped', input: ['c2', 'w3'], output: ['c3'], attribute: [int('group', 4)] },
    { opType: 'Add', name: 'residual', input: ['c2', 'c3'], output: ['sum'] },
    { opType: 'Conv', name: 'head', input: ['sum', 'w4'], output: ['c4'] },
    // The scores on their 8-bit grid (as a network's read by a Resize are): exact on both sides.
    { opType: 'MaxPool', name: 'pool', input: ['c4'], output: ['y'], attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])] },
  ], [
    floatInit('w1', pos(C * 3 * 9), [C, 3, 3, 3]), floatInit('b1', pos(C), [C]), floatInit('w2', pos(C * 9), [C, 1, 3, 3]),
    floatInit('w3', pos(C * 4), [C, 4, 1, 1]), floatInit('w4', pos(K * C), [K, C, 1, 1]),
  ], ['y']);
  const images = Array.from({ length: 4 }, () => Float32Array.from({ length: 3 * S * S }, () => rng.uniform(-1, 1)));
  const m = onnx.ModelProto.decode(bytes);
  async function* inputs() { for (const x of images) yield { x, dims: [1, 3, S, S] }; }
  const ranges = await calibrateRanges(bytes, activationsToCalibrate(m.graph!), inputs());
  assert.equal(quantizeQdq(m.graph!, { ranges }).length, 4);
  const inits = new Map(m.graph!.initializer!.map((t) => [t.name!, t]));
  for (const [name, pairSafe] of [['stem', true], ['dw', false], ['grouped', true], ['head', true]] as const) {
    const t = inits.get(`${name}/qdq_weight_quantized`)!, q = new Int8Array(new Uint8Array(t.rawData!).slice().buffer);
    const per = q.length / Number(t.dims![0]);
    for (let c = 0; c < Number(t.dims![0]); c++) {
      const row = [...q.subarray(c * per, (c + 1) * per)];
      const top2 = (v: number[]) => v.sort((a, b) => b - a).slice(0, 2).reduce((a, b) => a + b, 0);
      const worst = Math.max(top2(row.filter((v) => v > 0)), top2(row.filter((v) => v < 0).map((v) => -v)));
      if (pairSafe) assert.ok(worst <= 128, `${name} channel ${c}: two weights of one sign take ${worst} steps`);
      else assert.equal(Math.max(...row.map(Math.abs)), 127, `${name} channel ${c}: depthwise keeps 8 bits`);
    }
  }
  // The 8-bit Add: one grid on its inputs and output (an integer sum on every build).
  const grid = (t: string) => ['scale', 'zero_point'].map((k) => Buffer.from(inits.get(`${t}/qdq_${k}`)!.rawData!).toString('hex')).join('/');
  assert.ok(grid('c2') === grid('sum') && grid('c3') === grid('sum'), 'the Add\'s tensors share one grid');
  const q = onnx.ModelProto.encode(m).finish();
  ortWeb.env.wasm.numThreads = 1;
  const native = await ort.InferenceSession.create(q, { logSeverityLevel: 3 }), wasm = await ortWeb.InferenceSession.create(q);
  try {
    for (const x of images) {
      const a = (await native.run({ x: new ort.Tensor('float32', x, [1, 3, S, S]) })).y.data as Float32Array;
      const b = (await wasm.run({ x: new ortWeb.Tensor('float32', x, [1, 3, S, S]) })).y.data as Float32Array;
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
      assert.ok(a.length === K * (S / 2) ** 2 && differ === 0, `${differ} of ${a.length} scores differ between onnxruntime-node and onnxruntime-web`);
    }
  } finally { await native.release(); await wasm.release(); }
});

test('8-bit Adds share one grid: the union of the ranges of a chain of Adds, other tensors as they were; an Add of a Relu\'s output keeps its grids', () => {
  const m = onnx.ModelProto.decode(model([
    { opType: 'Conv', name: 'a', input: ['x', 'w'], output: ['a'] },
    { opType: 'Conv', name: 'b', input: ['x', 'w'], output: ['b'] },
    { opType: 'Add', name: 's1', input: ['a', 'b'], output: ['s1'] },
    { opType: 'Conv', name: 'c', input: ['s1', 'w'], output: ['c'] },
    { opType: 'Add', name: 's2', input: ['s1', 'c'], output: ['s2'] },
    { opType: 'Conv', name: 'd', input: ['s2', 'w'], output: ['y'] },
  ], [floatInit('w', new Float32Array(9).fill(0.1), [3, 3, 1, 1])], ['y']));
  const ranges = new Map<string, [number, number]>([['x', [-1, 1]], ['a', [0, 2]], ['b', [-3, 1]], ['s1', [-2, 2.5]], ['c', [0, 4]], ['s2', [-1, 5]]]);
  const shared = sharedAddGrids(m.graph!, ranges);
  for (const t of ['a', 'b', 's1', 'c', 's2']) assert.deepEqual(shared.get(t), [-3, 5], t);
  assert.deepEqual(shared.get('x'), [-1, 1]);
  assert.deepEqual(ranges.get('a'), [0, 2], 'the given ranges are left as they were');
  // An Add of a Relu's output keeps its grids (the Relu's zero point stays 0).
  const r = onnx.ModelProto.decode(model([
    { opType: 'Conv', name: 'a', input: ['x', 'w'], output: ['a'] },
    { opType: 'Relu', name: 'ra', input: ['a'], output: ['ra'] },
    { opType: 'Conv', name: 'b', input: ['ra', 'w'], output: ['b'] },
    { opType: 'Add', name: 's', input: ['ra', 'b'], output: ['s'] },
    { opType: 'Conv', name: 'd', input: ['s', 'w'], output: ['y'] },
  ], [floatInit('w', new Float32Array(9).fill(0.1), [3, 3, 1, 1])], ['y']));
  const kept = new Map<string, [number, number]>([['x', [-1, 1]], ['ra', [0, 2]], ['b', [-3, 1]], ['s', [-2, 2.5]]]);
  assert.deepEqual([...sharedAddGrids(r.graph!, kept)], [...kept]);
});

const model = (nodes: O.INodeProto[], inits: O.ITensorProto[], outputs: string[]): Uint8Array => onnx.ModelProto.encode({
  irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
  graph: { name: 'g', node: nodes, initializer: inits, input: [valueInfo('x', FLOAT, 4)], output: outputs.map((o) => valueInfo(o, FLOAT, 4)) },
}).finish();

test('Mul and Add by per-channel constants after a convolution fold into it; others stay', async () => {
  const rng = new Rng(9);
  const r = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  const bytes = model([
    { opType: 'Conv', name: 'dw', input: ['x', 'w1', 'b1'], output: ['c1'], attribute: [int('group', 3), ints('pads', [1, 1, 1, 1])] },
    { opType: 'Mul', name: 'm1', input: ['c1', 's1'], output: ['m1'] },
    { opType: 'Add', name: 'a1', input: ['t1', 'm1'], output: ['a1'] }, // the constant first
    { opType: 'Relu', name: 'r1', input: ['a1'], output: ['r1'] },
    { opType: 'Conv', name: 'pw', input: ['r1', 'w2'], output: ['c2'] }, // no bias
    { opType: 'Mul', name: 'm2', input: ['c2', 'k'], output: ['m2'] }, // a scalar
    { opType: 'Conv', name: 'pw2', input: ['r1', 'w3'], output: ['c3'] },
    { opType: 'Mul', name: 'm3', input: ['c3', 'row'], output: ['m3'] }, // varies along x: not per channel
    { opType: 'Add', name: 'out', input: ['m2', 'm3'], output: ['y'] }, // two convolutions' outputs: no constant
  ], [
    floatInit('w1', r(27), [3, 1, 3, 3]), floatInit('b1', r(3), [3]), floatInit('s1', r(3), [1, 3, 1, 1]), floatInit('t1', r(3), [3, 1, 1]),
    floatInit('w2', r(6), [2, 3, 1, 1]), floatInit('k', Float32Array.of(-1.7), []), floatInit('w3', r(6), [2, 3, 1, 1]), floatInit('row', r(8), [1, 1, 1, 8]),
  ], ['y']);
  const m = onnx.ModelProto.decode(bytes);
  assert.equal(foldConstantAffines(m.graph!), 3);
  assert.deepEqual(m.graph!.node!.map((n) => n.name), ['dw', 'r1', 'pw', 'pw2', 'm3', 'out']);
  const x = r(3 * 8 * 8);
  const run1 = async (b: Uint8Array) => {
    const s = await ort.InferenceSession.create(b, { logSeverityLevel: 3 });
    try { return (await s.run({ x: new ort.Tensor('float32', x, [1, 3, 8, 8]) })).y.data as Float32Array; } finally { await s.release(); }
  };
  const [a, b] = [await run1(bytes), await run1(onnx.ModelProto.encode(m).finish())];
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) <= 1e-5 * (1 + Math.abs(v))), 'the folded graph computes the same');
});

test('an 8-bit chain operator whose result is read only in float stays float (no conversion at its output size)', () => {
  const m = onnx.ModelProto.decode(model([
    { opType: 'Conv', name: 'c', input: ['x', 'w'], output: ['c'] },
    { opType: 'MaxPool', name: 'pool', input: ['c'], output: ['p'], attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])] },
    { opType: 'Conv', name: 'c2', input: ['p', 'w2'], output: ['c2'] },
    { opType: 'Resize', name: 'up', input: ['c2', '', 'scales'], output: ['u'] },
    { opType: 'Identity', name: 'id', input: ['u'], output: ['y'] },
  ], [floatInit('w', new Float32Array(12).fill(0.1), [4, 3, 1, 1]), floatInit('w2', new Float32Array(8).fill(0.1), [2, 4, 1, 1]), floatInit('scales', Float32Array.of(1, 1, 4, 4), [4])], ['y']));
  const names = activationsToCalibrate(m.graph!);
  assert.ok(names.includes('p'), 'MaxPool into a convolution: 8-bit');
  assert.ok(!names.includes('u'), 'Resize into the output: float');
});

test('the exporter\'s PReLU (s·x + (1 - s)·relu(x) as two depthwise convolutions) reads back as one PRelu; a near miss stays', async () => {
  const rng = new Rng(4);
  const s = Float32Array.from({ length: 3 }, () => rng.uniform(-0.5, 0.5));
  const prelu = (p: string, x: string, out: string, t: Float32Array): [O.INodeProto[], O.ITensorProto[]] => [[
    { opType: 'Conv', name: `${p}sx`, input: [x, `${p}s`], output: [`${p}sx`], attribute: [int('group', 3), ints('kernel_shape', [1, 1])] },
    { opType: 'Relu', name: `${p}relu`, input: [x], output: [`${p}relu`] },
    { opType: 'Conv', name: `${p}rest`, input: [`${p}relu`, `${p}t`], output: [`${p}rest`], attribute: [int('group', 3), ints('kernel_shape', [1, 1])] },
    { opType: 'Add', name: `${p}add`, input: [`${p}rest`, `${p}sx`], output: [out] },
  ], [floatInit(`${p}s`, s, [3, 1, 1, 1]), floatInit(`${p}t`, t, [3, 1, 1, 1])]];
  const [n1, i1] = prelu('a/', 'x', 'h', s.map((v) => 1 - v));
  const [n2, i2] = prelu('b/', 'h', 'y', s.map((v) => 1.01 - v)); // not 1 - s: not a PReLU
  const bytes = model([...n1, ...n2], [...i1, ...i2], ['y']);
  const m = onnx.ModelProto.decode(bytes);
  assert.equal(preluPatterns(m.graph!), 1);
  assert.deepEqual(m.graph!.node!.map((n) => n.opType), ['PRelu', 'Conv', 'Relu', 'Conv', 'Add']);
  const x = Float32Array.from({ length: 3 * 4 * 4 }, () => rng.uniform(-2, 2));
  const run1 = async (b: Uint8Array) => {
    const ss = await ort.InferenceSession.create(b, { logSeverityLevel: 3 });
    try { return (await ss.run({ x: new ort.Tensor('float32', x, [1, 3, 4, 4]) })).y.data as Float32Array; } finally { await ss.release(); }
  };
  const [a, b] = [await run1(bytes), await run1(onnx.ModelProto.encode(m).finish())];
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) <= 1e-6 * (1 + Math.abs(v))), 'the same function');
});
