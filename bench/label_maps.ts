// npm run bench:label-maps -- [--out F] [--against F]: a fingerprint (sha256) of every label map
// that each shipped model gives on the demo photos and on CamVid val (../shared/data, skipped when
// absent), under each Node runtime. Refactorings of the inference path must leave it unchanged:
// `--against` compares with an earlier run's file and lists every image whose label map moved.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openSegmenter } from '../src/inference/open.ts';
import { readImage } from '../src/data/image_io.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { shippedModels } from '../src/models/shipped.ts';
import { readCard } from '../src/models/package.ts';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const MODELS = shippedModels();
const CAMVID = '../shared/data/camvid';

const images: string[] = fs.readdirSync('assets/photos').filter((f) => /\.(png|jpe?g)$/.test(f)).sort().map((f) => path.join('assets/photos', f));
if (fs.existsSync(`${CAMVID}/val.txt`)) {
  for (const line of fs.readFileSync(`${CAMVID}/val.txt`, 'utf8').split('\n').filter(Boolean)) images.push(path.join(CAMVID, 'val', path.basename(line.split(' ')[0])));
} else process.stderr.write(`note: ${CAMVID} not found; demo photos only\n`);

const out: Record<string, string> = {};
for (const model of MODELS) for (const runtime of readCard(`models/${model}`).weights ? ['onnx', 'tfjs'] as const : ['onnx'] as const) {
  const seg = await openSegmenter(model, { runtime });
  const t0 = Date.now();
  for (const file of images) {
    const [labels] = await seg.predictBatch([await readImage(file)]);
    out[`${model}/${runtime}/${path.basename(file)}`] = crypto.createHash('sha256').update(labels).digest('hex').slice(0, 16);
  }
  await seg.dispose();
  process.stderr.write(`${model} ${runtime}: ${images.length} images in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}
const file = arg('--out');
if (file) writeFileAtomic(file, JSON.stringify(out, null, 1) + '\n');
const against = arg('--against');
if (against) {
  const ref = JSON.parse(fs.readFileSync(against, 'utf8')) as Record<string, string>;
  const keys = Object.keys(ref);
  const moved = keys.filter((k) => out[k] !== ref[k]);
  process.stdout.write(`${keys.length - moved.length} of ${keys.length} label maps identical to ${against}\n`);
  for (const k of moved) process.stdout.write(`  differs: ${k}\n`);
  if (moved.length) process.exitCode = 1;
}
