// FCN (Long et al. 2015). fc6/fc7 as convolutions on the deepest feature (3x3 and 1x1 conv-BN-ReLU,
// twice the deepest channels, at most 1024; the paper's 7x7x4096 is sized for GPUs), class scores,
// then FCN-32s: one learned upsampling to the input; FCN-8s: scores of the features at 1/2 and
// 1/4 of the deepest stride fused in by learned 2x, 2x and final upsamplings. With the VGG-BN
// encoder at width 16 (the bare `fcn8`) the layer names are those of pixelwise's earlier fcn8.
import { add, classifier, convBnRelu, featureAt, upConv } from '../blocks.js';
import type { Decoder, Feature, SymT } from '../types.js';

function fc7(features: Feature[]): { x: SymT; stride: number } {
  const deepest = features[features.length - 1];
  const ch = Math.min(2 * deepest.channels, 1024);
  return { x: convBnRelu(convBnRelu(deepest.x, ch, 'fc6', 3), ch, 'fc7', 1), stride: deepest.stride };
}

export const fcn32: Decoder = {
  name: 'fcn32',
  description: 'FCN-32s (fc6/fc7 convolutions, class scores, one learned upsampling)',
  defaultEncoder: 'vgg16bn',
  defaults: {},
  bareDefaults: { width: 16 },
  options: [],
  build(_input, features, o) {
    const top = fc7(features);
    return upConv(classifier(top.x, o.numClasses, 'score_fc7'), o.numClasses, `up${top.stride}`, top.stride);
  },
};

export const fcn8: Decoder = {
  name: 'fcn8',
  description: 'FCN-8s (fc6/fc7 convolutions; scores of two shallower features fused by learned upsampling)',
  defaultEncoder: 'vgg16bn',
  defaults: {},
  bareDefaults: { width: 16 },
  options: [],
  build(_input, features, o) {
    const k = o.numClasses, top = fc7(features);
    const mid = featureAt(features, top.stride / 2, 'fcn8'), low = featureAt(features, top.stride / 4, 'fcn8');
    let y = upConv(classifier(top.x, k, 'score_fc7'), k, 'up2_fc7');
    y = add([y, classifier(mid.x, k, 'score_pool4')], 'fuse_pool4');
    y = upConv(y, k, 'up2_pool4');
    y = add([y, classifier(low.x, k, 'score_pool3')], 'fuse_pool3');
    return upConv(y, k, `up${low.stride}`, low.stride);
  },
};
