// ESPNetv2's EESP encoder (networks/espnetv2.ts) for any decoder: `espnetv2_unet`,
// `espnetv2_pspnet`, ... Its layers keep EdgeNets' `base_net.*` names, so `--init-weights` with an
// EdgeNets model (the shipped `cityscapes` or `voc` weights) starts the encoder from that model
// and the decoder from scratch; so does `--encoder-weights` with an EdgeNets segmentation `.pth`
// (its `base_net.*` tensors; the decoder's are skipped). Output stride 16 only (as EdgeNets builds it).
import type { Encoder } from '../types.js';
import { IMAGENET_NORM } from '../../data/normalize.js';
import { espnetv2Features } from '../networks/espnetv2.js';

export const espnetv2Encoder: Encoder = {
  name: 'espnetv2',
  description: 'ESPNetv2 EESP encoder (EdgeNets; --width-mult s)',
  normalization: () => IMAGENET_NORM,
  defaults: { widthMult: 2, outputStride: 16 },
  options: ['widthMult'],
  outputStrides: [16],
  layouts: ['torchvision'],
  stride: () => 16,
  build: (input, o) => espnetv2Features(input, o),
  torchvisionLayer: (m) => {
    const k = m.replace(/^module\./, '').replace(/^base_net\./, '');
    return /^(level\d|img_pool)/.test(k) && !/^level\d_0\.eesp\.module_act$/.test(k) ? `base_net.${k}` : null;
  },
  // The segmentation decoder's tensors, and the activations of strided EESP blocks that EdgeNets
  // defines but never applies.
  skippedKeys: /^(module\.)?((classifier|bu_dec_l\d|bu_br_l\d|merge_enc_dec_l\d)\.|base_net\.level\d_0\.eesp\.module_act\.)/,
};
