// A fetched response's body, read to at most a number of bytes: past it, reading stops (leaving
// the loop cancels the body) with the caller's error, so an answer that never ends or is too large
// is not read whole.

/** The body of `r`, refused with `over()` past `maxBytes`; a read that fails rejects with its own error. */
export async function readCapped(r: Response, maxBytes: number, over: () => Error): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of r.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw over();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
