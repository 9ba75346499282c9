// Runs an async iterator ahead of its consumer, at most `depth` items: chained stages then work
// concurrently (decoding the next frame while this one is segmented, segmenting the next while
// this one is drawn and encoded) with bounded memory.
export async function* prefetch<T>(src: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const it = src[Symbol.asyncIterator]();
  const pending: Promise<IteratorResult<T>>[] = [];
  let ended = false;
  const pull = () => {
    while (!ended && pending.length < depth) {
      const p = it.next();
      p.catch(() => {}); // surfaced when consumed, not as an unhandled rejection
      pending.push(p);
    }
  };
  try {
    pull();
    for (;;) {
      const r = await pending.shift()!;
      if (r.done) { ended = true; return; }
      pull();
      yield r.value;
    }
  } finally {
    ended = true;
    await Promise.allSettled(pending);
    await it.return?.(undefined);
  }
}
