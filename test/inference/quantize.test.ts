// The int8 gate: a graph calibrated once and built with any set of convolutions kept in float;
// the sensitivity pass measures each convolution quantised alone against the float graph's labels
// and keeps the worst in float until the labels agree; the card's 8-bit graph is what precision int8 runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { exportOnnx } from '../../src/io/onnx_export.ts';
import { onnx, FLOAT, floatInit, ints, valueInfo } from '../../src/formats/onnx_proto.ts';
import { buildCard, cardAtPrecision } from '../../src/models/card.ts';
import { buildInt8, calibrate, quantizeWithGate } from '../../src/inference/quantize.ts';
import { NODE_FILTERS } from '../../src/inference/node_filters.ts';
import { resolveClasses } from '../../src/data/class_file.ts';
import { Rng } from '../../src/util/random.ts';

const [H, W, K] = [32, 32, 4];

test('cardAtPrecision: the 8-bit graph for int8, the card itself for its own precision, null when it has none', () => {
  const card = buildCard({ model: { arch: 'unet', numClasses: 2 }, classes: resolveClasses(2), input: { normalization: { mean: [0, 0, 0], std: [1, 1, 1] }, stride: 1 }, weights: 'w.safetensors', onnx: 'model.onnx' });
  assert.equal(cardAtPrecision(card, undefined), card);
  assert.equal(cardAtPrecision(card, 'float32'), card);
  assert.equal(cardAtPrecision(card, 'int8'), null);
  const withInt8 = { ...card, int8: { onnx: 'model-int8.onnx', method: 'x', calibrationImages: 4, quantized: 3, convolutions: 3, keptFloat: [], agreement: 0.99, checkImages: 2 } };
  const c = cardAtPrecision(withInt8, 'int8')!;
  assert.equal(c.onnx, 'model-int8.onnx');
  assert.equal(c.precision, 'int8');
  assert.equal(c.weights, '', 'an 8-bit graph runs on ONNX Runtime, never from the float weights');
  assert.equal(cardAtPrecision({ ...card, precision: 'int8' }, 'float32'), null);
});

test('the gate: each convolution measured alone, the most sensitive kept in float until labels agree', async () => {
  await initEngine('wasm');
  const m = new SegModel({ arch: 'unet', numClasses: K, width: 8, depth: 2, seed: 7 });
  const float = exportOnnx(m);
  const card = buildCard({ model: m.spec, classes: resolveClasses(K), input: { normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }, stride: m.stride }, onnx: 'model.onnx' });
  m.dispose();
  const rng = new Rng(3);
  const image = () => ({ data: Uint8Array.from({ length: H * W * 3 }, () => Math.floor(rng.next() * 256)), width: W, height: H });
  const cal = Array.from({ length: 4 }, image), check = Array.from({ length: 3 }, image);
  const c = await calibrate(float, card, async function* () { yield* cal; }, { filters: NODE_FILTERS });
  assert.equal(c.images, 4);
  assert.ok(c.convolutions.length >= 5);
  // Built with every convolution kept: no convolution on 8 bits.
  assert.equal(buildInt8(c, c.convolutions).quantized, 0);
  assert.equal(buildInt8(c).quantized, c.convolutions.length);
  assert.throws(() => buildInt8(c, ['no-such-conv']), /keepFloat/);

  // Labels of a graph on the check images, by ONNX Runtime directly (not the code under test).
  const labels = async (bytes: Uint8Array) => {
    const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const out: number[] = [];
    for (const im of check) {
      const x = new Float32Array(3 * H * W);
      // torchvision's to_tensor + normalize in float32, each step rounded (the rule the card states).
      const f = Math.fround;
      for (let p = 0; p < H * W; p++) for (let k = 0; k < 3; k++) x[k * H * W + p] = f(f(f(im.data[p * 3 + k] / 255) - 0.5) / 0.25);
      const y = (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, H, W]) }))[s.outputNames[0]].data as Float32Array;
      for (let p = 0; p < H * W; p++) { let b = 0; for (let k = 1; k < K; k++) if (y[k * H * W + p] > y[b * H * W + p]) b = k; out.push(b); }
    }
    await s.release();
    return out;
  };
  const ref = await labels(float);
  // Its input is the card's rule to the last bit: an 8-bit graph quantises its input, where an input
  // one float step off can land a step otherwise (seen with VNNI kernels), so the
  // agreements are compared exactly.
  const agree = (a: number[]) => a.filter((v, i) => v === ref[i]).length / a.length;

  const plain = await quantizeWithGate(float, c, card, check, { filters: NODE_FILTERS });
  assert.equal(plain.keptFloat.length, 0);
  assert.equal(plain.agreement, agree(await labels(plain.bytes)), 'agreement as measured independently');

  const gated = await quantizeWithGate(float, c, card, check, { filters: NODE_FILTERS, minAgreement: 1 });
  assert.equal(gated.sensitivity!.length, c.convolutions.length);
  for (let i = 1; i < gated.sensitivity!.length; i++) assert.ok(gated.sensitivity![i - 1].changed >= gated.sensitivity![i].changed, 'most sensitive first');
  // One convolution alone, measured independently: the share of labels it changes.
  const worst = gated.sensitivity![0];
  assert.equal(worst.changed, 1 - agree(await labels(buildInt8(c, c.convolutions.filter((n) => n !== worst.name)).bytes)));
  // What is kept in float is the head of the sensitivity ranking, and the labels agree at least as well.
  assert.deepEqual(gated.keptFloat, gated.sensitivity!.slice(0, gated.keptFloat.length).map((s) => s.name));
  assert.ok(gated.agreement >= plain.agreement);
  assert.equal(gated.agreement, agree(await labels(gated.bytes)));
  assert.equal(gated.quantized, c.convolutions.length - gated.keptFloat.length);
  const q = onnx.ModelProto.decode(gated.bytes);
  assert.ok(q.graph!.node!.some((n) => n.opType === 'QuantizeLinear'));
});

