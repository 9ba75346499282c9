// `pixelwise train`: a model from a folder of images + masks.
import { Command, Option } from 'commander';
import { BACKENDS, type BackendName } from '../engine/backend_names.js';
import { DEFAULT_PRECISE_BN_IMAGES, LOSSES, ON_NAN, TEACHER_VIEWS, type LossName, type OnNaN, type TeacherView } from '../train/choices.js';
import { SCHEDULES, type ScheduleName } from '../train/schedule.js';
import { TRAIN_DEFAULTS } from '../train/config.js';
import { addArchOptions } from './arch_options.js';
import { addPairingOptions, type DataOpts } from './shared.js';
import { DEFAULT_AUGMENT } from '../data/augment.js';
import { CLASS_FILE_HELP, parseFloatArg, parseIntArg, parseNonNegativeInt, parsePositiveInt, parseRange, parseSize } from './options.js';

export interface Opts extends DataOpts {
  arch: string; model?: string; width?: number; depth?: number; outputStride?: number; valSplit?: string;
  valImages?: string; valMasks?: string; valList?: string; valFraction?: number; classes?: number; classFile?: string;
  ignoreIndex?: number; labelMap?: string; selectClasses?: string; others: 'background' | 'ignore'; inputSize?: [number, number]; resize?: [number, number];
  batchSize: number; epochs?: number; lr: number; schedule: ScheduleName; warmup: number; loss: LossName;
  classWeights?: string; focalGamma: number; augment: boolean; augScale: [number, number]; augRotate: number;
  flip: boolean; augColor: number; augElastic: number; seed: number; earlyStop?: number; maxMinutes?: number; out?: string;
  initClasses?: string | true; teacher?: string; teacherView?: TeacherView; distillWeight?: number; distillTemperature?: number;
  findLr?: number | true; resume?: string; onNan: OnNaN; backend: BackendName; quiet?: boolean; workers: string; microBatch: string; checkpointBlocks: string; config?: string; then?: string; valEvery: number; preciseBn?: number; channels: string; initWeights?: string; encoderWeights?: string;
}

