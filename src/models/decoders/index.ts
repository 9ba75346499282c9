// Decoder registry: a new decoder is one file plus one line here.
import type { Decoder } from '../types.js';
import { unetDecoder } from './unet.js';
import { fcn8, fcn32 } from './fcn.js';
import { segnet } from './segnet.js';
import { pspnet } from './pspnet.js';
import { deeplabv3 } from './deeplabv3.js';
import { deeplabv3plus } from './deeplabv3plus.js';

export const DECODERS: Record<string, Decoder> = { unet: unetDecoder, fcn8, fcn32, segnet, pspnet, deeplabv3, deeplabv3plus };
