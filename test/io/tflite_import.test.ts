// `pixelwise import --from X.tflite` against what Google's TFLite runtimes computed on the shared
// photos (../shared/data/tflite/reference_outputs, skipped when absent): the same input bytes
// (Pillow BILINEAR to the graph's size), the same label maps, logits and probabilities within float
// rounding; refusals in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { decode } from 'fast-png';
import * as ortWeb from 'onnxruntime-web';
import { openModel } from '../../src/inference/open.ts';
import { ImageProcessor } from '../../src/inference/processor.ts';
import { readImage } from '../../src/data/image_io.ts';
import { tempDir } from '../helpers.ts';
import { SELFIE } from '../formats/fuzz.ts';

const TFLITE = path.resolve('../shared/data/tflite');
const REF = path.join(TFLITE, 'reference_outputs');
const noRefs = !fs.existsSync(REF) && `${REF} not found (Google's reference outputs)`;
const IMAGES = ['astronaut', 'chelsea', 'coffee', 'dashcam_t4'];
const SOURCES: Record<string, string> = { astronaut: 'assets/photos/astronaut.png', chelsea: 'assets/photos/chelsea.png', coffee: 'assets/photos/coffee.png', dashcam_t4: '../shared/data/edgenets/images/dashcam_t4.png' };
const cli = (...a: string[]) => spawnSync(process.execPath, ['bin/pixelwise.js', ...a], { encoding: 'utf8' });

/** A .npy file's data (v1.0 header, little-endian, C order). */
function npy(file: string): { data: Uint8Array | Float32Array; shape: number[] } {
  const b = fs.readFileSync(file), hl = b.readUInt16LE(8), header = b.subarray(10, 10 + hl).toString('latin1');
  const shape = (/'shape': \(([^)]*)\)/.exec(header)![1]).split(',').filter((s) => s.trim()).map(Number);
  const body = b.subarray(10 + hl);
  const data = /'<f4'/.test(header) ? new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) : new Uint8Array(body);
  return { data, shape };
}

/** Imports `file` with `preset`, then runs each reference input through the package's ONNX network. */
let floatBytes = 0;
async function importAndRun(file: string, preset: string, input: (img: string) => string, extra: string[] = []) {
  const dir = path.join(tempDir(), preset);
  const r = cli('import', '--from', file, '--preset', preset, '--out', dir, ...extra);
  assert.equal(r.status, 0, r.stderr);
  const { network, card } = await openModel(dir, { runtime: 'onnx', threads: 2 });
  const proc = new ImageProcessor(card);
  const [h, w] = (card.input.rule as { size: [number, number] }).size;
  const runs = [];
  for (const img of IMAGES) {
    const u8 = npy(path.join(REF, 'inputs', input(img))).data as Uint8Array;
    // The pipeline's own resize of the photo gives the reference's input bytes.
    if (fs.existsSync(SOURCES[img])) {
      const [net] = await proc.toNetwork([await readImage(SOURCES[img])]);
      assert.ok(Buffer.from(net.data).equals(Buffer.from(u8)), `${img}: Pillow BILINEAR to ${w}x${h} gives the reference's input bytes`);
    }
    const e = proc.encode([{ data: u8, width: w, height: h }]);
    const out = await network.run(e.x, e.dims);
    runs.push({ img, out, x: e.x, dims: e.dims, labels: proc.argmax(out, e)[0], C: card.model.numClasses, h, w, onnxBytes: fs.statSync(path.join(dir, 'model.onnx')).size });
  }
  await network.dispose();
  return Object.assign(runs, { floatBytes, dir });
}

const agreement = (a: Uint8Array, ref: Uint8Array, stride = 1) => { let same = 0; for (let p = 0; p < a.length; p++) if (a[p] === ref[p * stride]) same++; return same / a.length; };
const refLabels = (file: string, px: number) => { const d = decode(fs.readFileSync(file)).data as Uint8Array; return { d, stride: d.length / px }; };

