// DeepLabv3 as TF DeepLab builds it for MobileNetV2 (research/deeplab model.py with
// `atrous_rates` unset): on the deepest feature, a 1x1 branch (`aspp0`) and image pooling (global
// average -> 1x1 -> back to the feature's size), concatenated pooling first, projected by a 1x1
// (`concat_projection`), each conv + BatchNorm + ReLU; then 1x1 class scores (`logits_semantic`,
// with bias) and an align-corners bilinear resize to the input. The layer names are TF DeepLab's,
// so its published weights load by name (io/tf_deeplab.ts). Output stride 16 for training, 8 for
// the published evaluation.
import { bn, classifier, concat, conv, globalAvgPool, relu, resizeLike } from '../blocks.js';
import type { Decoder, SymT } from '../types.js';

const convBnRelu = (x: SymT, filters: number, name: string) => relu(bn(conv(x, filters, name, { kernel: 1 }), `${name}_BN`), `${name}_relu`);

/** TF DeepLab's ASPP for MobileNetV2 (no atrous branches): image pooling and a 1x1, projected to 256. */
export function tfDeeplabAspp(f: SymT): SymT {
  const pool = resizeLike(convBnRelu(globalAvgPool(f, 'image_pooling_avg'), 256, 'image_pooling'), f, 'image_pooling_up');
  return convBnRelu(concat([pool, convBnRelu(f, 256, 'aspp0')], 'aspp_concat'), 256, 'concat_projection');
}

export const deeplabv3: Decoder = {
  name: 'deeplabv3',
  description: 'DeepLabv3 as TF DeepLab builds it for MobileNetV2 (1x1 branch + image pooling, projection; output stride 16)',
  defaultEncoder: 'mobilenetv2',
  defaults: { outputStride: 16 },
  options: [],
  anySize: true,
  build(input, features, o) {
    const x = tfDeeplabAspp(features[features.length - 1].x);
    return resizeLike(classifier(x, o.numClasses, 'logits_semantic'), input, 'logits');
  },
};
