// The model zoo's types, in a module of their own so that encoders, decoders and the registry
// import them without importing each other. Every composed model is encoder -> decoder (-> head
// inside the decoder); ESPNet and ESPNetv2 are whole networks registered as they are.
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Normalization } from '../data/normalize.js';

export type SymT = tfl.SymbolicTensor;

/** Every architecture option; which ones an architecture takes is listed in its `options`. */
export interface ArchOptions {
  numClasses: number;
  /** Input bands (default 3): 1 for grey, 4 for RGB + near-infrared, N for multi-band images. */
  inChannels?: number;
  /** Filters of the first level (U-Net, VGG-BN encoders). */
  width?: number;
  /** U-Net levels. */
  depth?: number;
  /** ESPNetv2 width multiplier s. */
  widthMult?: number;
  /** ESPNetv2 pyramid-pool projection width (default min(classes/2, 16)). */
  projWidth?: number;
  /** Encoder output stride (8, 16, 32): the last stages dilated instead of strided. */
  outputStride?: number;
  /**
   * Whose definition an encoder follows where Keras Applications and torchvision differ (padding
   * of strided convolutions, where ResNet-50 strides, conv biases, BatchNorm eps): set from the
   * format of --encoder-weights so that pretrained weights compute what they computed there.
   */
  layout?: EncoderLayout;
  /** Weight-initialisation seed. */
  seed?: number;
  /** BatchNorm epsilon (default 1e-3). */
  bnEpsilon?: number;
}

/** keras: Keras Applications; torchvision; tf: TF DeepLab's feature extractor (TF 'same' padding). */
export type EncoderLayout = 'keras' | 'torchvision' | 'tf';

/** Options a user can set per architecture (each becomes one CLI flag; see models/options.ts). */
export type OptionKey = 'width' | 'depth' | 'widthMult' | 'projWidth' | 'outputStride';

/** A whole network, built from options: what SegModel, import and export work with. */
export interface ArchBuilder {
  name: string;
  description: string;
  defaults: Partial<ArchOptions>;
  /** The options this architecture takes (others are refused by name). */
  options: OptionKey[];
  /** Input height and width must be multiples of this; the predictor pads and crops. */
  stride(o: ArchOptions): number;
  build(o: ArchOptions): tfl.LayersModel;
  /** PyTorch checkpoint entries the architecture does not use (skipped on import, not errors). */
  unusedTorchKeys?: RegExp;
  /** Options whose default follows the class count: a model fine-tuned to another count keeps its own. */
  classDefaults?(numClasses: number): Partial<ArchOptions>;
}

/** An encoder output: a feature map at `stride` (input size / stride) with `channels` channels. */
export interface Feature {
  stride: number; x: SymT; channels: number;
  /** The feature TF DeepLab's v3+ decoder takes as its skip (MobileNetV2: block 2's depthwise output), where it is not the stage's output. */
  role?: 'deeplab-skip';
}

export interface Encoder {
  name: string;
  description: string;
  /** Input normalisation its reference (ImageNet) weights expect, per layout. */
  normalization(layout: EncoderLayout): Normalization;
  defaults: Partial<ArchOptions>;
  options: OptionKey[];
  /** Output strides it can produce (8 and 16 by dilating the last stages). */
  outputStrides: number[];
  /** Total downsampling at these options (the input multiple). */
  stride(o: ArchOptions): number;
  /** Feature maps by increasing stride; the last is the deepest. */
  build(input: SymT, o: ArchOptions): Feature[];
  /** Layouts whose reference weights it loads (--encoder-weights); the first is the default. */
  layouts: EncoderLayout[];
  /**
   * The shipped start (models/NAME, a weights-only package whose network has this encoder) that
   * training begins from when no weights are named.
   */
  start?: string;
  /** A torchvision state_dict module path -> this encoder's layer name; null: not part of the encoder. */
  torchvisionLayer?(module: string): string | null;
  /** Keys such checkpoints hold that the encoder does not use (skipped, not reported as
   * unexpected); default the ImageNet head, /^(fc|classifier)\./. */
  skippedKeys?: RegExp;
}

export interface Decoder {
  name: string;
  description: string;
  /** Encoder of the bare decoder name (`unet` = unet encoder + unet decoder). */
  defaultEncoder: string;
  /** Defaults of this decoder with any encoder (e.g. pspnet: output stride 8). */
  defaults: Partial<ArchOptions>;
  /** Encoder options of the bare decoder name only (fcn8 = vgg16bn at width 16). */
  bareDefaults?: Partial<ArchOptions>;
  options: OptionKey[];
  /**
   * Takes any input size: it resizes its scores to the input's size and joins no features by exact
   * 2x steps, so inputs are not padded to the encoder's stride (TF DeepLab runs 513 -> 257 -> ... -> 65).
   */
  anySize?: boolean;
  /** Class scores at the input's resolution from the encoder's features. */
  build(input: SymT, features: Feature[], o: ArchOptions): SymT;
}
