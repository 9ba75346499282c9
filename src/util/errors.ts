// Errors meant for the user: the CLI prints their message as one line and exits non-zero,
// with no stack trace. Everything else is a bug and keeps its stack.
export class UserError extends Error {
  /**
   * `argument`: the library argument the message starts with (`model`, `tile`, ...), which the
   * command line words as its flag (cli/main.ts).
   */
  constructor(message: string, readonly exitCode = 2, readonly argument?: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** An error about one argument of a library call: "ARGUMENT VALUE: why", in the library's words. */
export function argumentError(argument: string, value: unknown, why: string): UserError {
  return new UserError(`${argument} ${String(value)}: ${why}`, 2, argument);
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * A label map (or mask) checked against the size it is said to have: one byte per pixel. A map of
 * another length would be read past its end, or in part, without a word.
 */
export function checkedLabelMap(labels: unknown, width: number, height: number, argument = 'labels'): Uint8Array {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) throw new UserError(`${argument}: the size ${width}x${height} is not a size in pixels`, 2, argument);
  if (!(labels instanceof Uint8Array || labels instanceof Uint8ClampedArray)) throw new UserError(`${argument}: expected a Uint8Array of class ids, one per pixel; got ${labels === null ? 'null' : Array.isArray(labels) ? 'an Array' : typeof labels === 'object' ? (labels as object).constructor?.name ?? 'an object' : typeof labels}`, 2, argument);
  if (labels.length !== width * height) throw new UserError(`${argument}: ${labels.length} values for a ${width}x${height} image; expected ${width * height}, one per pixel`, 2, argument);
  return labels instanceof Uint8Array ? labels : new Uint8Array(labels.buffer, labels.byteOffset, labels.length);
}
