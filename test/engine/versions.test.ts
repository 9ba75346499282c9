// The libraries whose internals pixelwise uses are pinned, and another version is refused in one
// line before training touches them (src/engine/private/versions.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { checkVersions, installedVersion, SUPPORTED_VERSIONS } from '../../src/engine/private/versions.ts';
import { UserError } from '../../src/util/errors.ts';

test('private-API libraries: pinned exactly in package.json, installed at those versions, another version refused by name', () => {
  const deps = JSON.parse(fs.readFileSync('package.json', 'utf8')).dependencies as Record<string, string>;
  for (const [pkg, v] of Object.entries(SUPPORTED_VERSIONS)) {
    assert.equal(deps[pkg], v, `${pkg} is pinned to ${v}`);
    assert.equal(installedVersion(pkg), v, `${pkg} ${v} is installed`);
  }
  checkVersions();
  const updated = (pkg: string) => (pkg === '@tensorflow/tfjs-core' ? '4.23.0' : installedVersion(pkg));
  assert.throws(() => checkVersions(updated), (e: Error) => e instanceof UserError
    && e.message === '@tensorflow/tfjs-core 4.23.0 is installed, but pixelwise runs on exactly @tensorflow/tfjs-core@4.22.0 (it uses that version\'s internals): run `npm install @tensorflow/tfjs-core@4.22.0`');
  checkVersions((pkg) => (pkg === 'onnxruntime-node' ? null : installedVersion(pkg))); // optional for training: not installed is no mismatch
});
