import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { shellArg } from '../../src/cli/shell_arg.ts';

test('shellArg: a printed path reads back as one word, the same string, in a POSIX shell; plain paths stay unquoted', () => {
  const paths = ['runs/a', 'my data/masks', "it's/x", 'a$b`c`\\d', 'tab\there', '*.png', 'x;rm -rf y', '~/z', 'é/ü.png', '-dash'];
  const r = spawnSync('/bin/sh', ['-c', `for a in ${paths.map(shellArg).join(' ')}; do printf '%s\\n' "$a"; done`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').slice(0, -1), paths);
  assert.deepEqual(['runs/a', 'out/masks.json', 'a-b_c.d'].map(shellArg), ['runs/a', 'out/masks.json', 'a-b_c.d']);
});
