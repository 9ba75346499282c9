// How the tools that train ONNX graphs elsewhere prepare their images and read their results:
// what an exported graph does not say about itself. `pixelwise import --from X.onnx --preset NAME`.
import type { Normalization } from '../data/normalize.js';
import type { CardOutput, ResizeFilterName } from './card.js';

export interface OnnxPreset {
  /** Network input = (pixel / 255 - mean) / std, in the order the network takes its channels. */
  normalization: Normalization;
  /** How each image is resized to the graph's fixed size. */
  filter: ResizeFilterName;
  /** How a label map at the network's output size goes back to the image's. */
  nearest: NonNullable<CardOutput['nearest']>;
  notes: string;
}

export const ONNX_PRESETS: Record<string, OnnxPreset> = {
  // data_loader.get_image_array, imgNorm "sub_mean" (its default, for training and predict): the
  // image read by cv2 (BGR), cv2.resize INTER_LINEAR, the Caffe means subtracted from B, G and R,
  // then flipped to RGB; predict takes the argmax at the output's size and visualize_segmentation
  // resizes it to the image by INTER_NEAREST.
  'image-segmentation-keras': {
    normalization: { mean: [123.68 / 255, 116.779 / 255, 103.939 / 255], std: [1 / 255, 1 / 255, 1 / 255] },
    filter: 'opencv-linear', nearest: 'opencv',
    notes: 'Processed as image-segmentation-keras\'s predict: OpenCV INTER_LINEAR to the input size, RGB minus the Caffe means (its "sub_mean"), the argmax at the output\'s size, the label map back by OpenCV INTER_NEAREST.',
  },
};
