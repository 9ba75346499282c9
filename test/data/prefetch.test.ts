// prefetch(): items in order, the source runs ahead by at most `depth`, errors surface in order,
// and stopping early closes the source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefetch } from '../../src/util/prefetch.ts';

test('prefetch keeps order, runs ahead by at most depth, passes errors, closes the source', async () => {
  let produced = 0, closed = false;
  async function* src(n: number, failAt = -1) {
    try {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setTimeout(r, 1));
        if (i === failAt) throw new Error(`item ${i} failed`);
        produced++;
        yield i;
      }
    } finally { closed = true; }
  }
  const seen: number[] = [];
  for await (const v of prefetch(src(10), 3)) {
    await new Promise((r) => setTimeout(r, 10)); // a slow consumer
    assert.ok(produced - v <= 3 + 1, `ran ahead by ${produced - v}`);
    seen.push(v);
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  produced = 0; closed = false;
  const got: number[] = [];
  await assert.rejects((async () => { for await (const v of prefetch(src(10, 4), 2)) got.push(v); })(), /item 4 failed/);
  assert.deepEqual(got, [0, 1, 2, 3]);
  closed = false; produced = 0;
  for await (const v of prefetch(src(100), 2)) if (v === 3) break;
  assert.ok(closed, 'breaking out closes the source');
  assert.ok(produced <= 6, `${produced} items produced for 4 consumed`);
});
