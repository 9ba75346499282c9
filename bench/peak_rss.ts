// Peak resident memory of this process in MB. Linux's VmHWM belongs to the address space, which
// execve replaces: unlike getrusage's maxRSS (kept across fork+exec), a child spawned by a large
// benchmark parent does not report the parent's peak.
import fs from 'node:fs';

export function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.existsSync('/proc/self/status') ? fs.readFileSync('/proc/self/status', 'utf8') : '');
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}
