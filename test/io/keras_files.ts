// Keras HDF5 fixtures changed for refusal tests: a copy of a file with its model_config (and other
// root attributes) edited through h5wasm, the weights as they were.
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.ts';

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
