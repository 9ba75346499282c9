// The demo's work: the shipped photos through the shipped models (its definition and the photo list
// are in ../demo.ts; --train's run is in demo_train.ts, which alone loads TF.js).
import path from 'node:path';
import { writePredictionOutputs } from '../../inference/outputs.js';
import { load } from '../../inference/load.js';
import { colorize, overlay } from '../../render/colorize.js';
import { overviewJpeg, type Tile } from '../../render/overview.js';
import { writeFileAtomic } from '../../util/fs.js';
import { DEMO_EXTRAS, DEMO_PHOTOS, DEMO_PHOTOS_DIR } from '../demo_photos.js';
import type { RgbImage } from '../../data/image_io.js';
import type { Opts } from '../demo.js';

const say = (l = '') => process.stdout.write(l + '\n');

export interface DemoRow { photo: string; model: string; width: number; height: number; ms: number; classes: { name: string; share: number }[] }

/** Segments each shipped photo with its model; returns what was found in each. */
export async function demoPhotos(o: Pick<Opts, 'out' | 'backend'>, log = say): Promise<DemoRow[]> {
  const t0 = performance.now();
  const rows: DemoRow[] = [], tiles: Tile[] = [];
  const runs: { file: string; model: string; blur?: number; extra: boolean }[] = [...DEMO_PHOTOS.map((p) => ({ ...p, extra: false })), ...DEMO_EXTRAS.map((p) => ({ ...p, extra: true }))];
  for (const name of [...new Set(runs.map((p) => p.model))]) {
    const seg = await load(name, { backend: o.backend });
    for (const p of runs.filter((q) => q.model === name)) {
      const t = performance.now();
      const r = await seg.segment(path.join(DEMO_PHOTOS_DIR, p.file));
      const ms = performance.now() - t;
      // A photo's first model writes to <photo>/, the others to <photo>-<model>/.
      const id = path.parse(p.file).name + (p.extra ? `-${name}` : '');
      await writePredictionOutputs(path.join(o.out, id), id, r.image, r.labels, seg.card.classes, 0.5);
      const found = r.classes.filter((c) => c.share >= 0.01).map((c) => ({ name: c.name, share: c.share }));
      rows.push({ photo: p.file, model: name, width: r.width, height: r.height, ms, classes: found });
      const top = found.filter((c) => c.name !== 'background' && c.name !== 'other').slice(0, 2).map((c) => `${c.name} ${Math.round(100 * c.share)}%`).join(', ');
      if (p.blur) {
        const picture = await r.background({ keep: ['person'], blur: p.blur, format: 'raw' }) as RgbImage;
        writeFileAtomic(path.join(o.out, id, `${id}_effect.png`), await r.background({ keep: ['person'], blur: p.blur }) as Buffer);
        tiles.push({ image: picture, caption: `${name}: background blurred` });
      } else tiles.push({ image: overlay(r.image, colorize(r.labels, r.width, r.height, seg.card.classes.map((c) => c.color)), 0.55), caption: `${name}: ${top || 'background'}` });
    }
    await seg.dispose();
  }
  const overview = path.join(o.out, 'overview.jpg');
  writeFileAtomic(overview, await overviewJpeg(tiles));
  log(`pixelwise demo: ${rows.length} photos segmented with the shipped models in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  log();
  log(demoTable(rows));
  log();
  log(`outputs (label maps, colour masks, overlays, legends, class shares): ${o.out}/<photo>/`);
  log(`overview picture: ${overview}`);
  log('try your own photo:   npx pixelwise predict my-photo.jpg --out predictions');
  log('a street scene:       npx pixelwise predict street.jpg --model cityscapes --out predictions');
  log('what else ships:      npx pixelwise models');
  return rows;
}

function demoTable(rows: DemoRow[]): string {
  const cells = rows.map((r) => [r.photo, `${r.width}x${r.height}`, r.model, `${r.ms.toFixed(0)} ms`,
    r.classes.map((c) => `${c.name} ${(100 * c.share).toFixed(1)}%`).join(', ')]);
  const head = ['photo', 'size', 'model', 'time', 'classes found (>= 1% of the pixels)'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [head, w.map((n) => '-'.repeat(n)), ...cells].map((r) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd()).join('\n');
}
