// Opening a model (src/inference/open.ts): a pre-exported ONNX graph runs without TF.js ever being
// loaded (the commands that run one start faster); building a model from its weights loads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const PHOTO = path.resolve('assets/photos/chelsea.png');

/** The packages a `pixelwise` command line loaded (a module loader hook records every resolution). */
function packagesLoaded(args: string[]): { status: number | null; stderr: string; packages: Set<string> } {
  const d = tempDir('pw-open-');
  const log = path.join(d, 'resolved.txt');
  fs.writeFileSync(path.join(d, 'hooks.mjs'), `import fs from 'node:fs';
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); fs.appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
  fs.writeFileSync(path.join(d, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  const r = spawnSync(process.execPath, ['--import', path.join(d, 'register.mjs'), BIN, ...args, '--out', path.join(d, 'out')], { encoding: 'utf8', timeout: 120_000 });
  const urls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [];
  const packages = new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p): p is string => !!p));
  return { status: r.status, stderr: r.stderr, packages };
}

const tfjs = (packages: Set<string>) => [...packages].filter((p) => p.startsWith('@tensorflow/'));

for (const model of ['voc', 'camvid-fast', 'camvid-live']) {
  test(`open: predict --model ${model} on ONNX Runtime never loads TF.js`, () => {
    const r = packagesLoaded(['predict', PHOTO, '--model', model, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.packages.has('onnxruntime-node'), 'the hook saw the runtime load');
    assert.deepEqual(tfjs(r.packages), []);
  });
}

test('open: predict --runtime tfjs builds the model from its weights, with TF.js', () => {
  const r = packagesLoaded(['predict', PHOTO, '--model', 'camvid-fast', '--runtime', 'tfjs', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(tfjs(r.packages).includes('@tensorflow/tfjs-core'));
});
