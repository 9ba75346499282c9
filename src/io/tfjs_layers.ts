// A TensorFlow.js layers model (model.json: its Keras config as `modelTopology`, and a
// `weightsManifest` of weight shards beside it), as saved by tfjs-layers' model.save() or made by
// tensorflowjs_converter from a Keras model: the config and the weights by layer and weight name,
// the form keras_model.ts reads a Keras 2 HDF5 file in. Quantised weights (the converter's
// --quantize_uint8/uint16/float16) are dequantised.
import fs from 'node:fs';
import path from 'node:path';
import { f16ToF32 } from '../formats/half_floats.js';
import { UserError } from '../util/errors.js';

type Json = Record<string, unknown>;
export interface TfjsTensor { shape: number[]; data: Float32Array }

interface WeightSpec { name: string; shape: number[]; dtype: string; quantization?: { dtype: string; scale?: number; min?: number } }

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

/** Whether a .json file is a TF.js model (its manifest of weight shards), read no further than that. */
export function isTfjsModelJson(file: string): boolean {
  if (!/\.json$/i.test(file)) return false;
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    return !!j && typeof j === 'object' && 'modelTopology' in j && 'weightsManifest' in j;
  } catch { return false; }
}

/** One weight's values as float32 from its bytes. */
function decode(file: string, spec: WeightSpec, bytes: Uint8Array): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = spec.shape.reduce((a, b) => a * b, 1), q = spec.quantization;
  if (q) {
    if (q.dtype === 'float16') return Float32Array.from({ length: n }, (_, i) => f16ToF32(dv.getUint16(2 * i, true)));
    const scale = Number(q.scale), min = Number(q.min);
    if (!Number.isFinite(scale) || !Number.isFinite(min)) throw new UserError(`${file}: weight ${spec.name} is quantised to ${q.dtype} without a scale and min`);
    return Float32Array.from({ length: n }, (_, i) => (q.dtype === 'uint8' ? dv.getUint8(i) : dv.getUint16(2 * i, true)) * scale + min);
  }
  if (spec.dtype === 'float32') return Float32Array.from({ length: n }, (_, i) => dv.getFloat32(4 * i, true));
  if (spec.dtype === 'int32') return Float32Array.from({ length: n }, (_, i) => dv.getInt32(4 * i, true));
  throw new UserError(`${file}: weight ${spec.name} is of type ${spec.dtype}, which pixelwise does not read`);
}

/**
 * The Keras config (`model_config` where tensorflowjs_converter wrote one, else the topology
 * itself as tfjs-layers saves it) and every weight by its name (`layer/weight`), from model.json
 * and its shards (paths relative to it).
 */
export function readTfjsLayersModel(file: string): { config: Json; kerasVersion: string; weights: Map<string, TfjsTensor> } {
  let j: Json;
  try { j = JSON.parse(fs.readFileSync(file, 'utf8')) as Json; } catch (e) { throw new UserError(`${file}: not readable as JSON (${(e as Error).message}); the file is damaged or cut short: copy or save the model again`); }
  const topology = j.modelTopology as Json | null;
  if (j.format === 'graph-model' || (topology && 'node' in topology)) {
    throw new UserError(`${file}: a TF.js graph model (a TensorFlow graph, converted from a SavedModel); pixelwise reads TF.js layers models (Keras): convert the source model to ONNX (tf2onnx) or TensorFlow Lite and import that`);
  }
  if (!topology || typeof topology !== 'object') throw new UserError(`${file}: no modelTopology; not a TF.js layers model`);
  const config = (topology.model_config ?? topology) as Json;
  const kerasVersion = typeof topology.keras_version === 'string' ? topology.keras_version : 'unknown';
  const manifest = j.weightsManifest;
  if (!Array.isArray(manifest)) throw new UserError(`${file}: its weightsManifest is not a list of weight groups; the file is damaged`);
  const weights = new Map<string, TfjsTensor>();
  for (const group of manifest as { paths?: unknown; weights?: unknown }[]) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) throw new UserError(`${file}: a weight group without paths or weights; the file is damaged`);
    // A group's shards are one buffer cut in pieces; its weights follow one another in it.
    const shards = (group.paths as unknown[]).map((p) => {
      const shard = path.join(path.dirname(file), String(p));
      try { return fs.readFileSync(shard); } catch { throw new UserError(`${file}: its weight shard ${String(p)} is not beside it (${shard}); copy the model's .bin files with its model.json`); }
    });
    const data = new Uint8Array(Buffer.concat(shards));
    let at = 0;
    for (const spec of group.weights as WeightSpec[]) {
      if (!spec || typeof spec.name !== 'string' || !Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new UserError(`${file}: a weight entry without a name and shape; the file is damaged`);
      const per = BYTES[spec.quantization?.dtype ?? spec.dtype];
      if (!per) throw new UserError(`${file}: weight ${spec.name} is of type ${spec.quantization?.dtype ?? spec.dtype}, which pixelwise does not read`);
      const size = spec.shape.reduce((a, b) => a * b, 1) * per;
      if (at + size > data.length) throw new UserError(`${file}: its weight shards end at byte ${data.length}, inside weight ${spec.name}; a shard is missing or cut short`);
      weights.set(spec.name, { shape: spec.shape, data: decode(file, spec, data.subarray(at, at + size)) });
      at += size;
    }
  }
  return { config, kerasVersion, weights };
}
