// JSON files of any size. A JavaScript string holds at most 2^29 - 24 characters (V8's limit), so
// a labelling tool's export past about 512 MB (a Label Studio project of brush masks, LVIS-sized
// COCO) cannot be read as one string and parsed. Such a file is read as bytes and its top level is
// split: an object into its values, an array into its elements, and each value that is an array
// into its elements; each piece is parsed on its own and the document put back together. Smaller
// files are parsed whole. A byte-order mark is passed over either way.

/** Files up to this size are parsed as one string. */
const WHOLE_BYTES = 256 << 20;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The JSON document in `bytes`; above `wholeBytes`, parsed piece by piece (the same value). Malformed JSON throws a SyntaxError. */
export function parseJsonBytes(bytes: Uint8Array, wholeBytes = WHOLE_BYTES): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  if (buf.length <= wholeBytes) return JSON.parse(buf.toString('utf8', start));
  return new Pieces(buf, start).document();
}

/** A document read as its top level's pieces, each parsed alone. */
class Pieces {
  constructor(private readonly buf: Buffer, private i: number) {}

  document(): unknown {
    this.space();
    const c = this.buf[this.i];
    const doc = c === 0x7b ? this.object() : c === 0x5b ? this.array() : this.parse(this.valueEnd());
    this.space();
    if (this.i < this.buf.length) this.fail('content after the document');
    return doc;
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++;
    this.space();
    if (this.buf[this.i] === 0x7d) { this.i++; return out; }
    for (;;) {
      this.space();
      if (this.buf[this.i] !== 0x22) this.fail('a key expected');
      const key = this.parse(this.valueEnd()) as string;
      this.space();
      if (this.buf[this.i++] !== 0x3a) this.fail('":" expected');
      this.space();
      // A value that is an array (COCO's images and annotations) is read element by element.
      Object.defineProperty(out, key, { value: this.buf[this.i] === 0x5b ? this.array() : this.parse(this.valueEnd()), enumerable: true, writable: true, configurable: true });
      this.space();
      const c = this.buf[this.i++];
      if (c === 0x7d) return out;
      if (c !== 0x2c) this.fail('"," or "}" expected');
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.space();
    if (this.buf[this.i] === 0x5d) { this.i++; return out; }
    for (;;) {
      this.space();
      out.push(this.parse(this.valueEnd()));
      this.space();
      const c = this.buf[this.i++];
      if (c === 0x5d) return out;
      if (c !== 0x2c) this.fail('"," or "]" expected');
    }
  }

  /** The value from here to `end`, parsed; the position moves past it. */
  private parse(end: number): unknown {
    const v = JSON.parse(this.buf.toString('utf8', this.i, end));
    this.i = end;
    return v;
  }

  /** Where the value starting here ends: a string's closing quote, an object's or array's closing bracket, a scalar's last character. */
  private valueEnd(): number {
    const buf = this.buf;
    let j = this.i, depth = 0, inString = false;
    const first = buf[j];
    if (first !== 0x22 && first !== 0x7b && first !== 0x5b) {
      while (j < buf.length && !isSpace(buf[j]) && buf[j] !== 0x2c && buf[j] !== 0x7d && buf[j] !== 0x5d) j++;
      if (j === this.i) this.fail('a value expected');
      return j;
    }
    for (; j < buf.length; j++) {
      const c = buf[j];
      if (inString) {
        if (c === 0x5c) j++;
        else if (c === 0x22) { inString = false; if (depth === 0) return j + 1; }
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if ((c === 0x7d || c === 0x5d) && --depth === 0) return j + 1;
    }
    return this.fail('the file ends inside a value');
  }

  private space(): void { while (this.i < this.buf.length && isSpace(this.buf[this.i])) this.i++; }

  private fail(what: string): never { throw new SyntaxError(`${what} at byte ${this.i}`); }
}
