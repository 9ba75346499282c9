// How the tools that train ONNX graphs elsewhere prepare their images and read their results:
// what an exported graph does not say about itself. `pixelwise import --from X.onnx --preset NAME`.
import { IMAGENET_NORM, KERAS_CAFFE_NORM, KERAS_TF_NORM, RAW_PIXELS, type Normalization } from '../data/normalize.js';
import type { CardOutput, ResizeFilterName } from './card.js';

export interface OnnxPreset {
  /** Network input = (pixel / 255 - mean) / std, in the order the network takes its channels. */
  normalization: Normalization;
  /** How each image is resized to the graph's fixed size (absent: the preset says only how pixels are scaled, for a graph of any size). */
  filter?: ResizeFilterName;
  /** How a label map at the network's output size goes back to the image's. */
  nearest?: NonNullable<CardOutput['nearest']>;
  notes: string;
  /** One line for the list of presets. */
  summary: string;
}

export const ONNX_PRESETS: Record<string, OnnxPreset> = {
  // data_loader.get_image_array, imgNorm "sub_mean" (its default, for training and predict): the
  // image read by cv2 (BGR), cv2.resize INTER_LINEAR, the Caffe means subtracted from B, G and R,
  // then flipped to RGB; predict takes the argmax at the output's size and visualize_segmentation
  // resizes it to the image by INTER_NEAREST.
  'image-segmentation-keras': {
    summary: 'image-segmentation-keras\'s predict: OpenCV resizes, its sub_mean',
    normalization: { mean: [123.68 / 255, 116.779 / 255, 103.939 / 255], std: [1 / 255, 1 / 255, 1 / 255] },
    filter: 'opencv-linear', nearest: 'opencv',
    notes: 'Processed as image-segmentation-keras\'s predict: OpenCV INTER_LINEAR to the input size, RGB minus the Caffe means (its "sub_mean"), the argmax at the output\'s size, the label map back by OpenCV INTER_NEAREST.',
  },
  // Keras Applications' preprocess_input modes (imagenet_utils), which Keras models built on those
  // backbones are trained with; segmentation_models hands each backbone's out as get_preprocessing.
  'keras-caffe': {
    summary: 'Keras preprocess_input mode caffe: BGR minus the ImageNet means',
    normalization: KERAS_CAFFE_NORM,
    notes: 'Input as Keras Applications\' "caffe" preprocessing (VGG16, VGG19, ResNet50 of keras.applications): BGR, minus the ImageNet means, unscaled.',
  },
  'keras-tf': {
    summary: 'Keras preprocess_input mode tf: pixel / 127.5 - 1',
    normalization: KERAS_TF_NORM,
    notes: 'Input as Keras Applications\' "tf" preprocessing (MobileNet, MobileNetV2, InceptionV3, Xception): pixel / 127.5 - 1.',
  },
  'keras-torch': {
    summary: 'Keras preprocess_input mode torch: ImageNet mean and std',
    normalization: IMAGENET_NORM,
    notes: 'Input as Keras Applications\' "torch" preprocessing (DenseNet; the efficientnet package\'s EfficientNets): pixel / 255, minus the ImageNet mean, over its standard deviation.',
  },
  'keras-raw': {
    summary: 'pixel values 0..255 unchanged',
    normalization: RAW_PIXELS,
    notes: 'Input as pixel values 0..255 unchanged (keras.applications\' EfficientNet and MobileNetV3, whose preprocessing is inside the model; classification_models\' ResNets).',
  },
};
