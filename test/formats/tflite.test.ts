// TensorFlow Lite files read by TensorFlow's own schema (src/formats/tflite.ts): a model written
// here with the flatbuffers package's Builder reads back field for field; the staged models' operator
// lists are those SOURCE.md gives (../shared/data/tflite, skipped when absent); MediaPipe's selfie
// models (a dev dependency) with their custom op; one-line errors for truncated and foreign files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Builder } from 'flatbuffers';
import { readTflite, operatorCounts } from '../../src/formats/tflite.ts';
import { UserError } from '../../src/util/errors.ts';
import { SCHEMA_FILE, tfliteSchemaModule } from '../../scripts/tflite_schema.ts';
import { SELFIE } from './fuzz.ts';

const TFLITE = '../shared/data/tflite';
const noData = !fs.existsSync(TFLITE) && `${TFLITE} not found (the staged TFLite models)`;

/** A one-operator model built by the schema's slots: x [1, 2, 2, 1] and the INT8 constant w (4 bytes) of shape `wShape`. */
function built(wShape: number[] = [4]): Uint8Array {
  const b = new Builder(256);
  const str = (s: string) => b.createString(s);
  const ints = (a: number[]) => { b.startVector(4, a.length, 4); for (const v of [...a].reverse()) b.addInt32(v); return b.endVector(); };
  const vec = (a: number[]) => { b.startVector(4, a.length, 4); for (const v of [...a].reverse()) b.addOffset(v); return b.endVector(); };
  const bytes = (a: number[]) => { b.startVector(1, a.length, 16); for (const v of [...a].reverse()) b.addInt8(v); return b.endVector(); };
  // Buffer { data (slot 0) }; Tensor { shape 0, type 1 (TensorType: 9 = INT8), buffer 2, name 3, quantization 4 }; QuantizationParameters { scale 2, zero_point 3 }.
  const data = bytes([1, 2, 3, 4]);
  b.startObject(1); b.addFieldOffset(0, data, 0); const buf1 = b.endObject();
  b.startObject(1); const buf0 = b.endObject();
  const scale = (() => { b.startVector(4, 1, 4); b.addFloat32(0.5); return b.endVector(); })();
  const zp = (() => { b.startVector(8, 1, 8); b.addInt64(BigInt(3)); return b.endVector(); })();
  b.startObject(4); b.addFieldOffset(2, scale, 0); b.addFieldOffset(3, zp, 0); const q = b.endObject();
  const t0name = str('x'), t1name = str('w'), t0shape = ints([1, 2, 2, 1]), t1shape = ints(wShape);
  b.startObject(5); b.addFieldOffset(0, t0shape, 0); b.addFieldOffset(3, t0name, 0); const t0 = b.endObject();
  b.startObject(5); b.addFieldOffset(0, t1shape, 0); b.addFieldInt8(1, 9, 0); b.addFieldInt32(2, 1, 0); b.addFieldOffset(3, t1name, 0); b.addFieldOffset(4, q, 0); const t1 = b.endObject();
  // Conv2DOptions { padding 0, stride_w 1, stride_h 2 }; Operator { opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4 }.
  b.startObject(7); b.addFieldInt8(0, 1, 0); b.addFieldInt32(1, 2, 0); b.addFieldInt32(2, 2, 0); const convOpts = b.endObject();
  const inputs = ints([0, 1]), outputs = ints([0]);
  b.startObject(5); b.addFieldInt32(0, 0, 0); b.addFieldOffset(1, inputs, 0); b.addFieldOffset(2, outputs, 0); b.addFieldInt8(3, 1, 0); b.addFieldOffset(4, convOpts, 0); const op = b.endObject();
  // SubGraph { tensors 0, inputs 1, outputs 2, operators 3 }; OperatorCode { deprecated_builtin_code 0 } (an old converter's file: 3 = CONV_2D).
  const tensors = vec([t0, t1]), ops = vec([op]), gi = ints([0]), go = ints([0]);
  b.startObject(4); b.addFieldOffset(0, tensors, 0); b.addFieldOffset(1, gi, 0); b.addFieldOffset(2, go, 0); b.addFieldOffset(3, ops, 0); const sg = b.endObject();
  b.startObject(4); b.addFieldInt8(0, 3, 0); const code = b.endObject();
  const codes = vec([code]), sgs = vec([sg]), bufs = vec([buf0, buf1]), desc = str('built here');
  // Model { version 0, operator_codes 1, subgraphs 2, description 3, buffers 4 }.
  b.startObject(5); b.addFieldInt32(0, 3, 0); b.addFieldOffset(1, codes, 0); b.addFieldOffset(2, sgs, 0); b.addFieldOffset(3, desc, 0); b.addFieldOffset(4, bufs, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array();
}

test('tflite: a model built with flatbuffers\' Builder by the schema\'s slots reads back', () => {
  const g = readTflite(built(), 'built.tflite');
  assert.equal(g.description, 'built here');
  assert.deepEqual([g.inputs, g.outputs], [[0], [0]]);
  assert.deepEqual(g.tensors.map((t) => [t.name, t.type, t.shape, t.data && [...t.data]]), [['x', 'FLOAT32', [1, 2, 2, 1], null], ['w', 'INT8', [4], [1, 2, 3, 4]]]);
  assert.deepEqual(g.tensors[1].quantization, { scale: [0.5], zeroPoint: [3], quantizedDimension: 0 });
  assert.deepEqual([g.operators[0].op, g.operators[0].optionsType, g.operators[0].inputs], ['CONV_2D', 'Conv2DOptions', [0, 1]]);
  assert.deepEqual(g.operators[0].options, { padding: 1, stride_w: 2, stride_h: 2, fused_activation_function: 0, dilation_w_factor: 1, dilation_h_factor: 1, quantized_bias_type: 0 });
});

test('tflite: the generated schema module is what TensorFlow\'s schema.fbs gives', { skip: !fs.existsSync(SCHEMA_FILE) && `${SCHEMA_FILE} not found` }, () => {
  assert.equal(fs.readFileSync('src/formats/tflite_schema.ts', 'utf8'), tfliteSchemaModule(fs.readFileSync(SCHEMA_FILE, 'utf8')), 'regenerate with npx tsx scripts/tflite_schema.ts');
});

// SOURCE.md §3: each staged graph's operators, counted by Google's tools.
const STAGED: Record<string, { ops: Record<string, number>; input: [string, string, number[]]; output: [string, string, number[]] }> = {
  'coral/deeplabv3_mnv2_pascal_quant.tflite': { ops: { CONV_2D: 38, DEPTHWISE_CONV_2D: 17, ADD: 10, RESIZE_BILINEAR: 3, AVERAGE_POOL_2D: 1, QUANTIZE: 1, CONCATENATION: 1, ARG_MAX: 1 }, input: ['MobilenetV2/MobilenetV2/input', 'UINT8', [1, 513, 513, 3]], output: ['ArgMax', 'INT64', [1, 513, 513]] },
  'coral/deeplabv3_mnv2_dm05_pascal_quant.tflite': { ops: { CONV_2D: 38, DEPTHWISE_CONV_2D: 17, ADD: 10, RESIZE_BILINEAR: 3, AVERAGE_POOL_2D: 1, QUANTIZE: 1, CONCATENATION: 1, ARG_MAX: 1 }, input: ['MobilenetV2/MobilenetV2/input', 'UINT8', [1, 513, 513, 3]], output: ['ArgMax', 'INT64', [1, 513, 513]] },
  'coral/deeplab_mobilenet_edgetpu_slim_cityscapes_quant.tflite': { ops: { CONV_2D: 49, ADD: 15, DEPTHWISE_CONV_2D: 13, RESIZE_BILINEAR: 2, AVERAGE_POOL_2D: 1, TILE: 1, QUANTIZE: 1, CONCATENATION: 1, ARG_MAX: 1 }, input: ['MobilenetEdgeTPU/MobilenetEdgeTPU/input', 'UINT8', [1, 513, 513, 3]], output: ['ArgMax', 'INT64', [1, 513, 513]] },
  'ade20k/lite-model_deeplabv3-mobilenetv2-ade20k_1_default_1.tflite': { ops: { CONV_2D: 41, DEPTHWISE_CONV_2D: 19, DEQUANTIZE: 17, ADD: 20, SPACE_TO_BATCH_ND: 10, BATCH_TO_SPACE_ND: 10, MUL: 10, RESIZE_BILINEAR: 5, CONCATENATION: 2, AVERAGE_POOL_2D: 1 }, input: ['sub_7', 'FLOAT32', [1, 513, 513, 3]], output: ['ResizeBilinear_2', 'FLOAT32', [1, 513, 513, 151]] },
};

test('tflite: the staged DeepLab graphs have the operators, inputs and outputs SOURCE.md lists', { skip: noData }, () => {
  for (const [file, want] of Object.entries(STAGED)) {
    const g = readTflite(fs.readFileSync(`${TFLITE}/${file}`), file);
    assert.deepEqual(operatorCounts(g), want.ops, file);
    const io = (i: number) => [g.tensors[i].name, g.tensors[i].type, g.tensors[i].shape];
    assert.deepEqual([io(g.inputs[0]), io(g.outputs[0])], [want.input, want.output], file);
    // Every DeepLab resize aligns corners (trap 2); Coral's input is (q - 128) / 128 (trap 4).
    for (const o of g.operators.filter((x) => x.op === 'RESIZE_BILINEAR')) assert.deepEqual([o.options!.align_corners, o.options!.half_pixel_centers], [true, false], file);
    if (file.startsWith('coral/')) assert.deepEqual(g.tensors[g.inputs[0]].quantization, { scale: [0.0078125], zeroPoint: [128], quantizedDimension: 0 });
  }
});

test('tflite: MediaPipe\'s selfie model: float16 weights through DEQUANTIZE, half-pixel resizes, the custom transposed convolution with C-struct options', () => {
  const g = readTflite(fs.readFileSync(SELFIE), 'selfie_segmentation.tflite');
  assert.deepEqual(operatorCounts(g), { DEQUANTIZE: 110, CONV_2D: 43, RELU: 22, ADD: 14, HARD_SWISH: 11, DEPTHWISE_CONV_2D: 11, LOGISTIC: 11, AVERAGE_POOL_2D: 10, MUL: 10, RESIZE_BILINEAR: 3, 'CUSTOM Convolution2DTransposeBias': 1 });
  assert.equal(g.operators.filter((o) => o.op === 'DEQUANTIZE').every((o) => g.tensors[o.inputs[0]].type === 'FLOAT16'), true);
  for (const o of g.operators.filter((x) => x.op === 'RESIZE_BILINEAR')) assert.deepEqual([o.options!.align_corners, o.options!.half_pixel_centers], [false, true]);
  const custom = g.operators.find((o) => o.op === 'CUSTOM')!;
  assert.deepEqual([...custom.customOptions!], [1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0], 'TfLiteTransposeConvParams { padding SAME, stride_w 2, stride_h 2 }');
  assert.deepEqual(custom.inputs.map((i) => g.tensors[i].shape), [[1, 128, 128, 16], [1, 2, 2, 16], [1]]);
  assert.deepEqual(g.tensors[g.inputs[0]].shape, [1, 256, 256, 3]);
});

test('tflite: a tensor whose shape cannot be, or whose data is not the size its shape says, is a damaged file (a fuzzed shape [.., 0, 2^30] once sent the converter into billions of loop turns)', () => {
  for (const [shape, message] of [
    [[4, 0, 2 ** 30], /tensor 1 \(w\) holds 4 bytes where its shape \[4, 0, 1073741824\] of INT8 needs 0; the file is damaged/],
    [[3], /holds 4 bytes where its shape \[3\] of INT8 needs 3/],
    [[-4], /tensor 1 \(w\) has the shape \[-4\]; the file is damaged/],
    [[1, 1, 1, 1, 1, 1, 1, 1, 4], /has the shape \[1, 1, 1, 1, 1, 1, 1, 1, \.\.\.\]; the file is damaged/],
  ] as const) {
    assert.throws(() => readTflite(built([...shape]), 'bad.tflite'), (e: unknown) => e instanceof UserError && message.test(e.message) && e.message.startsWith('bad.tflite: '), JSON.stringify(shape));
  }
  assert.deepEqual(readTflite(built([2, 2]), 'ok.tflite').tensors[1].shape, [2, 2]);
});

test('tflite: a truncated file, a text file and an empty file are one-line errors naming the file', () => {
  const bytes = fs.readFileSync(SELFIE);
  const refused = (b: Uint8Array, file: string, why: RegExp) => assert.throws(() => readTflite(b, file), (e: Error) => e instanceof UserError && why.test(e.message) && e.message.startsWith(`${file}: `) && !e.message.includes('\n'));
  refused(bytes.subarray(0, bytes.length >> 1), 'half.tflite', /truncated or damaged TensorFlow Lite file/);
  refused(bytes.subarray(0, 100), 'start.tflite', /truncated or damaged TensorFlow Lite file/);
  refused(new TextEncoder().encode('this is not a model, just text in a file named .tflite\n'), 'notes.tflite', /not a TensorFlow Lite model \(no "TFL3"/);
  refused(new Uint8Array(0), 'empty.tflite', /truncated or damaged/);
});
