// What a TensorFlow Lite file does not say about itself: its classes, how its float input was made
// from pixels, its licence and published score. One entry per model pixelwise knows
// (../shared/data/tflite/SOURCE.md gives their provenance); `pixelwise import --from X.tflite --preset NAME`.
import type { ClassInfo } from '../data/classes.js';
import { ADE20K_CLASSES, CITYSCAPES_CLASSES, VOC_CLASSES } from '../data/class_sets.js';
import type { Normalization } from '../data/normalize.js';
import type { PublishedScore } from './card.js';

export interface TflitePreset {
  classes: ClassInfo[];
  /** Network input = (pixel / 255 - mean) / std: the model's own preprocessing (an 8-bit input says it in its quantisation). */
  normalization?: Normalization;
  licence: string; source: string; notes?: string; scores?: PublishedScore[];
}

const TF_DEEPLAB: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }; // 2/255 x - 1
const UNIT: Normalization = { mean: [0, 0, 0], std: [1, 1, 1] }; // x / 255
const CORAL_LICENCE = 'Apache-2.0 (google-coral/test_data LICENSE)';
const CORAL = 'github.com/google-coral/test_data @ 104342d2d3480b3e66203073dac24f4e2dbb4c41, repository root:';

export const TFLITE_PRESETS: Record<string, TflitePreset> = {
  'deeplabv3-ade20k': {
    classes: [{ name: 'other', color: [0, 0, 0] }, ...ADE20K_CLASSES], normalization: TF_DEEPLAB,
    licence: 'weights: Apache-2.0 (TF Hub metadata of sayakpaul/lite-model/deeplabv3-mobilenetv2-ade20k; TF DeepLab, tensorflow/models, Apache-2.0); training data: ADE20K (SceneParse150) annotations BSD-3-Clause, images the copyright of their owners, for non-commercial research and education; pretraining on ImageNet',
    source: 'TF DeepLab checkpoint deeplabv3_mnv2_ade20k_train_2018_12_03 (mobilenetv2_ade20k_train), as TF Hub\'s TFLite file lite-model_deeplabv3-mobilenetv2-ade20k_1_default_1.tflite (513x513, output stride 8); these bytes from github.com/ucalyptus/SIH-Stargazers @ 69b9dc7ff9ba1b3c709824af3d8ec6914ddb33fb, models/segmentation/',
    notes: 'Class 0 "other" is ADE20K\'s unlabelled slot, not one of the 150 evaluated classes. Int8 (dynamic-range) weights are dequantised to float.',
    scores: [{ metric: 'mIoU', value: 32.04, dataset: 'ADE20K val (longest side 257, output stride 16: another configuration than this file)', source: 'tensorflow/models research/deeplab/g3doc/model_zoo.md' }],
  },
  'deeplabv3-voc-quant': {
    classes: VOC_CLASSES, licence: `weights: ${CORAL_LICENCE}; training data: ImageNet, MS-COCO, PASCAL VOC 2012 train_aug, each under its own terms`,
    source: `${CORAL} deeplabv3_mnv2_pascal_quant.tflite (TF DeepLab mobilenetv2_coco_voc_trainaug_8bit)`,
    scores: [{ metric: 'mIoU', value: 74.26, dataset: 'PASCAL VOC 2012 val (513, output stride 16)', source: 'tensorflow/models research/deeplab/g3doc/quantize.md' }],
  },
  'deeplabv3-voc-quant-dm05': {
    classes: VOC_CLASSES, licence: CORAL_LICENCE,
    source: `${CORAL} deeplabv3_mnv2_dm05_pascal_quant.tflite (TF DeepLab mobilenetv2_dm05_coco_voc_trainaug_8bit)`,
    scores: [{ metric: 'mIoU', value: 69.65, dataset: 'PASCAL VOC 2012 val (output stride 16)', source: 'tensorflow/models research/deeplab/g3doc/quantize.md' }],
  },
  'edgetpu-deeplab-slim-cityscapes': {
    classes: CITYSCAPES_CLASSES.slice(0, 19), licence: `weights: ${CORAL_LICENCE}; training data: ImageNet, then Cityscapes train_fine, whose terms forbid commercial use`,
    source: `${CORAL} deeplab_mobilenet_edgetpu_slim_cityscapes_quant.tflite (TF DeepLab EdgeTPU-DeepLab-slim, MobileNet-EdgeTPU depth multiplier 0.75, quantisation-aware 8-bit)`,
    notes: 'Run at 1025x513 (Cityscapes\' 2:1; the file\'s own size is 513x513, which squeezes road scenes). Kept 8-bit (--qdq): ONNX Runtime\'s int8 kernels; an exact integer run agrees with Google\'s runtime bit for bit (runIntegerTflite).',
    scores: [{ metric: 'mIoU', value: 73.2, dataset: 'Cityscapes val, float checkpoint at output stride 16 (not this 8-bit file)', source: 'tensorflow/models research/deeplab/g3doc/model_zoo.md' }],
  },
  selfie: {
    classes: [{ name: 'background', color: [0, 0, 0] }, { name: 'person', color: [192, 128, 128] }], normalization: UNIT,
    licence: 'weights: Apache-2.0 (npm @mediapipe/selfie_segmentation package.json); training data: Google\'s own, described in the MediaPipe selfie segmentation model card',
    source: 'MediaPipe selfie segmentation, general model (256x256, MobileNetV3-based): selfie_segmentation.tflite of npm @mediapipe/selfie_segmentation@0.1.1675465747 (tarball sha1 f1f61eb116bf2efc262faf0a49a1829f4bae2712)',
    notes: 'Probability of person = sigmoid of the graph\'s last convolution; here as the two class scores [0, z]. The input is stretched to the graph\'s size (MediaPipe does not keep the aspect ratio either); with --variant selfie_segmentation_landscape.tflite, images nearer 16:9 than square go to the landscape graph (144x256).',
  },
  'selfie-landscape': {
    classes: [{ name: 'background', color: [0, 0, 0] }, { name: 'person', color: [192, 128, 128] }], normalization: UNIT,
    licence: 'weights: Apache-2.0 (npm @mediapipe/selfie_segmentation package.json); training data: Google\'s own, described in the MediaPipe selfie segmentation model card',
    source: 'MediaPipe selfie segmentation, landscape model (144x256): selfie_segmentation_landscape.tflite of npm @mediapipe/selfie_segmentation@0.1.1675465747 (tarball sha1 f1f61eb116bf2efc262faf0a49a1829f4bae2712)',
  },
};
