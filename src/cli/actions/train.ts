// The `train` command's work, loaded when the command runs (the definition in ../train.ts stays light).
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import type { BackendName } from '../../engine/backend_names.js';
import { TRAIN_DEFAULTS, type SplitSpec, type TrainConfig } from '../../train/config.js';
import { archOptionsFrom, ARCH_OPTION_KEYS } from '../../models/options.js';
import { getArch } from '../../models/registry.js';
import type { ModelCard } from '../../models/card.js';
import type { OptionKey } from '../../models/types.js';
import { runArchitecture, startingWeights, startNetworkOptions } from '../../train/starting_weights.js';
import { teacherClasses } from '../../train/teacher.js';
import { readClassList, resolveBinaryClasses, resolveClasses } from '../../data/class_file.js';
import type { Rgb } from '../../data/classes.js';
import { classList } from '../../inference/label_map.js';
import { selectClasses } from '../../data/class_selection.js';
import { MAX_CLASSES } from '../../data/class_sets.js';
import { classStarts } from '../../train/init_classes.js';
import { NO_AUGMENT } from '../../data/augment.js';
import { IMAGENET_NORM } from '../../data/normalize.js';
import { parseNumberList } from '../options.js';
import { makeSpec, resolveData, masksLabelMap } from './shared.js';
import { resolveBands } from './bands.js';
import { loadSamples } from '../../data/dataset.js';
import { applyRecipe, recipeOption } from '../recipe.js';
import { parseCheckpointBlocks, parseMicroBatch, parseWorkers } from '../options.js';
import { UserError } from '../../util/errors.js';
import { cliLog, flagOf } from '../flags.js';
import { checkOutputDir } from '../output_paths.js';
import { envConfig } from '../config.js';
import { isDir, isFile, writeFileAtomic, makeDir } from '../../util/fs.js';
import type { Opts } from '../train.js';
import { checkPairings, type OptionPairing } from '../shared.js';
import { shellArg } from '../shell_arg.js';

/**
 * What --resume may change (the rest defines the run: its model, data and recipe, as train.json
 * holds them); each is applied, said on stderr and kept in train.json.
 */
const CHANGEABLE_ON_RESUME = new Set(['epochs', 'maxMinutes', 'lr', 'onNan', 'workers', 'microBatch', 'checkpointBlocks', 'valEvery', 'preciseBn', 'earlyStop', 'backend', 'quiet', 'resume', 'config']);

/** Options given on the command line (or in a recipe) rather than left at their defaults. */
const givenOptions = (cmd: Command) => cmd.options.map((opt) => opt.attributeName()).filter((k) => {
  const src = cmd.getOptionValueSource(k);
  return src === 'cli' || src === 'config' || src === 'env';
});

/** What --find-lr leaves in --out: the run that follows may go there. */
const LR_FIND_FILES = ['lr_find.json', 'lr_find.png'];

/** --out holds nothing, or a run of train's own (train.json): a model package or any other folder is never written into. */
function checkRunFolder(dir: string): void {
  checkOutputDir('--out', dir);
  if (!isDir(dir)) return;
  const entries = fs.readdirSync(dir).filter((f) => !f.startsWith('.'));
  if (isFile(path.join(dir, 'last.safetensors'))) throw new UserError(`--out ${dir}: already holds a run; use --resume ${dir} to continue it or choose another --out`);
  // A range test's files (--find-lr) are where the run that follows them goes.
  if (entries.every((f) => LR_FIND_FILES.includes(f)) || isFile(path.join(dir, 'train.json'))) return;
  const what = entries.includes('model.json') ? 'a model package (model.json without train.json)' : `files that are not a training run (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})`;
  throw new UserError(`--out ${dir}: holds ${what}; train writes a run into a new or empty folder: choose another --out`);
}

/**
 * The starting package's network options where the command line gives none (the library's
 * startNetworkOptions), set on the options the network is built from.
 */
