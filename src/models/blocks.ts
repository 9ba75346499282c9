// Layer helpers shared by architectures. Every layer gets an explicit, position-derived name so
// that weight names are identical in every process (tfjs-layers' automatic names carry a global
// counter), which checkpoints and weight import rely on.
import * as tfl from '@tensorflow/tfjs-layers';
import type { Feature, SymT } from './types.js';
import { AtrousDepthwiseConv2D, GlobalAvgPool, GroupConv2D, Resample } from './layers.js';
import { UserError } from '../util/errors.js';

export type { SymT };
const L = tfl.layers;
const apply = (layer: tfl.layers.Layer, x: SymT | SymT[]) => layer.apply(x) as SymT;

// Initialisers are seeded from the model seed and the layer name, so a model built twice with the
// same seed starts from the same weights (reproducible runs, exact resume tests).
let modelSeed = 1;
let bnEpsilon = 1e-3;
/** Build-wide settings, applied by SegModel before an architecture's build(). */
export function setBuildOptions(o: { seed?: number; bnEpsilon?: number }): void {
  modelSeed = o.seed ?? 1;
  bnEpsilon = o.bnEpsilon ?? 1e-3;
}
function seedFor(name: string): number {
  let h = 2166136261 ^ modelSeed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return (h >>> 0) % 2147483647;
}
export const heInit = (name: string) => tfl.initializers.heNormal({ seed: seedFor(name) });
export const glorotInit = (name: string) => tfl.initializers.glorotUniform({ seed: seedFor(name) });

export function convBnRelu(x: SymT, filters: number, name: string, kernel = 3, strides = 1, dilation = 1): SymT {
  let y = conv(x, filters, `${name}_conv`, { kernel, strides, dilation });
  // momentum 0.9 (tfjs default 0.99): short runs need the moving statistics to settle quickly.
  y = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: bnEpsilon, name: `${name}_bn` }).apply(y) as SymT;
  return tfl.layers.reLU({ name: `${name}_relu` }).apply(y) as SymT;
}

export function maxPool(x: SymT, name: string): SymT {
  return tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name }).apply(x) as SymT;
}

export function upConv(x: SymT, filters: number, name: string, factor = 2): SymT {
  return tfl.layers.conv2dTranspose({
    filters, kernelSize: factor, strides: factor, padding: 'same', kernelInitializer: heInit(name), name,
  }).apply(x) as SymT;
}

export function classifier(x: SymT, numClasses: number, name = 'classifier'): SymT {
  return tfl.layers.conv2d({ filters: numClasses, kernelSize: 1, padding: 'same', kernelInitializer: glorotInit(name), name }).apply(x) as SymT;
}

