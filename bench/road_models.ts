// npm run bench:road-models [-- --models cityscapes,DIR,...]
// By default: the shipped cityscapes, cityscapes-fast and cityscapes-live, and (with ../shared/data/tflite) the
// Coral EdgeTPU-DeepLab-slim file imported in float at its own 513x513 and at 1025x513, the
// settings the shipped model was chosen among; then the shipped CamVid models (camvid, camvid-live, camvid-fast),
// trained on CamVid train and tuned on its val, so that a user sees the trade; `camvid-live` also at
// 384x512 (MODEL@HxW: the model with --input-size HxW), the real-time setting for slower machines.
// Road models compared where this machine has labelled road scenes: CamVid val (101 images,
// 360x480, ../shared/data/camvid), a dataset none of the Cityscapes models was trained on. Each Cityscapes model's 19
// Cityscapes train ids are mapped to CamVid's 11 classes (road, sidewalk -> Pavement, building and
// wall -> Building, fence, pole, traffic light and sign -> SignSymbol, vegetation and terrain ->
// Tree, sky, person -> Pedestrian, rider, bicycle and motorcycle -> Bicyclist, car, truck, bus and
// train -> Car); mIoU over the 11 classes, CamVid's void ignored. Also ms per image end to end
// (ONNX Runtime, 2 threads); frames/s of `pixelwise video` on the dash-cam clip (960x540, H.264
// written, ../shared/data/video); and, on the shipped photos, the share of pixels whose (mapped)
// class is the shipped cityscapes model's. Writes docs/bench/road-models.json. Needs ../shared/data/camvid.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSegmenter } from '../src/inference/open.ts';
import { readImage } from '../src/data/image_io.ts';
import { readMask } from '../src/data/mask_io.ts';
import { ConfusionMatrix } from '../src/metrics/confusion.ts';
import { CAMVID_CLASSES } from '../src/data/class_sets.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { DEMO_PHOTOS, DEMO_PHOTOS_DIR } from '../src/cli/demo_photos.ts';
import { machine } from './machine.ts';

const args = process.argv.slice(2);
const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const CAMVID = '../shared/data/camvid';
// Cityscapes train id -> CamVid class (Sky 0, Building 1, Pole 2, Road 3, Pavement 4, Tree 5, SignSymbol 6, Fence 7, Car 8, Pedestrian 9, Bicyclist 10).
const TO_CAMVID = [3, 4, 1, 1, 7, 2, 6, 6, 5, 5, 0, 9, 10, 8, 8, 8, 8, 10, 10];
const VIDEO = '../shared/data/video/solidWhiteRight.mp4';
const VIDEO_FRAMES = 150;

/** A model named with an input size (`camvid-live@384x512`: height x width): the name and that size. */
function withSize(m: string): { model: string; inputSize?: [number, number] } {
  const at = /^(.*)@(\d+)x(\d+)$/.exec(m);
  return at ? { model: at[1], inputSize: [Number(at[2]), Number(at[3])] } : { model: m };
}

/** Frames/s of `pixelwise video` on the dash-cam clip (start-up excluded, as the command reports it). */
function videoFps(m: string): number | null {
  if (!fs.existsSync(VIDEO)) return null;
  const { model, inputSize } = withSize(m);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'road-video-')), 'out.mp4');
  const size = inputSize ? ['--input-size', inputSize.join('x')] : [];
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'video', VIDEO, '--model', model, ...size, '--runtime', 'onnx', '--out', out, '--max-frames', String(VIDEO_FRAMES), '--quiet'], { encoding: 'utf8' });
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(/([\d.]+) frames\/s/.exec(r.stdout)![1]);
}

/** The Coral file imported in float at its own size and at 1025x513 (temp folders), when ../shared has it. */
function coralVariants(): string[] {
  const file = '../shared/data/tflite/coral/deeplab_mobilenet_edgetpu_slim_cityscapes_quant.tflite';
  if (!fs.existsSync(file)) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'road-models-'));
  return [['edgetpu-float-513x513', []], ['edgetpu-float-1025x513', ['--input-size', '513x1025']]].map(([name, extra]) => {
    const out = path.join(dir, name as string);
    const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'import', '--from', file, '--preset', 'edgetpu-deeplab-slim-cityscapes', ...(extra as string[]), '--out', out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return out;
  });
}

