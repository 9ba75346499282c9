// The environment variables the command line reads: documented values read as documented, others
// refused in one line naming the variable (PIXELWISE_DEBUG=0 turned debugging on before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envConfig } from '../../src/cli/config.ts';
import { UserError } from '../../src/util/errors.ts';

test('envConfig: switches read 1/0 (true/false, yes/no, on/off), unset or empty as their default; anything else refused by name', () => {
  assert.deepEqual(envConfig({}), { debug: false, cacheMb: undefined, ortKernels: true, specialize: false, labelStudioToken: undefined });
  assert.equal(envConfig({ PIXELWISE_DEBUG: '0' }).debug, false);
  assert.equal(envConfig({ PIXELWISE_DEBUG: '1' }).debug, true);
  assert.equal(envConfig({ PIXELWISE_DEBUG: 'TRUE' }).debug, true);
  assert.equal(envConfig({ PIXELWISE_ORT_KERNELS: '0' }).ortKernels, false);
  assert.equal(envConfig({ PIXELWISE_ORT_KERNELS: 'off' }).ortKernels, false);
  assert.equal(envConfig({ PIXELWISE_ORT_KERNELS: '' }).ortKernels, true);
  assert.equal(envConfig({ PIXELWISE_ORT_SPECIALIZE: 'yes' }).specialize, true);
  assert.equal(envConfig({ PIXELWISE_CACHE_MB: '' }).cacheMb, undefined);
  assert.equal(envConfig({ PIXELWISE_CACHE_MB: '0' }).cacheMb, 0);
  const refused = (env: NodeJS.ProcessEnv, message: string) =>
    assert.throws(() => envConfig(env), (e: Error) => e instanceof UserError && e.message === message);
  refused({ PIXELWISE_ORT_KERNELS: 'maybe' }, 'PIXELWISE_ORT_KERNELS=maybe: expected 1 or 0 (or unset it)');
  refused({ PIXELWISE_DEBUG: '2' }, 'PIXELWISE_DEBUG=2: expected 1 or 0 (or unset it)');
  refused({ PIXELWISE_CACHE_MB: 'lots' }, 'PIXELWISE_CACHE_MB=lots: expected a number of MB (0 or more)');
});
