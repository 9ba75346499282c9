// Architecture registry: a new architecture is one file plus one line here.
import type * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../util/errors.js';
import { unet } from './unet.js';
import { fcn8 } from './fcn8.js';
import { espnet } from './espnet.js';
import { espnetv2 } from './espnetv2.js';

export interface ArchOptions { numClasses: number; width?: number; depth?: number; /** ESPNetv2 width multiplier s */ widthMult?: number; /** weight-initialisation seed */ seed?: number; /** BatchNorm epsilon (default 1e-3) */ bnEpsilon?: number }

export interface ArchBuilder {
  name: string;
  description: string;
  defaults: Partial<ArchOptions>;
  /** Input height and width must be multiples of this; the predictor pads and crops. */
  stride(o: ArchOptions): number;
  build(o: ArchOptions): tfl.LayersModel;
  /** PyTorch checkpoint entries the architecture does not use (skipped on import, not errors). */
  unusedTorchKeys?: RegExp;
}

export const ARCHITECTURES: Record<string, ArchBuilder> = {
  unet,
  fcn8,
  espnet,
  espnetv2,
};

export function getArch(name: string): ArchBuilder {
  const a = ARCHITECTURES[name];
  if (!a) throw new UserError(`--arch ${name}: unknown architecture; available: ${Object.keys(ARCHITECTURES).join(', ')}`);
  return a;
}
