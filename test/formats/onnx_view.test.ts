// The wire-level ONNX view against onnx-proto (bindings generated from onnx.proto): what it reads
// is what onnx-proto decodes, and a model written back from it (records dropped or replaced)
// decodes to the original with just those changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readModel, valueView, writeModel } from '../../src/formats/onnx_view.ts';
import { FLOAT, floatInit, int, ints, flt, graphAttr, onnx, str, valueInfo, type O } from '../../src/formats/onnx_proto.ts';

const models = path.join(import.meta.dirname, '..', '..', 'models');
const decode = (b: Uint8Array) => onnx.ModelProto.toObject(onnx.ModelProto.decode(new Uint8Array(b)), { longs: String, defaults: false });

test('the view reads the shipped graphs as onnx-proto does, and writes them back unchanged', () => {
  const files = fs.readdirSync(models).flatMap((d) => fs.readdirSync(path.join(models, d)).filter((f) => f.endsWith('.onnx')).map((f) => path.join(models, d, f)));
  assert.ok(files.length >= 8, 'the shipped models have ONNX graphs');
  for (const file of files) {
    const bytes = new Uint8Array(fs.readFileSync(file)), ref = onnx.ModelProto.decode(bytes), g = ref.graph!;
    const view = readModel(bytes);
    const name = path.relative(models, file);
    assert.deepEqual(view.graph.node.map((n) => [n.opType, n.domain, n.name, n.input, n.output]),
      g.node!.map((n) => [n.opType, n.domain ?? '', n.name ?? '', n.input, n.output]), name);
    assert.deepEqual(view.graph.node.map((n) => n.attribute!.map((a) => a.name)), g.node!.map((n) => n.attribute!.map((a) => a.name)), name);
    assert.deepEqual(view.graph.initializer.map((t) => t.name), g.initializer!.map((t) => t.name), name);
    assert.deepEqual(view.graph.input.map((v) => [v.name, v.elemType, v.dims]),
      g.input!.map((v) => [v.name, v.type!.tensorType!.elemType, v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || (d.dimValue != null ? Number(d.dimValue) : null))]), name);
    assert.deepEqual(view.graph.output.map((v) => v.name), g.output!.map((v) => v.name), name);
    assert.deepEqual([...view.opset], ref.opsetImport.map((o) => [o.domain === 'ai.onnx' ? '' : o.domain ?? '', Number(o.version)]), name);
    assert.deepEqual(decode(writeModel(view)), decode(bytes), name);
  }
});

test('a graph written back with one node dropped and an output replaced keeps every field the view does not read', () => {
  const branch = (v: number): O.IGraphProto => ({
    name: `b${v}`, node: [{ opType: 'Constant', output: [`c${v}`], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: floatInit(`k${v}`, Float32Array.of(v), []) }] }],
    output: [valueInfo(`c${v}`, FLOAT, [])],
  });
  const model: O.IModelProto = {
    irVersion: 8, producerName: 'test', producerVersion: '1', domain: 'x.y', modelVersion: 3, docString: 'a model',
    opsetImport: [{ domain: '', version: 13 }, { domain: 'com.microsoft', version: 1 }],
    metadataProps: [{ key: 'k', value: 'v' }],
    graph: {
      name: 'g', docString: 'a graph',
      input: [valueInfo('x', FLOAT, ['N', 'C', 'H', 'W'])],
      initializer: [floatInit('w', Float32Array.of(1, 2, 3), [3]), floatInit('unused', Float32Array.of(4), [1])],
      node: [
        { opType: 'Mul', input: ['x', 'w'], output: ['y'], name: 'mul', docString: 'node doc', attribute: [flt('alpha', 0.5), ints('perm', [0, 2, 1, 3]), int('big', 2 ** 40), int('neg', -3), str('s', 'text')] },
        { opType: 'If', input: ['cond'], output: ['z'], name: 'if', attribute: [graphAttr('then_branch', branch(1)), graphAttr('else_branch', branch(2))] },
        { opType: 'Relu', input: ['y'], output: ['r'], name: 'relu', domain: '' },
      ],
      output: [valueInfo('r', FLOAT, 4), valueInfo('z', FLOAT, [])],
      valueInfo: [valueInfo('y', FLOAT, 4)],
      quantizationAnnotation: [{ tensorName: 'y', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 's' }] }],
      sparseInitializer: [{ values: floatInit('sp', Float32Array.of(7), [1]), dims: [4] }],
    },
  };
  const bytes = onnx.ModelProto.encode(model).finish();
  const view = readModel(bytes);
  assert.deepEqual([...view.opset], [['', 13], ['com.microsoft', 1]]);
  const mul = view.graph.node[0];
  assert.deepEqual(mul.attribute.map((a) => [a.name, a.i, a.s && new TextDecoder().decode(a.s)]), [['alpha', undefined, undefined], ['perm', undefined, undefined], ['big', 2 ** 40, undefined], ['neg', -3, undefined], ['s', undefined, 'text']]);
  assert.deepEqual(view.graph.node[1].attribute.map((a) => a.g?.node.map((n) => n.opType)), [['Constant'], ['Constant']], 'subgraphs are read');
  view.graph.node = view.graph.node.filter((n) => n.opType !== 'Relu');
  view.graph.output = [valueView('y', FLOAT, ['N', 'C', 'h', 7])];
  view.graph.initializer = view.graph.initializer.filter((t) => t.name !== 'unused');
  const expected = onnx.ModelProto.decode(bytes);
  expected.graph!.node!.pop();
  expected.graph!.output = [onnx.ValueInfoProto.create({ name: 'y', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimParam: 'C' }, { dimParam: 'h' }, { dimValue: 7 }] } } } })];
  expected.graph!.initializer!.pop();
  assert.deepEqual(decode(writeModel(view)), decode(onnx.ModelProto.encode(expected).finish()));
});


test('a value info written by the view decodes as onnx-proto writes it', () => {
  const dims = ['N', 300, 'h', 2 ** 33, -1];
  const v = valueView('out', FLOAT, dims);
  const ref: O.IValueInfoProto = { name: 'out', type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
  const object = (b: Uint8Array) => onnx.ValueInfoProto.toObject(onnx.ValueInfoProto.decode(new Uint8Array(b)), { longs: String });
  assert.deepEqual(object(v.bytes), object(onnx.ValueInfoProto.encode(ref).finish()));
  const model = onnx.ModelProto.encode({ graph: { input: [ref] } }).finish();
  assert.deepEqual(readModel(model).graph.input[0].dims, dims, 'and the view reads such dimensions back');
});

test('bytes that are not an ONNX model are refused', () => {
  assert.throws(() => readModel(new TextEncoder().encode('{"not": "onnx"}')));
  assert.throws(() => readModel(new Uint8Array(0)), /no graph/);
  const bytes = onnx.ModelProto.encode({ irVersion: 8, graph: { name: 'g', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] } }).finish();
  assert.throws(() => readModel(bytes.subarray(0, bytes.length - 3)), 'a truncated model');
});