test('tflite import: DeepLabv3+ ADE20K (int8 weights dequantised) gives the dequantised model\'s label maps and logits', { skip: noRefs }, async (t) => {
  const runs = await importAndRun(path.join(TFLITE, 'ade20k/lite-model_deeplabv3-mobilenetv2-ade20k_1_default_1.tflite'), 'deeplabv3-ade20k', (i) => `${i}_513x513_u8.npy`);
  for (const r of runs) {
    const ref = refLabels(path.join(REF, 'deeplabv3_mnv2_ade20k', `${r.img}_argmax_dequant.png`), r.h * r.w);
    const share = agreement(r.labels, ref.d, ref.stride);
    // Logits on the 17x17 grid of every 32nd pixel: reference [17, 17, 151], ours NCHW.
    const grid = npy(path.join(REF, 'deeplabv3_mnv2_ade20k', `${r.img}_logits_grid32_dequant_f32.npy`)).data as Float32Array;
    let diff = 0;
    for (let i = 0; i < 17; i++) for (let j = 0; j < 17; j++) for (let k = 0; k < r.C; k++) diff = Math.max(diff, Math.abs(r.out[(k * r.h + 32 * i) * r.w + 32 * j] - grid[(i * 17 + j) * r.C + k]));
    t.diagnostic(`${r.img}: ${(100 * share).toFixed(3)}% of pixels equal; logits differ by at most ${diff.toExponential(2)}`);
    assert.ok(share >= 0.999, `${r.img}: ${share}`);
    assert.ok(diff <= 1e-3, `${r.img}: ${diff}`);
  }
});

test('tflite import: MediaPipe selfie (general 256x256, landscape 144x256) gives the reference masks and probabilities', { skip: noRefs }, async (t) => {
  for (const [model, folder, preset, size] of [['selfie_segmentation.tflite', 'selfie_segmentation', 'selfie', '256x256'], ['selfie_segmentation_landscape.tflite', 'selfie_segmentation_landscape', 'selfie-landscape', '256x144']] as const) {
    const runs = await importAndRun(path.join(path.dirname(SELFIE), model), preset, (i) => `${i}_${size}_u8.npy`);
    for (const r of runs) {
      const ref = refLabels(path.join(REF, folder, `${r.img}_mask.png`), r.h * r.w);
      const share = agreement(r.labels, ref.d, ref.stride);
      // Probability of person = sigmoid of the second class score (the first is 0).
      const prob = npy(path.join(REF, folder, `${r.img}_prob_f32.npy`)).data as Float32Array;
      let diff = 0;
      for (let p = 0; p < r.h * r.w; p++) diff = Math.max(diff, Math.abs(1 / (1 + Math.exp(-r.out[r.h * r.w + p])) - prob[p]));
      t.diagnostic(`${preset} ${r.img}: ${(100 * share).toFixed(3)}% of mask pixels equal; probabilities differ by at most ${diff.toExponential(2)}`);
      assert.ok(share >= 0.999, `${preset} ${r.img}: ${share}`);
      assert.ok(diff <= 1e-3, `${preset} ${r.img}: ${diff}`);
    }
  }
});

test('tflite integer run: the Coral 8-bit graphs in integer arithmetic give Google\'s 33x33 uint8 logits and label maps exactly', { skip: noRefs }, async (t) => {
  const { readTflite } = await import('../../src/formats/tflite.ts');
  const { runIntegerTflite } = await import('../../src/io/tflite_integer.ts');
  for (const file of ['coral/deeplabv3_mnv2_pascal_quant.tflite', 'coral/deeplabv3_mnv2_dm05_pascal_quant.tflite', 'coral/deeplab_mobilenet_edgetpu_slim_cityscapes_quant.tflite']) {
    const graph = readTflite(fs.readFileSync(path.join(TFLITE, file)), file);
    const logits = graph.tensors.findIndex((x) => x.name.startsWith('logits/semantic/BiasAdd') && x.shape.length === 4);
    const folder = path.join(REF, path.basename(file, '.tflite'));
    // Two of the four reference images per graph (a photo and the road scene): the interpreter is
    // JS integer arithmetic, seconds an image, and the suite's budget is 15 minutes.
    for (const img of ['astronaut', 'dashcam_t4']) {
      const r = runIntegerTflite(graph, npy(path.join(REF, 'inputs', `${img}_513x513_u8.npy`)).data as Uint8Array, file);
      const refLogits = npy(path.join(folder, fs.readdirSync(folder).find((f) => f.startsWith(`${img}_logits_`))!)).data as Uint8Array;
      const ours = r.values.get(logits)!;
      let differ = 0;
      for (let i = 0; i < refLogits.length; i++) if (ours[i] !== refLogits[i]) differ++;
      const ref = refLabels(path.join(folder, `${img}_argmax.png`), 513 * 513);
      const share = agreement(Uint8Array.from(r.output), ref.d, ref.stride);
      t.diagnostic(`${path.basename(file)} ${img}: ${differ} of ${refLogits.length} uint8 logits differ; ${(100 * share).toFixed(4)}% of label pixels equal`);
      assert.equal(differ, 0, `${file} ${img}`);
      assert.equal(share, 1, `${file} ${img}`);
    }
  }
});

