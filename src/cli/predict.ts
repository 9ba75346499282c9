// `pixelwise predict`: label maps, colour masks, overlays and legends for images or folders.
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { initEngine, BACKENDS, type BackendName } from '../engine/backend.js';
import { openSegmenter, RUNTIMES, type RuntimeName } from '../inference/segmenter.js';
import { TTA_MODES, type TtaMode } from '../inference/tta.js';
import { IMAGE_EXTS, readImage } from '../data/image_io.js';
import { writePredictionOutputs } from '../inference/outputs.js';
import { parseFloatArg, parseIntArg, parsePositiveInt } from './options.js';
import { progressBar } from '../util/progress.js';
import { UserError } from '../util/errors.js';
import { isDir, isFile, stem } from '../util/fs.js';

interface Opts { model: string; out: string; alpha: number; backend: BackendName; quiet?: boolean; weights?: string; runtime: RuntimeName; tta: TtaMode; reflectPad?: number; threads?: number }

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
  return new Command('predict')
    .description('segment images: writes NAME_labels.png (class ids), NAME_color.png, NAME_overlay.png, NAME_legend.png')
    .argument('<inputs...>', 'image files or folders')
    .requiredOption('--model <dir>', 'training run folder or model package')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .option('--out <dir>', 'output folder', 'predictions')
    .option('--alpha <x>', 'overlay opacity of the colour mask (0..1)', parseFloatArg, 0.5)
    .addOption(new Option('--runtime <name>', 'inference runtime (auto = ONNX Runtime when the model exports, else TF.js)').choices(RUNTIMES).default('auto'))
    .addOption(new Option('--tta <mode>', 'test-time augmentation: average with the mirrored image (flip) or also upside down (flip2)').choices(TTA_MODES).default('none'))
    .option('--reflect-pad <px>', 'mirror the image outward by this many pixels for context at the borders (U-Net overlap-tile)', parseIntArg)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', parsePositiveInt)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--quiet', 'no progress bar')
    .action(async (inputs: string[], o: Opts) => {
      if (o.alpha < 0 || o.alpha > 1) throw new UserError(`--alpha ${o.alpha}: must be between 0 and 1`);
      const files = collectImages(inputs);
      await initEngine(o.backend);
      const seg = await openSegmenter(o.model, { runtime: o.runtime, weights: o.weights, threads: o.threads, tta: o.tta, reflectPad: o.reflectPad, log: (l) => process.stderr.write(l + '\n') });
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
        if (files.length === 1) process.stdout.write(`${f} -> ${w.labels}, ${path.basename(w.color)}, ${path.basename(w.overlay)}, ${path.basename(w.legend)}\n`);
      }
      bar.stop();
      if (files.length > 1) process.stdout.write(`${files.length} images -> ${o.out}\n`);
      await seg.dispose();
    });
}
