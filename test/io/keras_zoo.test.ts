// Keras models in the shapes users have (test/fixtures/keras_zoo, made by bench/keras_zoo_export.py):
// keras.io's U-Net for the Oxford pets, segmentation_models' Unet on classification_models' ResNet
// and its PSPNet on the efficientnet package's EfficientNet, keras.applications' EfficientNet as an
// encoder and its MobileNetV3 under an LR-ASPP head (smaller widths, the same layers), saved
// whole in HDF5, imported with the preset of their preprocessing, against the same networks computed
// in PyTorch by an interpreter of the layer list that writes TensorFlow's rules out. Every pixel
// must agree but near-ties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readCard } from '../../src/models/package.ts';
import { tempDir } from '../helpers.ts';
import { agreesWithReference, cli, type ReferenceCase } from './reference_maps.ts';
import { importRefused, keras3Variant, kerasVariant, type KerasConfig } from './keras_files.ts';

const FIX = path.resolve(import.meta.dirname, '../fixtures/keras_zoo');
const reference = JSON.parse(fs.readFileSync(path.join(FIX, 'reference.json'), 'utf8')) as { cases: ReferenceCase[] };
const cases = (model: string) => reference.cases.filter((c) => c.model === model);

function imported(model: string, ...flags: string[]): string {
  const file = /\.keras$/.test(model) ? model : `${model}.h5`;
  const out = path.join(tempDir(), model);
  const r = cli('import', '--from', path.join(FIX, file), ...flags, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

test('keras.io\'s U-Net for the Oxford pets (SeparableConv2D, \'same\' max pooling of stride 2, strided 1x1 residuals, Conv2DTranspose): the reference\'s label maps', async () => {
  const out = imported('oxford_pets', '--mean', '0,0,0', '--std', '1,1,1');
  assert.deepEqual(readCard(out).input.rule, { kind: 'fixed', size: [64, 64], filter: 'pillow' });
  await agreesWithReference(out, cases('oxford_pets'));
});

test('segmentation_models\' Unet on a ResNet (a BatchNormalization without scale, a one-class sigmoid), with --preset keras-raw: the reference\'s label maps', async () => {
  const out = imported('sm_unet_resnet', '--preset', 'keras-raw');
  const card = readCard(out);
  assert.deepEqual(card.input.normalization, { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] });
  assert.deepEqual(card.classes.map((c) => c.name), ['background', 'foreground']);
  assert.match(card.notes!, /pixel values 0\.\.255 unchanged/);
  await agreesWithReference(out, cases('sm_unet_resnet'));
});

test('a Keras model of any input size (segmentation_models\' default (None, None, 3)): imported with the multiple its sizes must be, found by trying sizes, and nothing else printed', async () => {
  const file = await kerasVariant(path.join(FIX, 'sm_unet_resnet.h5'), 'any_size.h5', (c) => { (c.config.layers[0].config as Record<string, unknown>).batch_input_shape = [null, null, null, 3]; });
  const out = path.join(tempDir(), 'any'), r = cli('import', '--from', file, '--preset', 'keras-raw', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  // ONNX Runtime's own log of the sizes the graph refuses stays out of the output.
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /any input size \(padded to multiples of 32\)/);
  assert.deepEqual(readCard(out).input.rule, { kind: 'native' });
  assert.equal(readCard(out).input.stride, 32);
});

test('segmentation_models\' PSPNet on an EfficientNet (squeeze-and-excitation in two forms, FixedDropout, \'same\' average pooling), with --preset keras-torch: the reference\'s label maps', async () => {
  const out = imported('sm_psp_efficientnet', '--preset', 'keras-torch');
  assert.deepEqual(readCard(out).input.normalization, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  await agreesWithReference(out, cases('sm_psp_efficientnet'));
});

test('keras.applications\' EfficientNet as an encoder (its Rescaling and adapted Normalization inside the model, ZeroPadding2D before strided depthwise convolutions), its pixel scale read off its first layer: the reference\'s label maps', async () => {
  // No --preset: the model rescales its input itself.
  const out = imported('keras_apps_efficientnet');
  assert.deepEqual(readCard(out).input.normalization, { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] });
  assert.match(readCard(out).notes!, /Its first layer, rescaling \(a Rescaling\), takes pixel values 0\.\.255: they are given as they are\./);
  await agreesWithReference(out, cases('keras_apps_efficientnet'));
  // A model that does not rescale its input itself needs to be told.
  importRefused(path.join(FIX, 'oxford_pets.h5'), [], /oxford_pets\.h5: a Keras model does not say how its pixels were scaled; give the preprocessing its backbone was trained with, --preset keras-caffe\|keras-tf\|keras-torch\|keras-raw \(pixelwise models lists them\), or --mean and --std \(pixel\/255 units\)\n$/);
});

test('keras.applications\' MobileNetV3 blocks under an LR-ASPP head (hard swish as TFOpLambda arithmetic, names with \'/\', tf.image.resize, a sum of two tensors by \'+\', a nearest Resizing layer), with --preset keras-raw: the reference\'s label maps', async () => {
  const out = imported('keras_apps_mobilenetv3_lraspp', '--preset', 'keras-raw');
  await agreesWithReference(out, cases('keras_apps_mobilenetv3_lraspp'));
});

test('keras.applications\' RegNet X block (a grouped Conv2D of stride 2) and a grouped Conv2D with dilation, with --preset keras-torch: the reference\'s label maps', async () => {
  const out = imported('regnet_grouped', '--preset', 'keras-torch');
  await agreesWithReference(out, cases('regnet_grouped'));
});

test('Keras 3 archives (.keras) of five of these models (the same weights), and one of Keras 3\'s hard activations: the reference label maps', async () => {
  // Nodes as {args, kwargs}, keras.ops for the arithmetic (x + 3, x * (1 / 6), a + b), weights by
  // position under layers/<class>_k/vars, a Normalization's mean, variance and integer count, swish
  // written as silu; hard_silu and hard_sigmoid Activation layers (relu6(x + 3) / 6).
  for (const [model, flags] of [['oxford_pets', ['--mean', '0,0,0', '--std', '1,1,1']], ['sm_unet_resnet', ['--preset', 'keras-raw']],
    ['keras_apps_efficientnet', ['--preset', 'keras-raw']], ['keras_apps_mobilenetv3_lraspp', ['--preset', 'keras-raw']], ['keras3_hard_activations', ['--preset', 'keras-raw']],
    ['regnet_grouped', ['--preset', 'keras-torch']]] as const) {
    const out = imported(`${model}.keras`, ...flags);
    assert.match(readCard(out).notes!, /^A Keras 3\.6\.0 model, converted to ONNX by pixelwise/);
    await agreesWithReference(out, cases(model));
  }
  // keras.ops.add with the number first (3 + x): the same sum.
  const swapped = keras3Variant(path.join(FIX, 'keras_apps_mobilenetv3_lraspp.keras'), 'swapped.keras', (c) => {
    const node = (c.config.layers.find((l) => l.name === 'tf.__operators__.add')!.inbound_nodes as { args: unknown[] }[])[0];
    node.args.reverse();
  });
  const swappedOut = path.join(tempDir(), 'swapped'), rs = cli('import', '--from', swapped, '--preset', 'keras-raw', '--out', swappedOut);
  assert.equal(rs.status, 0, rs.stderr);
  await agreesWithReference(swappedOut, cases('keras_apps_mobilenetv3_lraspp'));
  // Mixed precision (a dtype policy of mixed_float16 on every layer; the variables stay float32): computed in float32.
  const mixed = keras3Variant(path.join(FIX, 'oxford_pets.keras'), 'mixed.keras', (c) => {
    for (const l of c.config.layers) if (l.class_name !== 'InputLayer') (l.config as Record<string, unknown>).dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' }, registered_name: null };
  });
  const out = path.join(tempDir(), 'mixed'), r = cli('import', '--from', mixed, '--mean', '0,0,0', '--std', '1,1,1', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  await agreesWithReference(out, cases('oxford_pets'));
});

test('Keras 3 archives pixelwise cannot read are refused in one line naming the file and what to do', () => {
  const source = path.join(FIX, 'keras_apps_mobilenetv3_lraspp.keras');
  const variant = (name: string, change: (c: KerasConfig) => void, drop: string[] = []) => keras3Variant(source, name, change, drop);
  const layer = (c: KerasConfig, name: string) => c.config.layers.find((l) => l.name === name)!;
  const refused = (file: string, message: RegExp) => importRefused(file, ['--preset', 'keras-raw'], message);
  refused(variant('npz.keras', () => {}, ['model.weights.h5']), /npz\.keras: no model\.weights\.h5 in the archive/);
  refused(variant('noconfig.keras', () => {}, ['config.json']), /noconfig\.keras: no config\.json in the archive; not a Keras 3 model file/);
  refused(variant('subclassed.keras', (c) => { (c as unknown as { class_name: string }).class_name = 'MySegmenter'; }), /subclassed\.keras: its config\.json holds a MySegmenter, not a Keras Functional or Sequential model \(a subclassed model has no config of layers; build it with the Functional API\)\n$/);
  // An operation pixelwise does not read (keras.ops.maximum), and a difference of two tensors.
  refused(variant('maximum.keras', (c) => { const l = layer(c, 'tf.__operators__.add'); l.class_name = 'Maximum'; }), /maximum\.keras: layer tf\.__operators__\.add is keras\.ops\.maximum on a tensor and 3, which pixelwise cannot convert/);
  refused(variant('subtract.keras', (c) => { const l = layer(c, 'tf.__operators__.add_5'); l.class_name = 'Subtract'; }), /subtract\.keras: layer tf\.__operators__\.add_5 is keras\.ops\.subtract on a tensor and a tensor, which pixelwise cannot convert/);
  refused(variant('inline.keras', (c) => { (layer(c, 'lraspp_gate').config as Record<string, unknown>).activation = 'hard_sigmoid'; }),
    /inline\.keras: layer lraspp_gate applies Keras 3's hard_sigmoid inside a Conv2D, which pixelwise cannot convert \(it converts an Activation layer of it\)/);
  refused(variant('pad.keras', (c) => { (layer(c, 'resizing').config as Record<string, unknown>).pad_to_aspect_ratio = true; }),
    /pad\.keras: layer resizing is a Resizing that pads to the aspect ratio, which pixelwise cannot convert/);
  const junk = path.join(tempDir(), 'junk.keras');
  fs.writeFileSync(junk, 'PK');
  refused(junk, /junk\.keras: a damaged zip/);
  fs.writeFileSync(junk, 'not a zip');
  refused(junk, /junk\.keras: not a Keras 3 archive \(a \.keras file is a zip\)\n$/);
});

test('Keras layers whose function pixelwise would compute otherwise are refused in one line', async () => {
  const psp = (name: string, change: (c: KerasConfig) => void) => kerasVariant(path.join(FIX, 'sm_psp_efficientnet.h5'), name, change);
  const layer = (c: KerasConfig, name: string) => c.config.layers.find((l) => l.name === name)!;
  const refused = (file: string, message: RegExp) => importRefused(file, ['--preset', 'keras-torch'], message);
  refused(await psp('maxkeep.h5', (c) => { layer(c, 'block3a_se_squeeze').class_name = 'GlobalMaxPooling2D'; }),
    /maxkeep\.h5: layer block3a_se_squeeze is a GlobalMaxPooling2D that keeps its dims, which pixelwise cannot convert; convert the model to ONNX \(tf2onnx\) and import that\n$/);
  refused(await psp('leaky.h5', (c) => { const l = layer(c, 'aggregation_relu'); l.class_name = 'ReLU'; l.config = { name: 'aggregation_relu', max_value: null, negative_slope: 0.1, threshold: 0 }; }),
    /leaky\.h5: layer aggregation_relu is a ReLU with a negative slope or threshold, which pixelwise cannot convert/);
  refused(await psp('antialias.h5', (c) => {
    const i = c.config.layers.findIndex((l) => l.name === 'final_upsampling');
    c.config.layers.splice(i + 1, 0, { class_name: 'TFOpLambda', config: { name: 'tf.image.resize', function: 'image.resize' }, name: 'tf.image.resize', inbound_nodes: [['final_upsampling', 0, 0, { size: [96, 96], antialias: true, name: null }]] });
    layer(c, 'softmax').inbound_nodes = [[['tf.image.resize', 0, 0, {}]]];
  }), /antialias\.h5: layer tf\.image\.resize calls tf\.image\.resize with size=\[96,96\], antialias=true, which pixelwise cannot convert/);
  // A vector multiplied into an image: Keras aligns it with the image's last axes.
  refused(await psp('ranks.h5', (c) => { layer(c, 'block1a_se_excite').inbound_nodes = [[['block1a_activation', 0, 0, {}], ['block1a_se_squeeze', 0, 0, {}]]]; }),
    /ranks\.h5: block1a_se_excite: combines tensors of ranks 4 and 2 \(broadcast across ranks is not supported\); convert the model to ONNX \(tf2onnx\) and import that\n$/);
});
