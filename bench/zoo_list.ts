// The architectures of docs/models.md and the speed record of each (bench/zoo.ts writes it).
export const ZOO = ['unet', 'fcn8', 'segnet', 'mobilenetv2_unet', 'resnet18_unet', 'mobilenetv2_pspnet', 'resnet50_pspnet',
  'mobilenetv2_deeplabv3plus', 'resnet50_deeplabv3plus', 'espnetv2', 'vgg_unet'];

export interface ZooRow { arch: string; microBatch?: number; parameters: number; outputStride: number; tfjsMs: number; onnxMs: number; trainImgPerS: number; peakRssMb: number }
