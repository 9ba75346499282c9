// `pixelwise train`: a model from a folder of images + masks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { initEngine, BACKENDS, type BackendName } from '../engine/backend.js';
import { train } from '../train/trainer.js';
import type { TrainConfig } from '../train/config.js';
import { LOSSES, type LossName } from '../train/losses.js';
import { SCHEDULES, type ScheduleName } from '../train/schedule.js';
import { addArchOptions, archOptionsFrom } from '../models/options.js';
import { archNormalization } from '../models/registry.js';
import { layoutForEncoderWeights } from '../io/encoder_weights.js';
import { resolveClasses } from '../data/classes.js';
import { DEFAULT_AUGMENT, NO_AUGMENT } from '../data/augment.js';
import { IMAGENET_NORM } from '../data/loader.js';
import { parseFloatArg, parseIntArg, parseNumberList, parsePositiveInt, parseRange, parseSize } from './options.js';
import { resolveLabelMap } from './shared.js';
import { applyRecipe } from './recipe.js';
import { UserError } from '../util/errors.js';
import { isDir, isFile } from '../util/fs.js';

interface Opts {
  arch: string; model?: string; width?: number; depth?: number; outputStride?: number; images?: string; masks?: string; list?: string;
  valImages?: string; valMasks?: string; valList?: string; classes?: number; classFile?: string;
  ignoreIndex: number; labelMap?: string; inputSize?: [number, number]; resize?: [number, number];
  batchSize: number; epochs?: number; lr: number; schedule: ScheduleName; warmup: number; loss: LossName;
  classWeights?: string; focalGamma: number; augment: boolean; augScale: [number, number]; augRotate: number;
  flip: boolean; augColor: number; augElastic: number; seed: number; earlyStop?: number; maxMinutes?: number; out?: string;
  resume?: string; backend: BackendName; quiet?: boolean; workers: string; microBatch: string; config?: string; valEvery: number; initWeights?: string; encoderWeights?: string;
}

