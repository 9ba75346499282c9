// PyTorch checkpoints written without Python, for the tests: a minimal protocol-2 pickle writer and
// the legacy (pickle stream) and zip container formats.
import fs from 'node:fs';
import { zipSync } from 'fflate';

export class P {
  b: number[] = [0x80, 2];
  op(...x: number[]) { this.b.push(...x); return this; }
  str(s: string) { const e = new TextEncoder().encode(s); this.b.push(0x58, e.length & 255, (e.length >> 8) & 255, 0, 0, ...e); return this; }
  int(n: number) { const v = new DataView(new ArrayBuffer(4)); v.setInt32(0, n, true); this.b.push(0x4a, ...new Uint8Array(v.buffer)); return this; }
  global(m: string, n: string) { this.b.push(0x63, ...new TextEncoder().encode(`${m}\n${n}\n`)); return this; }
  tuple(items: (() => void)[]) { this.op(0x28); items.forEach((f) => f()); return this.op(0x74); }
  stop() { this.b.push(0x2e); return Uint8Array.from(this.b); }
}

export interface T { name: string; shape: number[]; stride?: number[]; data: number[]; offset?: number }

function objectPickle(tensors: T[], zip: boolean): Uint8Array {
  const p = new P().global('collections', 'OrderedDict').op(0x29, 0x52, 0x28);
  tensors.forEach((t, i) => {
    p.str(t.name).global('torch._utils', '_rebuild_tensor_v2').tuple([
      () => p.tuple([() => p.str('storage'), () => p.global('torch', 'FloatStorage'), () => p.str(String(i)), () => p.str('cpu'), () => p.int(t.data.length), ...(zip ? [] : [() => p.op(0x4e)])]).op(0x51),
      () => p.int(t.offset ?? 0),
      () => p.tuple(t.shape.map((s) => () => p.int(s))),
      () => p.tuple((t.stride ?? t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1))).map((s) => () => p.int(s))),
      () => p.op(0x89),
      () => p.global('collections', 'OrderedDict').op(0x29, 0x52),
    ]).op(0x52);
  });
  return p.op(0x75).stop();
}

function f32(data: number[]): Uint8Array { return new Uint8Array(Float32Array.from(data).buffer); }

export function writeLegacy(file: string, tensors: T[]): void {
  const magic = new P().op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).stop();
  const proto = new P().op(0x4d, 0xe9, 0x03).stop();
  const sys = new P().op(0x7d).stop();
  const keys = new P().op(0x5d, 0x28); tensors.forEach((_, i) => keys.str(String(i)));
  const parts = [magic, proto, sys, objectPickle(tensors, false), keys.op(0x65).stop()];
  for (const t of tensors) { const n = new DataView(new ArrayBuffer(8)); n.setBigInt64(0, BigInt(t.data.length), true); parts.push(new Uint8Array(n.buffer), f32(t.data)); }
  fs.writeFileSync(file, Buffer.concat(parts));
}

export function writeZip(file: string, tensors: T[]): void {
  const files: Record<string, Uint8Array> = { 'ckpt/data.pkl': objectPickle(tensors, true), 'ckpt/version': new TextEncoder().encode('3\n') };
  tensors.forEach((t, i) => { files[`ckpt/data/${i}`] = f32(t.data); });
  fs.writeFileSync(file, zipSync(files, { level: 0 }));
}

