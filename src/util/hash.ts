// SHA-256 digests, hex: of bytes or text, and of a file's contents.
import crypto from 'node:crypto';
import fs from 'node:fs';

export const sha256 = (b: crypto.BinaryLike): string => crypto.createHash('sha256').update(b).digest('hex');

export const fileSha256 = (file: string): string => sha256(fs.readFileSync(file));
