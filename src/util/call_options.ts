// The options object of a library call, checked against its schema before any work: a JavaScript
// caller (no compiler to catch it) who misspells a key (`tiel`), nests it wrongly (`tile` for
// `tiling.tile`) or gives a string for a number would otherwise have it ignored in silence. One
// line naming `options.KEY`, and the keys the call takes. The arguments themselves are checked by
// kind (expectArgs): nothing, null or an object where a path goes. No Node imports: the browser
// module checks its options here too.
import * as z from 'zod/mini';
import './zod.js'; // zod's English messages
import { UserError } from './errors.js';

/** A function, as an option's value (callbacks, filters). */
export const fnOption = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'expected a function');
/** An AbortSignal. */
export const signalOption = z.custom<AbortSignal>((v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal, 'expected an AbortSignal');

/** How a value is named in a message: its type, or a short form of it. */
function shown(v: unknown, typed: boolean): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return typed ? 'an array' : JSON.stringify(v).slice(0, 40);
  if (typeof v === 'string') { const t = v.length > 40 ? `${v.slice(0, 37)}...` : v; return typed ? JSON.stringify(t) : t; }
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  return String(v);
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v == null ? undefined : (v as Record<PropertyKey, unknown>)[k];
  return v;
}

type Shape = Record<string, z.ZodMiniType>;

/** The keys the object schema at this path of `shape` takes (optional wrappers looked through), for a message. */
function keysAt(shape: Shape, path: PropertyKey[]): string[] {
  let at: Shape | undefined = shape;
  for (const k of path) {
    let s: z.ZodMiniType | undefined = at?.[String(k)];
    if (s instanceof z.ZodMiniOptional) s = s.def.innerType as z.ZodMiniType;
    at = s instanceof z.ZodMiniObject ? (s.shape as Shape) : undefined;
  }
  return Object.keys(at ?? {});
}

/** What an issue says is wanted, in words (zod/mini carries no messages of its own). */
function wanted(issue: z.core.$ZodIssue): string {
  // A message the schema gave (zod's own, when its locale is loaded, start so and say less).
  if (issue.message && !/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': return `expected ${issue.expected === 'int' ? 'a whole number' : /^[aeiou]/.test(issue.expected) ? `an ${issue.expected}` : `a ${issue.expected}`}`;
    case 'invalid_value': return `use ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_union': return 'not a value this option takes';
    case 'too_small': return issue.origin === 'array' ? `expected at least ${issue.minimum} entries` : `expected ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big': return issue.origin === 'array' ? `expected at most ${issue.maximum} entries` : `expected ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    default: return issue.message;
  }
}

/**
 * `value` as `schema` takes it, else a UserError naming the first offending key
 * (`tiling.tile "512": expected a number`). `call` names the function in messages;
 * `hints` maps keys given at the top level by mistake to what to do instead (`tile`: `did you mean options.tiling.tile?`).
 */
export function checkedOptions<T extends object>(schema: z.ZodMiniObject, given: T | undefined, call: string, hints: Record<string, string> = {}): T {
  const value: unknown = given ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`options: ${call} takes an object of options, got ${shown(value, true)}`, 2, 'options');
  }
  const r = z.safeParse(schema, value);
  if (r.success) return value as T;
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const at = [...issue.path, key].map(String).join('.');
    const hint = issue.path.length === 0 && hints[key] ? `; ${hints[key]}` : '';
    const keys = keysAt(schema.shape as Shape, issue.path);
    const under = issue.path.length ? ` under ${issue.path.map(String).join('.')}` : '';
    throw new UserError(`${at} ${shown(valueAt(value, [...issue.path, key]), false)}: not an option of ${call}${hint || ` (its options${under}: ${keys.join(', ')})`}`, 2, 'options');
  }
  const at = issue.path.map(String).join('.');
  const bad = valueAt(value, issue.path);
  // A value of the right type but not one of the choices is shown as given (`tta mirror`), one of
  // the wrong type with its type (`threads "2"`).
  throw new UserError(`${at} ${shown(bad, issue.code === 'invalid_type')}: ${wanted(issue)}`, 2, String(issue.path[0]));
}

/**
 * Refuses a key of `given` that `known` lacks (`known`: every key of the options' type, which a
 * `Record<keyof T, true>` holds the compiler to), for calls whose values are checked field by field.
 */
export function refuseUnknownKeys(given: unknown, known: Record<string, true>, call: string, word = 'option', argument = 'options'): void {
  if (typeof given !== 'object' || given === null) return;
  const key = Object.keys(given).find((k) => !Object.hasOwn(known, k));
  if (key === undefined) return;
  const v = (given as Record<string, unknown>)[key];
  throw new UserError(`${key} ${shown(v, false)}: not ${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word} of ${call} (its ${word}s: ${Object.keys(known).join(', ')})`, 2, argument);
}

/** What a library function's argument must be, checked at its entry (expectArgs). */
export type ArgKind = 'string' | 'object' | 'bytes' | 'array' | 'number' | 'function';

const ARG_KINDS: Record<ArgKind, [(v: unknown) => boolean, string]> = {
  string: [(v) => typeof v === 'string' && v.length > 0, 'a non-empty string'],
  object: [(v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object'],
  bytes: [(v) => v instanceof Uint8Array, 'a Uint8Array (or Buffer)'],
  array: [(v) => Array.isArray(v), 'an array'],
  number: [(v) => typeof v === 'number' && Number.isFinite(v), 'a finite number'],
  function: [(v) => typeof v === 'function', 'a function'],
};

/**
 * The arguments of an exported library function, each of its kind: a JavaScript caller may pass
 * anything, and a TypeError from deep inside names neither the argument nor the function.
 */
export function expectArgs(fn: string, args: [name: string, value: unknown, kind: ArgKind][]): void {
  for (const [name, value, kind] of args) {
    const [ok, what] = ARG_KINDS[kind];
    if (!ok(value)) throw new UserError(`${name}: ${fn}() takes ${what}; got ${shown(value, true)}`, 2, name);
  }
}
