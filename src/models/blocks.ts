// Layer helpers shared by architectures. Every layer gets an explicit, position-derived name so
// that weight names are identical in every process (tfjs-layers' automatic names carry a global
// counter), which checkpoints and weight import rely on.
import * as tfl from '@tensorflow/tfjs-layers';

export type SymT = tfl.SymbolicTensor;

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
  let y = tfl.layers.conv2d({
    filters, kernelSize: kernel, strides, padding: 'same', useBias: false, dilationRate: dilation,
    kernelInitializer: heInit(`${name}_conv`), name: `${name}_conv`,
  }).apply(x) as SymT;
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
