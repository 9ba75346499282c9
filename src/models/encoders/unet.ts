// The classic U-Net encoder (Ronneberger et al. 2015): two conv-BN-ReLU per level, max-pool down,
// `width` filters at the first level, doubled per level, and a bottleneck at stride 2^depth.
// Layer names are the ones pixelwise U-Nets have always had, so older checkpoints still load.
import { convBnRelu, maxPool } from '../blocks.js';
import type { Encoder, Feature } from '../types.js';
import { IMAGENET_NORM } from '../../data/normalize.js';

export const unetEncoder: Encoder = {
  name: 'unet',
  description: 'U-Net encoder (conv-BN-ReLU x2 per level, max-pool; --width, --depth)',
  normalization: () => IMAGENET_NORM,
  defaults: { width: 16, depth: 4 },
  options: ['width', 'depth'],
  outputStrides: [],
  layouts: ['keras'],
  stride: (o) => 2 ** (o.depth ?? 4),
  build(input, o) {
    const depth = o.depth ?? 4, w = o.width ?? 16;
    const features: Feature[] = [];
    let x = input;
    for (let l = 0; l < depth; l++) {
      x = convBnRelu(x, w * 2 ** l, `enc${l + 1}a`);
      x = convBnRelu(x, w * 2 ** l, `enc${l + 1}b`);
      features.push({ stride: 2 ** l, x, channels: w * 2 ** l });
      x = maxPool(x, `pool${l + 1}`);
    }
    x = convBnRelu(x, w * 2 ** depth, 'bottleneck_a');
    x = convBnRelu(x, w * 2 ** depth, 'bottleneck_b');
    features.push({ stride: 2 ** depth, x, channels: w * 2 ** depth });
    return features;
  },
};
