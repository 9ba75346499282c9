// npm run build: the package's compiled form.
//   dist/                      ESM JavaScript + .d.ts + source maps from src/ (tsc -p tsconfig.build.json)
//   dist/engine/tfjs-gradients.cjs  tfjs-core's gradient registrations, bundled (its CJS build ships none)
//   web/lib/pixelwise-web.js   the browser module (`pixelwise/web`), onnxruntime-web left external
// `--web` builds only the browser module (`npm test` and a source checkout's bin run that when needed;
// no `prepare` script, so installing the package runs no script of its own).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const webOnly = process.argv.includes('--web');

await esbuild.build({
  entryPoints: [path.join(root, 'src/web/index.ts')], outfile: path.join(root, 'web/lib/pixelwise-web.js'),
  bundle: true, format: 'esm', platform: 'browser', external: ['onnxruntime-web'], sourcemap: true, logLevel: 'warning',
});
if (!webOnly) {
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  const coreDir = path.dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
  await esbuild.build({
    entryPoints: [path.join(coreDir, 'dist', 'register_all_gradients.js')], outfile: path.join(root, 'dist/engine/tfjs-gradients.cjs'),
    bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning', external: ['seedrandom', 'long'],
  });
  process.stderr.write('built dist/ and web/lib/\n');
}