// Single layers with exact names, for encoders that follow a reference definition layer by layer
// (Keras Applications names, so that Keras and mapped torchvision checkpoints load by name).
export interface ConvOpts { kernel?: number; strides?: number; dilation?: number; padding?: 'same' | 'valid'; bias?: boolean; activation?: 'relu' }
export function conv(x: SymT, filters: number, name: string, o: ConvOpts = {}): SymT {
  if ((o.dilation ?? 1) > 1) {
    // tfjs-layers' Conv2D trains through tfjs-core's fused conv, whose gradient refuses dilation;
    // GroupConv2D (same weights, same 'same' padding for odd kernels) runs the plain conv op,
    // whose gradient engine/conv_grad.ts provides.
    if (o.padding === 'valid' || o.strides !== undefined && o.strides > 1 || (o.kernel ?? 3) % 2 === 0) throw new Error(`${name}: dilated convolutions are stride 1, 'same', odd kernels`);
    const y = apply(new GroupConv2D({ name, filters, kernelSize: o.kernel ?? 3, dilation: o.dilation, useBias: o.bias ?? false, kernelInitializer: heInit(name) }), x);
    return o.activation ? relu(y, `${name}_relu`) : y;
  }
  return apply(L.conv2d({
    filters, kernelSize: o.kernel ?? 3, strides: o.strides ?? 1, dilationRate: o.dilation ?? 1, padding: o.padding ?? 'same',
    useBias: o.bias ?? false, activation: o.activation, kernelInitializer: heInit(name), name,
  }), x);
}
export function depthwise(x: SymT, name: string, o: Omit<ConvOpts, 'activation'> = {}): SymT {
  if ((o.dilation ?? 1) > 1) {
    // tfjs-layers' DepthwiseConv2D ignores dilationRate when it runs.
    if (o.padding === 'valid' || o.strides !== undefined && o.strides > 1) throw new Error(`${name}: dilated depthwise convolutions are stride 1, 'same'`);
    return apply(new AtrousDepthwiseConv2D({ name, kernelSize: o.kernel ?? 3, dilation: o.dilation!, useBias: o.bias, kernelInitializer: heInit(name) }), x);
  }
  return apply(L.depthwiseConv2d({
    kernelSize: o.kernel ?? 3, strides: o.strides ?? 1, dilationRate: o.dilation ?? 1, padding: o.padding ?? 'same',
    useBias: o.bias ?? false, depthwiseInitializer: heInit(name), name,
  }), x);
}
/** BatchNorm with momentum 0.9 (short runs need the moving statistics to settle quickly). */
export const bn = (x: SymT, name: string, epsilon = bnEpsilon) => apply(L.batchNormalization({ momentum: 0.9, epsilon, name }), x);
/** ReLU, or ReLU6 with `max` 6 (MobileNet). */
export const relu = (x: SymT, name: string, max?: number) => apply(L.reLU({ maxValue: max, name }), x);
export const zeroPad = (x: SymT, pad: [[number, number], [number, number]], name: string) => apply(L.zeroPadding2d({ padding: pad, name }), x);
export const add = (xs: SymT[], name: string) => apply(L.add({ name }), xs);
export const concat = (xs: SymT[], name: string) => apply(L.concatenate({ name }), xs);
export const globalAvgPool = (x: SymT, name: string) => apply(new GlobalAvgPool({ name }), x);
/** Bilinear (align-corners) resize of x to the spatial size of `ref`. */
export const resizeLike = (x: SymT, ref: SymT, name: string) => apply(new Resample({ name, mode: 'bilinear' }), [x, ref]);
/** Adaptive average pooling to a fixed bins x bins grid (any input size). */
export const adaptivePool = (x: SymT, bins: number, name: string) => apply(new Resample({ name, mode: 'area', size: [bins, bins] }), x);
/** Nearest-neighbour 2x upsampling. */
export const upNearest = (x: SymT, name: string) => apply(L.upSampling2d({ size: [2, 2], name }), x);

export const channels = (x: SymT) => x.shape[3] as number;

/**
 * Strides of an encoder's downsampling steps under an output stride: once the requested output
 * stride is reached, further steps keep the resolution and dilate what follows instead (the
 * DeepLab rule; the first non-strided step still uses the previous dilation).
 */
export function stridePlan(outputStride: number, stem = 1) {
  let current = stem, rate = 1;
  return (stride: number): { strides: number; dilation: number } => {
    if (stride === 1) return { strides: 1, dilation: rate };
    if (current * stride > outputStride) { const d = rate; rate *= stride; return { strides: 1, dilation: d }; }
    current *= stride;
    return { strides: stride, dilation: rate };
  };
}

/** The deepest feature at exactly `stride` (decoders pick their skips with it). */
export function featureAt(features: Feature[], stride: number, who: string): Feature {
  const f = [...features].reverse().find((x) => x.stride === stride && !x.role);
  if (!f) throw new UserError(`${who} needs encoder features at stride ${stride} (this encoder gives ${[...new Set(features.map((x) => x.stride))].join(', ')})`);
  return f;
}
