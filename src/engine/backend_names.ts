// The TF.js backends a user can ask for (no TF.js import: command definitions read this).
export type BackendName = 'wasm' | 'cpu' | 'node' | 'auto';
export const BACKENDS: BackendName[] = ['auto', 'wasm', 'cpu', 'node'];
