// ONNX graphs written as other tools export them, for the import's tests (test/io/onnx_foreign.test.ts)
// and the browser's (test/web/imported.test.ts): built with onnx-proto node by node, weights given.
import fs from 'node:fs';
import path from 'node:path';
import { onnx, type O } from '../../src/formats/onnx_proto.ts';

export const DT = onnx.TensorProto.DataType;

export type Dim = number | string;
export const value = (name: string, elemType: number, dims: Dim[]): O.IValueInfoProto =>
  ({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } });
export const floats = (name: string, data: Float32Array, dims: number[]): O.ITensorProto =>
  ({ name, dataType: DT.FLOAT, dims, rawData: new Uint8Array(data.buffer.slice(0)) });
export const attrInts = (name: string, v: number[]): O.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
export const attrInt = (name: string, v: number): O.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });

export function model(nodes: O.INodeProto[], inits: O.ITensorProto[], input: O.IValueInfoProto[], output: O.IValueInfoProto[], opset = 13): Uint8Array {
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: opset }], producerName: 'test', graph: { name: 'g', node: nodes, initializer: inits, input, output } }).finish();
}


export const SEGFORMER_MEAN = [0.5, 0.4, 0.3], SEGFORMER_STD = [0.2, 0.25, 0.3];

/**
 * A transformers.js model folder (onnx/model.onnx, config.json, preprocessor_config.json, README.md)
 * of a SegFormer-shaped graph: a 32x32 input of batch 1, a 4x4 patch convolution (W [4, 3, 4, 4],
 * b [4]) giving 8x8 scores for the classes sky, tree, road, car.
 */
export function writeSegformerFolder(src: string, W: Float32Array, b: Float32Array): void {
  fs.mkdirSync(path.join(src, 'onnx'), { recursive: true });
  fs.writeFileSync(path.join(src, 'onnx', 'model.onnx'), model(
    [{ opType: 'Conv', input: ['pixel_values', 'w', 'b'], output: ['logits'], name: 'patch', attribute: [attrInts('kernel_shape', [4, 4]), attrInts('strides', [4, 4])] }],
    [floats('w', W, [4, 3, 4, 4]), floats('b', b, [4])],
    [value('pixel_values', DT.FLOAT, [1, 3, 32, 32])], [value('logits', DT.FLOAT, [1, 4, 8, 8])]));
  fs.writeFileSync(path.join(src, 'preprocessor_config.json'), JSON.stringify({ image_processor_type: 'SegformerImageProcessor', do_resize: true, size: { height: 32, width: 32 }, resample: 2, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: SEGFORMER_MEAN, image_std: SEGFORMER_STD, do_reduce_labels: false }));
  fs.writeFileSync(path.join(src, 'config.json'), JSON.stringify({ _name_or_path: 'test/tiny-segformer', id2label: { 0: 'sky', 1: 'tree', 2: 'road ', 3: 'car' } }));
  fs.writeFileSync(path.join(src, 'README.md'), '---\nlicense: apache-2.0\ntags:\n- vision\n---\n# tiny\n');
}

/** Keras Applications' "caffe" preprocessing as a card's normalisation (BGR): the Caffe means, unscaled. */
export const CAFFE_MEAN = [103.939 / 255, 116.779 / 255, 123.68 / 255], CAFFE_STD = [1 / 255, 1 / 255, 1 / 255];

/**
 * An image-segmentation-keras model as tf2onnx converts it: an NHWC input [1, 32, 48, 3], a 2x2
 * stride-2 convolution (W [4, 3, 2, 2], b [4]), its scores flattened to [1, 16 * 24, 4] and softmaxed.
 */
export function writeKerasGraph(file: string, W: Float32Array, b: Float32Array): void {
  fs.writeFileSync(file, model([
    { opType: 'Transpose', input: ['input_1'], output: ['nchw'], attribute: [attrInts('perm', [0, 3, 1, 2])] },
    { opType: 'Conv', input: ['nchw', 'w', 'b'], output: ['s'], attribute: [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])] },
    { opType: 'Transpose', input: ['s'], output: ['nhwc'], attribute: [attrInts('perm', [0, 2, 3, 1])] },
    { opType: 'Reshape', input: ['nhwc', 'flat'], output: ['r'] },
    { opType: 'Softmax', input: ['r'], output: ['activation'], attribute: [attrInt('axis', 2)] },
  ], [floats('w', W, [4, 3, 2, 2]), floats('b', b, [4]), { name: 'flat', dataType: DT.INT64, dims: [3], int64Data: [1, 16 * 24, 4] }],
  [value('input_1', DT.FLOAT, [1, 32, 48, 3])], [value('activation', DT.FLOAT, [1, 384, 4])]));
}
