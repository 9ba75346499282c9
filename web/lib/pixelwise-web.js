// src/web/index.ts
import * as ort from "onnxruntime-web";

// src/data/normalize.ts
var KERAS_CAFFE_NORM = { channelOrder: "BGR", mean: [103.939 / 255, 116.779 / 255, 123.68 / 255], std: [1 / 255, 1 / 255, 1 / 255] };
function normalizationTable(norm) {
  const f = Math.fround;
  const lut = [0, 1, 2].map((k) => Float32Array.from({ length: 256 }, (_, v) => f(f(f(v / 255) - f(norm.mean[k])) / f(norm.std[k]))));
  return { lut, source: norm.channelOrder === "BGR" ? [2, 1, 0] : [0, 1, 2] };
}
function normalizeNchw(src, norm, ph, pw) {
  const { width: w, height: h } = src[0];
  const plane = ph * pw;
  const x = new Float32Array(src.length * 3 * plane);
  const { lut, source } = normalizationTable(norm);
  src.forEach((im, i) => {
    for (let k = 0; k < 3; k++) {
      const base = (i * 3 + k) * plane, ch = source[k], t = lut[k];
      for (let yy = 0; yy < h; yy++) {
        const row = base + yy * pw;
        for (let xx = 0, p = yy * w * 3 + ch; xx < w; xx++, p += 3) x[row + xx] = t[im.data[p]];
      }
    }
  });
  return x;
}

// src/data/simd/resize_wasm.ts
var wasmBase64 = "AGFzbQEAAAABIwRgAXsBe2AIf39/f39/f38AYAd/f39/f39/AGAEe3t7ewF7AwUEAAECAwUDAQABBxoDBm1lbW9yeQIABWhwYXNzAAEFdnBhc3MAAgrmBAQlAQF7IABBFv2sAUH/Af0R/bYBIQEgASAB/YYBIAEgAf2GAf1mC8UBAgd/AXsgAyEOAkADQCAIIAJPDQFBACEJA0AgBSAJQQN0aigCBCELIAAgCCABbCAFIAlBA3RqKAIAakEDbGohDCAGIAkgB2xBAnRqIQ1BgICAAf0RIQ8gCyEKAkADQCAKRQ0BIA8gDP1cAgD9iQH9qQEgDf0JAgD9tQH9rgEhDyAMQQNqIQwgDUEEaiENIApBAWshCgwACwsgDiAPEAD9WgIAACAOQQNqIQ4gCUEBaiEJIAkgBEkNAAsgCEEBaiEIDAALCwuyAgIHfwd7AkADQCAHIANPDQEgACAEIAdBA3RqKAIAIAFsaiENIAQgB0EDdGooAgQhCkEAIQgCQANAIAggAU8NASAIQRBqIAFLBEAgAUEQayEIC0GAgIAB/REhDiAOIQ8gDiEQIA4hESANIAhqIQsgBSAHIAZsQQJ0aiEMIAohCQJAA0AgCUUNASAL/QAEACESIAz9CQIAIRQgEv2JASETIA4gE/2pASAU/bUB/a4BIQ4gDyAT/aoBIBT9tQH9rgEhDyAS/YoBIRMgECAT/akBIBT9tQH9rgEhECARIBP9qgEgFP21Af2uASERIAsgAWohCyAMQQRqIQwgCUEBayEJDAALCyACIAcgAWwgCGpqIA4gDyAQIBEQA/0LBAAgCEEQaiEIDAALCyAHQQFqIQcMAAsLC0MBAXtB/wH9ESEEIABBFv2sASAE/bYBIAFBFv2sASAE/bYB/YYBIAJBFv2sASAE/bYBIANBFv2sASAE/bYB/YYB/WYL";

