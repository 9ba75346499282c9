// The label map of resized class scores computed from the low-resolution scores: against ONNX
// Runtime's own Resize (linear) and ArgMax, which it must equal pixel for pixel, ties included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ortNode from 'onnxruntime-node';
import { linearResizeArgmax, LINEAR_RESIZE_MODES, type LinearResizeMode } from '../../src/inference/linear_resize_argmax.ts';
import { FLOAT, int, int64Init, onnx, str, UINT8, valueInfo } from '../../src/formats/onnx_proto.ts';
import { Rng } from '../../src/util/random.ts';

/** X [n, C, h, w] -> Resize (linear, `mode`, to outH x outW by sizes) -> ArgMax over C, as uint8. */
function resizeArgmaxGraph(mode: LinearResizeMode, outH: number, outW: number, n: number, C: number): Uint8Array {
  const graph = {
    name: 'resize-argmax',
    input: [valueInfo('x', FLOAT, 4)],
    initializer: [int64Init('sizes', [n, C, outH, outW])],
    node: [
      { opType: 'Resize', input: ['x', '', '', 'sizes'], output: ['y'], attribute: [str('mode', 'linear'), str('coordinate_transformation_mode', mode)] },
      { opType: 'ArgMax', input: ['y'], output: ['l64'], attribute: [int('axis', 1), int('keepdims', 0)] },
      { opType: 'Cast', input: ['l64'], output: ['labels'], attribute: [int('to', UINT8)] },
    ],
    output: [valueInfo('labels', UINT8, 3)],
  };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph }).finish();
}

async function ortLabels(mode: LinearResizeMode, x: Float32Array, dims: number[], outH: number, outW: number): Promise<Uint8Array> {
  const s = await ortNode.InferenceSession.create(resizeArgmaxGraph(mode, outH, outW, dims[0], dims[1]));
  try {
    return (await s.run({ x: new ortNode.Tensor('float32', x, dims) })).labels.data as Uint8Array;
  } finally { await s.release(); }
}

function ours(mode: LinearResizeMode, x: Float32Array, [n, C, h, w]: number[], outH: number, outW: number): Uint8Array {
  const out = new Uint8Array(n * outH * outW);
  for (let i = 0; i < n; i++) out.set(linearResizeArgmax(x, i, C, h, w, outH, outW, mode), i * outH * outW);
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  let count = 0, first = -1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) { count++; if (first < 0) first = i; }
  return count ? `${count} pixels differ (first at ${first}: ${a[first]} vs ${b[first]})` : 'equal';
}

// Sizes: upsampling by a whole factor (a network's 1/16 scores to its input), by an odd factor,
// downsampling, one side unchanged, a single output row.
const SIZES: [number, number, number, number][] = [[6, 8, 96, 128], [7, 5, 23, 17], [20, 13, 9, 6], [9, 11, 9, 31], [4, 6, 1, 10]];

for (const mode of LINEAR_RESIZE_MODES) {
  test(`linear Resize (${mode}) + ArgMax: the same label map as ONNX Runtime's, for random and for tied scores`, async () => {
    const rng = new Rng(7);
    for (const [h, w, outH, outW] of SIZES) {
      for (const C of [1, 3, 12, 40]) {
        const dims = [2, C, h, w], len = 2 * C * h * w;
        // Random scores; scores on a coarse grid (exact ties at sources and in the interpolation);
        // large scores (the margins scale with them).
        const sets = [
          Float32Array.from({ length: len }, () => rng.uniform(-8, 8)),
          Float32Array.from({ length: len }, () => rng.int(5) * 0.25),
          Float32Array.from({ length: len }, () => 1e4 + rng.int(3) * 0.5 + rng.uniform(0, 1e-3)),
        ];
        for (const x of sets) {
          const want = await ortLabels(mode, x, dims, outH, outW);
          assert.equal(firstDifference(ours(mode, x, dims, outH, outW), want), 'equal', `${mode} C=${C} ${h}x${w} -> ${outH}x${outW}`);
        }
      }
    }
  });
}

test('a NaN score never wins', () => {
  // Two classes over a 2x2 source; class 1 is NaN at one corner: wherever it counts, class 0 wins.
  const x = Float32Array.from([0, 0, 0, 0, NaN, 1, 1, 1]);
  const labels = linearResizeArgmax(x, 0, 2, 2, 2, 4, 4, 'half_pixel');
  assert.equal(labels[0], 0);
  assert.equal(labels[15], 1);
});
