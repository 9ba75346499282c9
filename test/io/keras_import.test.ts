// `pixelwise import --from model.h5`: Keras 2 models saved whole in HDF5 (test/fixtures/keras, made by
// bench/keras_export.py with h5py as Keras's hdf5_format.py lays them out), converted to ONNX in
// TypeScript and imported, against the same networks computed in PyTorch from the same weights
// (TF's padding rules written out there): a Functional model with a nested Functional encoder of two
// outputs and a nested Sequential block (a 'same' Conv2DTranspose of stride 2 and kernel 3), and a
// Sequential model ending as image-segmentation-keras's do (Reshape, softmax), with its preset; and
// the same models as Keras 3 archives (bench/keras3_from_h5.py).
// Every pixel must agree but near-ties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readCard } from '../../src/models/package.ts';
import { tempDir } from '../helpers.ts';
import { agreesWithReference, cli, type ReferenceCase } from './reference_maps.ts';
import { importRefused, kerasVariant, type KerasConfig } from './keras_files.ts';

const FIX = path.resolve(import.meta.dirname, '../fixtures/keras');
const reference = JSON.parse(fs.readFileSync(path.join(FIX, 'reference.json'), 'utf8')) as { cases: ReferenceCase[] };
const cases = (model: string) => reference.cases.filter((c) => c.model === model);


test('a Keras Functional model with nested models (TensorFlow\'s segmentation tutorial\'s shape): converted, imported, the reference\'s label maps', async () => {
  const out = path.join(tempDir(), 'tutorial');
  const r = cli('import', '--from', path.join(FIX, 'unet_tutorial.h5'), '--mean', '0,0,0', '--std', '1,1,1', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\(Keras 2\.12\.0 -> ONNX, \d+ nodes, 4 classes, input 128x96 \(width x height\)\)\n$/);
  const card = readCard(out);
  assert.deepEqual(card.input.rule, { kind: 'fixed', size: [96, 128], filter: 'pillow' });
  assert.deepEqual(card.output, { kind: 'logits', resizeBack: 'labels' });
  assert.match(card.notes!, /^A Keras 2\.12\.0 model, converted to ONNX by pixelwise \(its nested models encoder, sequential inlined; the softmax of logits_conv cut at its end \(the logits before kept\)\)\./);
  assert.equal(card.provenance!.file, 'unet_tutorial.h5');
  await agreesWithReference(out, cases('unet_tutorial'));
});

test('a Keras Sequential model ending in Reshape and softmax at half size, with the image-segmentation-keras preset: its predict\'s label maps', async () => {
  const out = path.join(tempDir(), 'isk');
  const r = cli('import', '--from', path.join(FIX, 'isk_sequential.h5'), '--preset', 'image-segmentation-keras', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 classes, input 96x64 \(width x height\), scores at 1\/2 of it\)\n$/);
  assert.deepEqual(readCard(out).output, { kind: 'logits', resizeBack: 'labels', scale: 2, nearest: 'opencv' });
  assert.match(readCard(out).notes!, /reshape \(Reshape\) and activation \(Activation softmax\) cut at its end/);
  await agreesWithReference(out, cases('isk_sequential'));
});

