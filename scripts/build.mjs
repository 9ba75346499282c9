// npm run build: the package's compiled form.
//   dist/                      ESM JavaScript + .d.ts + source maps from src/ (tsc -p tsconfig.build.json, incremental)
//   dist/engine/tfjs-gradients.cjs  tfjs-core's gradient registrations, bundled (its CJS build ships none)
//   web/lib/pixelwise-web.js   the browser module (`pixelwise/web`), onnxruntime-web left external
//   dist-test/                 with `--tests`: the tests as JavaScript that imports dist/ (what `npm test` runs)
// `--web` builds only the browser module (`npm test` and a source checkout's bin run that when needed;
// no `prepare` script, so installing the package runs no script of its own).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const webOnly = process.argv.includes('--web'), withTests = process.argv.includes('--tests');

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
  if (withTests) await buildTests();
  process.stderr.write(`built dist/${withTests ? ', dist-test/' : ''} and web/lib/\n`);
}

/**
 * The tests as plain JavaScript, each file on its own (types stripped by esbuild, as tsx would),
 * its relative imports of src/ pointed at the compiled dist/. The suite then runs without a
 * TypeScript loader: tsx's hooks see every module a process loads, dependencies included, and that
 * start-up is paid again by every test process and worker thread. dist-test/ sits at test/'s depth,
 * so the tests' paths from import.meta.dirname (assets, models, ../shared) hold; fixtures are linked.
 * TypeScript outside src/ and test/ that a test imports (scripts/) lands in dist-test/.ext/.
 */
async function buildTests() {
  const testDir = path.join(root, 'test'), out = path.join(root, 'dist-test'), ext = path.join(out, '.ext');
  fs.rmSync(out, { recursive: true, force: true });
  const destOf = (file) => {
    const inTest = path.relative(testDir, file);
    return (inTest.startsWith('..') ? path.join(ext, path.relative(root, file)) : path.join(out, inTest)).replace(/\.ts$/, '.js');
  };
  const queue = fs.readdirSync(testDir, { recursive: true }).filter((f) => f.endsWith('.ts')).map((f) => path.join(testDir, f));
  const done = new Set();
  // Relative specifiers of static and dynamic imports, re-exports and worker URLs, as esbuild prints them.
  const specifier = /((?:\bfrom|\bimport)\s*\(?\s*|new URL\(\s*)(["'])(\.\.?\/[^"']*?)\.ts\2/g;
  while (queue.length) {
    const file = queue.pop();
    if (done.has(file)) continue;
    done.add(file);
    const dest = destOf(file);
    const { code } = await esbuild.transform(fs.readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
    const js = code.replace(specifier, (_, before, quote, rel) => {
      const target = path.resolve(path.dirname(file), `${rel}.ts`);
      const inSrc = path.relative(path.join(root, 'src'), target);
      let compiled;
      if (!inSrc.startsWith('..')) compiled = path.join(root, 'dist', inSrc.replace(/\.ts$/, '.js'));
      else { queue.push(target); compiled = destOf(target); }
      const p = path.relative(path.dirname(dest), compiled);
      return `${before}${quote}${p.startsWith('.') ? p : `./${p}`}${quote}`;
    });
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, js);
  }
  fs.symlinkSync(path.relative(out, path.join(testDir, 'fixtures')), path.join(out, 'fixtures'));
}
