// Every function the library exports, called as a JavaScript caller may call it (no argument, null,
// an empty object), or constructed so: refused with a UserError naming the argument, or answered; never a TypeError
// from deep inside that names neither. A new export without its checks fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lib from '../src/index.ts';
import * as trainLib from '../src/train/index.ts';

// Opening models: they answer () and (null) with the default model (their own tests cover them).
const OPENS = new Set(['load', 'openSegmenter', 'createSegmenter']);

test('library exports (pixelwise and pixelwise/train): (), (null) and ({}) are refused as UserErrors naming an argument, or answered', async () => {
  // initEngine() starts the engine (its own tests); classes are constructed, not called.
  const fns = [...Object.entries(lib), ...Object.entries(trainLib)].filter(([name, v]) => typeof v === 'function' && !OPENS.has(name) && name !== 'initEngine' && !/^[A-Z]/.test(name)) as [string, (...a: unknown[]) => unknown][];
  assert.ok(fns.length > 40, `${fns.length} functions`);
  const bad: string[] = [];
  for (const args of [[], [null], [{}]]) {
    for (const [name, f] of fns) {
      try { await f(...args); } catch (e) {
        if (!(e instanceof lib.UserError)) bad.push(`${name}(${args.map((a) => JSON.stringify(a)).join()}): ${(e as Error).constructor.name}: ${(e as Error).message}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test('library classes: constructed with nothing, null or {}, refused as UserErrors or made; never a TypeError', () => {
  const classes = [...Object.entries(lib), ...Object.entries(trainLib)].filter(([name, v]) => typeof v === 'function' && /^[A-Z]/.test(name) && name !== 'UserError') as [string, new (...a: unknown[]) => unknown][];
  assert.ok(classes.length >= 7, `${classes.length} classes`);
  const bad: string[] = [];
  for (const args of [[], [null], [{}]]) {
    for (const [name, C] of classes) {
      try { new C(...args); } catch (e) {
        if (!(e instanceof lib.UserError)) bad.push(`new ${name}(${args.map((a) => JSON.stringify(a)).join()}): ${(e as Error).constructor.name}: ${(e as Error).message}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
