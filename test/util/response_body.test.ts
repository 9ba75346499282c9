// readCapped: a body read whole up to its cap; past it, the caller's error, and the stream is
// cancelled rather than read on (an answer that never ends).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCapped } from '../../src/util/response_body.ts';

function streamed(chunks: number, size: number, endless = false): { response: Response; cancelled: () => boolean } {
  let sent = 0, cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) { if (!endless && sent === chunks) { c.close(); return; } c.enqueue(new Uint8Array(size).fill(sent++ % 256)); },
    cancel() { cancelled = true; },
  });
  return { response: new Response(body), cancelled: () => cancelled };
}

test('readCapped: the whole body under the cap; past it the caller\'s error, the stream cancelled', async () => {
  const whole = await readCapped(streamed(3, 4).response, 12, () => new Error('over'));
  assert.deepEqual([...whole], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  const endless = streamed(0, 1000, true);
  await assert.rejects(readCapped(endless.response, 10_000, () => new Error('over 10 kB')), /^Error: over 10 kB$/);
  assert.ok(endless.cancelled(), 'the endless body is cancelled');
  assert.equal((await readCapped(new Response(null), 0, () => new Error('x'))).length, 0);
});
