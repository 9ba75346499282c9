// npm run build: the package's compiled form.
//   dist/                      ESM JavaScript + .d.ts + source maps from src/ (tsc -p tsconfig.build.json, incremental)
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
  // tsc's incremental mode re-emits only what changed since the last build (its record lives in
  // dist/, so removing dist/ builds everything): `npm pack` right after `npm test`'s build, or a
  // rebuild after an edit, costs a fraction of a full one.
  const dist = path.join(root, 'dist'), src = path.join(root, 'src');
  const tsc = () => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', path.join(dist, '.tsbuildinfo')], { stdio: 'inherit' });
  const sources = fs.readdirSync(src, { recursive: true }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  tsc();
  // An output removed by hand is not re-emitted while its source is unchanged: then a full build.
  if (sources.some((f) => !fs.existsSync(path.join(dist, f.replace(/\.ts$/, '.js'))))) {
    fs.rmSync(dist, { recursive: true, force: true });
    tsc();
  }
  // Outputs of sources since removed or renamed go (the incremental build leaves them).
  const stems = new Set(sources.map((f) => f.replace(/\.ts$/, '')));
  for (const f of fs.readdirSync(dist, { recursive: true })) {
    const m = /^(.*)\.(js|d\.ts)(\.map)?$/.exec(f);
    if (m && !stems.has(m[1])) fs.rmSync(path.join(dist, f));
  }
  const coreDir = path.dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
  await esbuild.build({
    entryPoints: [path.join(coreDir, 'dist', 'register_all_gradients.js')], outfile: path.join(root, 'dist/engine/tfjs-gradients.cjs'),
    bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning', external: ['seedrandom', 'long'],
  });
  process.stderr.write('built dist/ and web/lib/\n');
}
