// FCN-8s (Long et al. 2015) on a VGG-style encoder: five conv blocks with max-pooling, fc6/fc7 as
// convolutions, class scores from pool3, pool4 and fc7 fused by learned 2x, 2x, 8x upsampling.
// `width` scales the encoder (VGG-16 proper is width 64; the default is sized for CPUs).
import * as tfl from '@tensorflow/tfjs-layers';
import { classifier, convBnRelu, maxPool, upConv, type SymT } from './blocks.js';
import type { ArchBuilder } from './registry.js';

export const fcn8: ArchBuilder = {
  name: 'fcn8',
  description: 'FCN-8s with a VGG-style encoder',
  defaults: { width: 16 },
  stride: () => 32,
  build(o) {
    const w = o.width ?? 16, k = o.numClasses;
    const input = tfl.input({ shape: [null, null, 3], name: 'image' });
    const plan: [number, number][] = [[w, 2], [2 * w, 2], [4 * w, 3], [8 * w, 3], [8 * w, 3]];
    let x: SymT = input;
    const pools: SymT[] = [];
    plan.forEach(([f, n], b) => {
      for (let i = 0; i < n; i++) x = convBnRelu(x, f, `block${b + 1}_conv${i + 1}`);
      x = maxPool(x, `pool${b + 1}`);
      pools.push(x);
    });
    x = convBnRelu(x, 16 * w, 'fc6', 3);
    x = convBnRelu(x, 16 * w, 'fc7', 1);
    const score7 = classifier(x, k, 'score_fc7');
    const score4 = classifier(pools[3], k, 'score_pool4');
    const score3 = classifier(pools[2], k, 'score_pool3');
    let y = upConv(score7, k, 'up2_fc7');
    y = tfl.layers.add({ name: 'fuse_pool4' }).apply([y, score4]) as SymT;
    y = upConv(y, k, 'up2_pool4');
    y = tfl.layers.add({ name: 'fuse_pool3' }).apply([y, score3]) as SymT;
    y = upConv(y, k, 'up8', 8);
    return tfl.model({ inputs: input, outputs: y, name: 'fcn8' });
  },
};
