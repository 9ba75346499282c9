// `pixelwise import`: a checkpoint trained elsewhere (PyTorch .pth/.pt, zip or legacy; safetensors;
// TensorFlow Lite; ONNX) becomes a pixelwise model package (model.json card + weights and/or ONNX).
import { Command, Option } from 'commander';
import { addArchOptions } from './arch_options.js';
import { presetNames } from '../models/presets.js';
import { TFLITE_PRESETS } from '../models/tflite_presets.js';
import { ONNX_PRESETS } from '../models/onnx_presets.js';
import { CLASS_FILE_HELP, parseMean, parsePositiveInt, parseSize, parseStd } from './options.js';

export interface Opts { from: string; arch?: string; widthMult?: number; onnx: boolean; weights: boolean; variant?: string[]; qdq?: boolean; inputSize?: [number, number]; preset?: string; classes?: number; classFile?: string; mean?: number[]; std?: number[];
  channelOrder: 'RGB' | 'BGR'; padMultiple?: number; licence?: string; source?: string; out: string; width?: number; depth?: number; outputStride?: number }

export function importCommand(): Command {
  return addArchOptions(new Command('import')
    .description('turn a PyTorch (.pth/.pt) or safetensors checkpoint, a TensorFlow Lite model (.tflite), a Keras model (.keras, .h5), a TF.js layers model (model.json) or an ONNX graph (.onnx, or a Hugging Face / transformers.js model folder) into a pixelwise model package')
    .requiredOption('--from <file>', 'checkpoint (.pth, .pt, .safetensors; PyTorch layout and names), TensorFlow Lite model (.tflite), Keras model saved whole (Keras 3 .keras; Keras 2 .h5, .hdf5), TF.js layers model (model.json with its .bin shards, or its folder), ONNX graph (.onnx), or a folder holding model.onnx or onnx/model.onnx with config.json and preprocessor_config.json')
    .option('--arch <name>', 'architecture the checkpoint is for (a preset may name it; see `pixelwise models`)')
    .option('--preset <name>', `architecture, classes, normalisation, input rule and licence: ${presetNames().join(', ')}; for .tflite: ${Object.keys(TFLITE_PRESETS).join(', ')}; for .onnx, .keras and .h5 (how its authors' tool prepares images and reads results): ${Object.keys(ONNX_PRESETS).join(', ')}`)
    .option('--classes <n>', 'number of classes (without a preset)', parsePositiveInt)
    .option('--class-file <file>', CLASS_FILE_HELP)
    .option('--mean <r,g,b>', 'input mean (pixel/255 units) in channel order; one value for a grey network', parseMean)
    .option('--std <r,g,b>', 'input std in channel order; one value for a grey network', parseStd)
    .addOption(new Option('--channel-order <order>', 'channel order the network expects').choices(['RGB', 'BGR']).default('RGB'))
    .option('--no-onnx', 'do not write model.onnx beside the weights')
    .option('--no-weights', 'write only model.onnx (a package to run, not to train from)')
    .option('--input-size <HxW>', 'run the network at this fixed size (every image resized to it, Pillow bilinear; label maps back by nearest; an ONNX graph\'s scores bilinearly where its folder has a preprocessor_config.json): speed against detail, e.g. a road model for live video; .tflite: instead of the graph\'s own size (fully convolutional graphs)', parseSize)
    .option('--pad-multiple <n>', 'ONNX graph that takes any size: pad each image\'s sides to multiples of n (1: each image at its own size; default 1 where the graph runs at sides no stride divides, else 32)', parsePositiveInt)
    .option('--qdq', '.tflite with 8-bit activations: keep the integer arithmetic (QuantizeLinear/DequantizeLinear around each operator, 8-bit weights) for ONNX Runtime\'s int8 kernels; default: dequantised to float')
    .option('--variant <file...>', '.tflite: the same model at another input size (e.g. MediaPipe\'s landscape selfie model); each image goes to the graph of the nearest aspect ratio')
    .option('--licence <text>', 'licence of the weights')
    .option('--source <text>', 'where the weights come from')
    .requiredOption('--out <dir>', 'model package folder to write'))
    .action(async (o: Opts) => (await import('./actions/import.js')).run(o));
}