// src/util/wasm_module.ts
function compileWasm(base64) {
  try {
    return new WebAssembly.Module(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
}
function lazyModule(base64) {
  let exports;
  return {
    get() {
      if (exports === void 0) {
        const mod = compileWasm(base64);
        exports = mod ? new WebAssembly.Instance(mod).exports : null;
      }
      return exports;
    }
  };
}
var MAX_MODULE_BYTES = 64 << 20;
function reserve(k, bytes) {
  if (bytes > MAX_MODULE_BYTES) return false;
  const pages = Math.ceil(bytes / 65536) - k.memory.buffer.byteLength / 65536;
  if (pages > 0) k.memory.grow(pages);
  return true;
}
function layout(sizes) {
  const at = [];
  let end = 0;
  for (const n of sizes) {
    at.push(end);
    end += (n + 15 & ~15) + 16;
  }
  return { at, end };
}

// src/data/simd/resize.ts
var kernels = lazyModule(wasmBase64);
function simdResize(src, w, h, ow, oh, hx, vy) {
  if (vy && ow * 3 < 16) return null;
  const k = kernels.get();
  const none = new Int32Array(0);
  const arrays = [hx?.bounds ?? none, hx?.weights ?? none, vy?.bounds ?? none, vy?.weights ?? none];
  const { at: [hb, hw, vb, vw, srcAt, midAt, dstAt], end } = layout([...arrays.map((a) => a.byteLength), src.length, hx ? ow * h * 3 : 0, ow * oh * 3]);
  if (!k || !reserve(k, end)) return null;
  const heap = new Uint8Array(k.memory.buffer);
  [hb, hw, vb, vw].forEach((p, i) => heap.set(new Uint8Array(arrays[i].buffer, arrays[i].byteOffset, arrays[i].byteLength), p));
  heap.set(src, srcAt);
  let from = srcAt;
  if (hx) {
    k.hpass(srcAt, w, h, midAt, ow, hb, hw, hx.taps);
    from = midAt;
  }
  if (vy) {
    k.vpass(from, ow * 3, dstAt, oh, vb, vw, vy.taps);
    from = dstAt;
  }
  return heap.slice(from, from + ow * oh * 3);
}

// src/data/pillow_resize.ts
var BITS = 22;
function bilinearCoeffs(inSize, outSize) {
  const scale = inSize / outSize;
  const fs = Math.max(scale, 1), support = fs;
  const taps = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2), weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let k = 0; k < xmax; k++) {
      const t = Math.abs((k + xmin - center + 0.5) / fs);
      w[k] = t < 1 ? 1 - t : 0;
      sum += w[k];
    }
    for (let k = 0; k < xmax; k++) {
      const v = sum !== 0 ? w[k] / sum : w[k];
      weights[i * taps + k] = v < 0 ? Math.trunc(-0.5 + v * (1 << BITS)) : Math.trunc(0.5 + v * (1 << BITS));
    }
    bounds[i * 2] = xmin;
    bounds[i * 2 + 1] = xmax;
  }
  return { bounds, weights, taps };
}
var HALF = 1 << BITS - 1;
var clip8 = (v) => {
  const x = v >> BITS;
  return x > 255 ? 255 : x;
};
function horizontalPass(src, w, h, ow, { bounds, weights, taps }) {
  const out = new Uint8Array(ow * h * 3);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0, o = y * ow * 3; x < ow; x++, o += 3) {
      const n = bounds[x * 2 + 1], wb = x * taps;
      let r = HALF, g = HALF, b = HALF;
      for (let k = 0, q = row + bounds[x * 2] * 3; k < n; k++, q += 3) {
        const wk = weights[wb + k];
        r += src[q] * wk;
        g += src[q + 1] * wk;
        b += src[q + 2] * wk;
      }
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return out;
}
function verticalPass(src, w, oh, { bounds, weights, taps }) {
  const len = w * 3;
  const out = new Uint8Array(oh * len);
  const acc = new Int32Array(len);
  for (let y = 0; y < oh; y++) {
    const first = bounds[y * 2], n = bounds[y * 2 + 1], wb = y * taps;
    acc.fill(HALF);
    for (let k = 0; k < n; k++) {
      const wk = weights[wb + k], s = (first + k) * len;
      for (let i = 0; i < len; i++) acc[i] += src[s + i] * wk;
    }
    const o = y * len;
    for (let i = 0; i < len; i++) out[o + i] = clip8(acc[i]);
  }
  return out;
}
function pillowBilinear(img, width, height, o = {}) {
  const hx = width !== img.width ? bilinearCoeffs(img.width, width) : null;
  const vy = height !== img.height ? bilinearCoeffs(img.height, height) : null;
  const fast = o.simd !== false && (hx || vy) ? simdResize(img.data, img.width, img.height, width, height, hx, vy) : null;
  if (fast) return { data: fast, width, height };
  if (o.simd === true && (hx || vy)) throw new Error(`SIMD resize unavailable for ${img.width}x${img.height} -> ${width}x${height}`);
  let data = img.data;
  if (hx) data = horizontalPass(data, img.width, img.height, width, hx);
  if (vy) data = verticalPass(data, width, height, vy);
  return { data, width, height };
}
function nearestIndex(inSize, outSize) {
  const idx = new Int32Array(outSize), s = inSize / outSize;
  let x = 0.5 * s;
  for (let j = 0; j < outSize; j++, x += s) idx[j] = Math.min(inSize - 1, Math.trunc(x));
  return idx;
}
function pillowNearest(src, w, h, width, height) {
  if (w === width && h === height) return src;
  const xs = nearestIndex(w, width), ys = nearestIndex(h, height);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    if (y > 0 && ys[y] === ys[y - 1]) {
      out.copyWithin(y * width, (y - 1) * width, y * width);
      continue;
    }
    const row = ys[y] * w;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + xs[x]];
  }
  return out;
}
function pillowTarget(rule, w, h) {
  if (rule.size) return [rule.size[1], rule.size[0]];
  const m = rule.multiple ?? 1;
  return [Math.max(m, Math.floor(w / m) * m), Math.max(m, Math.floor(h / m) * m)];
}