test('tflite import: the Coral 8-bit graphs as ONNX, in float with 8-bit activation grids and with --qdq (8-bit weights and input, ONNX Runtime\'s int8 kernels): agreement with the integer run; --qdq the same scores on onnxruntime-node and onnxruntime-web', { skip: noRefs }, async (t) => {
  ortWeb.env.wasm.numThreads = 1;
  for (const [file, preset] of [['coral/deeplabv3_mnv2_pascal_quant.tflite', 'deeplabv3-voc-quant'], ['coral/deeplabv3_mnv2_dm05_pascal_quant.tflite', 'deeplabv3-voc-quant-dm05'],
    ['coral/deeplab_mobilenet_edgetpu_slim_cityscapes_quant.tflite', 'edgetpu-deeplab-slim-cityscapes']] as const) {
    for (const extra of [[], ['--qdq']]) {
      const runs = await importAndRun(path.join(TFLITE, file), preset, (i) => `${i}_513x513_u8.npy`, extra);
      for (const r of runs) {
        const ref = refLabels(path.join(REF, path.basename(file, '.tflite'), `${r.img}_argmax.png`), r.h * r.w);
        const share = agreement(r.labels, ref.d, ref.stride);
        t.diagnostic(`${preset}${extra.length ? ' --qdq' : ''} ${r.img}: ${(100 * share).toFixed(3)}% of pixels equal to the integer run's argmax (${(r.onnxBytes / 1e6).toFixed(2)} MB ONNX)`);
        // In float, activations on their grids: rounding moves labels where the image is unsure.
        // With --qdq the arithmetic is integer from the input on (the uint8 pixels), as Google's.
        assert.ok(share >= (extra.length ? 0.95 : 0.85), `${preset}${extra.length ? ' --qdq' : ''} ${r.img}: ${share}`);
        // 8-bit weights stay 8-bit: a quarter of the float file.
        if (extra.length) assert.ok(r.onnxBytes < 0.35 * floatBytes, `${r.onnxBytes} bytes against ${floatBytes}`);
      }
      if (extra.length) {
        // Integer kernels of two builds (native x86, WebAssembly): the same integers, so the same scores.
        const web = await ortWeb.InferenceSession.create(fs.readFileSync(path.join(runs.dir, 'model.onnx')));
        try {
          for (const r of runs) {
            const b = (await web.run({ [web.inputNames[0]]: new ortWeb.Tensor('float32', r.x, r.dims) }))[web.outputNames[0]].data as Float32Array;
            let differ = 0;
            for (let i = 0; i < b.length; i++) if (b[i] !== r.out[i]) differ++;
            assert.ok(b.length === r.out.length && differ === 0, `${preset} --qdq ${r.img}: ${differ} of ${b.length} scores differ between onnxruntime-node and onnxruntime-web`);
          }
        } finally { await web.release(); }
      }
      floatBytes = runs[0].onnxBytes;
    }
  }
});

