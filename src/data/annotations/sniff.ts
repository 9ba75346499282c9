// Which labelling tool's export a file looks like, by its outline alone: said when the reader of
// the format given refuses it (a COCO file given as --from labelme reads "looks like COCO").
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { AnnotationFormat } from './format_names.js';

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The format a parsed JSON document looks like, or null. */
function jsonFormat(doc: unknown): AnnotationFormat | null {
  // Label Studio's tasks (JSON), or its records of annotations (JSON-MIN).
  if (Array.isArray(doc)) return doc.length && doc.every((t) => isObject(t) && (isObject(t.data) || 'annotation_id' in t)) ? 'labelstudio' : null;
  if (!isObject(doc)) return null;
  if (Array.isArray(doc.images) && Array.isArray(doc.annotations)) return 'coco';
  if (Array.isArray(doc.shapes) && 'imagePath' in doc) return 'labelme';
  if (isObject(doc.size) && Array.isArray(doc.objects)) return 'supervisely';
  if (isObject(doc._via_img_metadata)) return 'via';
  const values = Object.values(doc);
  if (values.length && values.every((v) => isObject(v) && 'filename' in v && 'regions' in v)) return 'via';
  return null;
}

/** Whether bytes begin as a zip archive (a tool's download) does. */
export const isZipHead = (head: Uint8Array): boolean => head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;

/** The first `n` bytes of a file (fewer if it is shorter); null when it cannot be read (a folder, no permission: the reader says so). */
export function headOf(file: string, n: number): Buffer | null {
  const head = Buffer.alloc(n);
  try {
    const fd = fs.openSync(file, 'r');
    try { return head.subarray(0, fs.readSync(fd, head, 0, n, 0)); } finally { fs.closeSync(fd); }
  } catch { return null; }
}

/** Whether a tar header's magic ("ustar", POSIX and GNU) is at byte 257 of these bytes. */
const isTarHead = (head: Uint8Array): boolean => head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar';

/** The start of gzip-compressed bytes, decompressed as far as they go (a file's head: the rest is not there). */
function gunzipHead(head: Buffer): Buffer {
  try { return zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH }); } catch { return Buffer.alloc(0); }
}

/** The download archive a file is, by its first bytes: a zip, or a tar (gzip-compressed or not); null for any other file. */
export function archiveKind(file: string): 'zip' | 'tar' | null {
  const head = headOf(file, 4096);
  if (!head) return null;
  if (isZipHead(head)) return 'zip';
  if (isTarHead(head)) return 'tar';
  return head[0] === 0x1f && head[1] === 0x8b && isTarHead(gunzipHead(head)) ? 'tar' : null;
}

/** An archive no download comes as, by its first bytes, or null: gzip (not of a tar), 7-Zip, RAR. */
export function otherArchive(file: string): 'a gzip-compressed file' | 'a 7-Zip archive' | 'a RAR archive' | null {
  const head = headOf(file, 4096);
  if (!head || archiveKind(file)) return null;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'a gzip-compressed file';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))) return 'a 7-Zip archive';
  if (head.length >= 4 && head.subarray(0, 4).toString('latin1') === 'Rar!') return 'a RAR archive';
  return null;
}

/**
 * Which of `wanted` are keys of the JSON object a file holds (its top level), read a chunk at a time
 * until all are seen or the file ends: the text scanned (strings, escapes and nesting followed), not
 * parsed, so a large export costs a read and no memory. A key far into the file is found (a COCO
 * export's "annotations" follows its images); keys as written (escapes not decoded); a file that
 * is not an object has none.
 */
export function topLevelKeys(file: string, wanted: readonly string[]): Set<string> {
  const found = new Set<string>(), want = new Set(wanted);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let depth = 0, started = false, inString = false, escaped = false, inKey = false, pendingKey: string | null = null;
    let key: number[] = [];
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) {
      for (let i = 0; i < n; i++) {
        const c = buf[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) { inString = false; if (inKey) { pendingKey = Buffer.from(key).toString('utf8'); inKey = false; } continue; }
          if (inKey) key.push(c);
          continue;
        }
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (!started) {
          if (c === 0xef || c === 0xbb || c === 0xbf) continue; // a byte-order mark
          if (c !== 0x7b) return found;
          started = true; depth = 1; continue;
        }
        if (c === 0x3a && pendingKey !== null) {
          if (want.has(pendingKey)) { found.add(pendingKey); if (found.size === want.size) return found; }
          pendingKey = null; continue;
        }
        pendingKey = null;
        if (c === 0x22) { inString = true; if (depth === 1) { inKey = true; key = []; } }
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) { if (--depth === 0) return found; }
      }
    }
    return found;
  } finally { fs.closeSync(fd); }
}

/** The export format `file` looks like (read up to 64 MB), or null when it looks like none of them. */
export function sniffFormat(file: string): AnnotationFormat | null {
  let bytes: Buffer;
  try {
    if (!fs.statSync(file).isFile() || fs.statSync(file).size > 64 << 20) return null;
    bytes = fs.readFileSync(file);
  } catch { return null; }
  if (isZipHead(bytes)) return 'cvat-mask';
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const start = text.trimStart()[0];
  if (start === '<') return /<annotations[\s>]/.test(text) ? 'cvat' : null;
  if (start === '{' || start === '[') { try { return jsonFormat(JSON.parse(text)); } catch { return null; } }
  return /^names\s*:/m.test(text) ? 'yolo' : null;
}