export function trainCommand(): Command {
  const c = addArchOptions(addPairingOptions(new Command('train')
    .description('train a segmentation model on images + masks'), 'train')
    .option('--val-split <name>', 'with --data: the validation split (default val, when the dataset has it)')
    .option('--arch <name>', 'architecture: ENCODER_DECODER, a decoder or a network (see `pixelwise models`)', TRAIN_DEFAULTS.arch)
    .addOption(new Option('--model <name>').hideHelp())
    .option('--images <dir>', 'training images').option('--masks <dir>', 'training masks').option('--list <file>', 'training split list')
    .option('--val-images <dir>', 'validation images').option('--val-masks <dir>', 'validation masks').option('--val-list <file>', 'validation split list')
    .option('--val-fraction <f>', 'hold this share of the training pairs out for validation (0.2: a fifth), by a hash of each name: an image keeps its side as the folder grows', parseFloatArg)
    .option('--classes <n>', 'number of classes the model predicts (default: the dataset\'s, or those of --class-file)', parsePositiveInt)
    .option('--class-file <file>', CLASS_FILE_HELP)
    .option('--ignore-index <n>', `mask value that is ignored in loss and metrics (default ${TRAIN_DEFAULTS.ignoreIndex})`, parseIntArg)
    .option('--label-map <from:to,...>', 'remap mask values, e.g. 255:1')
    .option('--select-classes <names>', 'learn only these classes of the dataset (names or ids, comma-separated), e.g. road,car,person: the others become background (--others)')
    .addOption(new Option('--others <to>', 'with --select-classes: the pixels of the other classes become one background class (the dataset\'s own background class where it has one) or are ignored').choices(['background', 'ignore']).default('background'))
    .option('--input-size <HxW>', 'training crop size', parseSize)
    .option('--resize <HxW>', 'resize every image to this size first (and at inference)', parseSize)
    .option('--batch-size <n>', 'images per step', parsePositiveInt, TRAIN_DEFAULTS.batchSize)
    .option('--epochs <n>', `epochs (default ${TRAIN_DEFAULTS.epochs}; with --resume: extend or shorten the run)`, parsePositiveInt)
    .option('--lr <x>', 'base learning rate (Adam)', parseFloatArg, TRAIN_DEFAULTS.lr)
    .addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(SCHEDULES).default(TRAIN_DEFAULTS.schedule))
    .option('--warmup <steps>', 'linear warm-up steps', parseIntArg, TRAIN_DEFAULTS.warmupSteps)
    .addOption(new Option('--loss <name>', 'loss').choices(LOSSES).default(TRAIN_DEFAULTS.loss))
    .option('--class-weights <auto|w,...>', 'per-class loss weights, or "auto" (median frequency)')
    .option('--focal-gamma <x>', 'focal loss gamma', parseFloatArg, TRAIN_DEFAULTS.focalGamma)
    .option('--no-augment', 'no augmentation')
    .option('--aug-scale <min,max>', 'random scale range', parseRange, DEFAULT_AUGMENT.scale)
    .option('--aug-rotate <deg>', 'max rotation in degrees', parseFloatArg, DEFAULT_AUGMENT.rotate)
    .option('--no-flip', 'no horizontal flips')
    .option('--aug-color <x>', 'brightness/contrast/saturation jitter', parseFloatArg, DEFAULT_AUGMENT.brightness)
    .option('--aug-elastic <px>', 'elastic deformation: displacement std in pixels on a 3x3 grid (0 = off)', parseFloatArg, 0)
    .option('--seed <n>', 'random seed', parseIntArg, TRAIN_DEFAULTS.seed)
    .option('--early-stop <epochs>', 'stop when val mIoU has not improved for this many epochs', parsePositiveInt)
    .option('--max-minutes <m>', 'stop (resumably) after this much wall time', parseFloatArg)
    .addOption(new Option('--on-nan <what>', 'a step with a non-finite loss or gradient: stop the run (the last checkpoint is kept) or skip the step').choices(ON_NAN).default(TRAIN_DEFAULTS.onNaN))
    .option('--out <dir>', 'run folder (config, log, checkpoints, curves)')
    .option('--resume <dir>', 'continue a run from its last checkpoint')
    .option('--find-lr [steps]', 'instead of training: the learning-rate range test (fastai\'s lr_find), STEPS steps (default 100) from 1e-7 to 10, the loss of each; suggests --lr and writes OUT/lr_find.json and lr_find.png', parsePositiveInt)
    .option('--init-weights <file>', 'start from these weights (.safetensors, a run or model folder, or a shipped start), e.g. to fine-tune')
    .option('--init-classes [pairs]', 'with --init-weights from a model package: each class\'s scores start from the package\'s class of the same name (case-insensitive) or as paired here, NEW=OLD,... (e.g. Pavement=sidewalk); the other classes start new')
    .option('--teacher <model>', 'distillation: also learn from this model\'s class probabilities (a shipped name, model package or training run predicting the same classes)')
    .addOption(new Option('--teacher-view <view>', 'with --teacher: what the teacher sees: each augmented crop (as the student), or each whole image once, its probabilities warped with every crop (faster: one teacher pass per image; a teacher of a fixed input size sees the whole scene)').choices(TEACHER_VIEWS))
    .option('--distill-weight <w>', 'with --teacher: the distillation term\'s share of the loss, 0..1 (default 0.5; 1 = from the teacher alone)', parseFloatArg)
    .option('--distill-temperature <t>', 'with --teacher: softmax temperature of teacher and student in the distillation term (default 1)', parseFloatArg)
    .option('--encoder-weights <file>', 'pretrained encoder: a shipped start (MobileNetV2 starts from deeplabv3-voc by default), a model folder, torchvision .pth/.pt/.safetensors or Keras .h5; none: random; sets the encoder\'s layout and input normalisation')
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default(TRAIN_DEFAULTS.backend))
    .option('--channels <n|auto>', 'bands the network takes: auto = 8-bit photos (grey, RGB, RGBA) read as RGB, deeper samples (16-bit, float) or more bands read as stored; N = read as stored with N bands (1: grey; 4: RGBA or RGB + near-infrared; ...), normalised per band with the training set\'s mean and std', 'auto')
    .option('--val-every <epochs>', 'validate every N epochs (and after the last)', parsePositiveInt, TRAIN_DEFAULTS.valEvery)
    .option('--precise-bn <images>', `BatchNorm statistics for validation and the saved model recomputed from this many training images' augmented crops (default ${DEFAULT_PRECISE_BN_IMAGES}; 0 = the moving averages of the last steps)`, parseNonNegativeInt)
    .option('--workers <n|auto>', 'extra gradient worker threads (data parallel); auto = cores - 1', 'auto')
    .option('--micro-batch <n|auto>', 'samples per forward/backward pass in each thread; gradients are accumulated (exact for cross-entropy); auto = as many as fit the 4 GB wasm heap', 'auto')
    .option('--checkpoint-blocks <n|auto>', 'gradient checkpointing: run the network in n segments whose activations are recomputed in the backward pass (less memory, about a third more compute; 0 = off); auto = only when one sample would not fit the wasm heap otherwise', 'auto')
    .option('--config <file>', 'a recipe: JSON of these options ("input-size": "176x240", ...); the command line wins')
    .option('--then <recipe>', 'when this run completes, train this recipe next, from this run\'s best weights (they replace its init-weights); its run folder is resumed if it holds one')
    .option('--quiet', 'no progress bars'))
    .action(async (_o: Opts, cmd: Command) => (await import('./actions/train.js')).run(_o, cmd, trainCommand));
  return c;
}

