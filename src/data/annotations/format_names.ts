// The labelling tools' export formats `convert` reads (no reader import: command definitions read this).
export const ANNOTATION_FORMATS = ['coco', 'labelme', 'cvat', 'cvat-mask', 'labelstudio', 'yolo'] as const;
export type AnnotationFormat = typeof ANNOTATION_FORMATS[number];
