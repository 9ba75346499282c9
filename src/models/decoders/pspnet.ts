// PSPNet (Zhao et al. 2017): pyramid pooling on the deepest feature (output stride 8 by default):
// adaptive average pooling to 1x1, 2x2, 3x3 and 6x6 bins (any input size, unlike a fixed pooling
// window), 1x1 conv-BN-ReLU each, bilinear back to the feature size, concatenated with the
// feature, 3x3 conv-BN-ReLU, class scores, bilinear (align corners) to the input size.
import { adaptivePool, classifier, concat, convBnRelu, resizeLike } from '../blocks.js';
import type { Decoder } from '../types.js';

const BINS = [1, 2, 3, 6];

export const pspnet: Decoder = {
  name: 'pspnet',
  description: 'PSPNet (pyramid pooling 1/2/3/6 bins on the deepest feature; output stride 8)',
  defaultEncoder: 'resnet50',
  defaults: { outputStride: 8 },
  options: [],
  build(input, features, o) {
    const f = features[features.length - 1];
    const branch = Math.min(512, f.channels / 4);
    const pooled = BINS.map((b) => resizeLike(convBnRelu(adaptivePool(f.x, b, `psp_pool${b}`), branch, `psp_bin${b}`, 1), f.x, `psp_up${b}`));
    const x = convBnRelu(concat([f.x, ...pooled], 'psp_cat'), Math.min(512, f.channels), 'psp_fuse');
    return resizeLike(classifier(x, o.numClasses), input, 'logits');
  },
};
