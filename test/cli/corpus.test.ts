// Every command on the generated bad-input corpus (test/cli/corpus.ts): one line naming the file and
// what to do, a non-zero exit, no stack trace, no hang, nothing partial left under a final name;
// and the odd-but-valid inputs (spaces, non-ASCII names) work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCorpus, runCases } from './corpus.ts';
import { tempDir } from '../helpers.ts';

test('bad-input corpus: every (command x case) ends cleanly with one actionable line', async (t) => {
  const root = tempDir('pw-corpus-');
  const cases = await buildCorpus(root);
  const failures: string[] = [];
  for (const o of await runCases(cases, root)) {
    if (!o.ok) failures.push(`${o.command} / ${o.name}: exit ${o.code}${o.timedOut ? ' (timed out)' : ''}, ${o.lines} lines${o.stackTrace ? ', stack trace' : ''}${o.leftovers.length ? `, left ${o.leftovers.join(', ')}` : ''}: ${o.firstLine}`);
  }
  t.diagnostic(`${cases.length} (command x case) pairs over ${new Set(cases.map((c) => c.name)).size} cases`);
  assert.deepEqual(failures, []);
});
