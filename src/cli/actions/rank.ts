// The `rank` command's work, loaded when the command runs (the definition in ../rank.ts stays light).
// Every image scored is appended to OUT/scores.jsonl at once (all strategies), so a run stopped
// anywhere continues where it stopped, and a later run with another strategy scores nothing again.
import fs from 'node:fs';
import path from 'node:path';
import { openSegmenter } from '../../inference/open.js';
import { readImage } from '../../data/image_io.js';
import { imagesUnder } from '../../data/image_list.js';
import { IMAGE_KINDS } from '../../data/image_exts.js';
import { imageUncertainty, type ImageUncertainty } from '../../inference/uncertainty.js';
import { labelProbability } from '../../inference/label_map.js';
import { ExportBuilder, exportNamesProblem } from '../../data/annotations/export.js';
import { checkExportDir, checkLabelmeEdits, parseExports, writeExports } from './exports.js';
import { segmenterOptions } from './shared.js';
import { checkOutputDir } from '../output_paths.js';
import { progressBar } from '../../util/progress.js';
import { UserError } from '../../util/errors.js';
import { appendLine, endCutLine, fileStamp, isDir, readJsonLines, writeFileAtomic, makeDir } from '../../util/fs.js';
import type { Opts } from '../rank.js';

interface Scored extends ImageUncertainty { image: string; bytes: number; mtimeMs: number; model: string }

function listImages(dir: string, recursive: boolean): string[] {
  if (!isDir(dir)) throw new UserError(`--images ${dir}: folder not found`);
  const out = imagesUnder(dir, recursive);
  if (!out.length) throw new UserError(`--images ${dir}: no images (${IMAGE_KINDS})${recursive ? '' : ' (--recursive looks in subfolders)'}`);
  return out;
}

/** Scores of an earlier run in `file` for this model, by image, still valid for the file as it is now. */
function earlierScores(file: string, model: string, dir: string): Map<string, Scored> {
  const m = new Map<string, Scored>();
  for (const s of readJsonLines<Scored>(file)) {
    if (s?.model !== model || typeof s.image !== 'string') continue;
    const st = fileStamp(path.join(dir, s.image));
    if (st && st.bytes === s.bytes && st.mtimeMs === s.mtimeMs) m.set(s.image, s);
  }
  return m;
}

export async function run(o: Opts): Promise<void> {
  checkOutputDir('--out', o.out);
  // rank.csv and rank.json are written over only where an earlier rank left its record (scores.jsonl).
  const foreign = ['rank.csv', 'rank.json'].filter((f) => fs.existsSync(path.join(o.out, f)));
  if (foreign.length && !fs.existsSync(path.join(o.out, 'scores.jsonl'))) throw new UserError(`--out ${o.out}: holds ${foreign.join(' and ')} that no earlier rank wrote (there is no scores.jsonl); rank would write over ${foreign.length > 1 ? 'them' : 'it'}: give a new folder`);
  const exports = o.export ? parseExports(o.export) : [];
  if (exports.length) checkExportDir(o.out);
  const files = listImages(o.images, !!o.recursive);
  // Checked before scoring: any of them may be selected.
  const clash = exports.length ? exportNamesProblem(files, exports) : null;
  if (clash) throw new UserError(`--export: ${clash}; rank them in separate runs`);
  const seg = await openSegmenter(o.model, { ...segmenterOptions(o), weights: o.weights });
  try {
    const card = seg.card;
    if (card.output.kind === 'labels') throw new UserError(`--model ${o.model ?? 'voc'}: gives label maps only (an argmax graph), no class probabilities to rank by; import the graph without its ArgMax`);
    const model = path.resolve(o.model ?? 'voc');
    makeDir(o.out);
    const jsonl = path.join(o.out, 'scores.jsonl');
    const done = earlierScores(jsonl, model, o.images);
    endCutLine(jsonl);
    const todo = files.filter((f) => !done.has(f));
    if (done.size) process.stderr.write(`${done.size} images scored by an earlier run (${jsonl}); scoring ${todo.length}\n`);
    const bar = progressBar('rank', todo.length, 'img', o.quiet);
    let n = 0;
    for (const f of todo) {
      const file = path.join(o.images, f);
      const [r] = await seg.scoresBatch([await readImage(file)]);
      const s: Scored = { image: f, ...fileStamp(file)!, model, ...imageUncertainty(r.scores, card.model.numClasses, r.labels) };
      appendLine(jsonl, JSON.stringify(s));
      done.set(f, s);
      bar.update(++n);
    }
    bar.stop();
    const score = (s: Scored) => s.scores[o.strategy][o.aggregate];
    const ranked = files.map((f) => done.get(f)!).sort((a, b) => score(b) - score(a) || a.image.localeCompare(b.image));
    const selected = ranked.slice(0, o.budget ?? ranked.length);
    const names = card.classes.map((c) => c.name);
    const csv = ['rank,image,score,entropy_mean,entropy_top10,margin_mean,margin_top10,least_confidence_mean,least_confidence_top10,selected',
      ...ranked.map((s, i) => [i + 1, JSON.stringify(s.image), score(s), s.scores.entropy.mean, s.scores.entropy.top10, s.scores.margin.mean, s.scores.margin.top10,
        s.scores['least-confidence'].mean, s.scores['least-confidence'].top10, i < selected.length ? 1 : 0].map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(5) : v)).join(','))];
    writeFileAtomic(path.join(o.out, 'rank.csv'), csv.join('\n') + '\n');
    writeFileAtomic(path.join(o.out, 'rank.json'), JSON.stringify({
      model: o.model ?? 'voc', images: o.images, strategy: o.strategy, aggregate: o.aggregate, budget: o.budget ?? null,
      ranked: ranked.map((s, i) => ({ rank: i + 1, image: s.image, score: score(s), scores: s.scores, perClass: s.perClass.map((c) => ({ class: names[c.id] ?? c.id, pixels: c.pixels, mean: c.mean })), selected: i < selected.length })),
    }, null, 1) + '\n');
    if (exports.length) {
      const lsNames = { fromName: o.lsFromName, toName: o.lsToName, imageUrlPrefix: o.imageUrlPrefix, regions: o.lsRegions, modelVersion: `pixelwise ${path.basename(model)}` };
      const builder = new ExportBuilder(card.classes, exports, lsNames, { outlineTolerance: o.outlineTolerance });
      checkLabelmeEdits(o.out, exports, selected.map((s) => s.image));
      for (const s of selected) {
        const img = await readImage(path.join(o.images, s.image));
        const [r] = await seg.scoresBatch([img]);
        await builder.add({ name: s.image, width: img.width, height: img.height, labels: r.labels, confidence: labelProbability(r.scores, card.model.numClasses, r.labels) });
      }
      const written = writeExports(o.out, exports, builder, card.classes, lsNames, (n) => path.join(o.images, n));
      process.stdout.write(`pre-annotations of the ${selected.length} selected: ${written.join(', ')}\n`);
    }
    const top = selected.slice(0, 5).map((s) => `${s.image} (${score(s).toFixed(3)})`).join(', ');
    process.stdout.write(`ranked ${ranked.length} images by ${o.strategy} (${o.aggregate}) -> ${path.join(o.out, 'rank.csv')}; most uncertain: ${top}\n`);
  } finally { await seg.dispose(); }
}
