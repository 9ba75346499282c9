// U-Net decoder: from the deepest feature up, 2x transposed-conv upsampling, concatenation with
// the encoder feature at that stride, two conv-BN-ReLU; then more up blocks without skips to full
// resolution where the encoder's first feature is coarser (ResNet, MobileNet start at stride 2).
// Channels per level: the skip's, at most 512. With the U-Net encoder the layer names are those
// of pixelwise's earlier `unet`.
import { classifier, concat, convBnRelu, upConv } from '../blocks.js';
import type { Decoder, Feature } from '../types.js';

/** The deepest feature of each stride below the deepest one, deepest first. */
export function skipsOf(features: Feature[]): Feature[] {
  const deepest = features[features.length - 1];
  const byStride = new Map<number, Feature>();
  for (const f of features) if (f.stride < deepest.stride && !f.role) byStride.set(f.stride, f);
  return [...byStride.values()].sort((a, b) => b.stride - a.stride);
}

export const unetDecoder: Decoder = {
  name: 'unet',
  description: 'U-Net decoder (transposed-conv up, skip concatenation, conv-BN-ReLU x2)',
  defaultEncoder: 'unet',
  defaults: {},
  options: [],
  build(_input, features, o) {
    const deepest = features[features.length - 1];
    let x = deepest.x, stride = deepest.stride, ch = deepest.channels;
    const level = (s: number) => Math.round(Math.log2(s)) + 1;
    for (const f of skipsOf(features)) {
      ch = Math.min(f.channels, 512);
      const l = level(f.stride);
      x = upConv(x, ch, `up${l}`, stride / f.stride);
      x = concat([x, f.x], `cat${l}`);
      x = convBnRelu(convBnRelu(x, ch, `dec${l}a`), ch, `dec${l}b`);
      stride = f.stride;
    }
    while (stride > 1) {
      stride /= 2;
      ch = Math.max(16, ch / 2);
      const l = level(stride);
      x = convBnRelu(convBnRelu(upConv(x, ch, `up${l}`), ch, `dec${l}a`), ch, `dec${l}b`);
    }
    return classifier(x, o.numClasses);
  },
};
