// Types of build_wasm.mjs for the test that checks the committed binaries.
export function assemble(watPath: string): Promise<Buffer>;
export function moduleSource(watName: string, bytes: Buffer): string;
export function watSources(): string[];