function startOptions(o: Opts, cmd: Command, start: ModelCard['model'] | undefined, numClasses: number, log: (s: string) => void): void {
  const given = Object.fromEntries(ARCH_OPTION_KEYS.filter((k) => ['cli', 'config'].includes(cmd.getOptionValueSource(k) ?? '')).map((k) => [k, (o as unknown as Record<OptionKey, number>)[k]]));
  const { options, changed } = startNetworkOptions(o.arch, numClasses, given, start);
  Object.assign(o, options);
  if (changed.length) log(`network options of ${o.initWeights}: ${changed.map(([k, v]) => `${flagOf(k)} ${v}`).join(', ')} (its layers fit; give the option to change it)`);
}

/** The run folder of a next-stage recipe, checked before any training (its JSON, its "out"). */
function nextStageOut(recipe: string): string {
  if (!isFile(recipe)) throw new UserError(`--then ${recipe}: no such recipe file`);
  const out = recipeOption(recipe, 'out');
  if (typeof out !== 'string') throw new UserError(`--then ${recipe}: the recipe names no "out" folder for its run; add one ("out": "runs/NAME")`);
  return out;
}

/**
 * The stages after this run (`then`, and each stage's own "then"), checked before any training: each
 * recipe readable with its own run folder. A stage whose folder is an earlier one's would resume that
 * finished run and start the chain again, for ever.
 */
function checkStages(first: string, runDir: string | undefined): void {
  const outs = new Map<string, string>(runDir == null ? [] : [[path.resolve(runDir), 'this run']]);
  const chain: string[] = [];
  for (let stage: unknown = first; typeof stage === 'string'; stage = recipeOption(stage, 'then')) {
    const out = nextStageOut(stage), key = path.resolve(out), earlier = outs.get(key);
    chain.push(stage);
    if (earlier) throw new UserError(`--then ${first}: stage ${chain.join(' -> ')} trains ${out}, the run folder of ${earlier}; the chain would come back to a finished run for ever: give each stage its own "out"`);
    outs.set(key, `stage ${stage}`);
  }
}

/**
 * The next stage of a recipe (`--then`): trained from `from`'s best weights, or resumed where its
 * run folder (the recipe's "out") holds a run already, through a fresh train command.
 */
async function trainNext(recipe: string, from: string, makeCommand: () => Command, log: (s: string) => void): Promise<void> {
  const out = nextStageOut(recipe);
  const resume = isFile(path.join(out, 'last.safetensors'));
  log(`--then ${recipe}: ${resume ? `resuming ${out}` : `training ${out} from the best weights of ${from}`}`);
  await makeCommand().parseAsync(resume ? ['--resume', out] : ['--config', recipe, '--init-weights', from], { from: 'user' });
}

/** What needs masks: refused, naming the option, for a run on images alone. */
function refuseWithoutMasks(o: Opts, cmd: Command, images: string): void {
  const given = (k: string) => cmd.getOptionValueSource(k) === 'cli' || cmd.getOptionValueSource(k) === 'config';
  const needs = ([['labelMap', '--label-map'], ['classWeights', '--class-weights'], ['loss', '--loss']] as const).find(([k]) => given(k));
  if (needs) throw new UserError(`${needs[1]} ${String(o[needs[0]])}: applies to masks, and --images ${images} has none (--teacher ${o.teacher} gives every target); give --masks, or drop ${needs[1]}`);
  if (o.distillWeight != null && o.distillWeight !== 1) throw new UserError(`--distill-weight ${o.distillWeight}: without masks the teacher is the only target (1); give --masks to mix in their loss`);
  if (o.selectClasses != null && o.others === 'ignore') throw new UserError(`--others ignore: without masks every pixel has the teacher's probabilities; the classes not selected join background (--others background)`);
}

/** Train's options that change something only with another (checked once a recipe is applied). */
const TRAIN_PAIRINGS: OptionPairing[] = [
  { options: ['--val-list'], applies: (o) => o.valImages != null, needs: '--val-images and --val-masks' },
  { options: ['--focal-gamma'], applies: (o) => String(o.loss).includes('focal'), needs: '--loss focal' },
  { options: ['--aug-scale', '--aug-rotate', '--aug-color', '--aug-elastic'], applies: (o) => o.augment !== false, needs: 'augmentation (not --no-augment)' },
];

