// Architecture registry. A model is named ENCODER_DECODER (`resnet50_pspnet`,
// `mobilenetv2_deeplabv3plus`), a bare decoder name with its default encoder (`pspnet`, `unet`,
// `fcn8`), a whole network (`espnet`, `espnetv2`), or an image-segmentation-keras alias
// (`vgg_unet`, `fcn_8_vgg`, ...). A new encoder or decoder is one file plus one line in
// encoders/index.ts or decoders/index.ts; every combination is then a registered architecture.
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import type { ArchBuilder, ArchOptions, Decoder, Encoder, EncoderLayout, OptionKey } from './types.js';
import type { StrideOf } from './card.js';
import type { ModelSpec } from './seg_model.js';
import { IMAGENET_NORM, type Normalization } from '../data/normalize.js';
import { ENCODERS } from './encoders/index.js';
import { DECODERS } from './decoders/index.js';
import { espnet } from './networks/espnet.js';
import { espnetv2 } from './networks/espnetv2.js';
import { edgetpuDeeplabSlim } from './networks/edgetpu_deeplab.js';

export type { ArchBuilder, ArchOptions } from './types.js';
export { ENCODERS, DECODERS };

/** Networks whose encoder and decoder come as one (as their authors built them). */
export const NETWORKS: Record<string, ArchBuilder> = { espnet, espnetv2, edgetpu_deeplab_slim: edgetpuDeeplabSlim };

/**
 * image-segmentation-keras model names that differ from ours (ISK's "vgg" is VGG-16, "mobilenet"
 * MobileNetV2 here; resnet50_unet, resnet50_segnet, resnet50_pspnet are already our names).
 */
export const ALIASES: Record<string, string> = {
  vgg_unet: 'vgg16_unet', mobilenet_unet: 'mobilenetv2_unet', vgg_segnet: 'vgg16_segnet', mobilenet_segnet: 'mobilenetv2_segnet',
  vgg_pspnet: 'vgg16_pspnet', mobilenet_pspnet: 'mobilenetv2_pspnet',
  fcn_8_vgg: 'vgg16_fcn8', fcn_32_vgg: 'vgg16_fcn32', fcn_8_resnet50: 'resnet50_fcn8', fcn_32_resnet50: 'resnet50_fcn32',
  fcn_8_mobilenet: 'mobilenetv2_fcn8', fcn_32_mobilenet: 'mobilenetv2_fcn32',
};

function compose(name: string, enc: Encoder, dec: Decoder, bare: boolean): ArchBuilder {
  const options = [...new Set<OptionKey>([...enc.options, ...dec.options])];
  const defaults = { ...enc.defaults, ...(bare ? dec.bareDefaults : {}), ...dec.defaults };
  for (const k of Object.keys(defaults) as OptionKey[]) if (!options.includes(k)) delete defaults[k];
  // A decoder's preferred output stride the encoder cannot make: the encoder's nearest (ESPNetv2: 16).
  const os = defaults.outputStride;
  if (os != null && enc.outputStrides.length && !enc.outputStrides.includes(os)) {
    defaults.outputStride = [...enc.outputStrides].sort((a, b) => Math.abs(a - os) - Math.abs(b - os))[0];
  }
  return {
    name, options, defaults,
    description: `${dec.description}; encoder: ${enc.description}`,
    stride: (o) => (dec.anySize ? 1 : enc.stride({ ...defaults, ...o })),
    build(o0: ArchOptions) {
      const o = { ...defaults, ...o0 };
      if (o.outputStride != null && enc.outputStrides.length && !enc.outputStrides.includes(o.outputStride)) {
        throw argumentError('outputStride', o.outputStride, `${enc.name} supports ${enc.outputStrides.join(', ')}`);
      }
      if (o.layout && !enc.layouts.includes(o.layout)) throw new UserError(`${enc.name} has no ${o.layout} layout (it has ${enc.layouts.join(', ')})`);
      const input = tfl.input({ shape: [null, null, o.inChannels ?? 3], name: 'image' });
      const features = enc.build(input, o);
      // The encoder's own layers (a container over them; no layer is created or copied).
      const encoderLayers = new Set(tfl.model({ inputs: input, outputs: features.map((f) => f.x) }).layers.map((l) => l.name));
      const net = tfl.model({ inputs: input, outputs: dec.build(input, features, o), name });
      ENCODER_OF.set(net, { encoder: enc, layers: encoderLayers });
      return net;
    },
  };
}

