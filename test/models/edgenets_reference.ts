// Comparison of pixelwise's ESPNetv2 with the PyTorch reference outputs in
// ../shared/data/edgenets (EdgeNets' own code): logits on the stored input tensors, and label maps
// of the demo path (Pillow resize to multiples of 32, argmax, Pillow NEAREST back) from the image
// files, with TF.js and ONNX Runtime. Used by test/models/pretrained.test.ts and bench/pretrained.ts.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decode } from 'fast-png';
import { SegModel } from '../../src/models/seg_model.ts';
import { readTorchCheckpoint } from '../../src/formats/pytorch.ts';
import { convertTorchStateDict } from '../../src/io/torch_convert.ts';
import { readSafetensors } from '../../src/formats/safetensors.ts';
import { exportOnnx } from '../../src/io/onnx_export.ts';
import { OnnxNetwork } from '../../src/inference/onnx_runtime.ts';
import { modelSegmenter, predictBatch } from '../../src/inference/predictor.ts';
import { readImage } from '../../src/data/image_io.ts';
import { IMAGENET_NORM } from '../../src/data/normalize.ts';
import { pillowBilinear, pillowNearest } from '../../src/data/pillow_resize.ts';
import { netSize } from '../../src/inference/processor.ts';
import { findPreset } from '../../src/models/presets.ts';

export const EDGENETS = path.resolve(import.meta.dirname, '../../../shared/data/edgenets');
export const hasEdgenets = () => fs.existsSync(path.join(EDGENETS, 'reference_outputs'));

export const CHECKPOINTS = ['espnetv2_s_2.0_pascal_384x384', 'espnetv2_s_1.0_pascal_384x384', 'espnetv2_s_2.0_city_1024x512', 'espnetv2_s_1.0_city_1024x512'];
export const presetOf = (ck: string) => (ck.includes('pascal') ? 'espnetv2-voc' : 'espnetv2-cityscapes');

/** The checkpoint imported into a TF.js model (the same steps as `pixelwise import`). */
export function importCheckpoint(ck: string): SegModel {
  const file = path.join(EDGENETS, `${ck}.pth`);
  const tensors = readTorchCheckpoint(file);
  const preset = findPreset('espnetv2', presetOf(ck))!;
  const m = new SegModel({ arch: 'espnetv2', numClasses: preset.classes.length, ...preset.specFrom!(tensors, file) });
  const conv = convertTorchStateDict(m, tensors, file);
  if (conv.unexpected.length) throw new Error(`unexpected tensors ${conv.unexpected.join(', ')}`);
  m.loadNamedWeights(conv.weights, file);
  return m;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => { let d = 0; for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i])); return d; };
const agree = (a: Uint8Array, b: Uint8Array) => { let n = 0; for (let i = 0; i < a.length; i++) if (a[i] === b[i]) n++; return n / a.length; };
const readMap = (file: string) => decode(fs.readFileSync(file)).data as Uint8Array;

export interface LogitRow { checkpoint: string; file: string; tfjs: number; onnx: number }
export interface MapRow { checkpoint: string; image: string; size: string; tfjsNet: number; tfjsOrig: number; onnxNet: number; onnxOrig: number }

/** Max abs logit difference on each stored input tensor, TF.js and ONNX Runtime. */
export async function compareLogits(ck: string, m: SegModel, ort: OnnxNetwork): Promise<LogitRow[]> {
  const dir = path.join(EDGENETS, 'reference_outputs', ck);
  const rows: LogitRow[] = [];
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('_logits.safetensors')).sort()) {
    const st = readSafetensors(path.join(dir, f)).tensors;
    const input = Float32Array.from(st.get('input')!.data), ref = st.get('logits')!.data;
    const [n, , h, w] = st.get('input')!.shape;
    const t = tf.tidy(() => tf.transpose(m.forward(tf.transpose(tf.tensor4d(input, [n, 3, h, w]), [0, 2, 3, 1]) as tf.Tensor4D), [0, 3, 1, 2]).dataSync());
    rows.push({ checkpoint: ck, file: f, tfjs: maxAbs(t, ref), onnx: maxAbs(await ort.run(input, [n, 3, h, w]), ref) });
  }
  return rows;
}

/** Label-map agreement at network and original resolution for every reference image of a checkpoint. */
/** `tfjsImages`: TF.js runs the first this many images too (ONNX Runtime runs every one). */
export async function compareLabelMaps(ck: string, m: SegModel, ort: OnnxNetwork, tfjsImages = Infinity): Promise<MapRow[]> {
  const dir = path.join(EDGENETS, 'reference_outputs', ck);
  const rows: MapRow[] = [];
  for (const f of fs.readdirSync(dir).filter((f) => /_net\.png$/.test(f) && !/(_eval|\d+x\d+)_net\.png$/.test(f)).sort()) {
    const name = f.replace(/_net\.png$/, '');
    const imgFile = fs.existsSync(path.join(EDGENETS, 'images', `${name}.jpg`)) ? path.join(EDGENETS, 'images', `${name}.jpg`)
      : fs.existsSync(path.join(EDGENETS, 'images', `${name}.png`)) ? path.join(EDGENETS, 'images', `${name}.png`)
        : path.join(EDGENETS, '..', 'camvid', 'val', `${name}.png`);
    const img = await readImage(imgFile);
    const [w, h] = netSize({ kind: 'multiple', multiple: 32, filter: 'pillow' }, img.width, img.height);
    const net = pillowBilinear(img, w, h);
    const refNet = readMap(path.join(dir, f)), refOrig = readMap(path.join(dir, `${name}_orig.png`));
    const back = (l: Uint8Array) => pillowNearest(l, w, h, img.width, img.height);
    const [o] = await modelSegmenter(m, { norm: IMAGENET_NORM }, {}, ort).predictBatch([net]);
    const [t] = rows.length < tfjsImages ? await predictBatch(m, [net], { norm: IMAGENET_NORM }) : [null];
    rows.push({
      checkpoint: ck, image: name, size: `${w}x${h}`,
      tfjsNet: t ? agree(t, refNet) : NaN, tfjsOrig: t ? agree(back(t), refOrig) : NaN,
      onnxNet: agree(o, refNet), onnxOrig: agree(back(o), refOrig),
    });
  }
  return rows;
}

export async function openOrt(m: SegModel): Promise<OnnxNetwork> {
  return OnnxNetwork.create(exportOnnx(m), m.spec.numClasses, 2);
}
