// `pixelwise import --from model.json`: a TensorFlow.js layers model as tfjs-layers saves one
// (model.json with its Keras topology and weightsManifest, the weights in a .bin beside it),
// converted and imported; its label maps against the same model's own predict() in tfjs-layers.
// Quantised manifests (tensorflowjs_converter's uint8, uint16 and float16) read to the values
// their formula gives; graph models, missing shards and other JSON refused in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../src/engine/backend.ts';
import { readTfjsLayersModel } from '../../src/io/tfjs_layers.ts';
import { openSegmenter } from '../../src/inference/open.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { cli } from './reference_maps.ts';

/** Saves `model` as tfjs-layers' file handler lays a model out: model.json and weights.bin. */
async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (a) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers', convertedBy: null, modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

test('import --from model.json: a TF.js layers model (conv, pool, transposed conv, softmax) gives the label maps of its own predict()', async () => {
  await initEngine('wasm');
  const input = tfl.input({ shape: [16, 20, 3] });
  let x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2dTranspose({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), biasInitializer: tfl.initializers.randomNormal({ seed: 3 }) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }), biasInitializer: tfl.initializers.randomNormal({ seed: 5 }) }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: x });
  const d = tempDir(), dir = path.join(d, 'tfjs-model');
  await saveLayersModel(model, dir);
  // A photo-like input at the model's own size: the pixel p reaches the network as p / 255.
  const [h, w] = [16, 20], data = new Uint8Array(h * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + (i >> 4) * 11) % 256;
  const want = tf.tidy(() => tf.argMax(model.predict(tf.tensor4d(Float32Array.from(data, (v) => v / 255), [1, h, w, 3])) as tf.Tensor, -1).dataSync());
  model.dispose();
  assert.ok(new Set(want).size >= 3, 'the label map holds several classes');
  for (const from of [path.join(dir, 'model.json'), dir]) {
    const out = path.join(d, `pkg-${from === dir ? 'folder' : 'file'}`);
    const r = cli('import', '--from', from, '--mean', '0,0,0', '--std', '1,1,1', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /TF\.js layers model \(tfjs-layers [\d.]+\) -> ONNX, \d+ nodes, 4 classes, input 20x16/);
    const seg = await openSegmenter(out);
    const [labels] = await seg.predictBatch([{ data, width: w, height: h }]);
    assert.deepEqual([...labels], [...want]);
    await seg.dispose();
  }
});

test('a TF.js manifest\'s quantised weights read to q * scale + min (uint8, uint16) and to their half-float values (float16); refusals name the file and the fix', () => {
  const d = tempDir();
  const u8 = Uint8Array.of(0, 1, 255, 128), u16 = new Uint16Array([0, 65535, 300]), f16 = new Uint16Array([0x3c00, 0xc000, 0x3555]); // 1, -2, 0.333...
  const f32 = Float32Array.of(0.5, -1.25);
  const bin = Buffer.concat([Buffer.from(f32.buffer), Buffer.from(u8), Buffer.from(u16.buffer), Buffer.from(f16.buffer)]);
  // Two shards: the group's buffer cut between them.
  fs.writeFileSync(path.join(d, 'group1-shard1of2.bin'), bin.subarray(0, 10));
  fs.writeFileSync(path.join(d, 'group1-shard2of2.bin'), bin.subarray(10));
  const topology = { keras_version: '2.15.0', backend: 'tensorflow', model_config: { class_name: 'Functional', config: { layers: [] } } };
  const manifest = [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [
    { name: 'a/kernel', shape: [2], dtype: 'float32' },
    { name: 'b/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
    { name: 'c/bias', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.001, min: 2 } },
    { name: 'd/gamma', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
  ] }];
  const file = path.join(d, 'model.json');
  fs.writeFileSync(file, JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: manifest }));
  const m = readTfjsLayersModel(file);
  assert.equal(m.kerasVersion, '2.15.0');
  assert.deepEqual(m.config, topology.model_config);
  const values = (k: string) => Array.from(m.weights.get(k)!.data).map((v) => Math.round(v * 1e4) / 1e4);
  assert.deepEqual(values('a/kernel'), [0.5, -1.25]);
  assert.deepEqual(values('b/kernel'), [-1, -0.5, 126.5, 63]);
  assert.deepEqual(values('c/bias'), [2, 67.535, 2.3]);
  assert.deepEqual(values('d/gamma'), [1, -2, 0.3333]);
  assert.deepEqual(m.weights.get('b/kernel')!.shape, [2, 2]);
  const refused = (json: object, message: RegExp, shards: Record<string, Buffer> = {}) => {
    const dd = tempDir(), f = path.join(dd, 'model.json');
    fs.writeFileSync(f, JSON.stringify(json));
    for (const [n, b] of Object.entries(shards)) fs.writeFileSync(path.join(dd, n), b);
    assert.throws(() => readTfjsLayersModel(f), (e: Error) => e instanceof UserError && message.test(e.message), message.source);
  };
  refused({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }, /a TF\.js graph model \(a TensorFlow graph, converted from a SavedModel\); pixelwise reads TF\.js layers models \(Keras\): convert the source model to ONNX \(tf2onnx\) or TensorFlow Lite and import that$/);
  refused({ modelTopology: topology, weightsManifest: manifest }, /its weight shard group1-shard1of2\.bin is not beside it \(\S+\); copy the model's \.bin files with its model\.json$/);
  refused({ modelTopology: topology, weightsManifest: manifest }, /its weight shards end at byte 10, inside weight b\/kernel; a shard is missing or cut short$/, { 'group1-shard1of2.bin': bin.subarray(0, 10), 'group1-shard2of2.bin': Buffer.alloc(0) });
  // Through the command line: a JSON file of another kind, a pixelwise card among them.
  const card = cli('import', '--from', 'models/voc/model.json', '--out', path.join(d, 'x'));
  assert.notEqual(card.status, 0);
  assert.match(card.stderr, /^pixelwise: --from models\/voc\/model\.json: a JSON file that is not a TF\.js model \(no modelTopology and weightsManifest\)/);
  assert.equal(card.stderr.trim().split('\n').length, 1);
});
