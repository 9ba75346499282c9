// The machine a benchmark ran on, as its results file names it. 8-bit figures depend on the x86
// integer instructions ONNX Runtime finds (VNNI or not), so they are named where Linux tells them.
import fs from 'node:fs';
import os from 'node:os';

/** The CPU's 8-bit dot-product instructions, from /proc/cpuinfo ('' where it cannot be read). */
function int8Isa(): string {
  let flags: string[];
  try { flags = (/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/); } catch { return ''; }
  if (flags.includes('avx512_vnni')) return 'AVX-512 VNNI';
  if (flags.includes('avx_vnni')) return 'AVX-VNNI';
  if (flags.includes('avx2')) return 'AVX2, no VNNI';
  return '';
}

/** "CPU model, N cores (its int8 instructions)". */
export function machine(): string {
  const isa = int8Isa();
  return `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores${isa ? ` (${isa})` : ''}`;
}
