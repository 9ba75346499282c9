// The photos that ship in assets/photos and the shipped model that fits each (see assets/photos/SOURCE.md).
import { fileURLToPath } from 'node:url';

export const DEMO_PHOTOS_DIR = fileURLToPath(new URL('../../assets/photos/', import.meta.url));
export const DEMO_PHOTOS = [
  { file: 'astronaut.png', model: 'voc' }, { file: 'chelsea.png', model: 'voc' },
  { file: 'coffee.png', model: 'voc' }, { file: 'dashcam.png', model: 'cityscapes' },
];

/** More of what ships, on the same photos: the ADE20K scene model, and the portrait model blurring a background. */
export const DEMO_EXTRAS: { file: string; model: string; blur?: number }[] = [
  { file: 'coffee.png', model: 'ade20k' }, { file: 'astronaut.png', model: 'person', blur: 12 },
];