test('tflite import --arch edgetpu_deeplab_slim: the Coral Cityscapes graph\'s weights in the zoo network (float, no 8-bit grids) agree with the integer run; TF.js and its ONNX export compute the same; the VOC graph is refused', { skip: noRefs }, async (t) => {
  const file = path.join(TFLITE, 'coral/deeplab_mobilenet_edgetpu_slim_cityscapes_quant.tflite');
  const runs = await importAndRun(file, 'edgetpu-deeplab-slim-cityscapes', (i) => `${i}_513x513_u8.npy`, ['--arch', 'edgetpu_deeplab_slim']);
  for (const r of runs) {
    const ref = refLabels(path.join(REF, 'deeplab_mobilenet_edgetpu_slim_cityscapes_quant', `${r.img}_argmax.png`), r.h * r.w);
    const share = agreement(r.labels, ref.d, ref.stride);
    t.diagnostic(`edgetpu_deeplab_slim ${r.img}: ${(100 * share).toFixed(3)}% of pixels equal to the integer run's argmax (8-bit activation grids there, none here)`);
  }
  // The reference: the importer's own conversion of the graph, operator by operator, in plain float.
  const { readTflite } = await import('../../src/formats/tflite.ts');
  const { tfliteToOnnx } = await import('../../src/io/tflite_onnx.ts');
  const { OnnxNetwork } = await import('../../src/inference/onnx_runtime.ts');
  const graph = tfliteToOnnx(readTflite(fs.readFileSync(file), file), file, { plainFloat: true });
  const ref = await OnnxNetwork.create(graph.onnx, 19, 2);
  const { card } = await openModel(runs.dir, { runtime: 'onnx' });
  const proc = new ImageProcessor(card);
  for (const r of runs) {
    const e = proc.encode([{ data: npy(path.join(REF, 'inputs', `${r.img}_513x513_u8.npy`)).data as Uint8Array, width: 513, height: 513 }]);
    const want = await ref.run(e.x, e.dims);
    let worst = 0; for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - r.out[i]));
    const share = agreement(r.labels, proc.argmax(want, e)[0]);
    t.diagnostic(`edgetpu_deeplab_slim ${r.img}: logits within ${worst.toExponential(2)} of the graph's in plain float; ${(100 * share).toFixed(4)}% of labels equal`);
    assert.ok(worst < 1e-3, `${r.img}: ${worst}`);
  }
  await ref.dispose();
  const dir = runs.dir;
  const [onnx, tfjs] = [await openModel(dir, { runtime: 'onnx' }), await openModel(dir, { runtime: 'tfjs' })];
  const x = new Float32Array(3 * 97 * 129).map((_, i) => Math.sin(i * 0.37));
  const [a, b] = [await onnx.network.run(x, [1, 3, 97, 129]), await tfjs.network.run(x, [1, 3, 97, 129])];
  let worst = 0; for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  assert.ok(worst < 1e-3, `TF.js against ONNX: ${worst}`);
  await onnx.network.dispose(); await tfjs.network.dispose();
  const r = cli('import', '--from', path.join(TFLITE, 'coral/deeplabv3_mnv2_pascal_quant.tflite'), '--preset', 'deeplabv3-voc-quant', '--arch', 'edgetpu_deeplab_slim', '--out', path.join(tempDir(), 'voc'));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /deeplabv3_mnv2_pascal_quant\.tflite: .* where edgetpu_deeplab_slim('s layer \S+ is| has) .*; the graph is another network/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('tflite import: a text file named .tflite, a truncated file and an --arch of another network are one-line refusals', () => {
  const d = tempDir();
  fs.writeFileSync(path.join(d, 'notes.tflite'), 'not a model\n');
  fs.writeFileSync(path.join(d, 'half.tflite'), fs.readFileSync(SELFIE).subarray(0, 100_000));
  for (const [args, why] of [
    [['--from', path.join(d, 'notes.tflite')], /notes\.tflite: not a TensorFlow Lite model/],
    [['--from', path.join(d, 'half.tflite')], /half\.tflite: truncated or damaged TensorFlow Lite file/],
    [['--from', SELFIE, '--preset', 'selfie', '--arch', 'unet'], /selfie_segmentation\.tflite: \d+ convolutions where unet has \d+; the graph is another network/],
    [['--from', SELFIE, '--preset', 'voc'], /--preset voc: not a TensorFlow Lite preset/],
    [['--from', SELFIE], /a float input does not say how pixels were scaled; give --mean and --std/],
    [['--from', SELFIE, '--preset', 'selfie', '--input-size', '16000x16000'], /--input-size 16000x16000: at most 32 megapixels a pass/],
    [['--from', SELFIE, '--preset', 'selfie', '--arch', 'unet', '--input-size', '16000x16000'], /--input-size 16000x16000: at most 32 megapixels a pass/],
    [['--from', SELFIE, '--preset', 'selfie', '--variant', SELFIE], /--variant \S+: has the main graph's own size 256x256/],
  ] as const) {
    const r = cli('import', ...args, '--out', path.join(d, 'out'));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('tflite import: an operator the importer does not know is one line naming it, its index and the file', async () => {
  const { tfliteToOnnx } = await import('../../src/io/tflite_onnx.ts');
  const { UserError } = await import('../../src/util/errors.ts');
  const t = (index: number) => ({ index, name: `t${index}`, shape: [1, 8, 8, 3], type: 'FLOAT32', data: null, quantization: null });
  const graph = { description: '', tensors: [t(0), t(1), t(2)], inputs: [0], outputs: [2],
    operators: [{ index: 0, op: 'RELU', inputs: [0], outputs: [1], options: null, optionsType: null, customOptions: null },
      { index: 1, op: 'FLOOR', inputs: [1], outputs: [2], options: null, optionsType: null, customOptions: null }] };
  assert.throws(() => tfliteToOnnx(graph, 'model.tflite'), (e: Error) => e instanceof UserError && e.message === 'model.tflite: operator 1 (FLOOR) is not supported by the importer');
});

test('import: the shipped ade20k, person, voc and cityscapes packages and the deeplabv3-voc and edgetpu-deeplab-cityscapes starts are what their cards\' import commands make', async (t) => {
  for (const name of ['ade20k', 'person', 'voc', 'cityscapes', 'deeplabv3-voc', 'edgetpu-deeplab-cityscapes']) {
    const card = JSON.parse(fs.readFileSync(`models/${name}/model.json`, 'utf8'));
    const args = (card.provenance.command as string).replace(/^pixelwise import /, '').match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ''));
    const from = args[args.indexOf('--from') + 1];
    if (!fs.existsSync(from)) { t.diagnostic(`${name}: ${from} not found; skipped`); continue; }
    const out = path.join(tempDir(), name);
    args[args.indexOf('--out') + 1] = out;
    const r = cli('import', ...args);
    assert.equal(r.status, 0, r.stderr);
    const files = [card.onnx, card.weights, ...(card.variants ?? []).map((v: { onnx: string }) => v.onnx)].filter(Boolean) as string[];
    for (const f of files) assert.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(`models/${name}/${f}`)), `${name}: ${f} differs from a fresh import`);
    assert.equal(card.provenance.sha256, JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).provenance.sha256);
    assert.ok(files.reduce((n, f) => n + fs.statSync(`models/${name}/${f}`).size, 0) <= 10_000_000, `${name}: over 10 MB`);
  }
});

