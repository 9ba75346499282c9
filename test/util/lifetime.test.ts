// A loaded model's calls and its dispose() (src/util/lifetime.ts): dispose waits for the calls in
// flight, releases once, and a call after it is refused naming the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lifetime } from '../../src/util/lifetime.ts';
import { UserError } from '../../src/util/errors.ts';

test('Lifetime: dispose waits for the calls in flight (settled either way), releases once; later calls are refused by name', async () => {
  const life = new Lifetime('model m');
  const events: string[] = [];
  let finish!: () => void, fail!: (e: Error) => void;
  const a = life.run(() => new Promise<string>((r) => { finish = () => { events.push('a done'); r('a'); }; }));
  const b = life.run(() => new Promise<string>((_, j) => { fail = (e) => { events.push('b failed'); j(e); }; }));
  b.catch(() => {});
  let releases = 0;
  const release = async () => { releases++; events.push('released'); };
  const first = life.dispose(release), second = life.dispose(release);
  assert.equal(life.disposed, true);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(events, [], 'nothing released while calls run');
  finish();
  fail(new Error('boom'));
  await Promise.all([first, second]);
  assert.equal(await a, 'a');
  await assert.rejects(b, /boom/);
  assert.deepEqual(events, ['a done', 'b failed', 'released']);
  assert.equal(releases, 1);
  let ran = false;
  await assert.rejects(life.run(async () => { ran = true; }), (e: unknown) => e instanceof UserError && e.argument === 'model' && /^model m: disposed; load\(\) it again/.test(e.message));
  assert.equal(ran, false);
});