export function trainCommand(): Command {
  return addArchOptions(new Command('train')
    .description('train a segmentation model on images + masks')
    .option('--arch <name>', 'architecture: ENCODER_DECODER, a decoder or a network (see `pixelwise models`)', 'unet')
    .addOption(new Option('--model <name>').hideHelp())
    .option('--images <dir>', 'training images').option('--masks <dir>', 'training masks').option('--list <file>', 'training split list')
    .option('--val-images <dir>', 'validation images').option('--val-masks <dir>', 'validation masks').option('--val-list <file>', 'validation split list')
    .option('--classes <n>', 'number of classes the model predicts', parsePositiveInt)
    .option('--class-file <file>', 'class names and colours (JSON), or a built-in set: voc, cityscapes, ade20k, camvid')
    .option('--ignore-index <n>', 'mask value that is ignored in loss and metrics', parseIntArg, 255)
    .option('--label-map <from:to,...>', 'remap mask values, e.g. 255:1')
    .option('--input-size <HxW>', 'training crop size', parseSize)
    .option('--resize <HxW>', 'resize every image to this size first (and at inference)', parseSize)
    .option('--batch-size <n>', 'images per step', parsePositiveInt, 4)
    .option('--epochs <n>', 'epochs (default 30; with --resume: extend or shorten the run)', parsePositiveInt)
    .option('--lr <x>', 'base learning rate (Adam)', parseFloatArg, 1e-3)
    .addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(SCHEDULES).default('poly'))
    .option('--warmup <steps>', 'linear warm-up steps', parseIntArg, 0)
    .addOption(new Option('--loss <name>', 'loss').choices(LOSSES).default('ce'))
    .option('--class-weights <auto|w,...>', 'per-class loss weights, or "auto" (median frequency)')
    .option('--focal-gamma <x>', 'focal loss gamma', parseFloatArg, 2)
    .option('--no-augment', 'no augmentation')
    .option('--aug-scale <min,max>', 'random scale range', parseRange, DEFAULT_AUGMENT.scale)
    .option('--aug-rotate <deg>', 'max rotation in degrees', parseFloatArg, DEFAULT_AUGMENT.rotate)
    .option('--no-flip', 'no horizontal flips')
    .option('--aug-color <x>', 'brightness/contrast/saturation jitter', parseFloatArg, DEFAULT_AUGMENT.brightness)
    .option('--aug-elastic <px>', 'elastic deformation: displacement std in pixels on a 3x3 grid (0 = off)', parseFloatArg, 0)
    .option('--seed <n>', 'random seed', parseIntArg, 1)
    .option('--early-stop <epochs>', 'stop when val mIoU has not improved for this many epochs', parsePositiveInt)
    .option('--max-minutes <m>', 'stop (resumably) after this much wall time', parseFloatArg)
    .option('--out <dir>', 'run folder (config, log, checkpoints, curves)')
    .option('--resume <dir>', 'continue a run from its last checkpoint')
    .option('--init-weights <file>', 'start from these weights (.safetensors of a run or model package), e.g. to fine-tune')
    .option('--encoder-weights <file>', 'pretrained encoder weights: torchvision .pth/.pt/.safetensors or Keras .h5 (e.g. ImageNet); sets the encoder\'s layout and input normalisation')
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--val-every <epochs>', 'validate every N epochs (and after the last)', parsePositiveInt, 1)
    .option('--workers <n|auto>', 'extra gradient worker threads (data parallel); auto = cores - 1', 'auto')
    .option('--micro-batch <n|auto>', 'samples per forward/backward pass in each thread; gradients are accumulated (exact for cross-entropy); auto = as many as fit the 4 GB wasm heap', 'auto')
    .option('--config <file>', 'a recipe: JSON of these options ("input-size": "176x240", ...); the command line wins')
    .option('--quiet', 'no progress bars'))
    .action(async (_o: Opts, cmd: Command) => {
      if (_o.config) applyRecipe(cmd, _o.config);
      const o = cmd.opts<Opts>();
      // One word per concept: --model names a model package or shipped model, --arch an architecture.
      if (o.model != null) throw new UserError(`--model ${o.model}: train takes the architecture as --arch ${o.model} (--model names a model package or shipped model in predict, evaluate and video)`);
      if (!o.resume) archOptionsFrom(o, o.arch); // unknown architecture or option: say so first
      const workers = parseWorkers(o.workers);
      const microBatch = parseMicroBatch(o.microBatch);
      let cfg: TrainConfig, runDir: string;
      const log = (l: string) => process.stderr.write(l + '\n');
      if (o.resume) {
        runDir = o.resume;
        const f = path.join(runDir, 'train.json');
        if (!isDir(runDir) || !isFile(f)) throw new UserError(`--resume ${runDir}: not a training run folder (no train.json)`);
        cfg = JSON.parse(fs.readFileSync(f, 'utf8')) as TrainConfig;
        if (o.epochs != null) cfg.epochs = o.epochs;
        if (o.maxMinutes != null) cfg.maxMinutes = o.maxMinutes;
        cfg.workers = workers;
        cfg.microBatch = microBatch;
      } else {
        for (const [k, v] of [['--images', o.images], ['--masks', o.masks], ['--classes', o.classes], ['--out', o.out]] as const) {
          if (v == null) throw new UserError(`${k} is required (or --resume RUN_DIR)`);
        }
        if ((o.valImages == null) !== (o.valMasks == null)) throw new UserError('--val-images and --val-masks go together');
        runDir = o.out!;
        if (isFile(path.join(runDir, 'last.safetensors'))) {
          throw new UserError(`--out ${runDir}: already holds a run; use --resume ${runDir} to continue it or choose another --out`);
        }
        const numClasses = o.classes!;
        if (o.ignoreIndex < 0 || o.ignoreIndex > 255) throw new UserError(`--ignore-index ${o.ignoreIndex}: must be 0..255`);
        const classes = resolveClasses(numClasses, o.classFile);
        const labelMap = await resolveLabelMap({ images: o.images!, masks: o.masks, list: o.list }, o.labelMap, numClasses, o.ignoreIndex, log);
        let classWeights: number[] | 'auto' | undefined;
        if (o.classWeights === 'auto') classWeights = 'auto';
        else if (o.classWeights) {
          classWeights = parseNumberList(o.classWeights);
          if (classWeights.length !== numClasses) throw new UserError(`--class-weights has ${classWeights.length} values for ${numClasses} classes`);
        }
        if (o.initWeights && !isFile(o.initWeights)) throw new UserError(`--init-weights ${o.initWeights}: file not found`);
        if (o.encoderWeights && !isFile(o.encoderWeights)) throw new UserError(`--encoder-weights ${o.encoderWeights}: file not found`);
        const layout = layoutForEncoderWeights(o.arch, o.encoderWeights);
        const inputSize = o.inputSize ?? o.resize;
        if (!inputSize) throw new UserError('--input-size HxW is required (the training crop), e.g. --input-size 256x256');
        cfg = {
          model: { arch: o.arch, numClasses, ...archOptionsFrom(o, o.arch), ...layout },
          train: { images: o.images!, masks: o.masks!, list: o.list },
          val: o.valImages ? { images: o.valImages, masks: o.valMasks!, list: o.valList } : undefined,
          classes, ignoreIndex: o.ignoreIndex, labelMap, inputSize, resize: o.resize,
          batchSize: o.batchSize, epochs: o.epochs ?? 30, lr: o.lr, schedule: o.schedule, warmupSteps: o.warmup,
          loss: o.loss, classWeights, focalGamma: o.focalGamma,
          augment: o.augment ? { scale: o.augScale, rotate: o.augRotate, flip: o.flip, brightness: o.augColor, contrast: o.augColor, saturation: o.augColor, elastic: o.augElastic } : NO_AUGMENT,
          // Pretrained encoders get the normalisation their weights were trained with.
          norm: o.encoderWeights ? archNormalization(o.arch, layout.layout) : IMAGENET_NORM, seed: o.seed, earlyStopPatience: o.earlyStop, maxMinutes: o.maxMinutes,
          valBatchSize: o.batchSize, backend: o.backend, workers, microBatch, valEvery: o.valEvery, initWeights: o.initWeights, encoderWeights: o.encoderWeights,
        };
      }
      await initEngine(o.backend !== 'auto' ? o.backend : (cfg.backend as BackendName) ?? 'auto');
      const r = await train(cfg, runDir, !!o.resume, { quiet: o.quiet });
      const best = r.state.bestMIoU >= 0 ? `, best val mIoU ${(r.state.bestMIoU * 100).toFixed(2)} at epoch ${r.state.bestEpoch}` : '';
      process.stdout.write(`${r.interrupted ? 'interrupted' : 'done'}: ${r.state.epoch} epochs in ${runDir}${best}\n`);
      if (r.interrupted) process.exitCode = 130;
    });
}

function parseMicroBatch(v: string): number | 'auto' {
  if (v === 'auto') return v;
  if (!/^\d+$/.test(v) || parseInt(v, 10) < 1) throw new UserError(`--micro-batch ${v}: expected a number of samples (>= 1) or "auto"`);
  return parseInt(v, 10);
}

export function parseWorkers(v: string): number {
  if (v === 'auto') return Math.max(0, (os.availableParallelism?.() ?? os.cpus().length) - 1);
  if (!/^\d+$/.test(v)) throw new UserError(`--workers ${v}: expected a number of threads or "auto"`);
  return parseInt(v, 10);
}
