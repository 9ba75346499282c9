// The photos that ship in assets/photos and the shipped model that fits each (see assets/photos/SOURCE.md).
import { fileURLToPath } from 'node:url';

export const DEMO_PHOTOS_DIR = fileURLToPath(new URL('../../assets/photos/', import.meta.url));
export const DEMO_PHOTOS = [
  { file: 'astronaut.png', model: 'voc' }, { file: 'chelsea.png', model: 'voc' },
  { file: 'coffee.png', model: 'voc' }, { file: 'dashcam.png', model: 'cityscapes' },
];
