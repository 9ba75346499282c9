// TensorFlow Lite model metadata (TF Lite Support's "TFLITE_METADATA" flatbuffer, file identifier
// M001, and the files packed beside it as a zip appended to the model): what a model from TF Hub
// or MediaPipe says about itself: its name, author and licence, how the input's pixels are
// normalised, and the label file that names the output's classes.
import { unzipSync } from 'fflate';
import { parseFbs, type FbsSchema } from './fbs_schema.js';
import { FlatbufferError, FlatbufferReader, type FbTable, type FbValue } from './flatbuffer.js';

// The tables of TF Lite Support's metadata_schema.fbs (Copyright The TensorFlow Authors,
// Apache-2.0) that are read here, each with its fields in the schema's order up to the last one
// read: a field's vtable slot is its place in that order, so none may be left out before it.
const METADATA_FBS = `
file_identifier "M001";
enum AssociatedFileType : byte { UNKNOWN = 0, DESCRIPTIONS = 1, TENSOR_AXIS_LABELS = 2, TENSOR_VALUE_LABELS = 3, TENSOR_AXIS_SCORE_CALIBRATION = 4, VOCABULARY = 5 }
table AssociatedFile { name:string; description:string; type:AssociatedFileType; locale:string; }
table FeatureProperties {}
enum ColorSpaceType : byte { UNKNOWN = 0, RGB = 1, GRAYSCALE = 2 }
table ImageSize { width:uint; height:uint; }
table ImageProperties { color_space:ColorSpaceType; default_size:ImageSize; }
table BoundingBoxProperties {}
union ContentProperties { FeatureProperties, ImageProperties, BoundingBoxProperties }
table Content { content_properties:ContentProperties; }
table NormalizationOptions { mean:[float]; std:[float]; }
table ScoreCalibrationOptions {}
table ScoreThresholdingOptions {}
table BertTokenizerOptions {}
table SentencePieceTokenizerOptions {}
union ProcessUnitOptions { NormalizationOptions, ScoreCalibrationOptions, ScoreThresholdingOptions, BertTokenizerOptions, SentencePieceTokenizerOptions }
table ProcessUnit { options:ProcessUnitOptions; }
table Stats {}
table TensorMetadata { name:string; description:string; dimension_names:[string]; content:Content; process_units:[ProcessUnit]; stats:Stats; associated_files:[AssociatedFile]; }
table SubGraphMetadata { name:string; description:string; input_tensor_metadata:[TensorMetadata]; output_tensor_metadata:[TensorMetadata]; associated_files:[AssociatedFile]; }
table ModelMetadata { name:string; description:string; version:string; subgraph_metadata:[SubGraphMetadata]; author:string; license:string; associated_files:[AssociatedFile]; }
root_type ModelMetadata;
`;

let schema: FbsSchema | undefined;
const metadataSchema = (): FbsSchema => (schema ??= parseFbs(METADATA_FBS));

/** The metadata entry's name in the model's `metadata` list (TF Lite Support's MetadataPopulator). */
export const METADATA_NAME = 'TFLITE_METADATA';

export interface TfliteTensorMetadata {
  name: string;
  /** Per-channel mean and std in the tensor's own value units ((x - mean) / std); one value is every channel's. */
  normalization: { mean: number[]; std: number[] } | null;
  colorSpace: 'RGB' | 'GRAYSCALE' | null;
  /** The label file naming the tensor's last axis (its classes), and its text when the file is packed. */
  labels: { file: string; text: string | null } | null;
}

export interface TfliteMetadata {
  name: string;
  description: string;
  version: string;
  author: string;
  license: string;
  inputs: TfliteTensorMetadata[];
  outputs: TfliteTensorMetadata[];
  /** The files packed after the model (a zip), by name. */
  files: string[];
}

const str = (v: FbValue): string => (typeof v === 'string' ? v.trim() : '');
const list = (v: FbValue): FbTable[] => (Array.isArray(v) ? v.filter((x): x is FbTable => !!x && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Uint8Array)) : []);
const floats = (v: FbValue): number[] => (Array.isArray(v) ? v.map(Number) : []);

