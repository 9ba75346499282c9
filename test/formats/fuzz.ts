// Mutation fuzzing of the readers that take users' files: images (sharp), masks (fast-png),
// safetensors, PyTorch checkpoints (zip and legacy pickle), model cards and ONNX files (ONNX
// Runtime, and the graph cut of inference/onnx_tail.ts). Each mutant must either read or fail
// with a UserError (the CLI's one-line message); any other exception is a finding. Used by test/formats/fuzz.test.ts (a bounded run) and bench/fuzz.ts.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { encode } from 'fast-png';
import { decodeImageBuffer } from '../../src/data/image_io.ts';
import { readMask } from '../../src/data/mask_io.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/formats/safetensors.ts';
import { readForeignCheckpoint } from '../../src/formats/pytorch.ts';
import { readCard } from '../../src/models/package.ts';
import { OnnxNetwork } from '../../src/inference/onnx_runtime.ts';
import { linearResizeTail } from '../../src/inference/onnx_tail.ts';
import { readTflite } from '../../src/formats/tflite.ts';
import { tinySegmenter } from './tflite_files.ts';
import { readTfjsLayersModel } from '../../src/io/tfjs_layers.ts';
import { tfliteToOnnx } from '../../src/io/tflite_onnx.ts';
import { adaptInput, adaptOutput, readForeignOnnx } from '../../src/io/onnx_foreign.ts';

/** MediaPipe's selfie model (a dev dependency, Apache-2.0): a real TensorFlow Lite file with a custom op. */
export const SELFIE = path.resolve('node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite');
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/random.ts';
import { writeLegacy, writeZip } from '../io/torch_fixture.ts';

export interface Target { name: string; seed: Uint8Array; read: (bytes: Uint8Array) => Promise<unknown> | unknown }
export interface Finding { target: string; iteration: number; error: string }

/** One random mutation: bit flips, byte overwrites, a cut, an inserted or duplicated run, or a zeroed run. */
export function mutate(src: Uint8Array, rng: Rng): Uint8Array {
  const b = Uint8Array.from(src);
  const at = () => Math.floor(rng.next() * Math.max(1, b.length));
  switch (Math.floor(rng.next() * 6)) {
    case 0: { for (let k = 1 + Math.floor(rng.next() * 8); k > 0; k--) { const i = at(); b[i] ^= 1 << Math.floor(rng.next() * 8); } return b; }
    case 1: { for (let k = 1 + Math.floor(rng.next() * 8); k > 0; k--) b[at()] = [0, 255, 127, 128, Math.floor(rng.next() * 256)][Math.floor(rng.next() * 5)]; return b; }
    case 2: return b.subarray(0, at());
    case 3: { const i = at(), n = 1 + Math.floor(rng.next() * 64); const ins = Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256)); return Buffer.concat([b.subarray(0, i), ins, b.subarray(i)]); }
    case 4: { const i = at(), n = Math.min(b.length - i, 1 + Math.floor(rng.next() * 256)); return Buffer.concat([b.subarray(0, i + n), b.subarray(i, i + n), b.subarray(i + n)]); }
    default: { const i = at(); b.fill(0, i, i + 1 + Math.floor(rng.next() * 64)); return b; }
  }
}

