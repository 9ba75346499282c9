// One process of `npm run bench:probabilities`' memory rows: a photo enlarged to WxH, segmented by
// MODEL with class probabilities one WAY, then this process's peak RSS (MB) and seconds on stdout
// as JSON. WAY: `strips` (probabilitiesOf: the segmenter's probabilitiesBatch) or `scores`
// (scoresBatch's full-size scores, then probabilities8).
import sharp from 'sharp';
import { openSegmenter } from '../src/inference/open.ts';
import { probabilitiesOf } from '../src/inference/probabilities.ts';
import { probabilities8 } from '../src/inference/label_map.ts';
import { peakRssMb } from '../src/util/peak_rss.ts';

const [model, way, size] = process.argv.slice(2);
if (!model || !['strips', 'scores'].includes(way) || !/^\d+x\d+$/.test(size ?? '')) {
  process.stderr.write('usage: tsx bench/probabilities_peak.ts MODEL strips|scores WIDTHxHEIGHT\n');
  process.exit(2);
}
const [w, h] = size.split('x').map(Number);
const { data } = await sharp('assets/photos/dashcam.png').resize(w, h).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const image = { data: new Uint8Array(data), width: w, height: h };
const seg = await openSegmenter(model, { threads: 2 });
const t = performance.now();
if (way === 'strips') await probabilitiesOf(seg, [image]);
else { const [r] = await seg.scoresBatch([image]); probabilities8(r.scores, seg.card.model.numClasses); }
const seconds = (performance.now() - t) / 1000;
await seg.dispose();
process.stdout.write(JSON.stringify({ peakMb: peakRssMb(), seconds }) + '\n');
