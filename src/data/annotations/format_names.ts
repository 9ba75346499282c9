// The names convert's options take: the labelling tools' export formats it reads, and the crowd rules
// (no reader import: command definitions read this).
export const ANNOTATION_FORMATS = ['coco', 'labelme', 'cvat', 'cvat-mask', 'labelstudio', 'yolo', 'via', 'supervisely'] as const;
export type AnnotationFormat = typeof ANNOTATION_FORMATS[number];

/** What convert draws COCO crowd regions as: the ignore label, or their class. */
export const CROWD_RULES = ['ignore', 'class'] as const;
export type CrowdRule = typeof CROWD_RULES[number];
