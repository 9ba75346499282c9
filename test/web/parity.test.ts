// One pipeline, three runtimes: every shipped model segments the demo photos on tfjs (TF.js in Node),
// onnx (ONNX Runtime in Node) and onnx-web (onnxruntime-web in Chromium, the browser module as a page
// loads it), through the same card, processor and segmenter factory. The runtimes' kernels sum in
// other orders (XNNPACK, MLAS, wasm), so two classes whose scores lie within float rounding of each
// other may swap: tfjs and onnx-web must give onnx's label at every pixel where onnx's two best
// scores are more than 1e-3 apart, and the pixels that differ are counted in the test's output.
// 8-bit graphs must give identical label maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openModel, openNetwork, openSegmenter } from '../../src/inference/open.ts';
import type { OnnxNetwork } from '../../src/inference/onnx_runtime.ts';
import { ImageProcessor } from '../../src/inference/processor.ts';
import { NODE_FILTERS } from '../../src/inference/node_filters.ts';
import { readImage, type RgbImage } from '../../src/data/image_io.ts';
import { shippedModels } from '../../src/models/shipped.ts';
import { readCard } from '../../src/models/package.ts';
import { variantCards } from '../../src/models/card.ts';
import { nearestAspect } from '../../src/inference/segmenter.ts';
import { DEMO_PHOTOS, DEMO_PHOTOS_DIR } from '../../src/cli/demo_photos.ts';
import { noChromium, withServedPage } from './served_page.ts';

const NEAR_TIE = 1e-3;

/** Pixels where the two best scores (CHW) are more than NEAR_TIE apart. */
function decided(scores: Float32Array, c: number): Uint8Array {
  const px = scores.length / c, out = new Uint8Array(px);
  for (let p = 0; p < px; p++) {
    let a = -Infinity, b = -Infinity;
    for (let k = 0; k < c; k++) { const v = scores[k * px + p]; if (v > a) { b = a; a = v; } else if (v > b) b = v; }
    out[p] = a - b > NEAR_TIE ? 1 : 0;
  }
  return out;
}

test('parity: every shipped model gives onnx\'s label maps on tfjs and onnx-web wherever the label is not a near-tie (8-bit models: everywhere)', { skip: noChromium }, async (t) => {
  const photos = await Promise.all(DEMO_PHOTOS.map(async (p) => ({ name: p.file, image: await readImage(`${DEMO_PHOTOS_DIR}/${p.file}`) })));
  await withServedPage({}, async (page) => {
    const inBrowser = (model: string, im: RgbImage) => page.evaluate(async ([model, data, width, height]) => {
      const w = window as unknown as { segs?: Record<string, { segment(x: unknown): Promise<{ labels: Uint8Array }> }> };
      const { load } = await import('/lib/pixelwise-web.js' as string);
      w.segs ??= {};
      w.segs[model] ??= await load(`/v1/models/${model}`, { wasmPaths: '/vendor/ort/' });
      const bytes = Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0));
      const r = await w.segs[model].segment({ data: bytes, width, height });
      let bin = '';
      for (const v of r.labels) bin += String.fromCharCode(v);
      return btoa(bin);
    }, [model, Buffer.from(im.data).toString('base64'), im.width, im.height] as const).then((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
    const headInBrowser = (model: string) => page.evaluate((model) => (window as unknown as { segs: Record<string, { labelsFromHead: boolean }> }).segs[model].labelsFromHead, model);
    for (const model of shippedModels()) {
      const onnx = await openSegmenter(model, { runtime: 'onnx' });
      // TF.js builds the models that have pixelwise weights (the imported TFLite graphs are ONNX only).
      const tfjs = readCard(`models/${model}`).weights ? await openSegmenter(model, { runtime: 'tfjs' }) : null;
      // The network side alone: scores at the network's input size, where the label is decided.
      const onnxNet = await openNetwork(model, { runtime: 'onnx' });
      const C = onnx.card.model.numClasses;
      const opened = await openModel(model, { runtime: 'onnx' }), nodeHead = (opened.network as OnnxNetwork).labelsFromHead;
      await opened.network.dispose();
      // 8-bit graphs compute in integers from their input on, and their weights never saturate
      // x86's 16-bit pair sums: the same integers on every runtime, identical label maps.
      const int8 = onnx.card.precision === 'int8';
      for (const { name, image } of photos) {
        // The card (or variant) that takes this image, as the segmenter picks it.
        const cards = variantCards(onnx.card), proc = new ImageProcessor(cards[nearestAspect(cards, image.width, image.height)], NODE_FILTERS);
        await t.test(`${model} ${name}`, async (st) => {
          const [ref] = await onnx.predictBatch([image]);
          const [net] = await proc.toNetwork([image]);
          const [{ scores }] = await onnxNet.scoresBatch([net]);
          // Decided where the label is taken: at the network's size, then resized back as the label map is.
          const sure = proc.output.resizeBack === 'labels' ? proc.labelsBack(decided(scores, C), net, image) : decided(proc.scoresBack(scores, net, image), C);
          const compare = (other: Uint8Array, name: string) => {
            let differ = 0, differDecided = 0;
            for (let p = 0; p < ref.length; p++) if (other[p] !== ref[p]) { differ++; differDecided += sure[p]; }
            st.diagnostic(`${name} vs onnx: ${differ} of ${ref.length} pixels differ, ${differDecided} of them outside near-ties${int8 ? ' (an 8-bit model)' : ''}`);
            if (int8) assert.equal(differ, 0, `${name} differs from onnx at ${differ} of ${ref.length} pixels (an 8-bit graph: integers)`);
            else assert.equal(differDecided, 0, `${name} differs from onnx at ${differDecided} pixels where onnx's two best scores are more than ${NEAR_TIE} apart`);
          };
          compare(await inBrowser(model, image), 'onnx-web');
          // Both runtimes take label maps the same way: from the graph cut before its last Resize, or from the whole graph.
          assert.equal(await headInBrowser(model), nodeHead, 'onnx-web cuts the graph where onnx does');
          if (tfjs) compare((await tfjs.predictBatch([image]))[0], 'tfjs');
        });
      }
      await onnx.dispose(); await tfjs?.dispose(); await onnxNet.dispose();
    }
  });
});
