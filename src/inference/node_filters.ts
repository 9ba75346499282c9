// The resize filters Node adds to the processor's own (Pillow): sharp's linear, as the training loader resizes.
import { resizeRgb } from '../data/image_io.js';
import type { ResizeFilters } from './processor.js';

export const NODE_FILTERS: ResizeFilters = { sharp: (im, w, h) => resizeRgb(im, w, h) };
