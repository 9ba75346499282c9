// SegNet decoder in image-segmentation-keras's upsampling form (no pooling indices: TF.js has no
// max-unpooling layer): from the deepest feature, 2x nearest upsampling + conv-BN-ReLU per step
// back to full resolution, channels 512, 256, 128, then 64, then the class scores.
import { classifier, convBnRelu, upNearest } from '../blocks.js';
import type { Decoder } from '../types.js';

export const segnet: Decoder = {
  name: 'segnet',
  description: 'SegNet decoder (image-segmentation-keras form: nearest 2x upsampling + conv-BN-ReLU to full resolution)',
  defaultEncoder: 'vgg16bn',
  defaults: {},
  bareDefaults: { width: 16 },
  options: [],
  build(_input, features, o) {
    const deepest = features[features.length - 1];
    let ch = Math.min(512, deepest.channels);
    let x = convBnRelu(deepest.x, ch, 'seg_conv0');
    for (let s = deepest.stride, i = 1; s > 1; s /= 2, i++) {
      ch = Math.max(64, ch / 2);
      x = convBnRelu(upNearest(x, `seg_up${i}`), ch, `seg_conv${i}`);
    }
    return classifier(x, o.numClasses);
  },
};
