// Distillation: the KL term against a hand computation, its mix with the task loss, exact
// combination over micro-batches and data-parallel shards (a shard whose pixels are all ignored
// included), the teacher's probabilities, and a student that learns from a teacher alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { accumulatedGradients, type LossSpec } from '../../src/train/grad_accum.ts';
import { DataParallel } from '../../src/train/parallel.ts';
import { distillationLoss, segmentationLoss, taskLoss } from '../../src/train/losses.ts';
import { softTargetsInto, openTeacher, mergedLabels } from '../../src/train/teacher.ts';
import { train } from '../../src/train/trainer.ts';
import type { SplitSpec, TrainConfig } from '../../src/train/config.ts';
import { writeSyntheticDataset, SYNTHETIC_CLASSES } from '../../src/data/synthetic.ts';
import { DEFAULT_AUGMENT, NO_AUGMENT } from '../../src/data/augment.ts';
import { SegLoader } from '../../src/data/loader.ts';
import { IMAGENET_NORM } from '../../src/data/normalize.ts';
import { loadSamples, readSplitList } from '../../src/data/dataset.ts';
import { readImage } from '../../src/data/image_io.ts';
import { readMask } from '../../src/data/mask_io.ts';
import { readCard } from '../../src/models/package.ts';
import { readLog } from '../../src/train/run_log.ts';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { openSegmenter } from '../../src/inference/open.ts';
import { UserError } from '../../src/util/errors.ts';
import { cliMessage } from '../../src/cli/flags.ts';
import { Rng } from '../../src/util/random.ts';
import { tempDir } from '../helpers.ts';

/** KL(p || softmax(z / t)) x t^2, written out per pixel. */
function klByHand(z: number[], p: number[], t: number): number {
  const m = Math.max(...z.map((v) => v / t));
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v / t - m), 0));
  return t * t * p.reduce((a, pk, k) => a + (pk > 0 ? pk * (Math.log(pk) - (z[k] / t - lse)) : 0), 0);
}

test('the distillation term is temperature^2 x the mean KL(teacher || student), 0 where they agree; mixed with the task loss by its weight', async () => {
  await initEngine('wasm');
  const z = [[2, -1, 0.5], [0, 0, 0], [-3, 4, 1], [1, 1, -2]]; // 4 pixels, 3 classes
  const p = [[0.7, 0.1, 0.2], [1, 0, 0], [0.05, 0.9, 0.05], [0.25, 0.25, 0.5]]; // a zero probability included
  const logits = tf.tensor4d(z.flat(), [1, 2, 2, 3]), soft = tf.tensor4d(p.flat(), [1, 2, 2, 3]);
  for (const t of [1, 2.5]) {
    const want = z.reduce((a, zi, i) => a + klByHand(zi, p[i], t), 0) / 4;
    const got = distillationLoss(logits, soft, t).dataSync()[0];
    assert.ok(Math.abs(got - want) < 1e-5, `T ${t}: ${got} vs ${want}`);
  }
  // A student that agrees with its teacher: 0.
  const own = tf.softmax(tf.div(logits, 2));
  assert.ok(Math.abs(distillationLoss(logits, own as tf.Tensor4D, 2).dataSync()[0]) < 1e-6);
  // The mix.
  const labels = tf.tensor3d([0, 1, 255, 2], [1, 2, 2], 'int32');
  const o = { numClasses: 3, ignoreIndex: 255, distill: { weight: 0.3, temperature: 2 } };
  const mixed = segmentationLoss('ce', logits, labels, o, soft).dataSync()[0];
  const ce = taskLoss('ce', logits, labels, o).dataSync()[0];
  const kl = distillationLoss(logits, soft, 2).dataSync()[0];
  assert.ok(Math.abs(mixed - (0.7 * ce + 0.3 * kl)) < 1e-5);
  assert.throws(() => distillationLoss(logits, soft, 0), (e: Error) => e instanceof UserError && cliMessage(e).startsWith('--distill-temperature 0: '));
  tf.dispose([logits, soft, own, labels]);
});

test('the teacher\'s probabilities: softmax of its CHW logits at the temperature, written NHWC', () => {
  const c = 3, scores = Float32Array.from([1, 0, 2, 0, 3, 0]); // 2 pixels: [1, 2, 3], [0, 0, 0]
  const out = new Float32Array(1 + 2 * c);
  softTargetsInto(out, 1, scores, c, 2);
  const e = [0.5, 1, 1.5].map(Math.exp), s = e[0] + e[1] + e[2];
  const want = [0, e[0] / s, e[1] / s, e[2] / s, 1 / 3, 1 / 3, 1 / 3];
  want.forEach((v, i) => assert.ok(Math.abs(out[i] - v) < 1e-6, `${i}: ${out[i]} vs ${v}`));
});