test('a convolution whose bias reaches it through an Identity (torch.onnx\'s shared constants) is quantised like any other', async () => {
  // torch.onnx writes one initializer for parameters of equal values (a zero bias and a LayerNorm's)
  // and an Identity of it for the others: the bias is a node's output, not an initializer.
  const rng = new Rng(11);
  const r = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-0.5, 0.5));
  const C = 6;
  const w1 = r(C * 27), w2 = r(C * C), w3 = r(K * C), b3 = r(K);
  // The graph as torch.onnx writes it, and the same graph with each bias an initializer.
  const graph = (shared: boolean) => onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: [
        { opType: 'Conv', name: 'stem', input: ['x', 'w1', 'zeros'], output: ['c1'], attribute: [ints('pads', [1, 1, 1, 1])] },
        { opType: 'Relu', name: 'r1', input: ['c1'], output: ['r1'] },
        ...(shared ? [{ opType: 'Identity', name: 'shared', input: ['zeros'], output: ['zeros_again'] }] : []),
        { opType: 'Conv', name: 'mix', input: ['r1', 'w2', shared ? 'zeros_again' : 'zeros2'], output: ['c2'] },
        { opType: 'Add', name: 'plus', input: ['c2', 'zeros_col'], output: ['a'] },
        ...(shared ? [{ opType: 'Identity', name: 'shared2', input: ['b3'], output: ['b3_again'] }] : []),
        { opType: 'Conv', name: 'head', input: ['a', 'w3', shared ? 'b3_again' : 'b3'], output: ['y'] },
      ],
      initializer: [
        floatInit('w1', w1, [C, 3, 3, 3]), floatInit('zeros', new Float32Array(C), [C]), floatInit('w2', w2, [C, C, 1, 1]),
        floatInit('zeros_col', new Float32Array(C), [C, 1, 1]), floatInit('w3', w3, [K, C, 1, 1]), floatInit('b3', b3, [K]),
        ...(shared ? [] : [floatInit('zeros2', new Float32Array(C), [C])]),
      ],
      input: [valueInfo('x', FLOAT, 4)], output: [valueInfo('y', FLOAT, 4)],
    },
  }).finish();
  const card = buildCard({ model: { arch: 'onnx', numClasses: K }, classes: resolveClasses(K), input: { normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }, stride: 1 }, onnx: 'model.onnx' });
  const images = Array.from({ length: 3 }, () => ({ data: Uint8Array.from({ length: H * W * 3 }, () => Math.floor(rng.next() * 256)), width: W, height: H }));
  const int8 = async (float: Uint8Array) => {
    const c = await calibrate(float, card, async function* () { yield* images; }, { filters: NODE_FILTERS });
    assert.deepEqual(c.convolutions, ['stem', 'mix', 'head']);
    const q = buildInt8(c);
    assert.equal(q.quantized, 3);
    return q.bytes;
  };
  const [shared, direct] = [await int8(graph(true)), await int8(graph(false))];
  const g = onnx.ModelProto.decode(shared).graph!;
  assert.equal(g.node!.filter((n) => n.opType === 'Identity').length, 0, 'the Identities of constants are gone');
  for (const name of ['mix', 'head']) assert.ok(g.node!.find((n) => n.name === name)!.input![2].endsWith('qdq_bias_dequantized'), `${name}: its bias on the int32 grid`);
  // The same scores as the graph whose biases were initializers all along (ONNX Runtime directly).
  const x = Float32Array.from({ length: 3 * H * W }, () => rng.uniform(-2, 2));
  const out = async (bytes: Uint8Array) => {
    const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    try { return (await s.run({ x: new ort.Tensor('float32', x, [1, 3, H, W]) })).y.data as Float32Array; } finally { await s.release(); }
  };
  const [a, b] = [await out(shared), await out(direct)];
  assert.ok(a.length === K * H * W && a.every((v, i) => v === b[i]), 'the same 8-bit scores');
});