export async function run(_o: Opts, cmd: Command, makeCommand?: () => Command): Promise<void> {
  if (_o.config) applyRecipe(cmd, _o.config);
  checkPairings(cmd, TRAIN_PAIRINGS);
  const o = cmd.opts<Opts>();
  if (o.then != null) checkStages(o.then, o.resume ?? o.out);
  // One word per concept: --model names a model package or shipped model, --arch an architecture.
  if (o.model != null) throw new UserError(`--model ${o.model}: train takes the architecture as --arch ${o.model} (--model names a model package or shipped model in predict, evaluate and video)`);
  // Unknown architecture or option: say so first (with --init-weights and no --arch, the network is
  // the start package's, whose options are checked once it is known).
  const archGiven = ['cli', 'config'].includes(cmd.getOptionValueSource('arch') ?? '');
  if (!o.resume && (archGiven || o.initWeights == null)) archOptionsFrom(o, o.arch, getArch(o.arch));
  const workers = parseWorkers(o.workers);
  const microBatch = parseMicroBatch(o.microBatch);
  const checkpointBlocks = parseCheckpointBlocks(o.checkpointBlocks);
  if (!(o.lr > 0)) throw new UserError(`--lr ${o.lr}: the learning rate must be above 0 (e.g. 1e-3)`);
  let cfg: TrainConfig, runDir: string;
  const log = cliLog;
  if (o.resume && o.findLr != null) throw new UserError(`--find-lr: tests the settings of a new run; drop --resume ${o.resume} (or --find-lr)`);
  // Refused before the data is read (the range test itself checks it too, for the library).
  if (typeof o.findLr === 'number' && (o.findLr < 10 || o.findLr > 100_000)) throw new UserError(`--find-lr ${o.findLr}: expected a whole number of steps, 10 to 100000`);
  if (o.resume) {
    runDir = o.resume;
    const f = path.join(runDir, 'train.json');
    if (!isDir(runDir) || !isFile(f)) throw new UserError(`--resume ${runDir}: not a training run folder (no train.json)`);
    try { cfg = JSON.parse(fs.readFileSync(f, 'utf8')) as TrainConfig; } catch (e) {
      throw new UserError(`${f}: not valid JSON (${(e as Error).message}); the run's configuration is damaged: start a new run with the same options`);
    }
    const fixed = givenOptions(cmd).filter((k) => !CHANGEABLE_ON_RESUME.has(k));
    if (fixed.length) {
      const flag = (k: string) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
      throw new UserError(`--resume ${runDir}: ${fixed.map(flag).join(', ')} cannot change on resume (the run's train.json defines its model, data and recipe); start a new run with --init-weights ${path.join(runDir, 'last.safetensors')} to train on from its weights`);
    }
    if (o.epochs != null) cfg.epochs = o.epochs;
    if (o.maxMinutes != null) cfg.maxMinutes = o.maxMinutes;
    if (givenOptions(cmd).includes('lr') && o.lr !== cfg.lr) {
      log(`--resume: learning rate ${o.lr} (--lr) instead of the run's ${cfg.lr}; train.json records it`);
      cfg.lr = o.lr;
    }
    if (givenOptions(cmd).includes('valEvery')) cfg.valEvery = o.valEvery;
    if (givenOptions(cmd).includes('preciseBn')) cfg.preciseBn = o.preciseBn;
    if (o.earlyStop != null) cfg.earlyStopPatience = o.earlyStop;
    cfg.onNaN = o.onNan;
    cfg.workers = workers;
    // Memory settings the run was started with stay unless given again.
    if (cmd.getOptionValueSource('microBatch') !== 'default') cfg.microBatch = microBatch;
    if (cmd.getOptionValueSource('checkpointBlocks') !== 'default') cfg.checkpointBlocks = checkpointBlocks;
  } else {
    // With a teacher, --images alone (no masks): the teacher's probabilities are every target.
    if (o.images != null && o.masks == null && o.data == null && o.teacher == null) throw new UserError('--masks is required with --images (or --data ROOT for a dataset in a standard layout; or --teacher MODEL to learn from a model\'s probabilities on the images alone)');
    const { pairing, layout: dataset } = resolveData(o, 'train', log, o.teacher == null);
    const noMasks = pairing.masks == null;
    const fromTeacher = noMasks ? teacherClasses(o.teacher!) : undefined;
    if (noMasks) refuseWithoutMasks(o, cmd, o.images!);
    if (o.selectClasses != null && !o.classFile && !dataset?.classes && !fromTeacher) throw new UserError(`--select-classes ${o.selectClasses}: the dataset's classes have no names here; give --class-file (or --data of a known layout)`);
    // The class count: given, the dataset's, or that of the class file.
    const classCount = o.classes ?? dataset?.classes?.length ?? (o.classFile != null ? readClassList(o.classFile).length : undefined) ?? fromTeacher?.length;
    if (o.classes != null && o.classes > MAX_CLASSES) throw new UserError(`--classes ${o.classes}: at most ${MAX_CLASSES} (label maps and masks hold one byte a pixel)`);
    if (classCount == null) throw new UserError(`--classes is required: the number of classes the masks hold (\`pixelwise verify\` with the same ${o.data != null ? '--data' : '--images and --masks'} lists the values they hold), or --class-file (or --resume RUN_DIR)`);
    if (o.out == null) throw new UserError('--out is required (or --resume RUN_DIR)');
    if ((o.valImages == null) !== (o.valMasks == null)) throw new UserError('--val-images and --val-masks go together');
    if (o.valSplit != null && o.data == null) throw new UserError(`--val-split ${o.valSplit}: needs --data ROOT; with --images, give --val-images and --val-masks`);
    if (o.valFraction != null && (o.valImages != null || o.valSplit != null)) throw new UserError(`--val-fraction ${o.valFraction}: holds validation images out of the training pairs; give it or ${o.valImages != null ? '--val-images' : '--val-split'}, not both`);
    let val: SplitSpec | undefined;
    if (o.valImages != null) val = { ...pairing, images: o.valImages, masks: o.valMasks!, list: o.valList };
    else if (dataset?.whole && o.valFraction == null) {
      // One images and masks folder: its "val" would be the training pairs themselves.
      if (o.valSplit != null) throw new UserError(`--val-split ${o.valSplit}: ${dataset.root} has no split folders (one images and masks folder); give --val-fraction 0.2 to hold a fifth of its pairs out`);
      log(`no validation split (${dataset.root} has no split folders); give --val-fraction 0.2 to hold a fifth of the training pairs out`);
    } else if (dataset && o.valFraction == null) {
      const valSplit = o.valSplit ?? 'val'; // a layout's own name for it (ADE20K's validation) is found by alias
      try { val = resolveData({ ...o, split: valSplit }, valSplit, log).pairing as SplitSpec; } catch (e) {
        // Refused as the split resolveData was given: the user named it --val-split.
        if (o.valSplit != null && e instanceof UserError && e.argument === 'split') throw new UserError(`valSplit${e.message.slice('split'.length)}`, 2, 'valSplit');
        if (o.valSplit != null || !(e instanceof UserError)) throw e;
        log(`no validation split (${e.message.split(': ').slice(1).join(': ')}); give --val-split NAME, or --val-fraction 0.2 to hold a fifth of the training pairs out`);
      }
    }
    runDir = o.out!;
    checkRunFolder(runDir);
    // --classes 1: binary segmentation, as smp's binary mode: one sigmoid output trained with
    // binary cross-entropy (or Dice), label maps where its probability exceeds 0.5 (--threshold).
    const binary = o.classes === 1;
    if (o.selectClasses != null && o.classes != null) throw new UserError(`--select-classes ${o.selectClasses}: the model's classes are the ones selected (with background); drop --classes ${o.classes}`);
    if (o.selectClasses == null && cmd.getOptionValueSource('others') === 'cli') throw new UserError(`--others ${o.others}: goes with --select-classes (where the pixels of the classes not selected go)`);
    let numClasses = binary ? 2 : classCount!;
    let ignoreIndex = o.ignoreIndex ?? dataset?.ignoreIndex ?? TRAIN_DEFAULTS.ignoreIndex;
    if (ignoreIndex < 0 || ignoreIndex > 255) throw new UserError(`--ignore-index ${ignoreIndex}: must be 0..255`);
    let classes = binary ? resolveBinaryClasses(o.classFile) : o.classFile == null && dataset?.classes && o.classes == null ? dataset.classes
      : o.classFile == null && o.classes == null && fromTeacher ? fromTeacher : resolveClasses(numClasses, o.classFile);
    if (binary) log(`binary segmentation (--classes 1): one sigmoid output for ${classes[1].name}; masks hold 0 (background) and 1 or 255 (${classes[1].name}); its loss is binary cross-entropy (--loss ce) or Dice; label maps mark ${classes[1].name} where its probability > 0.5 (--threshold ${classes[1].name}=P at inference)`);
    let labelMap = noMasks ? [] : await masksLabelMap(dataset, pairing, o.labelMap, numClasses, o.ignoreIndex, log);
    // The masks are read in the dataset's classes, then mapped onto the selected ones.
    const maskClasses = classes;
    let maskColors: Rgb[] | undefined, teacherMap: number[] | undefined;
    if (o.selectClasses != null && noMasks) {
      // Some of the teacher's classes: the others' probabilities are summed into background.
      const s = selectClasses(classes, [], 255, classList(o.selectClasses), 'background');
      teacherMap = s.labelMap.slice(0, classes.length).map(([, to]) => to);
      classes = s.classes;
      numClasses = classes.length;
      log(`classes: ${classes.map((c) => c.name).join(', ')}; the teacher's ${s.others.join(', ') || 'none'} as ${classes[0].name}`);
    } else if (o.selectClasses != null) {
      const s = selectClasses(classes, labelMap, ignoreIndex, classList(o.selectClasses), o.others);
      ({ classes, labelMap, ignoreIndex, maskColors } = s);
      numClasses = classes.length;
      log(`classes: ${classes.map((c) => c.name).join(', ')}; ${o.others === 'background' ? `as ${classes[0].name}` : 'ignored'}: ${s.others.join(', ') || 'none'}`);
    }
    if (noMasks) log(`no masks: ${o.teacher}'s class probabilities are the targets of every pixel (distillation alone)${teacherMap ? '' : `; classes: ${classes.map((c) => c.name).join(', ')}`}`);
    let classWeights: number[] | 'auto' | undefined;
    if (o.classWeights === 'auto') classWeights = 'auto';
    else if (o.classWeights) {
      try { classWeights = parseNumberList(o.classWeights); } catch { throw new UserError(`--class-weights ${o.classWeights}: expected auto or one comma-separated number per class`); }
      if (classWeights.length !== numClasses) throw new UserError(`--class-weights has ${classWeights.length} values for ${numClasses} classes`);
    }
    if (classWeights !== undefined && classWeights !== 'auto' && (classWeights.some((w) => w < 0) || classWeights.every((w) => w === 0))) {
      throw new UserError(`--class-weights ${o.classWeights}: weights must be >= 0 and at least one above 0 (all zero weights train nothing)`);
    }
    if (!o.teacher && (o.distillWeight != null || o.distillTemperature != null || o.teacherView != null)) throw new UserError(`${o.distillWeight != null ? '--distill-weight' : o.distillTemperature != null ? '--distill-temperature' : '--teacher-view'} needs --teacher MODEL (the model to distil from)`);
    const start = startingWeights(o, log);
    const { initWeights, encoderWeights, layout, norm, initClasses: startClasses, initModel } = start;
    o.arch = runArchitecture(archGiven ? o.arch : undefined, o.arch, start, o.initWeights, log);
    startOptions(o, cmd, initModel, numClasses, log);
    if (o.initClasses !== undefined && !startClasses) throw new UserError(`--init-classes needs --init-weights naming a model package or run folder (a weights file has no class names)`);
    const initClasses = o.initClasses !== undefined && startClasses
      ? { starts: classStarts(classes, startClasses, o.initClasses === true ? undefined : o.initClasses), from: startClasses.length } : undefined;
    if (initClasses) log(`class scores from ${o.initWeights}: ${classes.map((c, i) => `${c.name}${initClasses.starts[i] >= 0 ? `<-${startClasses![initClasses.starts[i]].name}` : ' (new)'}`).join(', ')}`);
    const inputSize = o.inputSize ?? o.resize;
    if (!inputSize) throw new UserError('--input-size HxW is required (the training crop), e.g. --input-size 256x256');
    if (o.augment && o.augElastic >= Math.min(...inputSize)) throw new UserError(`--aug-elastic ${o.augElastic}: a displacement as large as the crop (${inputSize.join('x')}) moves the pixels out of it; give a few pixels (e.g. 8)`);
    const bands = await resolveBands(o.channels, loadSamples(makeSpec(pairing, numClasses, ignoreIndex, labelMap, maskClasses)).map((s) => s.image), log, o.quiet);
    cfg = {
      model: { arch: o.arch, numClasses, ...(binary ? { binary } : {}), ...archOptionsFrom(o, o.arch, getArch(o.arch)), ...layout, ...(bands && bands.bands !== 3 ? { inChannels: bands.bands } : {}) },
      ...(bands ? { bands: bands.bands, sampleType: bands.sampleType } : {}),
      train: pairing as SplitSpec, val, ...(o.valFraction != null ? { valFraction: o.valFraction } : {}),
      classes, ignoreIndex, labelMap, ...(maskColors ? { maskColors } : {}), inputSize, resize: o.resize,
      batchSize: o.batchSize, epochs: o.epochs ?? TRAIN_DEFAULTS.epochs, lr: o.lr, schedule: o.schedule, warmupSteps: o.warmup,
      loss: o.loss, classWeights, focalGamma: o.focalGamma,
      augment: o.augment ? { scale: o.augScale, rotate: o.augRotate, flip: o.flip, brightness: o.augColor, contrast: o.augColor, saturation: o.augColor, ...(o.augElastic ? { elastic: o.augElastic } : {}) } : NO_AUGMENT,
      // Pretrained encoders get the normalisation their weights were trained with.
      norm: bands?.norm ?? norm ?? IMAGENET_NORM, seed: o.seed, earlyStopPatience: o.earlyStop, maxMinutes: o.maxMinutes, onNaN: o.onNan,
      valBatchSize: o.batchSize, backend: o.backend, workers, microBatch, checkpointBlocks, valEvery: o.valEvery, preciseBn: o.preciseBn, initWeights, encoderWeights, ...(initClasses ? { initClasses } : {}),
      ...(o.teacher ? { teacher: o.teacher, distillWeight: o.distillWeight, distillTemperature: o.distillTemperature, ...(teacherMap ? { teacherClasses: teacherMap } : {}), ...(o.teacherView ? { teacherView: o.teacherView } : {}) } : {}),
      ...(o.then ? { then: o.then } : {}),
    };
  }
  // A next stage named by a resumed run is checked now, not after its training.
  if (o.resume && cfg.then) checkStages(cfg.then, runDir);
  // Settings of this machine, not of the run: from the environment each time (cli/config.ts).
  const env = envConfig();
  cfg.cacheMb = env.cacheMb;
  cfg.ortKernels = env.ortKernels;
  // The engine and trainer load once the run is checked: a refused command ends without them.
  const [{ initEngine }, { train, trainedText }] = await Promise.all([import('../../engine/backend.js'), import('../../train/trainer.js')]);
  await initEngine(o.backend !== 'auto' ? o.backend : (cfg.backend as BackendName) ?? 'auto');
  // Ctrl-C or SIGTERM: the run stops after its current step with a checkpoint; a second one ends
  // the process at once, without saving.
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) { log('second interrupt: exiting without saving'); process.exit(130); }
    log('\ninterrupt: finishing this step, saving a checkpoint, then exiting (Ctrl-C again to abort)');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (o.findLr != null) {
    try { await lrRangeTest(cfg, runDir, o.findLr === true ? 100 : o.findLr, stop.signal, o.quiet, log); } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return;
  }
  let r: Awaited<ReturnType<typeof train>>;
  try { r = await train(cfg, runDir, !!o.resume, { quiet: o.quiet, signal: stop.signal, log }); } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const best = r.state.bestMIoU >= 0 ? `, best val mIoU ${(r.state.bestMIoU * 100).toFixed(2)} at epoch ${r.state.bestEpoch}${r.bestPartial ? ' (partial)' : ''}` : '';
  process.stdout.write(`${r.interrupted ? 'interrupted' : 'done'}: ${trainedText(r)} in ${runDir}${best}\n`);
  if (r.interrupted || r.outOfTime) log(`continue with --resume ${shellArg(runDir)}`);
  if (r.interrupted) { process.exitCode = 130; return; }
  // The next stage starts from a finished run only (all epochs, or stopped early), not one that
  // --max-minutes cut short: resuming that one goes on to the next stage when it finishes.
  const finished = r.state.epoch >= cfg.epochs || (!!cfg.earlyStopPatience && r.state.epochsWithoutImprovement >= cfg.earlyStopPatience);
  if (cfg.then && makeCommand && finished) await trainNext(cfg.then, runDir, makeCommand, log);
}

