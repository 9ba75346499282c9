// GET /openapi.json: every route the server registers is described (a route added without a
// description fails here), /v1/segment's query parameters are the ones its validator takes (read
// from the validator's own refusal), and the document has the shape OpenAPI 3.1 asks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../src/serve/server.ts';
import { DEFAULT_SERVE } from '../../src/serve/options.ts';
import { undescribedRoutes } from '../../src/serve/openapi.ts';

test('GET /openapi.json describes every route the server has, and /v1/segment\'s parameters as its validator takes them', async () => {
  const s = await buildServer({ ...DEFAULT_SERVE, threads: 1, workers: 1 });
  try {
    await s.app.ready();
    assert.deepEqual(undescribedRoutes(s.routes), []);
    const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'pixelwise serve');
    // Each registered route (the static files aside) under its OpenAPI path and method.
    for (const r of s.routes.filter((x) => !x.url.endsWith('*') && x.method !== 'HEAD')) {
      const op = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${r.url} is not in the document`);
      assert.ok(op.summary && Object.keys(op.responses).length, `${r.method} ${r.url}: a summary and responses`);
      for (const [status, res] of Object.entries(op.responses as Record<string, { description: string }>)) assert.ok(/^[1-5]\d\d$/.test(status) && res.description, `${r.method} ${r.url} ${status}`);
      for (const name of r.url.match(/:(\w+)/g) ?? []) assert.ok(op.parameters.some((p: { name: string; in: string; required: boolean }) => p.name === name.slice(1) && p.in === 'path' && p.required));
    }
    // The segment parameters: the validator lists what it takes when given one it does not.
    const refused = await s.app.inject({ method: 'POST', url: '/v1/segment?nosuch=1', headers: { 'content-type': 'image/png' }, payload: Buffer.from([1]) });
    const taken = /not one POST \/v1\/segment takes \(([^)]+)\)/.exec(refused.json().error)![1].split(', ');
    const seg = doc.paths['/v1/segment'].post;
    assert.deepEqual(seg.parameters.map((p: { name: string }) => p.name).sort(), taken.sort());
    assert.ok(seg.parameters.every((p: { in: string; description?: string }) => p.in === 'query' && p.description), 'each described');
    const output = seg.parameters.find((p: { name: string }) => p.name === 'output').schema;
    assert.ok(output.enum.includes('supervisely') && output.default === 'json');
    assert.ok(seg.requestBody.content['image/*'] && seg.requestBody.content['multipart/form-data']);
    // Label Studio's routes, at the root and under /ls/{model}.
    for (const p of ['/predict', '/ls/{model}/predict', '/webhook', '/ls/{model}/is_training']) assert.ok(doc.paths[p], p);
  } finally { await s.close(); }
});
