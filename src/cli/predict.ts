// `pixelwise predict`: label maps, colour masks, overlays and legends for images or folders.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { initEngine } from '../engine/backend.js';
import { openSegmenter } from '../inference/segmenter.js';
import { IMAGE_EXTS, readImage } from '../data/image_io.js';
import { writePredictionOutputs } from '../inference/outputs.js';
import { addInferenceOptions, segmenterOptions, type InferenceOpts } from './shared.js';
import { parseFloatArg } from './options.js';
import { progressBar } from '../util/progress.js';
import { UserError } from '../util/errors.js';
import { isDir, isFile, stem } from '../util/fs.js';

interface Opts extends InferenceOpts { model: string; out: string; alpha: number; weights?: string }

export function collectImages(inputs: string[]): string[] {
  const files: string[] = [];
  for (const p of inputs) {
    if (isDir(p)) {
      const found = fs.readdirSync(p).sort().filter((f) => IMAGE_EXTS.includes(path.extname(f).toLowerCase())).map((f) => path.join(p, f));
      if (!found.length) throw new UserError(`${p}: no images (jpg/png/bmp/webp/tiff) in this folder`);
      files.push(...found);
    } else if (isFile(p)) files.push(p);
    else throw new UserError(`${p}: no such file or folder`);
  }
  return files;
}

export function predictCommand(): Command {
  return addInferenceOptions(new Command('predict')
    .description('segment images: writes NAME_labels.png (class ids), NAME_color.png, NAME_overlay.png, NAME_legend.png')
    .argument('<inputs...>', 'image files or folders')
    .option('--model <name|dir>', 'shipped model (voc, cityscapes; see `pixelwise models`) or a training run / model package folder', 'voc')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .option('--out <dir>', 'output folder', 'predictions')
    .option('--alpha <x>', 'overlay opacity of the colour mask (0..1)', parseFloatArg, 0.5))
    .action(async (inputs: string[], o: Opts) => {
      if (o.alpha < 0 || o.alpha > 1) throw new UserError(`--alpha ${o.alpha}: must be between 0 and 1`);
      const files = collectImages(inputs);
      await initEngine(o.backend);
      const seg = await openSegmenter(o.model, { ...segmenterOptions(o), weights: o.weights });
      const card = seg.card;
      const bar = progressBar('predict', files.length, 'img', o.quiet || files.length < 2);
      const used = new Set<string>();
      let done = 0;
      for (const f of files) {
        const img = await readImage(f);
        const [labels] = await seg.predictBatch([img]);
        let name = stem(f);
        while (used.has(name)) name += '_';
        used.add(name);
        const w = await writePredictionOutputs(o.out, name, img, labels, card.classes, o.alpha);
        bar.update(++done);
        if (files.length === 1) process.stdout.write(`${f} -> ${w.labels}, ${path.basename(w.color)}, ${path.basename(w.overlay)}, ${path.basename(w.legend)}, ${path.basename(w.classes)}\n`);
      }
      bar.stop();
      if (files.length > 1) process.stdout.write(`${files.length} images -> ${o.out}\n`);
      await seg.dispose();
    });
}
