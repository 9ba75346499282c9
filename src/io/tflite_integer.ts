// A fully 8-bit TensorFlow Lite graph (uint8, per-tensor asymmetric quantisation: the Coral DeepLab
// models) run in integer arithmetic, rounding as TFLite does when it runs them: the XNNPACK
// delegate's QU8 kernels (convolutions requantised through float32 with round-half-even,
// additions and requantisation in fixed point, bilinear resizes rounded half up) and TFLite's own
// kernels for what XNNPACK does not take (average pooling, tile, argmax: the first maximum). The
// result is the graph's own output, bit for bit, where a float run of the dequantised graph
// differs on the pixels whose top two classes tie in 8 bits. Plain JS: a reference, seconds an image.
import type { TfliteGraph, TfliteOperator, TfliteTensor } from '../formats/tflite.js';
import { UserError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';

type Buf = Uint8Array | Int32Array;
const f = Math.fround;
const ACTIVATIONS = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];

/** Round half to even (C's lrintf in the default rounding mode, XNNPACK's magic-bias rounding). */
function rint(x: number): number {
  const fl = Math.floor(x), d = x - fl;
  return d > 0.5 ? fl + 1 : d < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
}
/** TFLite's TfliteRound: half away from zero. */
const roundAway = (x: number) => Math.sign(x) * Math.floor(Math.abs(x) + 0.5);

export interface IntegerRun {
  /** Every activation tensor computed, by tensor index (uint8, or int32 for ARG_MAX). */
  values: Map<number, Buf>;
  /** The graph's first output. */
  output: Buf;
}