async function main() {
  if (!fs.existsSync(CAMVID)) { process.stderr.write(`${CAMVID} not found: this benchmark needs CamVid val\n`); process.exit(1); }
  const models = opt('--models')?.split(',') ?? ['cityscapes', 'cityscapes-fast', 'cityscapes-live', ...coralVariants(), 'camvid', 'camvid-live', 'camvid-live@384x512', 'camvid-fast'];
  const files = fs.readdirSync(path.join(CAMVID, 'val')).filter((f) => f.endsWith('.png')).sort();
  const rows = [];
  const photos = await Promise.all(DEMO_PHOTOS.map((p) => readImage(path.join(DEMO_PHOTOS_DIR, p.file))));
    // A model of CamVid's classes keeps its labels; a Cityscapes model's are mapped.
  const camvidClasses = (seg: Awaited<ReturnType<typeof openSegmenter>>) => seg.card.classes.length === CAMVID_CLASSES.length && seg.card.classes.every((c, i) => c.name === CAMVID_CLASSES[i].name);
  const toCamvid = (seg: Awaited<ReturnType<typeof openSegmenter>>) => (camvidClasses(seg) ? (l: number) => l : (l: number) => TO_CAMVID[l] ?? 11);
  const mappedOn = async (seg: Awaited<ReturnType<typeof openSegmenter>>) => { const map = toCamvid(seg); return Promise.all(photos.map(async (im) => (await seg.predictBatch([im]))[0].map(map))); };
  const reference = await openSegmenter('cityscapes', { threads: 2 });
  const refPhotos = await mappedOn(reference);
  await reference.dispose();
  for (const m of models) {
    const { model, inputSize } = withSize(m);
    const seg = await openSegmenter(model, { threads: 2, inputSize });
    const cm = new ConfusionMatrix(11, { ignoreIndex: 11 });
    let ms = 0;
    for (const f of files) {
      const img = await readImage(path.join(CAMVID, 'val', f));
      const t0 = performance.now();
      const [labels] = await seg.predictBatch([img]);
      ms += performance.now() - t0;
      const mapped = labels.map(toCamvid(seg));
      cm.add(mapped, readMask(path.join(CAMVID, 'valannot', f)).data);
    }
    const s = cm.scores(CAMVID_CLASSES.slice(0, 11).map((c) => c.name));
    let same = 0, all = 0;
    for (const [i, mapped] of (await mappedOn(seg)).entries()) { all += mapped.length; for (let p = 0; p < mapped.length; p++) if (mapped[p] === refPhotos[i][p]) same++; }
    await seg.dispose();
    const fps = videoFps(m);
    const row = {
      model: m.startsWith(os.tmpdir()) ? path.basename(m) : m, arch: seg.card.model.arch, input: seg.card.input.rule, parameters: seg.card.parameters, mIoU: s.mIoU, pixelAccuracy: s.pixelAccuracy, msPerImage: ms / files.length,
      videoFramesPerSecond: fps, photosAgreementWithCityscapes: same / all, perClass: Object.fromEntries(s.perClass.map((c) => [c.name, c.iou])),
    };
    process.stderr.write(`${m}: CamVid val mIoU ${(100 * s.mIoU).toFixed(2)} (11 classes${camvidClasses(seg) ? '' : ' via Cityscapes ids'}), pixel acc ${(100 * s.pixelAccuracy).toFixed(2)}, ${row.msPerImage.toFixed(0)} ms/image; video ${fps?.toFixed(2) ?? '-'} frames/s; ${(100 * same / all).toFixed(2)}% of photo pixels as cityscapes\n`);
    rows.push(row);
  }
  writeFileAtomic('docs/bench/road-models.json', JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine: machine(), command: opt('--models') ? `npm run bench:road-models -- --models ${opt('--models')}` : 'npm run bench:road-models', images: files.length, video: { file: VIDEO, frames: VIDEO_FRAMES }, rows }, null, 2) + '\n');
}

main();