// src/inference/label_map.ts
function argmaxPadded(logits, i, C, ph, pw, w, h) {
  const out = new Uint8Array(w * h), best = new Float32Array(w * h), plane = ph * pw;
  for (let k = 0; k < C; k++) {
    const base = (i * C + k) * plane;
    for (let y = 0; y < h; y++) {
      const row = base + y * pw, o = y * w;
      for (let x = 0; x < w; x++) {
        const v = logits[row + x];
        if (k === 0 || v > best[o + x]) {
          best[o + x] = v;
          out[o + x] = k;
        }
      }
    }
  }
  return out;
}
function argmaxChw(map, c) {
  const px = map.length / c, out = new Uint8Array(px);
  const best = map.slice(0, px);
  for (let k = 1; k < c; k++) {
    const plane = map.subarray(k * px, (k + 1) * px);
    for (let p = 0; p < px; p++) if (plane[p] > best[p]) {
      best[p] = plane[p];
      out[p] = k;
    }
  }
  return out;
}
function classHistogram(labels, numClasses) {
  const h = new Array(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) if (labels[i] < numClasses) h[labels[i]]++;
  return h;
}
function classAreas(labels, classes) {
  return classHistogram(labels, classes.length).map((pixels, id) => ({ id, name: classes[id].name, pixels, share: pixels / Math.max(1, labels.length) })).filter((a) => a.pixels > 0).sort((a, b) => b.pixels - a.pixels || a.id - b.id);
}

// src/inference/chw.ts
function resizeChw(src, c, h, w, th, tw) {
  const out = new Float32Array(c * th * tw);
  const sy = h / th, sx = w / tw;
  const x0s = new Int32Array(tw), x1s = new Int32Array(tw), axs = new Float64Array(tw);
  for (let x = 0; x < tw; x++) {
    const fx = Math.max(0, (x + 0.5) * sx - 0.5), x0 = Math.min(w - 1, Math.floor(fx));
    x0s[x] = x0;
    x1s[x] = Math.min(w - 1, x0 + 1);
    axs[x] = fx - x0;
  }
  for (let y = 0; y < th; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5), y0 = Math.min(h - 1, Math.floor(fy)), y1 = Math.min(h - 1, y0 + 1), ay = fy - y0;
    for (let k = 0; k < c; k++) {
      const r0 = k * h * w + y0 * w, r1 = k * h * w + y1 * w, o = k * th * tw + y * tw;
      for (let x = 0; x < tw; x++) {
        const x0 = x0s[x], x1 = x1s[x], ax = axs[x];
        const top = src[r0 + x0] * (1 - ax) + src[r0 + x1] * ax;
        const bot = src[r1 + x0] * (1 - ax) + src[r1 + x1] * ax;
        out[o + x] = top * (1 - ay) + bot * ay;
      }
    }
  }
  return out;
}

// src/render/simd/overlay_wasm.ts
var wasmBase642 = "AGFzbQEAAAABCgFgBn9/f39/fwADAgEABQMBAAEHFAIGbWVtb3J5AgAHb3ZlcmxheQAACoEBAX8BA38gASACaiEGAkADQCABIAZPDQEgAS0AACEHIAcgBUsEQCAFIQcLIAQgB0GABmxqIQggAyAIIAAtAABqLQAAOgAAIAMgCCAALQABai0AgAI6AAEgAyAIIAAtAAJqLQCABDoAAiABQQFqIQEgAEEDaiEAIANBA2ohAwwACwsL";

// src/render/colorize.ts
var kernel = lazyModule(wasmBase642);
function colorize(labels, width, height, palette) {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < labels.length; i++) {
    const c = palette[labels[i]] ?? [0, 0, 0];
    out[i * 3] = c[0];
    out[i * 3 + 1] = c[1];
    out[i * 3 + 2] = c[2];
  }
  return { data: out, width, height };
}
function overlay(photo, mask, alpha) {
  const out = new Uint8Array(photo.data.length);
  const a = Math.min(1, Math.max(0, alpha)), b = 1 - a;
  for (let i = 0; i < out.length; i++) out[i] = photo.data[i] * b + mask.data[i] * a + 0.5;
  return { data: out, width: photo.width, height: photo.height };
}

