// Base64 data: URLs (what canvases and Label Studio's uploads give) as bytes.

const BASE64_DATA_URL = /^data:[^;,]*(;[^;,]*)*;base64,/i;

/** The bytes of a base64 data: URL; null when `s` is not one. */
export function dataUrlBytes(s: string): Uint8Array | null {
  const m = BASE64_DATA_URL.exec(s);
  return m ? Buffer.from(s.slice(m[0].length), 'base64') : null;
}
