// The npm package as a user gets it: `npm pack` (which builds dist/ and the browser module), install
// the tarball into an empty project, then plain JavaScript (no tsx) imports `pixelwise` and segments a
// photo exactly as the sources do, and `npx pixelwise predict` works there without npm warnings.
// Tarball size, install time and cold starts are printed as test diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { load } from '../src/inference/load.ts';
import { shippedModels, shippedStarts } from '../src/models/shipped.ts';
import { tempDir } from './helpers.ts';

const PHOTO = path.resolve('assets/photos/chelsea.png');
const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });

test('package: npm pack -> install into an empty project -> plain-JS import and npx CLI', async (t) => {
  const dir = tempDir('pw-pack-');
  const packed = npm(['pack', '--json', '--pack-destination', dir], process.cwd());
  assert.equal(packed.status, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[\n')));
  const files: string[] = info.files.map((f: { path: string }) => f.path);
  assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts') && files.includes('dist/serve/worker.js'), 'compiled library and workers');
  assert.ok(files.includes('dist/engine/tfjs-gradients.cjs') && files.includes('web/lib/pixelwise-web.js') && files.includes('models/voc/model.onnx') && files.includes('models/camvid/model.onnx'));
  // Every model and start that ships in models/ is in the tarball (package.json "files" names each).
  for (const m of [...shippedModels(), ...shippedStarts()]) assert.ok(files.includes(`models/${m}/model.json`), `models/${m} is not in package.json "files"`);
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('bench/')), 'no sources, tests or benchmarks');
  t.diagnostic(`tarball ${info.filename}: ${(info.size / 2 ** 20).toFixed(1)} MB packed, ${(info.unpackedSize / 2 ** 20).toFixed(1)} MB unpacked, ${files.length} files`);

  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  // What the README tells a user's project to declare: npm 11 then skips onnxruntime-node's CUDA
  // download (without it, an offline install fails with ENOTFOUND api.nuget.org) and warns about
  // no script left uncovered.
  const allowScripts = { 'onnxruntime-node': false, protobufjs: false, 'msgpackr-extract': false, [`@ffmpeg-installer/${process.platform}-${process.arch}`]: true };
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', allowScripts }));
  const t0 = Date.now();
  const inst = npm(['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, info.filename)], app);
  assert.equal(inst.status, 0, inst.stderr);
  // No EBADENGINE (a dependency asking for a newer Node than this one) and no uncovered install script.
  assert.doesNotMatch(inst.stderr, /EBADENGINE|install-scripts/, inst.stderr);
  t.diagnostic(`npm install of the tarball into an empty project: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  fs.writeFileSync(path.join(app, 'use.mjs'), `import { load } from 'pixelwise';
const seg = await load('voc');
const r = await seg.segment(process.argv[2]);
await seg.dispose();
const trainSide = await import('pixelwise/train');
process.stdout.write(JSON.stringify({ width: r.width, height: r.height, classes: r.classes, web: import.meta.resolve('pixelwise/web'), train: typeof trainSide.train, arches: trainSide.architectureNames().length }));
`);
  const run = spawnSync(process.execPath, ['use.mjs', PHOTO], { cwd: app, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const got = JSON.parse(run.stdout);
  const seg = await load('voc');
  const expected = await seg.segment(PHOTO);
  await seg.dispose();
  assert.deepEqual(got.classes, expected.classes, 'the installed package segments as the sources do');
  assert.ok(fs.existsSync(new URL(got.web)), 'pixelwise/web resolves to the browser module');
  assert.equal(got.train, 'function', 'pixelwise/train exports train()');
  assert.ok(got.arches > 10, 'pixelwise/train holds the architecture registry');

  const cli = npm(['exec', '--', 'pixelwise', 'predict', PHOTO, '--out', 'out', '--quiet'], app);
  assert.equal(cli.status, 0, cli.stderr);
  assert.doesNotMatch(cli.stderr, /npm warn/i);
  assert.ok(fs.existsSync(path.join(app, 'out', 'chelsea_labels.png')));
  const bin = path.join(app, 'node_modules', '.bin', 'pixelwise');
  const times = [0, 1, 2].map(() => { const s = Date.now(); execFileSync(bin, ['--help'], { cwd: app }); return Date.now() - s; });
  t.diagnostic(`pixelwise --help from the installed package: ${Math.min(...times)} ms (best of 3)`);
  fs.rmSync(dir, { recursive: true, force: true });
});
