// The versions of the libraries whose private internals pixelwise uses (the modules beside this
// one, one per library). package.json pins them exactly; this check stops a user's `npm update`
// (or a hoisted copy of another version) from breaking training silently: initEngine() refuses in
// one line naming the version it supports.
import { createRequire } from 'node:module';
import { UserError } from '../../util/errors.js';

export const SUPPORTED_VERSIONS = {
  '@tensorflow/tfjs-core': '4.22.0',
  '@tensorflow/tfjs-backend-wasm': '4.22.0',
  '@tensorflow/tfjs-layers': '4.22.0',
  'onnxruntime-node': '1.30.0',
} as const;

export type PrivateLibrary = keyof typeof SUPPORTED_VERSIONS;

const require = createRequire(import.meta.url);

/** The installed version of a library, or null when it is not installed. */
export function installedVersion(pkg: string): string | null {
  try { return (require(`${pkg}/package.json`) as { version: string }).version; } catch { return null; }
}

/**
 * Refuses libraries at other versions than the supported ones. A library that is not installed
 * passes here (its own loader says so where it is needed: onnxruntime-node is optional for training).
 */
export function checkVersions(installed: (pkg: string) => string | null = installedVersion): void {
  for (const [pkg, want] of Object.entries(SUPPORTED_VERSIONS)) {
    const have = installed(pkg);
    if (have != null && have !== want) {
      throw new UserError(`${pkg} ${have} is installed, but pixelwise runs on exactly ${pkg}@${want} (it uses that version's internals): run \`npm install ${pkg}@${want}\``);
    }
  }
}