test('tflite import --input-size: a fully convolutional graph runs at another fixed size (its image pooling, tiles and resizes follow the input)', async () => {
  const { openSegmenter } = await import('../../src/inference/open.ts');
  const d = tempDir(), img = await readImage('assets/photos/astronaut.png');
  const r = cli('import', '--from', SELFIE, '--preset', 'selfie', '--input-size', '384x384', '--out', path.join(d, 'big'));
  assert.equal(r.status, 0, r.stderr);
  const big = await openSegmenter(path.join(d, 'big')), own = await openSegmenter('person');
  assert.deepEqual(big.card.input.rule, { kind: 'fixed', size: [384, 384], filter: 'pillow' });
  const [a] = await big.predictBatch([img]), [b] = await own.predictBatch([img]);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  assert.ok(same / a.length > 0.95, `${(100 * same / a.length).toFixed(2)}% of the person mask as at 256x256`);
  assert.ok(a.some((v, i) => v !== b[i]), 'the larger input changed nothing: was it used?');
  await big.dispose(); await own.dispose();
});

test('tflite import: a model\'s own metadata (TF Lite Support\'s, as TF Hub and MediaPipe models carry it) names the classes from its packed label file and gives the input\'s normalisation and the licence; the label maps are those the normalisation gives', async () => {
  const { tinySegmenter } = await import('../formats/tflite_files.ts');
  const { openSegmenter } = await import('../../src/inference/open.ts');
  // Class 1 scores the red channel, class 2 the blue one less 0.2, class 0 zero: on (v - 127.5) / 127.5.
  const weights = [[0, 0, 0], [1, 0, 0], [0, 0, 1]], bias = [0, 0, -0.2];
  const w = 4, h = 4, data = new Uint8Array(w * h * 3);
  const reds = [0, 100, 127, 128, 200, 255, 60, 140], blues = [255, 0, 170, 150, 90, 255, 10, 160];
  for (let p = 0; p < w * h; p++) { data[3 * p] = reds[p % 8]; data[3 * p + 1] = (37 * p) % 256; data[3 * p + 2] = blues[(p + 3) % 8]; }
  const expected = Array.from({ length: w * h }, (_, p) => {
    const x = [0, 1, 2].map((c) => (data[3 * p + c] - 127.5) / 127.5);
    const s = weights.map((wc, k) => wc[0] * x[0] + wc[1] * x[1] + wc[2] * x[2] + bias[k]);
    return s.indexOf(Math.max(...s));
  });
  assert.ok(new Set(expected).size === 3, 'the image covers all three classes');
  const d = tempDir();
  for (const absoluteOffsets of [false, true]) {
    const file = path.join(d, `tiny${absoluteOffsets ? '-abs' : ''}.tflite`), out = path.join(d, `pkg${absoluteOffsets ? '-abs' : ''}`);
    fs.writeFileSync(file, tinySegmenter([h, w], weights, bias, {
      name: 'Tiny segmenter', author: 'pixelwise tests', license: 'Apache License 2.0', mean: [127.5], std: [127.5],
      labels: { file: 'labels.txt', text: 'background\nred thing\nblue thing\n' }, absoluteOffsets,
    }));
    const r = cli('import', '--from', file, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /3 classes \(class names, normalisation, licence from its metadata\)/);
    const seg = await openSegmenter(out);
    assert.deepEqual(seg.card.classes.map((c) => c.name), ['background', 'red thing', 'blue thing']);
    assert.deepEqual(seg.card.input.normalization, { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    assert.equal(seg.card.licence, 'Apache License 2.0');
    assert.equal(seg.card.source, `Tiny segmenter v1, pixelwise tests (${path.basename(file)})`);
    const [labels] = await seg.predictBatch([{ data, width: w, height: h }]);
    assert.deepEqual([...labels], expected, absoluteOffsets ? 'zip offsets from the file\'s start' : 'zip offsets from the archive\'s start');
    await seg.dispose();
  }
  // A confidence mask (one channel through a sigmoid, as MediaPipe's selfie segmenter) whose label file names the foreground alone.
  const maskFile = path.join(d, 'mask.tflite');
  fs.writeFileSync(maskFile, tinySegmenter([h, w], [[1, 0, 0]], [0], { mean: [127.5], std: [127.5], labels: { file: 'labels.txt', text: 'person\n' } }, true));
  const m = cli('import', '--from', maskFile, '--out', path.join(d, 'mask'));
  assert.equal(m.status, 0, m.stderr);
  assert.equal(m.stderr, '');
  const mask = await openSegmenter(path.join(d, 'mask'));
  assert.deepEqual(mask.card.classes.map((c) => c.name), ['background', 'person']);
  assert.notDeepEqual(mask.card.classes[1].color, mask.card.classes[0].color, 'the foreground is drawn in a colour of its own');
  const [maskLabels] = await mask.predictBatch([{ data, width: w, height: h }]);
  assert.deepEqual([...maskLabels], Array.from({ length: w * h }, (_, p) => (data[3 * p] > 127.5 ? 1 : 0)));
  await mask.dispose();
  // Flags win over the metadata, and it is not read for what they give.
  fs.writeFileSync(path.join(d, 'names.txt'), 'a\nb\nc\n');
  const given = cli('import', '--from', path.join(d, 'tiny.tflite'), '--class-file', path.join(d, 'names.txt'), '--mean', '0,0,0', '--std', '1,1,1', '--licence', 'MIT', '--out', path.join(d, 'given'));
  assert.equal(given.status, 0, given.stderr);
  const card = JSON.parse(fs.readFileSync(path.join(d, 'given', 'model.json'), 'utf8'));
  assert.deepEqual([card.classes.map((c: { name: string }) => c.name), card.input.normalization.std, card.licence], [['a', 'b', 'c'], [1, 1, 1], 'MIT']);
  assert.doesNotMatch(given.stdout, /from its metadata/);
});

test('tflite import: metadata that cannot be used (a label file not packed or of another count, a damaged flatbuffer, no normalisation for a float input) is said in one line and the import goes on, or is refused in one line where nothing says how pixels were scaled', async () => {
  const { tinySegmenter } = await import('../formats/tflite_files.ts');
  const d = tempDir(), weights = [[0, 0, 0], [1, 0, 0]], bias = [0, 0];
  const run = (name: string, meta: Parameters<typeof tinySegmenter>[3], ...extra: string[]) => {
    const file = path.join(d, `${name}.tflite`);
    fs.writeFileSync(file, tinySegmenter([2, 2], weights, bias, meta));
    return { r: cli('import', '--from', file, '--out', path.join(d, name), ...extra), card: () => JSON.parse(fs.readFileSync(path.join(d, name, 'model.json'), 'utf8')) };
  };
  const notPacked = run('unpacked', { mean: [127.5], std: [127.5], labels: { file: 'labels.txt' } });
  assert.equal(notPacked.r.status, 0, notPacked.r.stderr);
  assert.match(notPacked.r.stderr, /^note: \S+unpacked\.tflite: its metadata names the label file labels\.txt, which is not packed in it; the classes are numbered \(--class-file names them\)\n$/);
  assert.deepEqual(notPacked.card().input.normalization.mean, [0.5, 0.5, 0.5]);
  const three = run('three', { mean: [127.5], std: [127.5], labels: { file: 'labels.txt', text: 'background\nperson\nsky\n' } });
  assert.equal(three.r.status, 0, three.r.stderr);
  assert.match(three.r.stderr, /^note: \S+three\.tflite: its label file labels\.txt names 3 classes for the graph's 2 class scores; the classes are numbered \(--class-file names them\)\n$/);
  assert.equal(three.card().classes.length, 2);
  const damaged = run('damaged', { raw: new TextEncoder().encode('not a flatbuffer at all') }, '--mean', '0,0,0', '--std', '1,1,1');
  assert.equal(damaged.r.status, 0, damaged.r.stderr);
  assert.match(damaged.r.stderr, /^note: \S+damaged\.tflite: its metadata is damaged \([^)]*\); its metadata is not used\n$/);
  const bare = run('bare', { labels: { file: 'labels.txt', text: 'background\nperson\n' } });
  assert.notEqual(bare.r.status, 0);
  assert.match(bare.r.stderr, /bare\.tflite: a float input whose metadata does not say how pixels were scaled; give --mean and --std/);
  assert.equal(bare.r.stderr.trim().split('\n').length, 1, bare.r.stderr);
  const zeroStd = run('zero', { mean: [127.5], std: [0] }, '--mean', '0,0,0', '--std', '1,1,1');
  assert.equal(zeroStd.r.status, 0, zeroStd.r.stderr);
  assert.equal(zeroStd.r.stderr, '', 'the metadata\'s normalisation is not read when --mean and --std give it');
});

test('tflite import: a graph whose scores come at a fraction of its input (strided, then Reshape((H*W, C)) and a softmax, as image-segmentation-keras models end) is a package of output.scale whose label maps follow the image; --input-size takes multiples of that fraction', async () => {
  const { buildTflite, conv2d, OP } = await import('../formats/tflite_files.ts');
  const { openSegmenter } = await import('../../src/inference/open.ts');
  const d = tempDir(), file = path.join(d, 'isk.tflite');
  // image 8x8 -> 1x1 conv (class 0 scores red, class 1 blue, strongly) -> 2x2 max pool, stride 2 -> [1, 16, 2] -> softmax.
  const tensors = [{ shape: [1, 8, 8, 3], name: 'image' }, { shape: [2, 1, 1, 3], data: Float32Array.of(8, 0, 0, 0, 0, 8) }, { shape: [2], data: Float32Array.of(0, 0) },
    { shape: [1, 8, 8, 2] }, { shape: [1, 4, 4, 2] }, { shape: [3], data: Int32Array.of(1, 16, 2) }, { shape: [1, 16, 2] }, { shape: [1, 16, 2], name: 'probabilities' }];
  const pool = { type: 5, fields: [1, 2, 2, 2, 2].map((value, slot) => ({ slot, kind: (slot ? 'int' : 'byte') as 'int' | 'byte', value })) };
  fs.writeFileSync(file, buildTflite(tensors, [
    conv2d([0, 1, 2], 3),
    { code: OP.MAX_POOL_2D, inputs: [3], outputs: [4], options: pool }, { code: OP.RESHAPE, inputs: [4, 5], outputs: [6] },
    { code: OP.SOFTMAX, inputs: [6], outputs: [7], options: { type: 9, fields: [{ slot: 0, kind: 'float', value: 1 }] } },
  ], [0], [7]));
  const r = cli('import', '--from', file, '--mean', '0,0,0', '--std', '1,1,1', '--out', path.join(d, 'pkg'));
  assert.equal(r.status, 0, r.stderr);
  const seg = await openSegmenter(path.join(d, 'pkg'));
  assert.deepEqual(seg.card.output, { kind: 'probabilities', resizeBack: 'scores', scale: 2 });
  // A 12x10 photo, red on the left 5 columns and blue on the right: the label map follows it at the photo's size.
  const [w, h] = [12, 10], data = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) data[3 * p + ((p % w) < 6 ? 0 : 2)] = 255;
  const [labels] = await seg.predictBatch([{ data, width: w, height: h }]);
  assert.deepEqual([...labels], Array.from({ length: w * h }, (_, p) => ((p % w) < 6 ? 0 : 1)));
  await seg.dispose();
  const big = cli('import', '--from', file, '--mean', '0,0,0', '--std', '1,1,1', '--input-size', '16x12', '--out', path.join(d, 'big'));
  assert.equal(big.status, 0, big.stderr);
  const odd = cli('import', '--from', file, '--mean', '0,0,0', '--std', '1,1,1', '--input-size', '9x9', '--out', path.join(d, 'odd'));
  assert.notEqual(odd.status, 0);
  assert.match(odd.stderr, /^pixelwise: --input-size 9x9: this graph's scores come at 1\/2 of its input: give sides that are multiples of 2\n$/);
});

test('tflite import: an 8-bit input reads the image as TFLite\'s conventions feed it (uint8: the pixel; int8: the pixel less 128), so that uint8 and int8 graphs of one model give one label map', async () => {
  const { buildTflite, conv2d, OP } = await import('../formats/tflite_files.ts');
  const { openSegmenter } = await import('../../src/inference/open.ts');
  const d = tempDir(), [w, h] = [4, 2], data = new Uint8Array(w * h * 3);
  const reds = [0, 100, 127, 128, 140, 200, 250, 255];
  reds.forEach((r, p) => { data[3 * p] = r; data[3 * p + 1] = 255 - r; data[3 * p + 2] = 77; });
  // The model saw values in [0, 1]: class 1 scores red - 0.5, class 0 zero.
  const expected = reds.map((r) => (r / 255 - 0.5 > 0 ? 1 : 0));
  for (const [type, zeroPoint] of [['UINT8', 0], ['INT8', -128]] as const) {
    const file = path.join(d, `${type}.tflite`);
    fs.writeFileSync(file, buildTflite([{ shape: [1, h, w, 3], name: 'image', type, quant: { scale: 1 / 255, zeroPoint } },
      { shape: [2, 1, 1, 3], data: Float32Array.of(0, 0, 0, 1, 0, 0) }, { shape: [2], data: Float32Array.of(0, -0.5) }, { shape: [1, h, w, 2], name: 'scores' }],
    [conv2d([0, 1, 2], 3)], [0], [3]));
    const r = cli('import', '--from', file, '--out', path.join(d, type));
    assert.equal(r.status, 0, r.stderr);
    const seg = await openSegmenter(path.join(d, type));
    const [labels] = await seg.predictBatch([{ data, width: w, height: h }]);
    assert.deepEqual([...labels], expected, type);
    await seg.dispose();
  }
});
