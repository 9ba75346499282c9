// Fixtures the tests generate: temp folders, small images and masks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { encode } from 'fast-png';

export function tempDir(prefix = 'pw-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function writeRgb(file: string, data: Uint8Array, width: number, height: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(data, { raw: { width, height, channels: 3 } }).toFile(file);
}

export function writeGreyPng(file: string, data: Uint8Array, width: number, height: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encode({ width, height, data, depth: 8, channels: 1 }));
}

export function writeRgbPng(file: string, data: Uint8Array, width: number, height: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encode({ width, height, data, depth: 8, channels: 3 }));
}