// src/web/index.ts
async function load(model, o = {}) {
  if (o.wasmPaths) ort.env.wasm.wasmPaths = o.wasmPaths;
  if (o.threads) ort.env.wasm.numThreads = o.threads;
  let card, bytes;
  if (typeof model === "string") {
    const base = model.replace(/\/?$/, "/");
    card = await fetchOk(base + "model.json").then((r) => r.json());
    if (!card.onnx) throw new Error(`${base}model.json: the model has no ONNX file (export one with \`pixelwise export\`)`);
    const buf = await (await fetchOk(base + card.onnx)).arrayBuffer();
    bytes = new Uint8Array(buf);
  } else {
    card = model.card;
    bytes = model.onnx instanceof Uint8Array ? model.onnx : new Uint8Array(model.onnx);
  }
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  return {
    card,
    segment: (input) => segmentWith(session, card, toRgb(input)),
    dispose: () => session.release()
  };
}
async function fetchOk(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}
async function segmentWith(session, card, image) {
  const t0 = performance.now();
  const C = card.model.numClasses, stride = card.model.stride ?? 32;
  const rule = card.pillowResize ?? (card.resize ? { size: card.resize } : void 0);
  const net = rule ? pillowBilinear(image, ...pillowTarget(rule, image.width, image.height)) : image;
  const { width: w, height: h } = net;
  const ph = Math.ceil(h / stride) * stride, pw = Math.ceil(w / stride) * stride;
  const x = normalizeNchw([net], card.normalization, ph, pw);
  const t1 = performance.now();
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x, [1, 3, ph, pw]) });
  const logits = out[session.outputNames[0]].data;
  const t2 = performance.now();
  let labels;
  if (card.pillowResize || !rule) {
    labels = argmaxPadded(logits, 0, C, ph, pw, w, h);
    if (rule) labels = pillowNearest(labels, w, h, image.width, image.height);
  } else {
    const map = new Float32Array(C * h * w);
    for (let k = 0; k < C; k++) for (let y = 0; y < h; y++) map.set(logits.subarray((k * ph + y) * pw, (k * ph + y) * pw + w), (k * h + y) * w);
    labels = argmaxChw(resizeChw(map, C, h, w, image.height, image.width), C);
  }
  const t3 = performance.now();
  return fromLabels(image, labels, card.classes, { preprocess: t1 - t0, inference: t2 - t1, postprocess: t3 - t2 });
}
function fromLabels(image, labels, classes, timings = { preprocess: 0, inference: 0, postprocess: 0 }) {
  const { width, height } = image;
  const palette = classes.map((c) => c.color);
  return {
    labels,
    width,
    height,
    image,
    timings,
    classes: classAreas(labels, classes),
    colorMask: () => toImageData(colorize(labels, width, height, palette)),
    overlay({ alpha = 0.5, hide = [] } = {}) {
      const shown = hide.length ? labels.map((l) => hide.includes(l) ? 255 : l) : labels;
      const mask = colorize(shown, width, height, palette);
      const blended = overlay(image, mask, alpha);
      if (hide.length) {
        for (let p = 0; p < shown.length; p++) if (shown[p] === 255) blended.data.set(image.data.subarray(p * 3, p * 3 + 3), p * 3);
      }
      return toImageData(blended);
    }
  };
}
function toRgb(input) {
  if ("data" in input && !(input instanceof ImageData)) return input;
  const rgba = input instanceof ImageData ? input : rgbaOf(input);
  const n = rgba.width * rgba.height, data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    data[p * 3] = rgba.data[p * 4];
    data[p * 3 + 1] = rgba.data[p * 4 + 1];
    data[p * 3 + 2] = rgba.data[p * 4 + 2];
  }
  return { data, width: rgba.width, height: rgba.height };
}
function rgbaOf(src) {
  const width = "naturalWidth" in src ? src.naturalWidth : src.width;
  const height = "naturalHeight" in src ? src.naturalHeight : src.height;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(src, 0, 0);
  return ctx.getImageData(0, 0, width, height);
}
function toImageData(rgb) {
  const n = rgb.width * rgb.height, rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    rgba[p * 4] = rgb.data[p * 3];
    rgba[p * 4 + 1] = rgb.data[p * 3 + 1];
    rgba[p * 4 + 2] = rgb.data[p * 3 + 2];
    rgba[p * 4 + 3] = 255;
  }
  return new ImageData(rgba, rgb.width, rgb.height);
}
export {
  fromLabels,
  load,
  toImageData,
  toRgb
};
//# sourceMappingURL=pixelwise-web.js.map
