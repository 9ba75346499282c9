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
