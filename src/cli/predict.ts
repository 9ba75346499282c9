// `pixelwise predict`: label maps, colour masks, overlays and legends for images or folders.
import { Command } from 'commander';
import { addInferenceOptions, addExportOptions, type InferenceOpts, type ExportOpts } from './shared.js';
import { parseFloatArg, parseNumberList } from './options.js';

export interface Opts extends InferenceOpts, ExportOpts { model: string; out: string; alpha: number; weights?: string; effect?: string; keep?: string; cutout?: string; probabilities?: string; outputs?: string; json?: boolean;
  export?: string; displayBands?: number[]; resume?: boolean; recursive?: boolean }

export function predictCommand(): Command {
  return addExportOptions(addInferenceOptions(new Command('predict')
    .description('segment images: writes NAME_labels.png (class ids), NAME_color.png, NAME_overlay.png, NAME_legend.png')
    .argument('<inputs...>', 'image files or folders')
    .option('--model <name|dir>', 'shipped model (voc, cityscapes, ade20k, person, camvid; see `pixelwise models`) or a training run / model package folder (default: voc; with an --effect that keeps people: person)')
    .option('--weights <file>', 'checkpoint inside the model folder (default: best)')
    .option('--out <dir>', 'output folder', 'predictions')
    .option('--outputs <list>', 'what to write beside each label map (NAME_labels.png, always written): some of color, overlay, legend, classes (comma-separated), or none (default: all)')
    .option('--alpha <x>', 'overlay opacity of the colour mask (0..1)', parseFloatArg, 0.5)
    .option('--display-bands <list>', 'images of other bands than RGB (multi-band, 16-bit): the bands overlays and effects show, 1-based: three (e.g. 4,3,2) or one (grey); default the first three, deeper samples stretched from their 2nd to 98th percentile', parseNumberList)
    .option('--effect <kind>', 'also write NAME_effect.jpg|png: everything but --keep blurred (blur[=SIGMA]), recoloured (color=#RRGGBB), greyed (grey), replaced (replace=IMAGE) or made transparent (transparent: an RGBA PNG); soft edges from the class probabilities')
    .option('--keep <classes>', 'classes the effect leaves as they are (names or ids, comma-separated; default person)')
    .option('--cutout <classes>', 'also write NAME_cutout_CLASS.png: each listed class present as an RGBA PNG cropped to its box')
    .option('--probabilities <classes>', 'also write NAME_prob_CLASS.png: each listed class\'s confidence mask (names or ids, comma-separated, or all), its probability per pixel as 8-bit grey (255 = certain), as MediaPipe\'s confidence masks')
    .option('--recursive', 'folders: the images of their subfolders too; the files keep the subfolders (OUT/SUB/NAME_labels.png) and the exports name the images by their paths (SUB/NAME.png)')
    .option('--resume', 'continue a stopped run into the same --out: images whose files an earlier run with the same model and settings finished (OUT/predict.jsonl), their inputs and files unchanged since, are not predicted again')
    .option('--json', 'print per-image class areas (pixels, share) and output files as JSON on stdout')
    .option('--export <formats>', 'also write the predictions as pre-annotations for labelling tools (comma-separated): coco (coco.json, compressed RLE), labelstudio (labelstudio.json + labelstudio-config.xml), cvat (cvat.zip, Segmentation mask 1.1: masks), cvat-xml (cvat.xml, CVAT for images 1.1: polygons), yolo (yolo.zip, Ultralytics YOLO segmentation polygons), labelme (labelme/NAME.json, polygons), supervisely (supervisely/: a project of bitmaps, the images copied into it)')))
    .action(async (inputs: string[], o: Opts) => (await import('./actions/predict.js')).run(inputs, o));
}