test('a Keras model as keras.io\'s DeepLabV3+ writes one (tf.nn.relu on tensors, a dilated convolution, image pooling and logits upsampled bilinearly): the reference\'s label maps', async () => {
  const out = path.join(tempDir(), 'deeplab');
  const r = cli('import', '--from', path.join(FIX, 'deeplab_style.h5'), '--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\(Keras 2\.12\.0 -> ONNX, \d+ nodes, 4 classes, input 64x64 \(width x height\)\)\n$/);
  await agreesWithReference(out, cases('deeplab_style'));
});

test('the same three models as Keras 3 archives (.keras: nested models by their weights\' paths, a Sequential model, keras.ops.relu on tensors): the same reference label maps', async () => {
  for (const [model, flags] of [['unet_tutorial', ['--mean', '0,0,0', '--std', '1,1,1']], ['isk_sequential', ['--preset', 'image-segmentation-keras']],
    ['deeplab_style', ['--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5']]] as const) {
    const out = path.join(tempDir(), model);
    const r = cli('import', '--from', path.join(FIX, `${model}.keras`), ...flags, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\(Keras 3\.6\.0 -> ONNX, /);
    await agreesWithReference(out, cases(model));
  }
});

const variant = (name: string, change: (config: KerasConfig) => void, attrs: Record<string, string | null> = {}) => kerasVariant(path.join(FIX, 'unet_tutorial.h5'), name, change, attrs);

test('Keras files it cannot read are refused in one line naming the file and what to do', async () => {
  const refused = (file: string, message: RegExp) => importRefused(file, ['--mean', '0,0,0', '--std', '1,1,1'], message);
  refused(await variant('weights.h5', () => {}, { model_config: null }), /^pixelwise: \S+weights\.h5: holds weights only \(no model_config: Keras's save_weights\); save the whole model \(model\.save\('model\.h5'\)\) and import that, or give the file to train --encoder-weights\n$/);
  refused(await variant('keras3.h5', () => {}, { keras_version: '3.3.3' }), /keras3\.h5: an HDF5 file written by Keras 3\.3\.3; save the model as a \.keras archive \(model\.save\('model\.keras'\)\) and import that\n$/);
  refused(await variant('lambda.h5', (c) => { const d = c.config.layers.find((l) => l.name === 'dropout')!; d.class_name = 'Lambda'; d.config = { name: 'dropout', function: ['4wEAAAAAAAAA', null, null], function_type: 'lambda' }; }),
    /lambda\.h5: layer dropout is a Lambda, which pixelwise cannot convert \(Python code\); convert the model to ONNX \(tf2onnx\) and import that\n$/);
  refused(await variant('renamed.h5', (c) => { const l = c.config.layers.find((x) => x.name === 'logits_conv')!; l.name = 'head'; (l.config as Record<string, unknown>).name = 'head'; (c.config as unknown as { output_layers: unknown }).output_layers = [['head', 0, 0]]; }),
    /renamed\.h5: no weight head\/kernel in model_weights; is the file complete\?\n$/);
  // A layer the exporter cannot write (inside the nested encoder), and a channels_first layer.
  const encoderLayer = (c: KerasConfig, name: string) => ((c.config.layers.find((l) => l.name === 'encoder')!.config as { layers: { name: string; config: Record<string, unknown> }[] }).layers.find((l) => l.name === name)!.config);
  refused(await variant('gelu.h5', (c) => { encoderLayer(c, 'enc_conv1').activation = 'gelu'; }), /gelu\.h5: activation gelu in enc_conv1 is not supported; convert the model to ONNX \(tf2onnx\) and import that\n$/);
  refused(await variant('tfop.h5', (c) => {
    c.config.layers.splice(4, 0, { class_name: 'TFOpLambda', config: { name: 'tf.math.maximum', function: 'math.maximum' }, name: 'tf.math.maximum', inbound_nodes: [['dropout', 0, 0, { y: ['concatenate', 0, 0], name: null }]] });
    c.config.layers.find((l) => l.name === 'logits_conv')!.inbound_nodes = [[['tf.math.maximum', 0, 0, {}]]];
  }), /tfop\.h5: layer tf\.math\.maximum calls tf\.math\.maximum with y, which pixelwise cannot convert \(it converts activations, arithmetic with a number, sums and products, tf\.image\.resize to a fixed size\)/);
  // A difference of two tensors (Keras's x - y): not converted.
  refused(await variant('subtract.h5', (c) => {
    c.config.layers.splice(4, 0, { class_name: 'TFOpLambda', config: { name: 'tf.math.subtract', function: 'math.subtract' }, name: 'tf.math.subtract', inbound_nodes: [['dropout', 0, 0, { y: ['concatenate', 0, 0], name: null }]] });
    c.config.layers.find((l) => l.name === 'logits_conv')!.inbound_nodes = [[['tf.math.subtract', 0, 0, {}]]];
  }), /subtract\.h5: layer tf\.math\.subtract calls tf\.math\.subtract with y, which pixelwise cannot convert/);
  // A layer called twice (shared weights), a second input, a name used in the nested model and outside it.
  refused(await variant('shared.h5', (c) => { c.config.layers.find((l) => l.name === 'dropout')!.inbound_nodes = [[['concatenate', 0, 0, {}]], [['concatenate', 0, 0, {}]]]; }),
    /shared\.h5: layer dropout is called 2 times \(shared weights\); pixelwise reads models whose layers are called once\n$/);
  refused(await variant('inputs.h5', (c) => {
    c.config.layers.splice(1, 0, { class_name: 'InputLayer', config: { batch_input_shape: [null, 96, 128, 3], dtype: 'float32', name: 'input_9' }, name: 'input_9', inbound_nodes: [] });
    (c.config as unknown as { input_layers: unknown[] }).input_layers.push(['input_9', 0, 0]);
  }), /inputs\.h5: the model takes 2 inputs; pixelwise imports models of one image input\n$/);
  refused(await variant('names.h5', (c) => { const l = c.config.layers.find((x) => x.name === 'dropout')!; l.name = 'enc_conv1'; (l.config as Record<string, unknown>).name = 'enc_conv1'; c.config.layers.find((x) => x.name === 'logits_conv')!.inbound_nodes = [[['enc_conv1', 0, 0, {}]]]; }),
    /names\.h5: the layer name enc_conv1 is used twice \(in encoder and the model\); pixelwise needs unique layer names\n$/);
  refused(await variant('dangling.h5', (c) => { c.config.layers.find((x) => x.name === 'dropout')!.inbound_nodes = [[['nowhere', 0, 0, {}]]]; }),
    /dangling\.h5: its model_config reads layer nowhere, which it does not define; the file is damaged \(save the model again\)\n$/);
  refused(await variant('first.h5', (c) => { encoderLayer(c, 'enc_conv2').data_format = 'channels_first'; }), /first\.h5: layer enc_conv2 is channels_first; pixelwise reads channels_last Keras models/);
  // One mean and std for a network of three bands.
  const one = cli('import', '--from', path.join(FIX, 'unet_tutorial.h5'), '--mean', '0', '--std', '1', '--out', path.join(tempDir(), 'one'));
  assert.equal(one.status, 2);
  assert.equal(one.stderr, 'pixelwise: --mean/--std: 1 and 1 values for a graph of 3 bands; give one per band\n');
  const junk = path.join(tempDir(), 'junk.h5');
  fs.writeFileSync(junk, 'not hdf5');
  refused(junk, /junk\.h5: not an HDF5 file\n$/);
  // HDF5's signature, the rest cut: HDF5's own error stack is not printed.
  const cut = path.join(tempDir(), 'cut.h5');
  fs.writeFileSync(cut, fs.readFileSync(path.join(FIX, 'unet_tutorial.h5')).subarray(0, 3000));
  refused(cut, /cut\.h5: not a readable HDF5 file \(damaged or cut short\)\n$/);
});
