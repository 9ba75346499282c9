// The CPU cores this process may use: the default for threads and worker counts everywhere.
import os from 'node:os';

export function cpuCores(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}
