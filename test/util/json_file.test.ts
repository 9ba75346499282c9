// JSON files past what one JavaScript string holds are parsed piece by piece: the same documents as
// JSON.parse gives (the reference), on random documents and the exports' shapes, forced down that
// path by a zero size limit; malformed ones refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonBytes } from '../../src/util/json_file.ts';
import { Rng } from '../../src/util/random.ts';

const STRINGS = ['', 'plain', 'quote " inside', 'back\\slash', 'brace { [ ] } , :', 'line\nbreak\ttab', 'é ü 漢字', 'emoji 😀', '\u0000\u001f', '__proto__'];

function randomValue(rng: Rng, depth: number): unknown {
  const k = Math.floor(rng.next() * (depth > 3 ? 4 : 7));
  switch (k) {
    case 0: return STRINGS[Math.floor(rng.next() * STRINGS.length)];
    case 1: return [0, -1.5e-7, 3.25e21, 42, -0][Math.floor(rng.next() * 5)];
    case 2: return [true, false, null][Math.floor(rng.next() * 3)];
    case 3: return Math.floor(rng.next() * 1e6) / 7;
    case 4: case 5: return Array.from({ length: Math.floor(rng.next() * 4) }, () => randomValue(rng, depth + 1));
    default: return Object.fromEntries(Array.from({ length: Math.floor(rng.next() * 4) }, (_, i) => [`${STRINGS[Math.floor(rng.next() * STRINGS.length)]}${i}`, randomValue(rng, depth + 1)]));
  }
}

const bytes = (s: string) => new TextEncoder().encode(s);

test('parseJsonBytes: piece by piece, the documents JSON.parse gives (random documents, compact and indented, a byte-order mark, COCO and Label Studio shapes)', () => {
  const rng = new Rng(7);
  const docs: unknown[] = [
    { images: [{ id: 1, file_name: 'a b.png' }], annotations: [], categories: [{ id: 1, name: 'cat' }], info: { description: 'x' }, n: 3, s: 'str', t: true, z: null },
    [{ id: 1, annotations: [{ result: [{ value: { rle: [1, 2, 3] } }] }], data: { image: '/data/upload/1/a.png' } }, { id: 2, annotations: [], data: {} }],
    [], {}, 'just a string', 12.5, null,
    JSON.parse('{"__proto__": {"polluted": 1}, "a": [1, {"__proto__": 2}]}'),
    ...Array.from({ length: 200 }, () => randomValue(rng, 0)),
  ];
  for (const doc of docs) {
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2), `\uFEFF${JSON.stringify(doc)}\n`]) {
      const whole = parseJsonBytes(bytes(text));
      assert.deepEqual(parseJsonBytes(bytes(text), 0), whole, text.slice(0, 200));
      assert.deepEqual(whole, JSON.parse(text.replace(/^\uFEFF/, '')));
    }
  }
  const proto = parseJsonBytes(bytes('{"__proto__": {"polluted": 1}}'), 0) as Record<string, unknown>;
  assert.deepEqual(Object.keys(proto), ['__proto__'], 'a "__proto__" key is a key, as JSON.parse makes it');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('parseJsonBytes: malformed documents are refused piece by piece as whole', () => {
  for (const text of ['{"a": 1,}', '[1, 2,]', '{"a" 1}', '{"a": [1, 2}', '[1 2]', '{"a": 1} x', '{"a": "unterminated', '{"images": [{"id": 1}', '[tru]', '{a: 1}', '']) {
    assert.throws(() => parseJsonBytes(bytes(text)), SyntaxError, `whole: ${text}`);
    assert.throws(() => parseJsonBytes(bytes(text), 0), SyntaxError, `pieces: ${text}`);
  }
});
