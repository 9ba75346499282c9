// Peak resident memory of a process in MB (this one by default). Linux's VmHWM belongs to the
// address space, which execve replaces: unlike getrusage's maxRSS (kept across fork+exec), a child
// spawned by a large parent does not report the parent's peak. Worker threads share it.
import fs from 'node:fs';

export function peakRssMb(pid: number | 'self' = 'self'): number {
  const file = `/proc/${pid}/status`;
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  return m ? Number(m[1]) / 1024 : pid === 'self' ? process.resourceUsage().maxRSS / 1024 : NaN;
}
