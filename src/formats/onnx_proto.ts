// Small builders for ONNX protobuf pieces (onnx-proto), shared by the model exporter
// (onnx_export.ts), the one-node graphs of the engine's ONNX Runtime kernels and the label-map
// output appended to inference graphs.
import onnxProto from 'onnx-proto';
import type { onnx as O } from 'onnx-proto';

export const { onnx } = onnxProto; // CommonJS module: named imports are not detected
export type { O };

export const FLOAT = onnx.TensorProto.DataType.FLOAT, INT64 = onnx.TensorProto.DataType.INT64, UINT8 = onnx.TensorProto.DataType.UINT8,
  INT8 = onnx.TensorProto.DataType.INT8, INT32 = onnx.TensorProto.DataType.INT32;
const T = onnx.AttributeProto.AttributeType;

export const ints = (name: string, v: number[]): O.IAttributeProto => ({ name, type: T.INTS, ints: v });
export const int = (name: string, v: number): O.IAttributeProto => ({ name, type: T.INT, i: v });
export const flt = (name: string, v: number): O.IAttributeProto => ({ name, type: T.FLOAT, f: v });
export const graphAttr = (name: string, g: O.IGraphProto): O.IAttributeProto => ({ name, type: T.GRAPH, g });
export const str = (name: string, v: string): O.IAttributeProto => ({ name, type: T.STRING, s: new TextEncoder().encode(v) });

export function floatInit(name: string, data: Float32Array, dims: number[]): O.ITensorProto {
  return { name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

export function int64Init(name: string, values: (number | bigint)[]): O.ITensorProto {
  const b = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((v, i) => b.setBigInt64(i * 8, BigInt(v), true));
  return { name, dataType: INT64, dims: [values.length], rawData: new Uint8Array(b.buffer) };
}

/** A tensor value-info with symbolic dimensions `${name}0`, `${name}1`, ... (or the given names). */
export function valueInfo(name: string, elemType: number, dims: number | string[]): O.IValueInfoProto {
  const names = typeof dims === 'number' ? Array.from({ length: dims }, (_, i) => `${name}${i}`) : dims;
  return { name, type: { tensorType: { elemType, shape: { dim: names.map((d) => ({ dimParam: d })) } } } };
}
