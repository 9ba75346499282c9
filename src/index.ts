// `pixelwise`: the library's front door (load -> segment), the runtimes and segmenters, data,
// metrics, rendering and file formats. Importing it loads no TF.js (test/api.test.ts checks): an
// ONNX model opens without it, and a TF.js runtime is imported when one is asked for. Building,
// training and running TF.js models is `pixelwise/train` (src/train/index.ts).
export { openCard, writeCard } from './models/card_file.js';
export { ConfusionMatrix, type Scores, type ClassScore } from './metrics/confusion.js';
export { evaluateSamples } from './metrics/evaluate.js';
export { classMapping, type ClassMapping, type ClassMapSpec, type ClassPairs } from './metrics/class_map.js';
export { BoundaryF1, type BoundaryOptions } from './metrics/boundary.js';
export { writePredictionOutputs } from './inference/outputs.js';
export { readImage, decodeImageBuffer, type RgbImage } from './data/image_io.js';
export { readMask, encodeLabelPng, parseLabelMap } from './data/mask_io.js';
export { pairSamples, loadSamples, type DatasetSpec, type Sample } from './data/dataset.js';
export { verifyDataset } from './data/verify.js';
export { augmentPair, DEFAULT_AUGMENT, NO_AUGMENT, type AugmentConfig } from './data/augment.js';
export { SegLoader } from './data/loader.js';
export { IMAGENET_NORM, type Normalization } from './data/normalize.js';
export { CAMVID_CLASSES, loadClassFile, defaultClasses, type ClassInfo } from './data/classes.js';
export { colorize, overlay } from './render/colorize.js';
export { legendPng } from './render/legend.js';
export { readSafetensors, writeSafetensors, decodeSafetensors, encodeSafetensors } from './formats/safetensors.js';
export { UserError } from './util/errors.js';
export { load, type SegmentationModel, type Segmentation, type ImageInput, type LoadOptions, type BackgroundOptions, type Cutout, type RenderOptions, type Rendered, type RawPixels } from './inference/load.js';
export { classAreas, type ClassArea } from './inference/label_map.js';
export { openSegmenter, type OpenOptions } from './inference/open.js';
export { createSegmenter, type Segmenter, type SegmenterOptions } from './inference/segmenter.js';
export type { Network, RuntimeKind } from './inference/network.js';
export { buildCard, cardSchema, type ModelCard, type InputRule } from './models/card.js';
export { shippedModels, DEFAULT_MODEL } from './models/shipped.js';
export { CLASS_SETS, VOC_CLASSES, CITYSCAPES_CLASSES, ADE20K_CLASSES } from './data/class_sets.js';
export { readTflite, type TfliteGraph } from './formats/tflite.js';
export { runIntegerTflite, type IntegerRun } from './io/tflite_integer.js';
export { readNpy, parseNpy, type NpyArray } from './formats/npy.js';
export { resolveLayout, detectLayout, LAYOUTS, type LayoutName, type ResolvedSplit } from './data/layouts.js';
export { convertAnnotations, ANNOTATION_FORMATS, type ConvertOptions, type ConvertReport } from './data/annotations/convert.js';
export { ExportBuilder, EXPORT_FORMATS, labelStudioConfig, type ExportFormat, type Prediction, type LabelmeFile } from './data/annotations/export.js';
export { LS_REGIONS, type LabelStudioRegions } from './data/annotations/format_names.js';
export { labelOutlines, type Outline } from './data/outlines.js';
export { encodeCocoRle, decodeCocoRle, encodeBrushRle, decodeBrushRle } from './formats/mask_rle.js';
export { readRaster, BandStats, geoTiffLabels, type Raster, type SampleType } from './data/raster.js';
export { imageUncertainty, STRATEGIES, type Strategy } from './inference/uncertainty.js';
export { bootstrapScores, pairedBootstrap, type BootstrapResult, type PairedResult } from './metrics/bootstrap.js';
export { imageConfusion, imageScore, sumConfusions, type ImageConfusion } from './metrics/per_image.js';
export { CalibrationBins, fitTemperature } from './metrics/calibration.js';
export { imageQa, type ImageQa } from './metrics/label_qa.js';
export { readModelInput, decodeRaster } from './data/raster.js';
export { displayRgb } from './data/display_bands.js';
export type { PixelImage, Samples } from './data/pixels.js';
export { quantizeModel, calibrateRanges, type QuantizeOptions } from './inference/quantize.js';
