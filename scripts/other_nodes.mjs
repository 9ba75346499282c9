#!/usr/bin/env node
// The test files that reach what changes between Node releases (native addons: ONNX Runtime and
// sharp; TF.js's wasm backend and the private APIs behind engine/private; worker threads; child
// processes: ffmpeg and the CLI; fastify; node:zlib's codecs, zstd from 22.15 on) run again on Node 22 and 24, from the suite `npm test`
// built (dist-test/). The official builds come from the npm registry's node-linux-<arch> packages
// (the registry is what `npm ci` reaches already) and are kept in .cache/node/.
//
//   node scripts/other_nodes.mjs [--versions 22,24] [--no-build] [dist-test/FILE.test.js ...]
//
// It builds the tests first (scripts/build.mjs --tests), so that they are today's; --no-build
// takes dist-test/ as it is (.ci/run, right after `npm test` built it).
//
// Exit status: 0 when every run passed, 1 when a test failed, 3 when no Node build could be had
// (no registry, another platform): .ci/run reports that and goes on.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const FILES = [
  'api.test.js', 'engine/engine-kernels.test.js', 'engine/versions.test.js', 'inference/onnx.test.js', 'inference/worker_pool.test.js',
  'train/train.test.js', 'train/parallel.test.js', 'train/crash.test.js', 'serve/serve.test.js', 'video/video.test.js', 'batch/batch.test.js',
  'data/data.test.js', 'data/parquet_dataset.test.js', 'cli/flags.test.js',
].map((f) => `dist-test/${f}`);

const args = process.argv.slice(2);
const at = args.indexOf('--versions');
const versions = at >= 0 ? args.splice(at, 2)[1].split(',') : ['22', '24'];
const noBuild = args.includes('--no-build');
if (noBuild) args.splice(args.indexOf('--no-build'), 1);
const files = args.length ? args : FILES;

function nodeBinary(major) {
  const dir = path.join(root, '.cache', 'node', major);
  const bin = path.join(dir, 'package', 'bin', 'node');
  if (fs.existsSync(bin)) return bin;
  if (process.platform !== 'linux') return null;
  fs.mkdirSync(dir, { recursive: true });
  const pack = spawnSync('npm', ['pack', `node-linux-${process.arch}@${major}`, '--pack-destination', dir, '--silent'], { cwd: dir, encoding: 'utf8' });
  const tgz = pack.status === 0 ? path.join(dir, pack.stdout.trim().split('\n').pop()) : '';
  if (!tgz || !fs.existsSync(tgz)) return null;
  const untar = spawnSync('tar', ['xzf', tgz, '-C', dir]);
  fs.rmSync(tgz, { force: true });
  return untar.status === 0 && fs.existsSync(bin) ? bin : null;
}

if (!noBuild || !fs.existsSync(path.join(root, 'dist-test'))) {
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--tests'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
const missing = files.filter((f) => !fs.existsSync(path.join(root, f)));
if (missing.length) { console.error(`other_nodes: no such test file: ${missing.join(', ')}`); process.exit(2); }

let failed = false, ran = 0;
for (const major of versions) {
  const bin = nodeBinary(major);
  if (!bin) { console.error(`other_nodes: could not get Node ${major} (npm pack node-linux-${process.arch}@${major}); skipped`); continue; }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const t0 = Date.now();
  // Its bin folder first on PATH: child processes that run `node` get the same release.
  const env = { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}`, PIXELWISE_DIST: '1' };
  const r = spawnSync(bin, ['--test', '--test-concurrency=2', '--test-reporter=dot', ...files], { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const out = `${r.stdout}${r.stderr}`;
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  ran++;
  if (r.status === 0) console.log(`other_nodes: Node ${version}: ${files.length} test files pass (${secs} s)`);
  else { failed = true; console.log(out.trim()); console.log(`other_nodes: Node ${version}: FAILED (${secs} s)`); }
}
process.exit(failed ? 1 : ran ? 0 : 3);
