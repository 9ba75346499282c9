// DeepLabv3+ (Chen et al. 2018): ASPP on the deepest feature (output stride 16 by default): a 1x1
// branch, three 3x3 depthwise-separable branches dilated 6/12/18 (doubled at output stride 8),
// image pooling; 1x1 projection to 256; upsampled to the stride-4 feature, concatenated with its
// 48-channel 1x1 projection, two separable 3x3 convs, class scores, bilinear to the input size.
// Separable convs as in the paper: depthwise + BN + ReLU, pointwise + BN + ReLU.
// Over an encoder in the TF DeepLab layout it is TF DeepLab's MobileNetV2 v3+ (the ADE20K model's
// graph): its ASPP without atrous branches (deeplabv3.ts, whose weights it then shares) and the
// skip the encoder marks (block 2's depthwise output).
import { bn, classifier, concat, conv, convBnRelu, depthwise, featureAt, globalAvgPool, relu, resizeLike } from '../blocks.js';
import type { Decoder, Feature, SymT } from '../types.js';
import { tfDeeplabAspp } from './deeplabv3.js';

function separable(x: SymT, filters: number, name: string, dilation = 1): SymT {
  const d = relu(bn(depthwise(x, `${name}_dw`, { dilation }), `${name}_dw_bn`), `${name}_dw_relu`);
  return relu(bn(conv(d, filters, `${name}_pw`, { kernel: 1 }), `${name}_pw_bn`), `${name}_pw_relu`);
}

/** ASPP of the paper: a 1x1, three separable 3x3 dilated 6/12/18 at output stride 16, image pooling; projected to 256. */
function paperAspp(f: Feature): SymT {
  const m = 16 / f.stride; // rates are for output stride 16
  const branches = [convBnRelu(f.x, 256, 'aspp_1x1', 1), ...[6, 12, 18].map((r) => separable(f.x, 256, `aspp_r${r}`, r * m))];
  branches.push(resizeLike(convBnRelu(globalAvgPool(f.x, 'aspp_pool'), 256, 'aspp_pool_conv', 1), f.x, 'aspp_pool_up'));
  return convBnRelu(concat(branches, 'aspp_cat'), 256, 'aspp_proj', 1);
}

export const deeplabv3plus: Decoder = {
  name: 'deeplabv3plus',
  description: 'DeepLabv3+ (ASPP with separable dilated convs + image pooling, stride-4 skip; output stride 16)',
  defaultEncoder: 'mobilenetv2',
  defaults: { outputStride: 16 },
  options: [],
  build(input, features, o) {
    const f = features[features.length - 1];
    const tfSkip = o.layout === 'tf' ? features.find((x) => x.role === 'deeplab-skip') : undefined;
    const aspp = tfSkip ? tfDeeplabAspp(f.x) : paperAspp(f);
    const low = tfSkip ?? featureAt(features, 4, 'deeplabv3plus');
    const lowProj = convBnRelu(low.x, 48, 'dec_low', 1);
    let x = concat([resizeLike(aspp, low.x, 'dec_up'), lowProj], 'dec_cat');
    x = separable(separable(x, 256, 'dec_conv1'), 256, 'dec_conv2');
    return resizeLike(classifier(x, o.numClasses), input, 'logits');
  },
};