// Images [a, b, a, b]: micro-batches and shards [a, b] see the whole batch's BatchNorm statistics.
function batchOf(K: number, H: number, W: number, seed: number) {
  const rng = new Rng(seed);
  const B = 4, px = H * W;
  const pair = Float32Array.from({ length: 2 * px * 3 }, () => rng.uniform(-1, 1));
  const x = new Float32Array(B * px * 3); x.set(pair); x.set(pair, pair.length);
  // The second half wholly ignored (only the teacher speaks for it), the first in part.
  const y = Int32Array.from({ length: B * px }, (_, i) => (i >= 2 * px || rng.next() < 0.2 ? 255 : rng.int(K)));
  const soft = new Float32Array(B * px * K);
  for (let i = 0; i < B * px; i++) {
    const r = Array.from({ length: K }, () => rng.next() ** 3);
    const s = r.reduce((a, v) => a + v, 0);
    r.forEach((v, k) => { soft[i * K + k] = v / s; });
  }
  return { x, y, soft, n: B, height: H, width: W };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return { d, s };
};

test('with distillation, micro-batches and a data-parallel worker give the whole batch\'s loss and gradients (class weights, a wholly ignored sample)', async () => {
  await initEngine('wasm');
  const [H, W, K] = [24, 32, 3];
  const b = batchOf(K, H, W, 21);
  const spec: LossSpec = { loss: 'ce', options: { numClasses: K, ignoreIndex: 255, classWeights: [0.5, 1, 3], distill: { weight: 0.4, temperature: 2 } } };
  const m = new SegModel({ arch: 'unet', numClasses: K, width: 4, depth: 2, seed: 3 });
  const vars = m.trainableVariables;
  const ref = tf.variableGrads(() => segmentationLoss('ce', m.forward(tf.tensor4d(b.x, [4, H, W, 3]), true), tf.tensor3d(b.y, [4, H, W], 'int32'),
    spec.options, tf.tensor4d(b.soft, [4, H, W, K])), vars);
  const refLoss = ref.value.dataSync()[0];
  const micro = accumulatedGradients(m, vars, spec, b, 2);
  assert.ok(Math.abs(micro.loss - refLoss) < 1e-5 * refLoss, `loss ${micro.loss} vs ${refLoss}`);
  vars.forEach((v, j) => {
    const { d, s } = maxDiff(micro.grads[j].dataSync(), ref.grads[v.name].dataSync());
    assert.ok(d <= 1e-4 * Math.max(s, 1e-3), `${v.name}: micro-batches differ by ${d} (scale ${s})`);
  });

  const par = new SegModel({ arch: 'unet', numClasses: K, width: 4, depth: 2, seed: 3 });
  const dp = await DataParallel.start(par, spec, 4, 1, 'wasm');
  try {
    const g = await dp.gradients({ ...b, ids: [] });
    assert.ok(Math.abs(g.loss - refLoss) < 1e-5 * refLoss, `data-parallel loss ${g.loss} vs ${refLoss}`);
    const parVars = par.trainableVariables;
    vars.forEach((v, j) => {
      const { d, s } = maxDiff(g.grads[parVars[j].name].dataSync(), ref.grads[v.name].dataSync());
      assert.ok(d <= 1e-4 * Math.max(s, 1e-3), `${v.name}: data-parallel differs by ${d} (scale ${s})`);
    });
    tf.dispose(Object.values(g.grads));
  } finally { await dp.close(); par.dispose(); }
  tf.dispose([...micro.grads, ref.value, ...Object.values(ref.grads)]);
  m.dispose();
});

