// Options the commands share (dataset, inference), defined without loading what runs them.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { BACKENDS, type BackendName } from '../engine/backend_names.js';
import { LAYOUTS, type LayoutName } from '../data/layouts.js';
import { RUNTIMES, type RuntimeName } from '../inference/runtime_names.js';
import { TTA_MODES, type TtaMode } from '../inference/tta.js';
import { PRECISIONS, type Precision } from '../models/precision_names.js';
import { CLASS_FILE_HELP, parseClassThreshold, parseFloatArg, parseIntArg, parseNonNegative, parsePositiveInt, parseSize } from './options.js';
import { IMAGE_KINDS } from '../data/image_exts.js';
import { LS_REGIONS, type LabelStudioRegions } from '../data/annotations/format_names.js';
import { UserError } from '../util/errors.js';

/** Where a command's labelled data is: a dataset in a standard layout (--data) or two folders. */
export interface DataOpts {
  images?: string; masks?: string; list?: string; data?: string; layout?: LayoutName | 'auto'; split?: string;
  maskSuffix?: string; imageSuffix?: string; recursive?: boolean; reduceZeroLabel?: boolean;
}

/** --data/--layout/--split and the pairing options of folders (--mask-suffix, --image-suffix, --recursive). */
export function addPairingOptions(c: Command, defaultSplit: string): Command {
  return c.option('--data <dir>', `a dataset in a standard layout (${LAYOUTS.filter((l) => l !== 'folders').join(', ')}; or images/ + masks/), instead of --images and --masks`)
    .addOption(new Option('--layout <name>', 'the layout of --data (default: recognised from its folders)').choices([...LAYOUTS, 'auto']))
    .option('--split <name>', `the split of --data (default ${defaultSplit}; ADE20K, KITTI and Mapillary name them training and validation)`)
    .option('--mask-suffix <s>', 'masks are named after their images plus this (img_0.png with img_0_mask.png: _mask)')
    .option('--image-suffix <s>', 'images are named after their masks plus this (removed before pairing)')
    .option('--recursive', 'look for images and masks in subfolders too (paired by their path below the folder)')
    .option('--reduce-zero-label', 'ADE20K: label 0 ("other") is void, labels 1..150 become classes 0..149 (the default, as MMSegmentation)')
    .option('--no-reduce-zero-label', 'ADE20K: keep label 0 ("other") as class 0 of 151');
}

export function addDatasetOptions(c: Command, defaultSplit = 'train'): Command {
  c.option('--images <dir>', `folder of images (${IMAGE_KINDS})`);
  c.option('--masks <dir>', 'folder of PNG masks, paired with images by file name');
  return addPairingOptions(c, defaultSplit).option('--list <file>', 'split list: only the images named in it (one per line, e.g. CamVid train.txt)')
    .option('--label-map <from:to,...>', 'remap mask values before use, e.g. 255:1 for 0/255 binary masks')
    .option('--class-file <file>', `${CLASS_FILE_HELP} (colours needed for RGB colour masks)`);
}

/** Options of every command that runs a model: runtime, TTA, border context, threads, backend. */
export interface InferenceOpts {
  runtime: RuntimeName; tta: Tta; reflectPad?: number; threads?: number; backend: BackendName; quiet?: boolean;
  threshold?: { cls: string; prob: number }; tile?: number | boolean; overlap: number; inputSize?: [number, number]; precision?: Precision;
}

/** --tta: an orientation mode and/or scales, comma-separated (flip,0.75,1,1.25). */
export interface Tta { mode: TtaMode; scales: number[] }

export function parseTta(v: string): Tta {
  let mode: TtaMode = 'none';
  const scales: number[] = [];
  for (const part of v.split(',').map((x) => x.trim()).filter(Boolean)) {
    if ((TTA_MODES as string[]).includes(part)) {
      if (mode !== 'none' && part !== 'none') throw new InvalidArgumentError(`one orientation mode at most (${mode} and ${part})`);
      mode = part as TtaMode;
    } else if (/^\d*\.?\d+$/.test(part) && +part >= 0.25 && +part <= 4) scales.push(+part);
    else throw new InvalidArgumentError(`${part}: expected ${TTA_MODES.join(', ')} and/or scales between 0.25 and 4, e.g. flip,0.75,1,1.25`);
  }
  return { mode, scales: scales.length ? scales : [1] };
}