/** Runs `graph` on one uint8 NHWC input (the graph's own input size). */
export function runIntegerTflite(graph: TfliteGraph, input: Uint8Array, origin = 'model.tflite'): IntegerRun {
  expectArgs('runIntegerTflite', [['graph', graph, 'object'], ['input', input, 'bytes']]);
  expectArgs('runIntegerTflite', [['graph.inputs', graph.inputs, 'array'], ['graph.tensors', graph.tensors, 'array']]);
  const T = (i: number): TfliteTensor => graph.tensors[i];
  const bad = (o: TfliteOperator, why: string) => new UserError(`${origin}: operator ${o.index} (${o.op}) ${why}`);
  const values = new Map<number, Buf>();
  const inT = T(graph.inputs[0]);
  if (inT.type !== 'UINT8') throw new UserError(`${origin}: the integer run takes uint8 graphs (this input is ${inT.type})`);
  if (input.length !== inT.shape.reduce((a, b) => a * b, 1)) throw new UserError(`${origin}: input of ${input.length} bytes for a [${inT.shape.join(', ')}] tensor`);
  values.set(graph.inputs[0], input);
  const q = (i: number) => {
    const qq = T(i).quantization;
    if (!qq || qq.scale.length !== 1) throw new UserError(`${origin}: tensor ${i} (${T(i).name}) is not quantised per tensor`);
    return { s: qq.scale[0], zp: qq.zeroPoint[0] };
  };
  const get = (i: number): Buf => {
    const v = values.get(i);
    if (v) return v;
    const t = T(i);
    if (!t.data) throw new UserError(`${origin}: tensor ${i} (${t.name}) is used before it is computed`);
    const c = t.type === 'INT32' ? new Int32Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength))
      : t.type === 'UINT8' ? t.data : null;
    if (!c) throw new UserError(`${origin}: constant ${i} (${t.name}) of type ${t.type} in an 8-bit graph`);
    values.set(i, c);
    return c;
  };
  /** Output bounds of a fused activation on the output's grid (as TFLite hands them to XNNPACK). */
  const bounds = (o: TfliteOperator, out: number): [number, number] => {
    const { s, zp } = q(out), act = ACTIVATIONS[Number(o.options?.fused_activation_function ?? 0)];
    if (act === 'NONE') return [0, 255];
    if (act === 'RELU') return [Math.max(0, zp), 255];
    if (act === 'RELU6') return [Math.max(0, zp), Math.min(255, zp + roundAway(f(6 / s)))];
    throw bad(o, `has the fused activation ${act}, which the integer run does not support`);
  };
  const samePad = (inS: number, outS: number, k: number, s: number, d: number) => Math.floor(Math.max((outS - 1) * s + (k - 1) * d + 1 - inS, 0) / 2);

  for (const o of graph.operators) {
    const out = o.outputs[0], oS = T(out).shape, opts = o.options ?? {};
    let y: Buf;
    switch (o.op) {
      case 'CONV_2D': case 'DEPTHWISE_CONV_2D': {
        const dw = o.op === 'DEPTHWISE_CONV_2D';
        const x = get(o.inputs[0]) as Uint8Array, w = get(o.inputs[1]) as Uint8Array, bias = o.inputs[2] >= 0 ? get(o.inputs[2]) as Int32Array : null;
        const [, H, W, C] = T(o.inputs[0]).shape, [, Ho, Wo, O] = oS, ws = T(o.inputs[1]).shape, kh = ws[1], kw = ws[2];
        const qx = q(o.inputs[0]), qw = q(o.inputs[1]), qy = q(out);
        const sh = Number(opts.stride_h ?? 1), sw = Number(opts.stride_w ?? 1), dh = Number(opts.dilation_h_factor ?? 1), dwf = Number(opts.dilation_w_factor ?? 1);
        const valid = Number(opts.padding) === 1;
        const pt = valid ? 0 : samePad(H, Ho, kh, sh, dh), pl = valid ? 0 : samePad(W, Wo, kw, sw, dwf);
        // float32 as XNNPACK computes it: input scale x kernel scale / output scale.
        const scale = f(f(qx.s * qw.s) / qy.s);
        const [lo, hi] = bounds(o, out);
        const xs = new Int32Array(x.length);
        for (let i = 0; i < x.length; i++) xs[i] = x[i] - qx.zp;
        // Weights less their zero point, [kh, kw, C, O] for a dense conv (the inner loop runs over
        // output channels, contiguous in both the weights and the accumulators).
        const wz = new Int32Array(w.length);
        if (dw) for (let i = 0; i < w.length; i++) wz[i] = w[i] - qw.zp;
        else for (let k = 0; k < O; k++) for (let t = 0; t < kh * kw; t++) for (let c = 0; c < C; c++) wz[(t * C + c) * O + k] = w[(k * kh * kw + t) * C + c] - qw.zp;
        const r = new Uint8Array(Ho * Wo * O), acc = new Int32Array(O);
        const mult = dw ? O / C : 1;
        for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
          for (let k = 0; k < O; k++) acc[k] = bias ? bias[k] : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pl + kx * dwf;
              if (ix < 0 || ix >= W) continue;
              const xo = (iy * W + ix) * C;
              if (dw) { // weights [1, kh, kw, C*m]
                const wo = (ky * kw + kx) * O;
                if (mult === 1) for (let k = 0; k < O; k++) acc[k] += xs[xo + k] * wz[wo + k];
                else for (let k = 0; k < O; k++) acc[k] += xs[xo + Math.floor(k / mult)] * wz[wo + k];
              } else {
                const wt = (ky * kw + kx) * C * O;
                for (let c = 0; c < C; c++) {
                  const v = xs[xo + c];
                  if (v === 0) continue; // the zero point (ReLU outputs, padding): adds nothing
                  const wo = wt + c * O;
                  for (let k = 0; k < O; k++) acc[k] += v * wz[wo + k];
                }
              }
            }
          }
          const ro = (oy * Wo + ox) * O;
          for (let k = 0; k < O; k++) r[ro + k] = Math.min(hi, Math.max(lo, rint(f(f(acc[k]) * scale)) + qy.zp));
        }
        y = r;
        break;
      }
      case 'ADD': {
        const a = get(o.inputs[0]) as Uint8Array, b = get(o.inputs[1]) as Uint8Array;
        if (a.length !== b.length) throw bad(o, 'broadcasts, which the integer run does not support');
        const qa = q(o.inputs[0]), qb = q(o.inputs[1]), qy = q(out);
        const as = f(qa.s / qy.s), bs = f(qb.s / qy.s), max = Math.max(as, bs);
        const exponent = ((new Uint32Array(Float32Array.of(max).buffer)[0] >>> 23) & 0xff) - 127; // the float's own exponent
        const shift = 20 - exponent, am = rint(as * 2 ** shift), bm = rint(bs * 2 ** shift);
        const biasAdd = 2 ** (shift - 1) - am * qa.zp - bm * qb.zp, div = 2 ** shift;
        const [lo, hi] = bounds(o, out);
        const r = new Uint8Array(a.length);
        for (let i = 0; i < a.length; i++) r[i] = Math.min(hi, Math.max(lo, Math.floor((biasAdd + a[i] * am + b[i] * bm) / div) + qy.zp));
        y = r;
        break;
      }
      case 'AVERAGE_POOL_2D': {
        const x = get(o.inputs[0]) as Uint8Array, [, H, W, C] = T(o.inputs[0]).shape, [, Ho, Wo] = oS;
        const fh = Number(opts.filter_height), fw = Number(opts.filter_width), sh = Number(opts.stride_h), sw = Number(opts.stride_w);
        const valid = Number(opts.padding) === 1;
        const pt = valid ? 0 : samePad(H, Ho, fh, sh, 1), pl = valid ? 0 : samePad(W, Wo, fw, sw, 1);
        const [lo, hi] = bounds(o, out);
        const r = new Uint8Array(Ho * Wo * C);
        for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
          const y0 = Math.max(0, oy * sh - pt), y1 = Math.min(H, oy * sh - pt + fh), x0 = Math.max(0, ox * sw - pl), x1 = Math.min(W, ox * sw - pl + fw);
          const count = (y1 - y0) * (x1 - x0);
          for (let c = 0; c < C; c++) {
            let s = 0;
            for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += x[(iy * W + ix) * C + c];
            r[(oy * Wo + ox) * C + c] = Math.min(hi, Math.max(lo, Math.floor((s + Math.floor(count / 2)) / count)));
          }
        }
        y = r;
        break;
      }
      case 'RESIZE_BILINEAR': {
        if (!opts.align_corners) throw bad(o, 'resizes without align_corners, which the integer run does not support');
        const x = get(o.inputs[0]) as Uint8Array, [, H, W, C] = T(o.inputs[0]).shape, [, Ho, Wo] = oS;
        const r = new Uint8Array(Ho * Wo * C);
        // Exact bilinear weights as fractions of (out - 1), rounded half up once at the end.
        const axis = (n: number, m: number, i: number) => {
          if (m === 1 || n === 1) return { i0: 0, i1: 0, num: 0, den: 1 };
          const num = i * (n - 1), den = m - 1, i0 = Math.floor(num / den);
          return { i0, i1: Math.min(n - 1, i0 + 1), num: num - i0 * den, den };
        };
        for (let oy = 0; oy < Ho; oy++) {
          const ay = axis(H, Ho, oy);
          for (let ox = 0; ox < Wo; ox++) {
            const ax = axis(W, Wo, ox), D = ay.den * ax.den;
            for (let c = 0; c < C; c++) {
              const v00 = x[(ay.i0 * W + ax.i0) * C + c], v01 = x[(ay.i0 * W + ax.i1) * C + c], v10 = x[(ay.i1 * W + ax.i0) * C + c], v11 = x[(ay.i1 * W + ax.i1) * C + c];
              const n = (ay.den - ay.num) * ((ax.den - ax.num) * v00 + ax.num * v01) + ay.num * ((ax.den - ax.num) * v10 + ax.num * v11);
              r[(oy * Wo + ox) * C + c] = Math.floor((2 * n + D) / (2 * D));
            }
          }
        }
        y = r;
        break;
      }
      case 'QUANTIZE': { // uint8 -> uint8 on another grid (XNNPACK's convert: 8-bit fixed-point multiplier)
        const x = get(o.inputs[0]) as Uint8Array, qx = q(o.inputs[0]), qy = q(out);
        const m = rint(f(256 * f(qx.s / qy.s))), bias = qy.zp * 256 - m * qx.zp + 0x80;
        y = x.map((v) => Math.min(255, Math.max(0, Math.floor((bias + v * m) / 256))));
        break;
      }
      case 'CONCATENATION': {
        const axis = Number(opts.axis ?? -1), rank = oS.length;
        if ((axis + rank) % rank !== rank - 1) throw bad(o, 'concatenates along another axis than channels');
        const qy = q(out);
        for (const i of o.inputs) { const qi = q(i); if (qi.s !== qy.s || qi.zp !== qy.zp) throw bad(o, 'joins tensors on different grids'); }
        const px = oS.slice(0, -1).reduce((a, b) => a * b, 1), r = new Uint8Array(px * oS[rank - 1]);
        let c0 = 0;
        for (const i of o.inputs) {
          const x = get(i) as Uint8Array, c = T(i).shape[rank - 1];
          for (let p = 0; p < px; p++) r.set(x.subarray(p * c, p * c + c), p * oS[rank - 1] + c0);
          c0 += c;
        }
        y = r;
        break;
      }
      case 'TILE': {
        const x = get(o.inputs[0]) as Uint8Array, s = T(o.inputs[0]).shape;
        const r = new Uint8Array(oS.reduce((a, b) => a * b, 1));
        const strides = (sh: number[]) => sh.map((_, i) => sh.slice(i + 1).reduce((a, b) => a * b, 1));
        const so = strides(oS), si = strides(s);
        for (let i = 0; i < r.length; i++) {
          let src = 0;
          for (let d = 0; d < oS.length; d++) src += (Math.floor(i / so[d]) % oS[d] % s[d]) * si[d];
          r[i] = x[src];
        }
        y = r;
        break;
      }
      case 'ARG_MAX': {
        const x = get(o.inputs[0]) as Uint8Array, s = T(o.inputs[0]).shape, C = s[s.length - 1];
        const axis = (get(o.inputs[1]) as Int32Array)[0];
        if ((axis + s.length) % s.length !== s.length - 1) throw bad(o, 'takes the argmax along another axis than channels');
        const px = x.length / C, r = new Int32Array(px);
        for (let p = 0; p < px; p++) {
          let best = 0;
          for (let c = 1; c < C; c++) if (x[p * C + c] > x[p * C + best]) best = c; // the first maximum
          r[p] = best;
        }
        y = r;
        break;
      }
      default:
        throw bad(o, 'is not supported by the integer run');
    }
    values.set(out, y);
  }
  return { values, output: values.get(graph.outputs[0])! };
}
