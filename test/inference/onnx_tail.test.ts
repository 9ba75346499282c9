// Which graphs are cut before their last Resize: only a linear Resize whose result
// linear_resize_argmax.ts reproduces (sizes from the input's shape, or align_corners), and the head
// is the graph up to that Resize's input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ortNode from 'onnxruntime-node';
import { linearResizeTail } from '../../src/inference/onnx_tail.ts';
import { FLOAT, floatInit, int, int64Init, onnx, str, valueInfo, type O } from '../../src/formats/onnx_proto.ts';

/**
 * input [N, 3, H, W] -> 1x1 convolution to 4 classes ("scores") -> Resize(`attrs`, by `how`) -> Identity -> logits.
 * how: 'shape' (sizes from Shape(input)), 'sizes' (a constant), 'scales' (a constant), 'values' (sizes from the input's values).
 */
function graph(attrs: O.IAttributeProto[], how: 'shape' | 'sizes' | 'scales' | 'values'): Uint8Array {
  const nodes: O.INodeProto[] = [{ opType: 'Conv', input: ['input', 'w'], output: ['scores'] }];
  const init = [floatInit('w', Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2), [4, 3, 1, 1]), int64Init('nc', [1, 4]), int64Init('hw_at', [2]), int64Init('zero', [0])];
  let inputs: string[];
  if (how === 'shape') {
    nodes.push({ opType: 'Shape', input: ['input'], output: ['s'] }, { opType: 'Slice', input: ['s', 'hw_at', 'four'], output: ['hw'] },
      { opType: 'Concat', input: ['nc', 'hw'], output: ['sizes'], attribute: [int('axis', 0)] });
    init.push(int64Init('four', [4]));
    inputs = ['scores', '', '', 'sizes'];
  } else if (how === 'sizes') {
    init.push(int64Init('sizes', [1, 4, 32, 48]));
    inputs = ['scores', '', '', 'sizes'];
  } else if (how === 'scales') {
    init.push(floatInit('scales', Float32Array.from([1, 1, 4, 4]), [4]));
    inputs = ['scores', '', 'scales'];
  } else {
    // The size read from a value of the input (not its shape).
    nodes.push({ opType: 'ReduceMax', input: ['input'], output: ['mx'], attribute: [int('keepdims', 0)] }, { opType: 'Cast', input: ['mx'], output: ['mxi'], attribute: [int('to', onnx.TensorProto.DataType.INT64)] },
      { opType: 'Reshape', input: ['mxi', 'one'], output: ['v'] }, { opType: 'Concat', input: ['nc', 'v', 'v'], output: ['sizes'], attribute: [int('axis', 0)] });
    init.push(int64Init('one', [1]));
    inputs = ['scores', '', '', 'sizes'];
  }
  nodes.push({ opType: 'Resize', input: inputs, output: ['resized'], attribute: attrs }, { opType: 'Identity', input: ['resized'], output: ['logits'] });
  const g = { name: 'g', input: [valueInfo('input', FLOAT, ['N', 'C', 'H', 'W'])], initializer: init, node: nodes, output: [valueInfo('logits', FLOAT, 4)] };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: g }).finish();
}

const linear = (mode: string) => [str('mode', 'linear'), str('coordinate_transformation_mode', mode)];

test('the head of a graph ending in a linear Resize is the graph up to the Resize\'s input', async () => {
  const tail = linearResizeTail(graph(linear('align_corners'), 'shape'));
  assert.ok(tail);
  assert.deepEqual([tail.mode, tail.output, tail.logits], ['align_corners', 'scores', 'logits']);
  const head = onnx.ModelProto.decode(tail.head).graph!;
  assert.deepEqual(head.node!.map((n) => n.opType), ['Conv'], 'the size computations, the Resize and the Identity are gone');
  assert.deepEqual(head.initializer!.map((t) => t.name), ['w'], 'initializers only the dropped nodes read are gone');
  // It runs, and gives the scores the whole graph resizes.
  const s = await ortNode.InferenceSession.create(tail.head);
  const x = Float32Array.from({ length: 3 * 8 * 12 }, (_, i) => Math.sin(i));
  const out = (await s.run({ input: new ortNode.Tensor('float32', x, [1, 3, 8, 12]) })).scores;
  await s.release();
  assert.deepEqual(out.dims, [1, 4, 8, 12]);
  for (let k = 0; k < 4; k++) for (let p = 0; p < 96; p++) {
    let v = 0;
    for (let c = 0; c < 3; c++) v += x[c * 96 + p] * ((k * 3 + c) % 5 - 2);
    assert.ok(Math.abs((out.data as Float32Array)[k * 96 + p] - v) < 1e-5);
  }
  for (const mode of ['half_pixel', 'pytorch_half_pixel', 'asymmetric']) assert.equal(linearResizeTail(graph(linear(mode), 'sizes'))?.mode, mode);
  assert.ok(linearResizeTail(graph(linear('align_corners'), 'scales')), 'align_corners uses the lengths alone');
});

test('graphs whose last Resize the label-map kernel does not reproduce keep their Resize', () => {
  const refused: [string, Uint8Array][] = [
    ['nearest', graph([str('mode', 'nearest')], 'shape')],
    ['cubic', graph([str('mode', 'cubic')], 'shape')],
    ['tf_crop_and_resize', graph(linear('tf_crop_and_resize'), 'shape')],
    ['antialias', graph([...linear('half_pixel'), int('antialias', 1)], 'shape')],
    ['scales with half_pixel (scales other than output / input)', graph(linear('half_pixel'), 'scales')],
    ['sizes from the input\'s values', graph(linear('align_corners'), 'values')],
  ];
  for (const [why, bytes] of refused) assert.equal(linearResizeTail(bytes), null, why);
  assert.equal(linearResizeTail(new Uint8Array([1, 2, 3])), null, 'not a graph');
});
