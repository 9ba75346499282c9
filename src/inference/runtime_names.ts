// The inference runtimes a user can ask for (no runtime import: command definitions read this).
export type RuntimeName = 'auto' | 'tfjs' | 'onnx';
export const RUNTIMES: RuntimeName[] = ['auto', 'tfjs', 'onnx'];
