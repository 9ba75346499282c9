// ESPNet's encoder, ESPNet-C (networks/espnet.ts), for any decoder: `espnet_unet`, `espnet_pspnet`,
// ... Output stride 8 (as the authors build it). Its layers keep the reference repository's
// `encoder.*` names, so `--encoder-weights` takes that repository's checkpoints (the decoder's
// tensors are skipped) and `--init-weights` a pixelwise ESPNet's weights.
import type { Encoder } from '../types.js';
import { IMAGENET_NORM } from '../../data/normalize.js';
import { espnetFeatures } from '../networks/espnet.js';

export const espnetEncoder: Encoder = {
  name: 'espnet',
  description: 'ESPNet-C encoder (p=2, q=8; output stride 8)',
  normalization: () => IMAGENET_NORM,
  defaults: { outputStride: 8 },
  options: [],
  outputStrides: [8],
  layouts: ['torchvision'],
  stride: () => 8,
  build: (input) => espnetFeatures(input),
  torchvisionLayer: (m) => {
    const k = m.replace(/^module\./, '');
    return k.startsWith('encoder.') && !k.startsWith('encoder.classifier') ? k : null;
  },
  skippedKeys: /^(module\.)?(encoder\.classifier|level3_C|combine_l2_l3|up_l\d|conv|classifier|br)\./,
};
