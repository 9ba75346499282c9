// `pixelwise convert`: a labelling tool's annotation export becomes a mask folder and a class file.
import { Command, Option } from 'commander';
import { parseFloatArg } from './options.js';
import { ANNOTATION_FORMATS, CROWD_RULES, type AnnotationFormat, type CrowdRule } from '../data/annotations/format_names.js';

export interface Opts { from: AnnotationFormat; images?: string; out: string; classFile?: string; fillRule: 'evenodd' | 'nonzero'; crowd: CrowdRule; predictions?: boolean; valFraction?: number; skipInvalid?: boolean; quiet?: boolean }

export function convertCommand(): Command {
  return new Command('convert')
    .description('turn annotations from COCO, labelme, CVAT, Label Studio, YOLO, VIA or Supervisely into index-PNG masks and a class file')
    .argument('<file>', 'the export: COCO JSON, a labelme JSON file or folder, CVAT for images or video XML, a CVAT Segmentation mask zip (or its folder), Label Studio JSON (or JSON-MIN), a YOLO segmentation dataset\'s data.yaml or labels folder, VIA JSON, a Supervisely project folder; or the tool\'s download of any of these, a zip or a tar (extracted into OUT/export, its images folder found, its train/valid/test folders kept as the split)')
    .addOption(new Option('--from <format>', 'the export\'s format').choices(ANNOTATION_FORMATS).makeOptionMandatory())
    .option('--images <dir>', 'the folder of the annotated images (sizes are read from them; masks keep their names); labelme: left out, the images are taken from the JSON files (imageData) into OUT/images; Supervisely: left out, the project\'s own; a zip download: left out, the folder in it holding the images')
    .requiredOption('--out <dir>', 'writes masks/ (one PNG per image), classes.json, list.txt (the images given masks) and report.json here')
    .option('--class-file <file>', 'map labels onto these classes by name (JSON or a built-in set: voc, cityscapes, ade20k, camvid); default: background, then the export\'s labels')
    .addOption(new Option('--fill-rule <rule>', 'inside of self-intersecting polygons (COCO: nonzero draws by pixel centres, not as pycocotools does)').choices(['evenodd', 'nonzero']).default('evenodd'))
    .addOption(new Option('--crowd <rule>', 'COCO crowd regions (iscrowd 1): the ignore label 255 under the objects, or their class like any object (CVAT\'s COCO export marks every mask as a crowd)').choices(CROWD_RULES).default('ignore'))
    .option('--predictions', 'Label Studio: tasks not annotated yet take their last prediction (pre-annotations) as their labels (default: they get no mask)')
    .option('--val-fraction <f>', 'also write train.txt and val.txt, this share of the images in val (by a hash of each name: an image keeps its side as the export grows)', parseFloatArg)
    .option('--skip-invalid', 'skip shapes that cannot be drawn (fewer than 3 points, an RLE that does not decode), listing them, instead of stopping; their images are left out of list.txt (a COCO bbox is drawn as the ignore label instead)')
    .option('--quiet', 'no progress bar')
    .action(async (file: string, o: Opts) => (await import('./actions/convert.js')).run(file, o));
}