export function addInferenceOptions(c: Command): Command {
  return c
    .addOption(new Option('--runtime <name>', 'inference runtime (auto = ONNX Runtime when the model exports, else TF.js)').choices(RUNTIMES).default('auto'))
    .addOption(new Option('--tta <mode,scales>', 'test-time augmentation: average with the mirrored image (flip), also upside down (flip2), or all 8 mirrors and quarter turns (d4), and/or over scales (flip,0.75,1,1.25)')
      .argParser(parseTta).default({ mode: 'none', scales: [1] }, 'none'))
    .option('--input-size <HxW>', 'run the network on each image resized to this size (faster on big frames, less detail); label maps come back at full size', parseSize)
    .addOption(new Option('--precision <p>', 'int8: the model\'s 8-bit graph (made by pixelwise quantize); float32: its float one (default: the model\'s own)').choices(PRECISIONS))
    .option('--tile <px>', 'segment in overlapping tiles of this size (huge images; automatic above 4 megapixels, at 1024)', parsePositiveInt)
    .option('--no-tile', 'never tile, whatever the image size')
    .option('--overlap <x>', 'share of a tile that overlaps its neighbours (0..0.9)', parseFloatArg, 0.25)
    .option('--reflect-pad <px>', 'mirror the image outward by this many pixels for context at the borders (U-Net overlap-tile)', parseIntArg)
    .option('--threshold <class=p>', 'predict this class wherever its probability reaches p instead of the most likely class (thin or rare classes: IoU/F1 peak below 0.5)', parseClassThreshold)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', parsePositiveInt)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--quiet', 'no progress bar');
}

/** How predict, rank and video write pre-annotations: what they say to Label Studio, how closely outlines follow the pixels. */
export interface ExportOpts { lsFromName: string; lsToName: string; imageUrlPrefix: string; lsRegions: LabelStudioRegions; outlineTolerance: number }

/** Options that change something only with another setting: `needs` says which. */
export interface OptionPairing { options: string[]; applies: (o: Record<string, unknown>) => boolean; needs: string }

/**
 * Refuses an option given (on the command line or in a recipe) where its pairing says it would do
 * nothing (a setting of an export that is not asked for): said, not ignored in silence.
 */
export function checkPairings(c: Command, pairings: OptionPairing[]): void {
  for (const p of pairings) {
    if (p.applies(c.opts())) continue;
    const given = p.options.find((flag) => ['cli', 'config'].includes(c.getOptionValueSource(c.options.find((x) => x.long === flag)!.attributeName()) ?? ''));
    if (given) throw new UserError(`${given} goes with ${p.needs}; without it, it would change nothing`);
  }
}

/** checkPairings before the command's action. */
export function goesWith(c: Command, options: string[], applies: OptionPairing['applies'], needs: string): Command {
  return c.hook('preAction', (_cmd, action) => { if (action === c) checkPairings(c, [{ options, applies, needs }]); });
}

const exportsAsked = (o: Record<string, unknown>, key = 'export') => String(o[key] ?? '').split(',').map((f) => f.trim().toLowerCase());

export function addExportOptions(c: Command, flag: '--export' | '--to' = '--export'): Command {
  const asked = (o: Record<string, unknown>) => exportsAsked(o, flag === '--to' ? 'to' : 'export');
  goesWith(c, ['--ls-from-name', '--ls-to-name', '--image-url-prefix', '--ls-regions'], (o) => asked(o).includes('labelstudio'), `${flag} labelstudio`);
  goesWith(c, ['--outline-tolerance'], (o) => asked(o).some((f) => f === 'yolo' || f === 'labelme' || f === 'cvat-xml') || (asked(o).includes('labelstudio') && o.lsRegions === 'polygon'), `${flag} yolo, labelme, cvat-xml, or labelstudio with --ls-regions polygon`);
  return c
    .option('--outline-tolerance <px>', 'yolo, labelme, cvat-xml, Label Studio polygons: thin the outlines (Douglas-Peucker; no point of the exact outline farther than this from the thinned one): fewer points to edit, edges no longer exact (0: exact, along the pixels)', parseNonNegative, 0)
    .addOption(new Option('--ls-regions <kind>', 'Label Studio: the regions written, brush masks (BrushLabels) or polygons (PolygonLabels: outlines, thinned by --outline-tolerance)').choices(LS_REGIONS).default('brush'))
    .option('--ls-from-name <name>', 'Label Studio: the BrushLabels (or PolygonLabels) control\'s name', 'tag')
    .option('--ls-to-name <name>', 'Label Studio: the Image object\'s name (also the task\'s data key)', 'image')
    .option('--image-url-prefix <url>', 'Label Studio: prefix of each task\'s image (e.g. /data/local-files/?d=images/); the image\'s file name follows, percent-encoded', '');
}
