// tfjs-core's CommonJS build (what Node loads) registers no gradients: the @tensorflow/tfjs union
// package bundles them itself, along with WebGL, the converter and tfjs-data that we do not want.
// The compiled package ships that module bundled (dist/engine/tfjs-gradients.cjs, made by
// scripts/build.mjs); from the sources we bundle it with esbuild (a dev dependency) once, cache the
// result in the OS temp folder, and load it. Gradient and kernel registries are global in TF.js, so
// the bundled copy registers into the same engine.
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export function ensureGradients(): void {
  if (tf.getGradient('Sum') != null) return;
  const coreDir = path.dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
  const shipped = fileURLToPath(new URL('./tfjs-gradients.cjs', import.meta.url));
  const cache = fs.existsSync(shipped) ? shipped : path.join(os.tmpdir(), `pixelwise-tfjs-gradients-${tf.version_core}.cjs`);
  if (!fs.existsSync(cache)) {
    // esbuild is required lazily: only the first run on a machine pays for the bundle.
    const esbuild = require('esbuild') as typeof import('esbuild');
    const out = esbuild.buildSync({
      entryPoints: [path.join(coreDir, 'dist', 'register_all_gradients.js')],
      bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent',
      // seedrandom/long are pulled in by random ops; leave them to Node's resolver.
      external: ['seedrandom', 'long'],
    });
    const tmp = `${cache}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out.outputFiles[0].contents);
    fs.renameSync(tmp, cache);
  }
  const coreRequire = createRequire(path.join(coreDir, 'package.json'));
  // Load with tfjs-core's own resolution paths so seedrandom/long resolve from its install.
  const Module = require('node:module') as { prototype: { _compile(c: string, f: string): void }; new(id: string): { paths: string[]; filename: string; _compile(c: string, f: string): void }; _nodeModulePaths(d: string): string[] };
  const m = new Module(cache);
  m.filename = cache;
  m.paths = Module._nodeModulePaths(coreDir);
  void coreRequire;
  m._compile(fs.readFileSync(cache, 'utf8'), cache);
  if (tf.getGradient('Sum') == null) throw new Error('pixelwise: registering TF.js gradients failed');
}