const cache = new Map<string, ArchBuilder>();
const ENCODER_OF = new WeakMap<tfl.LayersModel, { encoder: Encoder; layers: Set<string> }>();

/** The encoder of a composed network and the names of its layers (null for whole networks). */
export function encoderOf(net: tfl.LayersModel): { encoder: Encoder; layers: Set<string> } | null {
  return ENCODER_OF.get(net) ?? null;
}

/** The stride of a model spec's network (what version-1 cards did not always record); undefined for an unknown architecture. */
export const archStride: StrideOf = (m) => findArch(m.arch)?.stride(m as ModelSpec);

/** The architecture of a name, or null (also for what is not a name). */
export function findArch(name: string): ArchBuilder | null {
  if (typeof name !== 'string') return null;
  const n = ALIASES[name] ?? name;
  if (cache.has(n)) return cache.get(n)!;
  let a: ArchBuilder | null = NETWORKS[n] ?? null;
  if (!a && DECODERS[n]) a = compose(n, ENCODERS[DECODERS[n].defaultEncoder], DECODERS[n], true);
  const cut = n.lastIndexOf('_');
  if (!a && cut > 0 && ENCODERS[n.slice(0, cut)] && DECODERS[n.slice(cut + 1)]) a = compose(n, ENCODERS[n.slice(0, cut)], DECODERS[n.slice(cut + 1)], false);
  if (a) cache.set(n, a);
  return a;
}

/** The encoder of an architecture name (null for whole networks). */
export function encoderFor(name: string): Encoder | null {
  const n = ALIASES[name] ?? name;
  if (NETWORKS[n]) return null;
  if (DECODERS[n]) return ENCODERS[DECODERS[n].defaultEncoder];
  getArch(n);
  return ENCODERS[n.slice(0, n.lastIndexOf('_'))];
}

/** Input normalisation of an architecture: its encoder's, for the layout its weights come in. */
export function archNormalization(name: string, layout?: EncoderLayout): Normalization {
  const enc = encoderFor(name);
  return enc ? enc.normalization(layout ?? enc.layouts[0]) : IMAGENET_NORM;
}

/** Every name `--arch` takes: networks, bare decoders, encoder x decoder, aliases. */
export function architectureNames(): string[] {
  const combos = Object.keys(ENCODERS).flatMap((e) => Object.keys(DECODERS).map((d) => `${e}_${d}`));
  return [...Object.keys(NETWORKS), ...Object.keys(DECODERS), ...combos, ...Object.keys(ALIASES)];
}

export function getArch(name: string): ArchBuilder {
  expectArgs('getArch', [['name', name, 'string']]);
  const a = findArch(name);
  if (!a) {
    throw new UserError(`arch ${name}: unknown architecture; use a network (${Object.keys(NETWORKS).join(', ')}), a decoder (${Object.keys(DECODERS).join(', ')}) `
      + `or ENCODER_DECODER with an encoder of ${Object.keys(ENCODERS).join(', ')} (see pixelwise models)`, 2, 'arch');
  }
  return a;
}

/**
 * The options a model's network was built with, defaults included (an ESPNetv2's projection width
 * follows its class count): given to a network of another class count, its layers keep their shapes.
 */
export function builtOptions(model: { arch: string; numClasses: number } & Partial<ArchOptions>): Partial<ArchOptions> {
  const a = findArch(model.arch);
  if (!a) return {};
  const all: Partial<ArchOptions> = { ...a.defaults, ...a.classDefaults?.(model.numClasses) };
  for (const k of a.options) if (model[k] != null) all[k] = model[k];
  return Object.fromEntries(a.options.filter((k) => all[k] != null).map((k) => [k, all[k]]));
}