/** A teacher trained on the synthetic set, and the run settings it was trained with (shared by the tests below). */
let taught: Promise<{ d: string; tr: SplitSpec; va: SplitSpec; base: TrainConfig; teacherDir: string; quiet: { quiet: true; log: () => void } }> | undefined;
const teacherRun = () => (taught ??= (async () => {
  await initEngine('wasm');
  const d = tempDir();
  const tr = await writeSyntheticDataset(path.join(d, 'train'), 16, 32, 32, 1);
  const va = await writeSyntheticDataset(path.join(d, 'val'), 4, 32, 32, 2);
  const quiet = { quiet: true as const, log: () => {} };
  const base: TrainConfig = {
    model: { arch: 'unet', numClasses: 4, width: 4, depth: 2 }, train: tr, val: va, classes: SYNTHETIC_CLASSES,
    ignoreIndex: 255, labelMap: [], inputSize: [32, 32], batchSize: 4, epochs: 30, lr: 1e-2, schedule: 'poly', warmupSteps: 0,
    loss: 'ce', focalGamma: 2, augment: DEFAULT_AUGMENT, norm: IMAGENET_NORM, seed: 7, valBatchSize: 4, backend: 'wasm', workers: 1,
    // The moving averages: this test is about distillation (precise BN has its own), and agreement
    // on four tiny images moves by several points with anything that changes the teacher.
    preciseBn: 0,
  };
  const teacherDir = path.join(d, 'teacher');
  await train(base, teacherDir, false, quiet);
  return { d, tr, va, base, teacherDir, quiet };
})());

test('a student taught by a teacher alone (every mask pixel ignored) learns to agree with it; a teacher of other classes is refused', async () => {
  const { d, va, base, teacherDir, quiet } = await teacherRun();
  // The student's masks say nothing: every label maps to the ignore label.
  const silent: [number, number][] = [[0, 255], [1, 255], [2, 255], [3, 255]];
  await assert.rejects(train({ ...base, labelMap: silent, epochs: 1 }, path.join(d, 'nothing'), false, quiet), /nothing to learn/);
  const studentDir = path.join(d, 'student');
  // No validation either (its masks would say nothing too): the run's last weights are its best.
  await train({ ...base, val: undefined, labelMap: silent, seed: 8, teacher: teacherDir, distillWeight: 1 }, studentDir, false, quiet);

  // Agreement with the teacher's label maps on the validation images, by the inference path.
  const imgs = await Promise.all(loadSamples({ images: va.images, masks: va.masks, numClasses: 4, ignoreIndex: 255, labelMap: new Map(), colors: [] }).map((s) => readImage(s.image)));
  const labelsOf = async (dir: string) => { const s = await openSegmenter(dir); try { return await s.predictBatch(imgs); } finally { await s.dispose(); } };
  const [t, s] = [await labelsOf(teacherDir), await labelsOf(studentDir)];
  let same = 0, all = 0;
  t.forEach((m, i) => m.forEach((v, j) => { all++; if (s[i][j] === v) same++; }));
  assert.ok(same / all > 0.8, `the student agrees with its teacher on ${(100 * same / all).toFixed(1)}% of pixels`);

  const other = SYNTHETIC_CLASSES.map((c, i) => (i === 2 ? { ...c, name: 'square' } : c));
  await assert.rejects(openTeacher(teacherDir, other, 1), (e: Error) => e instanceof UserError && cliMessage(e).startsWith(`--teacher ${teacherDir}: predicts 4 classes (background, disc, box, stripe) where the run has 4 (background, disc, square, stripe)`));
  await assert.rejects(train({ ...base, teacher: path.join(d, 'nosuch') }, path.join(d, 'x'), false, quiet), (e: Error) => e instanceof UserError && cliMessage(e).startsWith(`--teacher ${path.join(d, 'nosuch')}: no such folder`));
  await assert.rejects(train({ ...base, distillWeight: 0.5 }, path.join(d, 'y'), false, quiet), (e: Error) => e instanceof UserError && /needs a teacher/.test(e.message));
  await assert.rejects(train({ ...base, teacher: teacherDir, distillWeight: 1.5 }, path.join(d, 'z'), false, quiet), (e: Error) => e instanceof UserError && cliMessage(e).startsWith('--distill-weight 1.5: '));
});

