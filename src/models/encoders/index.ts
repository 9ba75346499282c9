// Encoder registry: a new encoder is one file plus one line here.
import type { Encoder } from '../types.js';
import { unetEncoder } from './unet.js';
import { vgg16, vgg16bn } from './vgg.js';
import { resnet18, resnet34, resnet50 } from './resnet.js';
import { mobilenetv2 } from './mobilenetv2.js';
import { espnetv2Encoder } from './espnetv2.js';
import { espnetEncoder } from './espnet.js';

export const ENCODERS: Record<string, Encoder> = {
  unet: unetEncoder,
  vgg16,
  vgg16bn,
  resnet18,
  resnet34,
  resnet50,
  mobilenetv2,
  espnet: espnetEncoder,
  espnetv2: espnetv2Encoder,
};
