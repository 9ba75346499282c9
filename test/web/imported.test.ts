// ONNX graphs imported from elsewhere (`pixelwise import --from X.onnx`, test/io/onnx_graphs.ts, and a
// SegFormer written by torch.onnx.export, test/fixtures/torch_exports; Keras HDF5 models converted by
// pixelwise, test/fixtures/keras_zoo) run in the browser module
// (onnxruntime-web in Chromium, through the server's model folder) as in Node: the nodes the import
// adds at a graph's ends (Transposes, a Reshape, a Resize whose size is read from the input's
// shape), the graph cut before that Resize, scores at a fraction of the input taken straight to the
// image (the card's output.scale), a batch fixed at 1. Label maps equal ONNX Runtime's in Node
// wherever its two best scores are more than 1e-3 apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { openModel, openNetwork, openSegmenter } from '../../src/inference/open.ts';
import type { OnnxNetwork } from '../../src/inference/onnx_runtime.ts';
import { ImageProcessor } from '../../src/inference/processor.ts';
import { NODE_FILTERS } from '../../src/inference/node_filters.ts';
import { Rng } from '../../src/util/random.ts';
import { writeKerasGraph, writeSegformerFolder } from '../io/onnx_graphs.ts';
import { tempDir } from '../helpers.ts';
import { noChromium, withServedPage } from './served_page.ts';

const KERAS_ZOO = path.resolve(import.meta.dirname, '../fixtures/keras_zoo');
const cli = (...a: string[]) => spawnSync(process.execPath, ['bin/pixelwise.js', ...a], { encoding: 'utf8' });

