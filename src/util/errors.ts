// Errors meant for the user: the CLI prints their message as one line and exits non-zero,
// with no stack trace. Everything else is a bug and keeps its stack.
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
