// A bounded fuzzing run of every reader of users' files (test/formats/fuzz.ts): each mutant of a valid
// image, mask, safetensors file, PyTorch checkpoint, model card or ONNX file reads or fails with a
// UserError (one clear line in the CLI), never another exception. `npm run bench:fuzz` runs longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz, targets } from './fuzz.ts';
import { tempDir } from '../helpers.ts';

test('fuzzing the file readers: every mutant reads or fails cleanly', async (t) => {
  const ts = await targets(tempDir('pw-fuzz-'));
  // ONNX Runtime takes ~0.4 s per model load here; the pure-JS and libvips readers take ~1 ms.
  const r = await fuzz(ts, (x) => (x.name === 'ONNX model' ? 15 : 300), 20261201);
  t.diagnostic(`${r.runs} mutants over ${ts.length} readers`);
  assert.deepEqual(r.findings, []);
});
