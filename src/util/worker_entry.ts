// Where a worker thread's code is. From the TypeScript sources, a small .mjs registers tsx in the
// new thread first (loader hooks do not carry over to workers); from the compiled package (dist/),
// the worker's own .js file runs as it is.
export function workerEntry(moduleUrl: string, name: string): URL {
  return new URL(moduleUrl.endsWith('.ts') ? `./${name}_boot.mjs` : `./${name}.js`, moduleUrl);
}
