// Dense convolutions on ONNX Runtime's blocked-channel (NCHWc) kernels, the direct convolutions
// ONNX Runtime itself runs for a model whose weights are constants: a graph optimisation rewrites
// such a Conv into ReorderInput (channels-last in) -> com.microsoft.nchwc Conv -> ReorderOutput
// (channels-last out), with the filter reordered into blocks. A training step's filter changes
// every step, so that rewrite never applies to the project's one-node graphs (the filter is a graph
// input): these graphs name the three operators themselves and reorder the filter inside the graph
// (Reshape, Transpose). The block size is the machine's (16 lanes with AVX-512, 8 with AVX2) and
// the filter's blocked layout is ONNX Runtime's internal one, so the path is verified once per
// process against a convolution written out (`nchwcBlock`); where it does not match or the
// operators are missing, callers keep their plain Conv graphs.
import { int, int64Init, ints, str, type O } from '../../formats/onnx_proto.js';
import { flipSpatial, graph, session, loadedNative } from './ort_native.js';

const NCHWC = 'com.microsoft.nchwc';

export interface NchwcConvSpec {
  ci: number; co: number; kh: number; kw: number;
  strides: number[]; dilations: number[]; pads: number[];
  bias: boolean; relu: boolean;
  /** The filter given is a forward convolution's [kh, kw, co, ci]-transposed use: flip it spatially and swap its channel axes (an input gradient). */
  transposed: boolean;
}

/**
 * One graph: x (NHWC, ci channels) and the filter as TF.js keeps it (HWIO; for `transposed`, the
 * forward filter [kh, kw, ci_out_of_grad, co]) -> y (NHWC, co channels).
 */
export function nchwcConvGraph(o: NchwcConvSpec, block: number): Uint8Array {
  const { ci, co, kh, kw } = o;
  const nodes: O.INodeProto[] = [];
  let w = 'w';
  const flip = flipSpatial('w', 'wf');
  if (o.transposed) {
    // The forward filter [kh, kw, co, ci] (this convolution's output channels are the forward's
    // inputs), flipped in both spatial axes, as HWIO [kh, kw, ci, co].
    nodes.push(flip.node);
    nodes.push({ opType: 'Transpose', input: ['wf'], output: ['wh'], attribute: [ints('perm', [0, 1, 3, 2])] });
    w = 'wh';
  }
  // HWIO -> [co/B, ci/B, kh, kw, Bi, Bo], the blocked filter ONNX Runtime reorders constants into.
  nodes.push({ opType: 'Reshape', input: [w, 'blocks'], output: ['w6'] });
  nodes.push({ opType: 'Transpose', input: ['w6'], output: ['wt'], attribute: [ints('perm', [4, 2, 0, 1, 3, 5])] });
  nodes.push({ opType: 'Reshape', input: ['wt', 'oihw'], output: ['wb'] });
  nodes.push({ opType: 'ReorderInput', domain: NCHWC, input: ['x'], output: ['xb'], attribute: [int('channels_last', 1)] });
  nodes.push({
    opType: 'Conv', domain: NCHWC, input: o.bias ? ['xb', 'wb', 'b'] : ['xb', 'wb'], output: ['yb'],
    attribute: [ints('strides', o.strides), ints('dilations', o.dilations), ints('pads', o.pads), int('group', 1), ints('kernel_shape', [kh, kw]),
      ...(o.relu ? [str('activation', 'Relu')] : [])],
  });
  nodes.push({ opType: 'ReorderOutput', domain: NCHWC, input: ['yb'], output: ['y'], attribute: [int('channels_last', 1), int('channels', co)] });
  const inputs: [string, number][] = [['x', 4], ['w', 4]];
  if (o.bias) inputs.push(['b', 1]);
  const inits = [int64Init('blocks', [kh, kw, ci / block, block, co / block, block]), int64Init('oihw', [co, ci, kh, kw])];
  if (o.transposed) inits.push(...flip.inits);
  return graph(nodes, inputs, 'y', inits);
}

/** Whether both channel counts fill whole blocks (the only case these graphs take). */
export const nchwcFits = (block: number, ci: number, co: number) => block > 0 && ci % block === 0 && co % block === 0;

let probed: number | undefined;

/**
 * The channel block of ONNX Runtime's NCHWc kernels on this machine, 0 where the path is not
 * available: each candidate is tried on a small convolution (stride 2, dilation, bias, ReLU, and
 * the transposed filter) and kept only if it gives the convolution written out.
 */
export function nchwcBlock(): number {
  if (probed !== undefined) return probed;
  probed = 0;
  const native = loadedNative();
  if (!native) return probed;
  for (const block of [16, 8]) {
    try {
      if (agrees(block)) { probed = block; break; }
    } catch { /* this block size (or the operators) is not there */ }
  }
  return probed;
}

function agrees(block: number): boolean {
  const { Tensor } = loadedNative()!;
  const n = 1, h = 7, w = 6, ci = block, co = 2 * block, kh = 3, kw = 3;
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  const x = Float32Array.from({ length: n * h * w * ci }, rnd), f = Float32Array.from({ length: kh * kw * ci * co }, rnd), b = Float32Array.from({ length: co }, rnd);
  for (const [stride, dil, relu, transposed] of [[2, 1, true, false], [1, 2, false, true]] as const) {
    const pad = dil;
    const oh = Math.floor((h + 2 * pad - dil * (kh - 1) - 1) / stride) + 1, ow = Math.floor((w + 2 * pad - dil * (kw - 1) - 1) / stride) + 1;
    // transposed: the graph's filter input is a forward filter [kh, kw, co, ci]; its own filter
    // (HWIO [kh, kw, ci, co]) is that one flipped with the channel axes swapped.
    const own = (i: number, j: number, c: number, o: number) => (transposed ? f[(((kh - 1 - i) * kw + (kw - 1 - j)) * co + o) * ci + c] : f[((i * kw + j) * ci + c) * co + o]);
    const ref = new Float32Array(n * oh * ow * co);
    for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) for (let o = 0; o < co; o++) {
      let s = b[o];
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
        const iy = y * stride + i * dil - pad, ix = xx * stride + j * dil - pad;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        for (let c = 0; c < ci; c++) s += x[(iy * w + ix) * ci + c] * own(i, j, c, o);
      }
      ref[(y * ow + xx) * co + o] = relu ? Math.max(0, s) : s;
    }
    const s = session(`nchwc-probe|${block}|${stride}|${dil}|${relu}|${transposed}`, () => nchwcConvGraph(
      { ci, co, kh, kw, strides: [stride, stride], dilations: [dil, dil], pads: [pad, pad, pad, pad], bias: true, relu, transposed }, block));
    const out = new Float32Array(n * oh * ow * co);
    s.run({ x: new Tensor('float32', x, [n, h, w, ci]), w: new Tensor('float32', f, transposed ? [kh, kw, co, ci] : [kh, kw, ci, co]), b: new Tensor('float32', b, [co]) },
      { y: new Tensor('float32', out, [n, oh, ow, co]) }, {});
    for (let i = 0; i < ref.length; i++) if (!(Math.abs(out[i] - ref[i]) <= 1e-4)) return false;
  }
  return true;
}
