// U-Net (Ronneberger et al. 2015): conv-BN-ReLU x2 per level, max-pool down, 2x2 transposed-conv
// up, skip concatenation. `width` is the first level's filters, doubled per level.
import * as tfl from '@tensorflow/tfjs-layers';
import { classifier, convBnRelu, maxPool, upConv, type SymT } from './blocks.js';
import type { ArchBuilder } from './registry.js';

export const unet: ArchBuilder = {
  name: 'unet',
  description: 'U-Net encoder-decoder with skip connections',
  defaults: { width: 16, depth: 4 },
  stride: (o) => 2 ** (o.depth ?? 4),
  build(o) {
    const depth = o.depth ?? 4, w = o.width ?? 16;
    const input = tfl.input({ shape: [null, null, 3], name: 'image' });
    let x: SymT = input;
    const skips: SymT[] = [];
    for (let l = 0; l < depth; l++) {
      x = convBnRelu(x, w * 2 ** l, `enc${l + 1}a`);
      x = convBnRelu(x, w * 2 ** l, `enc${l + 1}b`);
      skips.push(x);
      x = maxPool(x, `pool${l + 1}`);
    }
    x = convBnRelu(x, w * 2 ** depth, 'bottleneck_a');
    x = convBnRelu(x, w * 2 ** depth, 'bottleneck_b');
    for (let l = depth - 1; l >= 0; l--) {
      x = upConv(x, w * 2 ** l, `up${l + 1}`);
      x = tfl.layers.concatenate({ name: `cat${l + 1}` }).apply([x, skips[l]]) as SymT;
      x = convBnRelu(x, w * 2 ** l, `dec${l + 1}a`);
      x = convBnRelu(x, w * 2 ** l, `dec${l + 1}b`);
    }
    return tfl.model({ inputs: input, outputs: classifier(x, o.numClasses), name: 'unet' });
  },
};