/** A label file is a few KB; a packed file declared larger is not read (a damaged or hostile size field). */
const MAX_LABEL_BYTES = 4 * 2 ** 20;

/**
 * The zip TF Lite Support appends to a model: every entry's name, and the data of those `wanted`.
 * Python's zipfile records offsets from the file's start or from the archive's, by version; the
 * end record tells which (the bytes before the central directory that it does not count), and
 * the archive is read from its start.
 */
function packedFiles(bytes: Uint8Array, wanted: Set<string>): { names: string[]; data: Record<string, Uint8Array> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const names: string[] = [];
  // The end of central directory record: signature PK\5\6, within the last 64 KiB + 22 bytes.
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) !== 0x06054b50) continue;
    const cdSize = view.getUint32(at + 12, true), cdOffset = view.getUint32(at + 16, true);
    const start = at - cdSize - cdOffset;
    // The central directory ends where the end record begins, and starts with its own signature.
    if (start < 0 || (cdSize && view.getUint32(at - cdSize, true) !== 0x02014b50)) continue;
    const data = unzipSync(start ? bytes.subarray(start) : bytes, {
      filter: (f) => { names.push(f.name); return wanted.has(f.name) && f.originalSize <= MAX_LABEL_BYTES; },
    });
    return { names, data };
  }
  return { names, data: {} };
}

const labelFile = (t: FbTable): string | undefined => str(list(t.associated_files).find((f) => Number(f.type) === 2 && str(f.name))?.name ?? null) || undefined;

function tensorMetadata(t: FbTable, files: Record<string, Uint8Array>): TfliteTensorMetadata {
  let normalization: TfliteTensorMetadata['normalization'] = null;
  for (const u of list(t.process_units)) {
    const o = u.options as { type: string; value: FbTable } | null;
    if (o?.type === 'NormalizationOptions') normalization = { mean: floats(o.value.mean), std: floats(o.value.std) };
  }
  const props = (t.content as FbTable | null)?.content_properties as { type: string; value: FbTable } | null | undefined;
  const space = props?.type === 'ImageProperties' ? Number(props.value.color_space) : 0;
  // The first label file is the default; others differ by locale (translations).
  const file = labelFile(t);
  const labels = file ? { file, text: files[file] ? new TextDecoder().decode(files[file]) : null } : null;
  return { name: str(t.name), normalization, colorSpace: space === 1 ? 'RGB' : space === 2 ? 'GRAYSCALE' : null, labels };
}

/**
 * A model's metadata, from its `metadata` entries and buffers as read by the TFLite schema and the
 * file's bytes (for the packed files). Null when the model has none; a string saying what is
 * wrong when it cannot be read (metadata is a description: the graph is still usable without it).
 */
export function readTfliteMetadata(bytes: Uint8Array, entries: FbTable[], bufferData: (index: number) => Uint8Array | null): TfliteMetadata | string | null {
  const entry = entries.find((e) => str(e.name) === METADATA_NAME);
  if (!entry) return null;
  const data = bufferData(Number(entry.buffer));
  if (!data) return `its ${METADATA_NAME} entry names buffer ${entry.buffer}, which holds no data`;
  let root: FbTable;
  try { root = new FlatbufferReader(metadataSchema(), data).root(); } catch (e) {
    if (e instanceof FlatbufferError) return `its metadata is damaged (${e.message})`;
    throw e;
  }
  const sub = list(root.subgraph_metadata)[0];
  const inputs = list(sub?.input_tensor_metadata ?? null), outputs = list(sub?.output_tensor_metadata ?? null);
  let files: ReturnType<typeof packedFiles>;
  try { files = packedFiles(bytes, new Set([...inputs, ...outputs].map(labelFile).filter((f): f is string => !!f))); } catch (e) {
    return `the files packed after the model are a damaged zip (${(e as Error)?.message ?? e})`;
  }
  return {
    name: str(root.name), description: str(root.description), version: str(root.version), author: str(root.author), license: str(root.license),
    inputs: inputs.map((t) => tensorMetadata(t, files.data)), outputs: outputs.map((t) => tensorMetadata(t, files.data)), files: files.names,
  };
}
