// The models a serve worker holds are bounded (options.maxModels): past the bound the least
// recently used is disposed, and a request for it loads it again. Answers across those evictions
// equal the library's label maps (a disposed session never answers, a reloaded one answers alike).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { buildServer } from '../../src/serve/server.ts';
import { DEFAULT_SERVE } from '../../src/serve/options.ts';
import { load } from '../../src/inference/load.ts';

const PHOTO = path.resolve('assets/photos/chelsea.png');

test('serve workers hold at most maxModels models: the least recently used is disposed and loaded again when asked for, answering alike', async () => {
  const names = ['voc-fast', 'camvid-fast'];
  const expected = new Map<string, Uint8Array>();
  for (const n of names) { const m = await load(n); expected.set(n, (await m.segment(PHOTO)).labels); await m.dispose(); }
  const s = await buildServer({ ...DEFAULT_SERVE, threads: 2, maxModels: 1 });
  const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const photo = fs.readFileSync(PHOTO);
    // Each request's model load (Server-Timing load;dur): held models answer without one.
    const loads: boolean[] = [];
    for (const n of [names[0], names[0], names[1], names[0], names[1]]) {
      const r = await fetch(`${url}/v1/segment?model=${n}&output=labels`, { method: 'POST', body: photo, headers: { 'content-type': 'image/png' } });
      assert.equal(r.status, 200, await r.clone().text());
      loads.push(Number(/load;dur=([\d.]+)/.exec(r.headers.get('server-timing') ?? '')![1]) > 0);
      assert.deepEqual(decode(new Uint8Array(await r.arrayBuffer())).data, expected.get(n), n);
    }
    // Held the second time in a row; loaded again after the other model took its place.
    assert.deepEqual(loads, [true, false, true, true, true]);
  } finally {
    await s.close();
  }
});