test('web: imported ONNX graphs (transformers.js folders, a Keras model through tf2onnx, Keras HDF5 models and a Keras 3 archive) give Node\'s label maps in the browser', { skip: noChromium, timeout: 180_000 }, async (t) => {
  const rng = new Rng(11), randoms = (n: number, s: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);
  const models = tempDir('pw-imported-'), src = tempDir();
  writeSegformerFolder(path.join(src, 'segformer'), randoms(4 * 3 * 16, 0.5), randoms(4, 0.1));
  writeKerasGraph(path.join(src, 'keras.onnx'), randoms(4 * 3 * 4, 0.02), randoms(4, 0.1));
  const torchSegformer = path.resolve(import.meta.dirname, '../fixtures/torch_exports/tiny-segformer');
  fs.copyFileSync(path.join(torchSegformer, 'onnx', 'model.onnx'), path.join(src, 'segformer-alone.onnx'));
  // Its processor resizing with BICUBIC (Pillow's, in the browser too).
  fs.cpSync(torchSegformer, path.join(src, 'segformer-bicubic'), { recursive: true });
  const pre = path.join(src, 'segformer-bicubic', 'preprocessor_config.json');
  fs.writeFileSync(pre, JSON.stringify({ ...JSON.parse(fs.readFileSync(pre, 'utf8')), resample: 3 }));
  for (const args of [['--from', path.join(src, 'segformer'), '--out', path.join(models, 'segformer')],
    ['--from', torchSegformer, '--out', path.join(models, 'torch-segformer')],
    ['--from', path.join(src, 'segformer-bicubic'), '--out', path.join(models, 'torch-segformer-bicubic')],
    // The graph alone (without its folder's processor) takes any size: its quarter-size scores resized to the input in the graph.
    ['--from', path.join(src, 'segformer-alone.onnx'), '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225', '--out', path.join(models, 'torch-segformer-any')],
    // image-segmentation-keras's processing: OpenCV's bilinear in, OpenCV's nearest back.
    ['--from', path.join(src, 'keras.onnx'), '--preset', 'image-segmentation-keras', '--out', path.join(models, 'keras')],
    // Keras HDF5 models converted by pixelwise: 'same' pooling, squeeze-and-excitation, TF 2's
    // nearest and bilinear resizes to fixed sizes (test/fixtures/keras_zoo).
    ['--from', path.join(KERAS_ZOO, 'sm_psp_efficientnet.h5'), '--preset', 'keras-torch', '--out', path.join(models, 'keras-psp')],
    ['--from', path.join(KERAS_ZOO, 'keras_apps_mobilenetv3_lraspp.h5'), '--preset', 'keras-raw', '--out', path.join(models, 'keras-lraspp')],
    // A Keras 3 archive with Keras 3's hard swish and hard sigmoid (HardSigmoid nodes).
    ['--from', path.join(KERAS_ZOO, 'keras3_hard_activations.keras'), '--preset', 'keras-raw', '--out', path.join(models, 'keras3-hard')]]) {
    const r = cli('import', ...args);
    assert.equal(r.status, 0, r.stderr);
  }
  const img = { data: Uint8Array.from({ length: 97 * 71 * 3 }, () => rng.int(256)), width: 97, height: 71 };
  await withServedPage({ modelsDir: models }, async (page) => {
    for (const name of ['segformer', 'torch-segformer', 'torch-segformer-bicubic', 'torch-segformer-any', 'keras', 'keras-psp', 'keras-lraspp', 'keras3-hard']) {
      const dir = path.join(models, name);
      const web = await page.evaluate(async ([name, data, width, height]) => {
        const { load } = await import('/lib/pixelwise-web.js' as string);
        const seg = await load(`/v1/models/${name}`, { wasmPaths: '/vendor/ort/' });
        const r = await seg.segment({ data: Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0)), width, height });
        let bin = '';
        for (const v of r.labels) bin += String.fromCharCode(v);
        return { labels: btoa(bin), head: seg.labelsFromHead as boolean };
      }, [name, Buffer.from(img.data).toString('base64'), img.width, img.height] as const);
      const labels = new Uint8Array(Buffer.from(web.labels, 'base64'));
      const node = await openSegmenter(dir, { runtime: 'onnx' }), net = await openNetwork(dir, { runtime: 'onnx' });
      const opened = await openModel(dir, { runtime: 'onnx' }), nodeHead = (opened.network as OnnxNetwork).labelsFromHead;
      await opened.network.dispose();
      try {
        const [ref] = await node.predictBatch([img]);
        // Decided where the label is taken: from the scores back at the image's size, or at the
        // network's size with the label map back by nearest neighbour (as the card says).
        const proc = new ImageProcessor(node.card, NODE_FILTERS), [small] = await proc.toNetwork([img]);
        const byScores = node.card.output.resizeBack === 'scores';
        const [{ scores }] = byScores ? await node.scoresBatch([img]) : await net.scoresBatch([small]), C = node.card.model.numClasses, px = scores.length / C;
        const margins = Uint8Array.from({ length: px }, (_, p) => {
          const v = Array.from({ length: C }, (_, k) => scores[k * px + p]).sort((a, b) => b - a);
          return v[0] - v[1] > 1e-3 ? 1 : 0;
        });
        const sure = byScores ? margins : proc.labelsBack(margins, small, img);
        let differ = 0, decided = 0;
        for (let p = 0; p < ref.length; p++) if (labels[p] !== ref[p]) { differ++; decided += sure[p]; }
        t.diagnostic(`${name}: onnx-web vs onnx: ${differ} of ${ref.length} pixels differ, ${decided} outside near-ties`);
        assert.equal(decided, 0, `${name}: onnx-web differs from onnx outside near-ties`);
        // Only a graph of any size gets the Resize (a quarter size on each side enlarges enough to
        // take the labels from the small scores: onnx_tail.ts); the others keep their scores small.
        assert.equal(nodeHead, name === 'torch-segformer-any', `${name}: Node takes the labels from the graph cut before the Resize the import added`);
        assert.equal(web.head, nodeHead, `${name}: onnx-web cuts the graph where onnx does`);
      } finally { await node.dispose(); await net.dispose(); }
    }
  });
});
