// The layering of src/ (.dependency-cruiser.cjs): today's tree has no violation, and the rules do
// catch one (a model module importing the command line; a cycle) in a tree made for the purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempDir } from './helpers.ts';

const CONFIG = path.resolve('.dependency-cruiser.cjs');
const CRUISER = path.resolve('node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function cruise(cwd: string): { violations: { rule: { name: string }; from: string; to: string }[] } {
  const r = spawnSync(process.execPath, [CRUISER, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.ok(r.stdout.trim().startsWith('{'), r.stderr);
  return JSON.parse(r.stdout).summary;
}

test('layers: src/ imports downward only, with no cycle (dependency-cruiser, 0 violations)', () => {
  const { violations } = cruise(process.cwd());
  assert.deepEqual(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`), []);
});

test('layers: the rules catch an upward import, the library reaching cli/, and a cycle', () => {
  const d = tempDir('pw-layers-');
  const put = (f: string, text: string) => { fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true }); fs.writeFileSync(path.join(d, f), text); };
  fs.copyFileSync('tsconfig.json', path.join(d, 'tsconfig.json'));
  put('src/cli/options.ts', 'export const x = 1;\n');
  put('src/models/options.ts', "import { x } from '../cli/options.js';\nexport const y = x;\n");
  put('src/index.ts', "export { x } from './cli/options.js';\n");
  put('src/util/a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
  put('src/util/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
  const names = cruise(d).violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
  assert.deepEqual(names, [
    'layer-models: src/models/options.ts -> src/cli/options.ts',
    'library-not-cli: src/index.ts -> src/cli/options.ts',
    'no-circular: src/util/a.ts -> src/util/b.ts',
  ]);
});
