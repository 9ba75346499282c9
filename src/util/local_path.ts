// Files named by a path or a file: URL. pixelwise reads nothing from the network, so a URL of any
// other scheme is refused, in one wording for every argument that takes a file.
import { fileURLToPath } from 'node:url';
import { UserError } from './errors.js';

const URL_SCHEME = /^[a-z][\w+.-]+:\/\//i;

/** A long argument (a data: URL, a query string) as a message shows it. */
export const shortened = (s: string): string => (s.length > 80 ? `${s.slice(0, 60)}...` : s);

/**
 * `input` as a local path: a file: URL (object or string) is its path, another string is itself;
 * undefined for anything else (the caller's to judge). A URL of another scheme is refused as
 * `argument`'s, with `fix` saying what to give instead.
 */
export function localPath(input: unknown, argument: string, fix: string): string | undefined {
  if (!(input instanceof URL || (typeof input === 'string' && URL_SCHEME.test(input)))) return typeof input === 'string' ? input : undefined;
  const url = new URL(String(input));
  if (url.protocol === 'file:') return fileURLToPath(url);
  throw new UserError(`${argument} ${shortened(String(input))}: pixelwise reads nothing from the network (${url.protocol}); ${fix}`, 2, argument);
}
