// Keras HDF5 fixtures changed for refusal tests: a copy of a file with its model_config (and other
// root attributes) edited through h5wasm, or a Keras 3 archive with its config.json edited; the
// weights as they were.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { tempDir } from '../helpers.ts';
import { cli } from './reference_maps.ts';

export interface KerasConfig { config: { layers: Record<string, unknown>[] } }

/** A copy of `source` named `name`, with `change` applied to its model_config and `attrs` set (null: deleted). */
export async function kerasVariant(source: string, name: string, change: (config: KerasConfig) => void, attrs: Record<string, string | null> = {}): Promise<string> {
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const file = path.join(tempDir(), name);
  fs.copyFileSync(source, file);
  const f = new h5wasm.File(file, 'a');
  const raw = f.attrs.model_config.value;
  const config = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array));
  change(config);
  for (const [k, v] of Object.entries({ model_config: JSON.stringify(config), ...attrs })) {
    f.delete_attribute(k);
    if (v !== null) f.create_attribute(k, v);
  }
  f.close();
  return file;
}

/** A copy of the Keras 3 archive `source` named `name`, its config.json changed by `change`, the files in `drop` left out. */
export function keras3Variant(source: string, name: string, change: (config: KerasConfig) => void, drop: string[] = []): string {
  const files = unzipSync(fs.readFileSync(source));
  const config = JSON.parse(new TextDecoder().decode(files['config.json'])) as KerasConfig;
  change(config);
  files['config.json'] = new TextEncoder().encode(JSON.stringify(config));
  for (const f of drop) delete files[f];
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, zipSync(files));
  return file;
}

/** `import --from file ...flags` is refused: exit 2, one line matching `message`, no package written. */
export function importRefused(file: string, flags: string[], message: RegExp): void {
  const out = path.join(tempDir(), 'pkg'), r = cli('import', '--from', file, ...flags, '--out', out);
  assert.equal(r.status, 2, `${file}: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.equal(r.stderr.split('\n').length, 2, r.stderr);
  assert.ok(!fs.existsSync(out));
}