/** The readers and a valid file for each; file-based readers get each mutant through a temp file. */
export async function targets(dir: string): Promise<Target[]> {
  const tmp = (name: string, bytes: Uint8Array) => { const f = path.join(dir, name); fs.writeFileSync(f, bytes); return f; };
  const rgb = Uint8Array.from({ length: 24 * 16 * 3 }, (_, i) => (i * 37) & 255);
  const img = sharp(rgb, { raw: { width: 24, height: 16, channels: 3 } });
  const mask = encode({ width: 24, height: 16, data: Uint8Array.from({ length: 24 * 16 }, (_, i) => i % 5), channels: 1, depth: 8 });
  const t = [{ name: 'w', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, { name: 'b', shape: [3], data: [0.5, 0.25, 2] }];
  const legacy = tmp('seed-legacy.pth', new Uint8Array(0)), zip = tmp('seed-zip.pth', new Uint8Array(0));
  writeLegacy(legacy, t); writeZip(zip, t);
  const card = fs.readFileSync(path.resolve('models/voc/model.json'));
  const onnx = fs.readFileSync(path.resolve('models/voc/model.onnx'));
  return [
    { name: 'PNG image', seed: await img.png().toBuffer(), read: (b) => decodeImageBuffer(b, 'fuzz.png') },
    { name: 'JPEG image', seed: await img.jpeg().toBuffer(), read: (b) => decodeImageBuffer(b, 'fuzz.jpg') },
    { name: 'WebP image', seed: await img.webp().toBuffer(), read: (b) => decodeImageBuffer(b, 'fuzz.webp') },
    { name: 'TIFF image', seed: await img.tiff().toBuffer(), read: (b) => decodeImageBuffer(b, 'fuzz.tif') },
    { name: 'PNG mask', seed: mask, read: (b) => readMask(tmp('fuzz-mask.png', b)) },
    { name: 'safetensors', seed: encodeSafetensors(t.map((x) => ({ name: x.name, shape: x.shape, data: Float32Array.from(x.data) })), { format: 'pt' }), read: (b) => decodeSafetensors(b, 'fuzz.safetensors') },
    { name: 'PyTorch zip checkpoint', seed: fs.readFileSync(zip), read: (b) => readForeignCheckpoint(tmp('fuzz.pth', b)) },
    { name: 'PyTorch legacy checkpoint', seed: fs.readFileSync(legacy), read: (b) => readForeignCheckpoint(tmp('fuzz-legacy.pth', b)) },
    { name: 'model card (model.json)', seed: card, read: (b) => { fs.mkdirSync(path.join(dir, 'card'), { recursive: true }); tmp('card/model.json', b); return readCard(path.join(dir, 'card')); } },
    { name: 'ONNX model', seed: onnx, read: async (b) => { const s = await OnnxNetwork.create(tmp('fuzz.onnx', b), 21, 1); await s.dispose(); } },
    // The cut the ONNX runtimes try first (the wire-level view): a graph it cannot read is null, never an exception.
    { name: 'ONNX graph cut before its Resize', seed: onnx, read: (b) => { linearResizeTail(b); } },
    // `import --from X.onnx`'s reading and adapting, given what a trial run at 256x256 would show
    // (MediaPipe's selfie graph as pixelwise converted it: every dimension named).
    { name: 'ONNX graph import', seed: fs.readFileSync(path.resolve('models/person/model.onnx')), read: (b) => {
      const { model, input, opset } = readForeignOnnx(b, 'fuzz.onnx');
      adaptInput(model, input, []);
      adaptOutput(model, input, opset, { type: 'float32', dims: [1, 2, 64, 64] }, [256, 256], 'fuzz.onnx', []);
    } },
    { name: 'TensorFlow Lite model', seed: fs.readFileSync(SELFIE), read: (b) => readTflite(b, 'fuzz.tflite') },
    // A model with TF Lite Support metadata and its label file packed after it (a zip).
    { name: 'TensorFlow Lite model with metadata', seed: tinySegmenter([2, 2], [[0, 0, 0], [1, 0, 0]], [0, 0], { name: 'fuzz', license: 'MIT', mean: [127.5], std: [127.5], labels: { file: 'labels.txt', text: 'background\nperson\n' } }), read: (b) => readTflite(b, 'fuzz.tflite') },
    // A TF.js layers model.json (its manifest read against the shard beside it: quantised and float weights).
    { name: 'TF.js layers model.json', seed: new TextEncoder().encode(JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { layers: [] }, keras_version: 'tfjs-layers 4.22.0' },
      weightsManifest: [{ paths: ['fuzz-weights.bin'], weights: [{ name: 'c/kernel', shape: [2, 2], dtype: 'float32' }, { name: 'c/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } }, { name: 'd/gamma', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } }] }] })),
    read: (b) => { tmp('fuzz-weights.bin', new Uint8Array(22)); return readTfjsLayersModel(tmp('fuzz-model.json', b)); } },
    { name: 'TensorFlow Lite graph to ONNX', seed: fs.readFileSync(SELFIE), read: (b) => tfliteToOnnx(readTflite(b, 'fuzz.tflite'), 'fuzz.tflite') },
  ];
}

/**
 * A read (or refusal) that takes longer than this is a finding: the slowest reader (ONNX Runtime
 * loading a model) takes under a second, and a loaded machine several times that at most.
 */
export const SLOW_MS = 10_000;

/** Runs `iterations` mutants per target; returns what was not a clean outcome (an exception other than UserError, or a slow read). */
export async function fuzz(ts: Target[], iterations: number | ((t: Target) => number), seed = 1): Promise<{ runs: number; findings: Finding[] }> {
  const findings: Finding[] = [];
  let runs = 0;
  for (const t of ts) {
    const rng = new Rng(seed);
    const n = typeof iterations === 'number' ? iterations : iterations(t);
    for (let i = 0; i < n; i++) {
      const mutant = mutate(t.seed, rng);
      runs++;
      const t0 = performance.now();
      try { await t.read(mutant); } catch (e) {
        if (!(e instanceof UserError)) findings.push({ target: t.name, iteration: i, error: `${(e as Error)?.constructor?.name}: ${(e as Error)?.message ?? e}`.slice(0, 300) });
      }
      // A damaged file that takes seconds to refuse is one step from a hang (a loop over sides its data lacks).
      const ms = performance.now() - t0;
      if (ms > SLOW_MS) findings.push({ target: t.name, iteration: i, error: `slow: ${Math.round(ms)} ms (over ${SLOW_MS} ms)` });
    }
  }
  return { runs, findings };
}
