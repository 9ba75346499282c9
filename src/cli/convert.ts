// `pixelwise convert`: a labelling tool's annotation export becomes a mask folder and a class file
// (--from), or a mask folder becomes the labelling tools' files (--to).
import { Command, Option } from 'commander';
import { CLASS_FILE_HELP, parseFloatArg, parseIntArg, parsePositiveInt } from './options.js';
import { ANNOTATION_FORMATS, CROWD_RULES, EXPORT_FORMATS, type AnnotationFormat, type CrowdRule } from '../data/annotations/format_names.js';
import { addExportOptions, addPairingOptions, goesWith, type DataOpts, type ExportOpts } from './shared.js';

export interface Opts extends DataOpts, ExportOpts {
  from?: AnnotationFormat | 'parquet'; imageColumn?: string; maskColumn?: string; images?: string; out: string; classFile?: string; fillRule: 'evenodd' | 'nonzero'; crowd: CrowdRule; predictions?: boolean; valFraction?: number; skipInvalid?: boolean; quiet?: boolean;
  to?: string; labelMap?: string; classes?: number; ignoreIndex?: number;
}

/** The options of one direction only. */
const FROM_ONLY = ['--fill-rule', '--crowd', '--predictions', '--val-fraction', '--skip-invalid'];
const TO_ONLY = ['--masks', '--list', '--label-map', '--classes', '--ignore-index', '--data', '--layout', '--split', '--mask-suffix', '--image-suffix', '--recursive', '--reduce-zero-label', '--no-reduce-zero-label'];

export function convertCommand(): Command {
  const c = new Command('convert')
    .description('turn annotations from COCO, labelme, CVAT, Label Studio, YOLO, VIA or Supervisely into index-PNG masks and a class file (--from); or masks into files of those tools, to review or correct them there (--to)')
    .argument('[file]', 'with --from, the export: COCO JSON, a labelme JSON file or folder, CVAT for images or video XML, a CVAT Segmentation mask zip (or its folder), Label Studio JSON (or JSON-MIN), a YOLO segmentation dataset\'s data.yaml or labels folder, VIA JSON, a Supervisely project folder; or the tool\'s download of any of these, a zip or a tar (extracted into OUT/export, its images folder found, its train/valid/test folders kept as the split)')
    .addOption(new Option('--from <format>', 'the export\'s format; parquet: a dataset as Hugging Face publishes it (Parquet files of images and masks, a folder or one file)').choices([...ANNOTATION_FORMATS, 'parquet']))
    .option('--image-column <name>', 'with --from parquet: the column of the images (default: found by the dataset\'s features and names)')
    .option('--mask-column <name>', 'with --from parquet: the column of the masks')
    .option('--to <formats>', `instead: write the masks of --images and --masks (or --data) as the tools' files, comma-separated: ${EXPORT_FORMATS.join(', ')} (as predict --export writes them; Label Studio's as annotations)`)
    .option('--images <dir>', 'the folder of the annotated images (sizes are read from them; masks keep their names); labelme: left out, the images are taken from the JSON files (imageData) into OUT/images; Supervisely: left out, the project\'s own; a zip download: left out, the folder in it holding the images')
    .requiredOption('--out <dir>', 'writes masks/ (one PNG per image), classes.json, list.txt (the images given masks) and report.json here')
    .option('--class-file <file>', `map labels onto these classes by name (${CLASS_FILE_HELP}); default: background, then the export's class list (Label Studio, labelme, VIA: their labels in the order first used)`)
    .addOption(new Option('--fill-rule <rule>', 'inside of self-intersecting polygons (COCO: nonzero draws by pixel centres, not as pycocotools does)').choices(['evenodd', 'nonzero']).default('evenodd'))
    .addOption(new Option('--crowd <rule>', 'COCO crowd regions (iscrowd 1): the ignore label 255 under the objects, or their class like any object (CVAT\'s COCO export marks every mask as a crowd)').choices(CROWD_RULES).default('ignore'))
    .option('--predictions', 'Label Studio: tasks not annotated yet take their last prediction (pre-annotations) as their labels (default: they get no mask)')
    .option('--val-fraction <f>', 'also write train.txt and val.txt, this share of the images in val (by a hash of each name: an image keeps its side as the export grows)', parseFloatArg)
    .option('--skip-invalid', 'skip shapes that cannot be drawn (fewer than 3 points, an RLE that does not decode), listing them, instead of stopping; their images are left out of list.txt (a COCO bbox is drawn as the ignore label instead)')
    .option('--quiet', 'no progress bar')
    .option('--masks <dir>', 'with --to: the folder of PNG masks, paired with --images by file name')
    .option('--list <file>', 'with --to: only the images named in it')
    .option('--label-map <from:to,...>', 'with --to: remap mask values first, e.g. 255:1')
    .option('--classes <n>', 'with --to: the number of classes, when no --class-file or --data names them (0 background, left unlabelled; then class 1, class 2, ...)', parsePositiveInt)
    .option('--ignore-index <n>', 'with --to: the mask value that is no class (default 255, or the layout\'s): left unlabelled', parseIntArg);
  addPairingOptions(c, 'train');
  addExportOptions(c, '--to');
  goesWith(c, FROM_ONLY, (o) => o.to == null, '--from');
  goesWith(c, TO_ONLY, (o) => o.to != null, '--to');
  goesWith(c, ['--image-column', '--mask-column'], (o) => o.from === 'parquet', '--from parquet');
  // A Parquet dataset holds its images and masks; the options of drawing shapes have nothing to draw.
  goesWith(c, ['--images', '--fill-rule', '--crowd', '--predictions', '--skip-invalid'], (o) => o.from !== 'parquet', '--from FORMAT of a labelling tool (not parquet)');
  return c.action(async (file: string | undefined, o: Opts) => (await import('./actions/convert.js')).run(file, o));
}
