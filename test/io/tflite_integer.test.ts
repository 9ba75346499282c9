// The integer run of 8-bit TFLite graphs on hand-made graphs, against values computed here by
// hand from the kernels' definitions: a convolution's float32 requantisation rounding half to
// even, the fixed-point addition, a bilinear resize rounding half up, the first maximum on ties.
// (Agreement with Google's runtime on the Coral models is in tflite_import.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TfliteGraph, TfliteOperator, TfliteTensor } from '../../src/formats/tflite.ts';
import { runIntegerTflite } from '../../src/io/tflite_integer.ts';

const u8 = (index: number, shape: number[], scale: number, zp: number, data: number[] | null = null): TfliteTensor =>
  ({ index, name: `t${index}`, shape, type: 'UINT8', data: data && Uint8Array.from(data), quantization: { scale: [scale], zeroPoint: [zp], quantizedDimension: 0 } });
const i32 = (index: number, data: number[]): TfliteTensor =>
  ({ index, name: `t${index}`, shape: [data.length], type: 'INT32', data: new Uint8Array(Int32Array.from(data).buffer), quantization: null });
const op = (index: number, name: string, inputs: number[], outputs: number[], options: Record<string, unknown> = {}): TfliteOperator =>
  ({ index, op: name, inputs, outputs, options: options as TfliteOperator['options'], optionsType: null, customOptions: null });

test('integer run: 1x1 convolution requantised in float32 with ties to even, fused ReLU6 bounds', () => {
  // Input scale 0.5 (zp 10), weight 0.25 (zp 3), output 0.25 (zp 5): multiplier 0.5 * 0.25 / 0.25 = 0.5;
  // acc = (x - 10)(w - 3) + bias, y = round_half_even(0.5 acc) + 5.
  const graph: TfliteGraph = {
    description: '', inputs: [0], outputs: [3],
    tensors: [u8(0, [1, 1, 4, 1], 0.5, 10), u8(1, [1, 1, 1, 1], 0.25, 3, [4]), i32(2, [1]), u8(3, [1, 1, 4, 1], 0.25, 5)],
    operators: [op(0, 'CONV_2D', [0, 1, 2], [3], { padding: 1, stride_h: 1, stride_w: 1, fused_activation_function: 3 })],
  };
  // x - 10 = 0, 1, 2, 13: acc = 1, 2, 3, 14; times 0.5 = 0.5, 1, 1.5, 7 -> 0, 1, 2, 7 (ties to even); + 5 = 5, 6, 7, 12,
  // ReLU6 on the output grid: [5, min(255, 5 + round(6 / 0.25))] = [5, 29].
  const r = runIntegerTflite(graph, Uint8Array.from([10, 11, 12, 23]));
  assert.deepEqual([...r.output], [5, 6, 7, 12]);
});

test('integer run: addition in fixed point (multipliers of 2^(20 - exponent), rounding half up), resize rounding half up, argmax first maximum', () => {
  const graph: TfliteGraph = {
    description: '', inputs: [0], outputs: [5],
    tensors: [u8(0, [1, 1, 2, 2], 0.5, 0), u8(1, [1, 1, 2, 2], 0.25, 0, [1, 3, 2, 2]), u8(2, [1, 1, 2, 2], 1, 0), u8(3, [1, 1, 3, 2], 1, 0), i32(4, [3]), { ...u8(5, [1, 1, 3], 1, 0), type: 'INT32', quantization: null }],
    operators: [op(0, 'ADD', [0, 1], [2]), op(1, 'RESIZE_BILINEAR', [2], [3], { align_corners: true }), op(2, 'ARG_MAX', [3, 4], [5])],
  };
  // a/out = 0.5, b/out = 0.25: shift 21, multipliers 2^20 and 2^19; out = floor(0.5 a + 0.25 b + 0.5).
  // x = [1, 2 | 3, 0]: a 0.5 + 0.25 = 0.75 -> 1; 1 + 0.75 = 1.75 -> 2; 1.5 + 0.5 = 2 -> 2; 0 + 0.5 = 0.5 -> 1.
  // Resize 2 -> 3 along width (align corners): the middle pixel is the mean: [1, 2], [1.5, 1.5] -> [2, 2], [2, 1].
  // Argmax of [1, 2] = 1; of [2, 2] = 0 (the first); of [2, 1] = 0.
  const r = runIntegerTflite(graph, Uint8Array.from([1, 2, 3, 0]));
  assert.deepEqual([...r.values.get(2)!], [1, 2, 2, 1]);
  assert.deepEqual([...r.values.get(3)!], [1, 2, 2, 2, 2, 1]);
  assert.deepEqual([...r.output], [1, 0, 0]);
});

test('integer run: a float graph, a wrong input size and an unknown operator are one-line refusals', () => {
  const base: TfliteGraph = { description: '', inputs: [0], outputs: [1], tensors: [u8(0, [1, 1, 1, 1], 1, 0), u8(1, [1, 1, 1, 1], 1, 0)], operators: [op(0, 'FLOOR', [0], [1])] };
  assert.throws(() => runIntegerTflite(base, new Uint8Array(1), 'm.tflite'), /^UserError: m\.tflite: operator 0 \(FLOOR\) is not supported by the integer run$/);
  assert.throws(() => runIntegerTflite(base, new Uint8Array(3), 'm.tflite'), /m\.tflite: input of 3 bytes for a \[1, 1, 1, 1\] tensor/);
  const float = { ...base, tensors: [{ ...base.tensors[0], type: 'FLOAT32' }, base.tensors[1]] };
  assert.throws(() => runIntegerTflite(float, new Uint8Array(1), 'm.tflite'), /the integer run takes uint8 graphs \(this input is FLOAT32\)/);
});
