// The names convert's and the exports' options take: the labelling tools' export formats convert
// reads, the crowd rules, Label Studio's region kinds (no reader import: command definitions read this).
export const ANNOTATION_FORMATS = ['coco', 'labelme', 'cvat', 'cvat-mask', 'labelstudio', 'yolo', 'via', 'supervisely'] as const;
export type AnnotationFormat = typeof ANNOTATION_FORMATS[number];

/** What convert draws COCO crowd regions as: the ignore label, or their class. */
export const CROWD_RULES = ['ignore', 'class'] as const;
export type CrowdRule = typeof CROWD_RULES[number];

/** Label Studio's region kinds an export writes: brush masks (BrushLabels) or polygons (PolygonLabels). */
export const LS_REGIONS = ['brush', 'polygon'] as const;
export type LabelStudioRegions = typeof LS_REGIONS[number];

/** The labelling tools' files pixelwise writes (predict/rank/video --export, convert --to). */
export const EXPORT_FORMATS = ['coco', 'labelstudio', 'cvat', 'cvat-xml', 'yolo', 'labelme', 'supervisely'] as const;
export type ExportFormat = typeof EXPORT_FORMATS[number];
