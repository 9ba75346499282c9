// DeepLabv3+ (Chen et al. 2018): ASPP on the deepest feature (output stride 16 by default): a 1x1
// branch, three 3x3 depthwise-separable branches dilated 6/12/18 (doubled at output stride 8),
// image pooling; 1x1 projection to 256; upsampled to the stride-4 feature, concatenated with its
// 48-channel 1x1 projection, two separable 3x3 convs, class scores, bilinear to the input size.
// Separable convs as in the paper: depthwise + BN + ReLU, pointwise + BN + ReLU.
import { bn, classifier, concat, conv, convBnRelu, depthwise, featureAt, globalAvgPool, relu, resizeLike } from '../blocks.js';
import type { Decoder, SymT } from '../types.js';

function separable(x: SymT, filters: number, name: string, dilation = 1): SymT {
  const d = relu(bn(depthwise(x, `${name}_dw`, { dilation }), `${name}_dw_bn`), `${name}_dw_relu`);
  return relu(bn(conv(d, filters, `${name}_pw`, { kernel: 1 }), `${name}_pw_bn`), `${name}_pw_relu`);
}

export const deeplabv3plus: Decoder = {
  name: 'deeplabv3plus',
  description: 'DeepLabv3+ (ASPP with separable dilated convs + image pooling, stride-4 skip; output stride 16)',
  defaultEncoder: 'mobilenetv2',
  defaults: { outputStride: 16 },
  options: [],
  build(input, features, o) {
    const f = features[features.length - 1];
    const m = 16 / f.stride; // rates are for output stride 16
    const branches = [convBnRelu(f.x, 256, 'aspp_1x1', 1), ...[6, 12, 18].map((r) => separable(f.x, 256, `aspp_r${r}`, r * m))];
    branches.push(resizeLike(convBnRelu(globalAvgPool(f.x, 'aspp_pool'), 256, 'aspp_pool_conv', 1), f.x, 'aspp_pool_up'));
    const aspp = convBnRelu(concat(branches, 'aspp_cat'), 256, 'aspp_proj', 1);
    const low = featureAt(features, 4, 'deeplabv3plus');
    const lowProj = convBnRelu(low.x, 48, 'dec_low', 1);
    let x = concat([resizeLike(aspp, low.x, 'dec_up'), lowProj], 'dec_cat');
    x = separable(separable(x, 256, 'dec_conv1'), 256, 'dec_conv2');
    return resizeLike(classifier(x, o.numClasses), input, 'logits');
  },
};