test('images without masks: a teacher gives every target (the same run as masks that ignore every pixel); the held-out images are scored against its label maps, as counted here', async () => {
  const { d, tr, base, teacherDir, quiet } = await teacherRun();
  // The same training as masks whose every pixel is ignored, step for step.
  const silent: [number, number][] = [[0, 255], [1, 255], [2, 255], [3, 255]];
  const same = { ...base, val: undefined, epochs: 6, seed: 8, teacher: teacherDir };
  await train({ ...same, train: { images: tr.images } }, path.join(d, 'no-masks'), false, quiet);
  await train({ ...same, labelMap: silent, distillWeight: 1 }, path.join(d, 'ignored'), false, quiet);
  const losses = (dir: string) => readLog(path.join(dir, 'log.jsonl')).map((e) => e.loss);
  assert.equal(losses(path.join(d, 'no-masks')).length, 6);
  assert.deepEqual(losses(path.join(d, 'no-masks')), losses(path.join(d, 'ignored')));
  assert.ok(fs.readFileSync(path.join(d, 'no-masks', 'best.safetensors')).equals(fs.readFileSync(path.join(d, 'ignored', 'best.safetensors'))));
  assert.match(readCard(path.join(d, 'no-masks')).notes ?? '', /distilled from .* alone \(images without masks\)/);

  const student = path.join(d, 'held-out');
  await train({ ...same, train: { images: tr.images }, valFraction: 0.25 }, student, false, quiet);
  const held = readSplitList(path.join(student, 'val.txt'));
  assert.ok(held.length >= 2 && held.length <= 8, `${held.length} of 16 held out`);
  const imgs = await Promise.all(held.map((id) => readImage(path.join(tr.images, `${id}.png`))));
  const labelsOf = async (dir: string) => { const s = await openSegmenter(dir); try { return await s.predictBatch(imgs); } finally { await s.dispose(); } };
  const [t, s] = [await labelsOf(teacherDir), await labelsOf(student)];
  // Its validation masks: the teacher's label maps, as the inference path makes them.
  held.forEach((id, i) => assert.deepEqual(readMask(path.join(student, 'teacher_labels', `${id}.png`)).data, t[i], id));
  // The recorded agreement: the mIoU of the student's label maps against the teacher's, counted here.
  const inter = new Array(4).fill(0), union = new Array(4).fill(0);
  t.forEach((m, i) => m.forEach((v, j) => { const p = s[i][j]; union[v]++; if (p === v) inter[v]++; else union[p]++; }));
  const ious = union.flatMap((u, k) => (u > 0 ? [inter[k] / u] : []));
  const recorded = JSON.parse(fs.readFileSync(path.join(student, 'best_scores.json'), 'utf8')).mIoU;
  assert.ok(Math.abs(recorded - ious.reduce((a, v) => a + v, 0) / ious.length) < 1e-9, `recorded ${recorded}, counted ${ious}`);

  // The command line: the teacher's classes are the run's.
  const cli = path.join(d, 'cli');
  const r = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'train', '--images', tr.images, '--teacher', teacherDir, '--arch', 'unet', '--width', '4', '--depth', '2',
    '--input-size', '32x32', '--batch-size', '4', '--epochs', '1', '--val-fraction', '0.25', '--workers', '0', '--quiet', '--out', cli], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^no masks: .*teacher's class probabilities are the targets of every pixel \(distillation alone\); classes: background, disc, box, stripe$/m);
  assert.match(r.stderr, /^validation masks: .*teacher's label maps of the held-out images/m);
  assert.deepEqual(readCard(cli).classes, readCard(teacherDir).classes);
  // What needs masks is refused, naming the setting, before a run folder is made.
  const refused = async (cfg: Partial<TrainConfig>, re: RegExp) => assert.rejects(train({ ...base, val: undefined, train: { images: tr.images }, ...cfg }, path.join(d, 'refused'), false, quiet), (e: Error) => e instanceof UserError && re.test(cliMessage(e)));
  await refused({}, /^\S+: no masks \(masks\); give the images' masks, or a teacher model \(teacher\)/);
  await refused({ teacher: teacherDir, distillWeight: 0.5 }, /^--distill-weight 0.5: without masks the teacher is the only target/);
  await refused({ teacher: teacherDir, classWeights: 'auto' }, /^--class-weights auto: weigh the classes of masks/);
  assert.ok(!fs.existsSync(path.join(d, 'refused')));
});

test('some of a teacher\'s classes: each run class gets the summed probability of its teacher classes; label maps by the summed probabilities, as computed here', async () => {
  // Two pixels, three teacher classes, CHW; run classes: 0 <- {0, 2}, 1 <- {1}.
  const scores = Float32Array.from([2, 1, 1, 1.2, 1.5, 1]);
  const out = new Float32Array(4);
  softTargetsInto(out, 0, scores, 3, 1, { map: [0, 1, 0], outC: 2 });
  const soft = (z: number[]) => { const m = Math.max(...z); const e = z.map((v) => Math.exp(v - m)); const t = e.reduce((a, v) => a + v, 0); return e.map((v) => v / t); };
  const [p0, p1] = [soft([2, 1, 1.5]), soft([1, 1.2, 1])];
  [p0[0] + p0[2], p0[1], p1[0] + p1[2], p1[1]].forEach((v, i) => assert.ok(Math.abs(out[i] - v) < 1e-6, `${i}: ${out[i]} against ${v}`));
  // Pixel 1's most likely teacher class is 1 (0.38), but classes 0 and 2 together (0.62) win.
  assert.ok(p1[1] > p1[0] && p1[1] > p1[2]);
  assert.deepEqual([...mergedLabels(scores, 3, [0, 1, 0], 2)], [0, 0]);

  const { d, tr, base, teacherDir, quiet } = await teacherRun();
  const disc = [SYNTHETIC_CLASSES[0], SYNTHETIC_CLASSES[1]];
  const student = path.join(d, 'disc');
  const cfg = { ...base, model: { ...base.model, numClasses: 2 }, classes: disc, val: undefined, train: { images: tr.images }, valFraction: 0.25, epochs: 2, teacher: teacherDir, teacherClasses: [0, 1, 0, 0] };
  await train(cfg, student, false, quiet);
  const held = readSplitList(path.join(student, 'val.txt'));
  const imgs = await Promise.all(held.map((id) => readImage(path.join(tr.images, `${id}.png`))));
  const seg = await openSegmenter(teacherDir);
  try {
    const scored = await seg.scoresBatch(imgs);
    held.forEach((id, i) => {
      const { scores: z } = scored[i];
      const px = z.length / 4;
      // Background's probability is that of classes 0, 2 and 3 together.
      const want = Uint8Array.from({ length: px }, (_, j) => { const p = soft([0, 1, 2, 3].map((k) => z[k * px + j])); return p[1] > p[0] + p[2] + p[3] ? 1 : 0; });
      assert.deepEqual(readMask(path.join(student, 'teacher_labels', `${id}.png`)).data, want, id);
    });
  } finally { await seg.dispose(); }
  // A library setting the command line derives (from --select-classes): its errors name it.
  const refused = async (extra: object, re: RegExp) => assert.rejects(train({ ...cfg, ...extra }, path.join(d, 'refused2'), false, quiet), (e: Error) => e instanceof UserError && e.argument === 'teacherClasses' && re.test(e.message));
  await refused({ teacherClasses: [0, 1, 0] }, /^teacherClasses 0,1,0: 3 entries for a teacher of 4 classes/);
  await refused({ teacherClasses: [0, 0, 0, 0] }, /^teacherClasses 0,0,0,0: no teacher class counts as disc/);
  await refused({ teacher: undefined }, /^teacherClasses 0,1,0,0: maps a teacher's classes/);

  // The command line: --select-classes picks the teacher's classes.
  const r = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'train', '--images', tr.images, '--teacher', teacherDir, '--select-classes', 'disc', '--arch', 'unet', '--width', '4', '--depth', '2',
    '--input-size', '32x32', '--batch-size', '4', '--epochs', '1', '--workers', '0', '--quiet', '--out', path.join(d, 'cli-disc')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^classes: background, disc; the teacher's box, stripe as background$/m);
  assert.deepEqual(readCard(path.join(d, 'cli-disc')).classes.map((c) => c.name), ['background', 'disc']);
  assert.match(readCard(path.join(d, 'cli-disc')).notes ?? '', /, distilled from .* alone \(images without masks\); 2 of the teacher's 4 classes, 3 counted as background$/);
});

test('the teacher of whole images: its probabilities once per image, 8-bit, warped with each crop (as is when the crop is the image, mirrored with it), as computed here', async () => {
  const { d, tr, base, teacherDir, quiet } = await teacherRun();
  const teacher = await openTeacher(teacherDir, SYNTHETIC_CLASSES, 1);
  const samples = loadSamples({ images: tr.images, numClasses: 4, ignoreIndex: 255 }).slice(0, 4);
  let calls = 0;
  const loader = (augment: typeof DEFAULT_AUGMENT) => new SegLoader(samples, { images: tr.images, numClasses: 4, ignoreIndex: 255 }, {
    batchSize: 4, crop: [32, 32], augment, norm: IMAGENET_NORM, seed: 3, shuffle: false,
    teacherImage: (img) => { calls++; return teacher.imageTargets(img); },
  });
  try {
    const seg = await openSegmenter(teacherDir);
    const scored = await seg.scoresBatch(await Promise.all(samples.map((s) => readImage(s.image))));
    await seg.dispose();
    // By hand: softmax, to 8 bits, each pixel's bytes over their sum.
    const want = scored.map(({ scores: z }) => {
      const px = z.length / 4, out = new Float32Array(px * 4);
      for (let j = 0; j < px; j++) {
        const zs = [0, 1, 2, 3].map((k) => z[k * px + j]), m = Math.max(...zs), e = zs.map((v) => Math.exp(v - m)), t = e.reduce((a, v) => a + v, 0);
        const q = e.map((v) => Math.round((v / t) * 255)), qs = q.reduce((a, v) => a + v, 0);
        q.forEach((v, k) => { out[j * 4 + k] = v / qs; });
      }
      return out;
    });
    const mirrored = (a: Float32Array) => { const o = new Float32Array(a.length); for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let k = 0; k < 4; k++) o[(y * 32 + x) * 4 + k] = a[(y * 32 + 31 - x) * 4 + k]; return o; };
    const close = (a: Float32Array, b: Float32Array) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
    const asIs = loader({ ...NO_AUGMENT });
    const b = await asIs.makeBatch(0, 0, asIs.order(0));
    assert.equal(b.soft!.length, 4 * 32 * 32 * 4);
    samples.forEach((_, i) => assert.ok(close(b.soft!.subarray(i * 4096, (i + 1) * 4096), want[i]), `sample ${i}`));
    assert.equal(calls, 4); // once per image
    const flips = loader({ ...NO_AUGMENT, flip: true });
    let seen = 0;
    for (let epoch = 0; epoch < 3; epoch++) {
      const f = await flips.makeBatch(epoch, 0, flips.order(epoch));
      samples.forEach((_, i) => {
        const got = f.soft!.subarray(i * 4096, (i + 1) * 4096);
        if (close(got, mirrored(want[i]))) seen |= 2; else if (close(got, want[i])) seen |= 1; else assert.fail(`sample ${i}, epoch ${epoch}: neither as is nor mirrored`);
      });
    }
    assert.equal(seen, 3, 'both views met');
    assert.equal(calls, 8); // the second loader's four images, once each over three epochs
    // With a resize (32 -> 16) the teacher sees the image as read; its probabilities are resized
    // with it: here each is the mean of a 2x2 block of the 8-bit values.
    const halved = new SegLoader(samples, { images: tr.images, numClasses: 4, ignoreIndex: 255 }, {
      batchSize: 4, crop: [16, 16], resize: [16, 16], augment: { ...NO_AUGMENT }, norm: IMAGENET_NORM, seed: 3, shuffle: false,
      teacherImage: (img) => { assert.equal(img.width, 32); return teacher.imageTargets(img); },
    });
    const h = await halved.makeBatch(0, 0, halved.order(0));
    samples.forEach((_, i) => {
      const { scores: z } = scored[i];
      const q8 = (j: number) => { const zs = [0, 1, 2, 3].map((k) => z[k * 1024 + j]), m = Math.max(...zs), e = zs.map((v) => Math.exp(v - m)), t = e.reduce((a, v) => a + v, 0); return e.map((v) => Math.round((v / t) * 255)); };
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) {
        const block = [[2 * y, 2 * x], [2 * y, 2 * x + 1], [2 * y + 1, 2 * x], [2 * y + 1, 2 * x + 1]].map(([r, c]) => q8(r * 32 + c));
        const mean = [0, 1, 2, 3].map((k) => Math.floor(block.reduce((a, q) => a + q[k], 0) / 4 + 0.5));
        const sum = mean.reduce((a, v) => a + v, 0);
        mean.forEach((v, k) => assert.ok(Math.abs(h.soft![((i * 16 + y) * 16 + x) * 4 + k] - v / sum) < 1e-6, `sample ${i} (${x}, ${y}) class ${k}`));
      }
    });
  } finally { await teacher.dispose(); }

  // A run: the teacher's view said; without a teacher refused.
  const lines: string[] = [];
  await train({ ...base, val: undefined, train: { images: tr.images }, epochs: 1, teacher: teacherDir, teacherView: 'image' }, path.join(d, 'whole'), false, { quiet: true, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /^distillation from .* \(each whole image once, warped with the crops\): temperature 1\^2 x KL\(teacher \|\| student\) alone$/.test(l)), lines.join('\n'));
  await assert.rejects(train({ ...base, teacherView: 'image' }, path.join(d, 'no-teacher'), false, quiet), (e: Error) => e instanceof UserError && cliMessage(e).startsWith('--teacher-view image: what a teacher sees; give the teacher model'));
});
