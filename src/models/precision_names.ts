// The precisions a model's graph comes in (no card import: command definitions read this).
export type Precision = 'float32' | 'int8';
export const PRECISIONS: readonly Precision[] = ['float32', 'int8'];