/** --find-lr: the range test on the run's model and data; its curve and suggestion in the run folder, nothing trained. */
async function lrRangeTest(cfg: TrainConfig, runDir: string, steps: number, signal: AbortSignal, quiet: boolean | undefined, log: (l: string) => void): Promise<void> {
  const [{ findLearningRate }, { renderCharts }] = await Promise.all([import('../../train/lr_find.js'), import('../../render/chart.js')]);
  log(`learning-rate range test: ${steps} steps from 1e-7 to 10, batch ${cfg.batchSize}, ${cfg.inputSize.join('x')} crops (nothing is trained or saved but its curve)`);
  const r = await findLearningRate(cfg, { steps, minLr: 1e-7, maxLr: 10, signal, quiet });
  makeDir(runDir);
  const lg = (p: { lr: number }) => Math.log10(p.lr);
  const fin = r.points.filter((p) => Number.isFinite(p.loss));
  const lo = Math.min(...fin.map((p) => p.smoothed)), hi = Math.max(...fin.map((p) => p.smoothed));
  writeFileAtomic(path.join(runDir, 'lr_find.png'), await renderCharts([{
    title: `loss against the learning rate (suggested ${r.suggested.toExponential(1)})`,
    xAxis: (x, end) => `${end === 'first' ? 'lr ' : ''}${(10 ** x).toExponential(0)}`,
    series: [
      { name: 'loss', color: '#bbbbbb', points: fin.map((p) => [lg(p), p.loss]) },
      { name: 'smoothed', color: '#1f77b4', points: fin.map((p) => [lg(p), p.smoothed]) },
      { name: 'suggested', color: '#d62728', points: [[Math.log10(r.suggested), lo], [Math.log10(r.suggested), hi]] },
    ],
  }], 700, 360));
  writeFileAtomic(path.join(runDir, 'lr_find.json'), JSON.stringify({ suggested: r.suggested, steepest: r.steepest, minimumTenth: r.minimumTenth, diverged: r.diverged, interrupted: r.interrupted, points: r.points }, null, 1) + '\n');
  const every = Math.max(1, Math.floor(r.points.length / 10));
  if (!quiet) for (const p of r.points.filter((_, i) => i % every === 0)) process.stderr.write(`  lr ${p.lr.toExponential(2)}  loss ${p.smoothed.toFixed(4)}\n`);
  process.stdout.write(`suggested: --lr ${Number(r.suggested.toPrecision(2))} (the valley of the loss; steepest fall at ${Number(r.steepest.toPrecision(2))}, a tenth of its minimum ${Number(r.minimumTenth.toPrecision(2))})${r.diverged ? '' : '; the loss did not blow up by 10'}${r.interrupted ? ' (stopped early)' : ''}; ${path.join(runDir, 'lr_find.png')}\n`);
  if (r.interrupted) process.exitCode = 130;
}
