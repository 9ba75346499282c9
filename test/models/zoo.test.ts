// Every architecture of the registry through the shared model test (generated: each decoder, each
// encoder, each network); encoder parameter
// counts against their references (Keras Applications without top; torchvision without fc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../src/engine/backend.ts';
import { ENCODERS, getArch, architectureNames } from '../../src/models/registry.ts';
import { setBuildOptions } from '../../src/models/blocks.ts';
import { registryArchitectures, testArchitecture } from './model_tester.ts';
import { UserError } from '../../src/util/errors.ts';

for (const { arch, options } of registryArchitectures()) testArchitecture(arch, options);
// Beyond the generated set: a dilated encoder at output stride 8; the ESPNetv2 encoder under another decoder.
testArchitecture('resnet18_deeplabv3plus', { outputStride: 8 });
testArchitecture('espnetv2_pspnet', { widthMult: 0.5 });
// MobileNetV2 in TF DeepLab's layout (SAME strided convolutions, block 2's depthwise skip), as the DeepLab imports and the start build it.
testArchitecture('mobilenetv2_deeplabv3plus', { layout: 'tf' });
testArchitecture('mobilenetv2_deeplabv3', { layout: 'tf', outputStride: 8 });

test('encoders match their references: parameter counts, feature strides and channels', async () => {
  await initEngine('wasm');
  const expect: Record<string, { total?: number; trainable?: number; features: string }> = {
    vgg16: { total: 14_714_688, features: '1:64 2:64 4:128 8:256 16:512 32:512' }, // Keras VGG16(include_top=False)
    resnet50: { total: 23_587_712, features: '2:64 4:256 8:512 16:1024 32:2048' }, // Keras ResNet50
    mobilenetv2: { total: 2_257_984, trainable: 2_223_872, features: '2:16 4:24 8:32 16:96 32:1280' }, // Keras MobileNetV2(alpha=1); torchvision features
    resnet18: { trainable: 11_176_512, features: '2:64 4:64 8:128 16:256 32:512' }, // torchvision resnet18 without fc
    resnet34: { trainable: 21_284_672, features: '2:64 4:64 8:128 16:256 32:512' },
  };
  for (const [name, e] of Object.entries(expect)) {
    setBuildOptions({});
    const input = tfl.input({ shape: [null, null, 3] });
    const f = ENCODERS[name].build(input, { numClasses: 2 });
    const m = tfl.model({ inputs: input, outputs: f[f.length - 1].x });
    const trainable = m.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
    if (e.total) assert.equal(m.countParams(), e.total, `${name} parameters`);
    if (e.trainable) assert.equal(trainable, e.trainable, `${name} trainable parameters`);
    assert.equal(f.map((x) => `${x.stride}:${x.channels}`).join(' '), e.features, name);
    m.dispose();
  }
});

test('output stride 8 and 16 dilate instead of striding; names resolve; bad names and options are refused', async () => {
  await initEngine('wasm');
  for (const [enc, os, deepest] of [['resnet50', 8, '8:2048'], ['mobilenetv2', 16, '16:1280'], ['vgg16', 16, '16:512'], ['resnet18', 16, '16:512']] as const) {
    setBuildOptions({});
    const input = tfl.input({ shape: [64, 64, 3] });
    const f = ENCODERS[enc].build(input, { numClasses: 2, outputStride: os });
    const last = f[f.length - 1];
    assert.equal(`${last.stride}:${last.channels}`, deepest, `${enc} at output stride ${os}`);
    assert.deepEqual(last.x.shape.slice(1, 3), [64 / os, 64 / os], `${enc} at output stride ${os}: feature size`);
    tfl.model({ inputs: input, outputs: last.x }).dispose();
  }
  assert.equal(getArch('resnet50_pspnet').defaults.outputStride, 8);
  assert.equal(getArch('vgg_unet').name, 'vgg16_unet'); // image-segmentation-keras alias
  assert.equal(getArch('fcn_8_vgg').name, 'vgg16_fcn8');
  assert.deepEqual(getArch('fcn8').defaults, { width: 16, outputStride: 32 });
  assert.ok(architectureNames().includes('mobilenetv2_deeplabv3plus'));
  assert.throws(() => getArch('resnet51_unet'), /unknown architecture/);
  const { archOptionsFrom } = await import('../../src/models/options.ts');
  const { cliMessage } = await import('../../src/cli/flags.ts');
  const { SegModel } = await import('../../src/models/seg_model.ts');
  const refused = (f: () => unknown, argument: string, message: string, flags: string) => assert.throws(f, (e: Error) => {
    assert.ok(e instanceof UserError, String(e));
    assert.deepEqual([e.argument, e.message, cliMessage(e)], [argument, message, flags]);
    return true;
  });
  refused(() => archOptionsFrom({ depth: 3 }, 'resnet50_pspnet', getArch('resnet50_pspnet')), 'depth', 'depth 3: not an option of resnet50_pspnet (it takes options.outputStride)', '--depth 3: not an option of resnet50_pspnet (it takes --output-stride)');
  refused(() => archOptionsFrom({ outputStride: 4 }, 'resnet50_pspnet', getArch('resnet50_pspnet')), 'outputStride', 'outputStride 4: use one of 8, 16, 32', '--output-stride 4: use one of 8, 16, 32');
  // The library's model spec is checked the same way: an option the architecture does not take was
  // silently ignored (a U-Net built as if widthMult were not there), a bad value reached TF.js.
  refused(() => new SegModel({ arch: 'unet', numClasses: 3, widthMult: 2 }), 'widthMult', 'widthMult 2: not an option of unet (it takes options.width, options.depth)', '--width-mult 2: not an option of unet (it takes --width, --depth)');
  refused(() => new SegModel({ arch: 'unet', numClasses: 3, width: -4 }), 'width', 'width -4: expected a whole number above 0', '--width -4: expected a whole number above 0');
  refused(() => new SegModel({ arch: 'unet', numClasses: 0 }), 'numClasses', 'numClasses 0: expected a whole number of classes, 1 or more', '--classes 0: expected a whole number of classes, 1 or more');
  refused(() => new SegModel({ arch: 'unet', numClasses: 257 }), 'numClasses', 'numClasses 257: at most 256 (label maps and masks hold one byte a pixel)', '--classes 257: at most 256 (label maps and masks hold one byte a pixel)');
  assert.deepEqual(archOptionsFrom({ width: 8, depth: 3 }, 'unet', getArch('unet')), { width: 8, depth: 3 });
});

test('espnetv2 --proj-width: fine-tuning the shipped 20-class model to 12 classes keeps all but the last decoder level', async () => {
  await initEngine('wasm');
  const { readSafetensors } = await import('../../src/formats/safetensors.ts');
  const { SegModel } = await import('../../src/models/seg_model.ts');
  const src = readSafetensors(new URL('../../models/cityscapes-fast/weights.safetensors', import.meta.url).pathname).tensors;
  const fresh = (projWidth?: number) => {
    const m = new SegModel({ arch: 'espnetv2', numClasses: 12, projWidth });
    const kept = m.loadNamedWeights(src, 'cityscapes', { strict: false, keepMismatched: true });
    m.dispose();
    return kept;
  };
  const byDefault = fresh(), same = fresh(10);
  assert.ok(byDefault.some((k) => k.startsWith('bu_dec_l1.')), 'default width differs from the shipped model in every pyramid level');
  assert.ok(same.length > 0 && same.length < byDefault.length, `${same.length} vs ${byDefault.length}`);
  assert.deepEqual(same.filter((k) => !k.startsWith('bu_dec_l4.')), [], 'with the source width only the last level (class count) differs');
});
