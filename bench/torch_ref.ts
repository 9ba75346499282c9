// The PyTorch reference (Debian python3-torch with ../shared/reference/pytorch-unet), shared by
// the benchmarks that compare against it. Never a product dependency.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const PY = '/usr/bin/python3';
export const REF = path.resolve('../shared/reference/pytorch-unet');

/** Whether `import torch` works, installing Debian's python3-torch first if needed. */
export function torchReady(log: (s: string) => void): boolean {
  const ok = () => spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (ok()) return true;
  if (!fs.existsSync(PY)) return false;
  log('PyTorch not found: installing Debian python3-torch (apt-get) for the reference run ...');
  const r = spawnSync('bash', ['-c', 'apt-get update -qq && apt-get install -y -qq python3-torch'], { stdio: 'ignore' });
  return r.status === 0 && ok();
}
