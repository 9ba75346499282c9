// An empty value on the command line (`--out ""`, `predict ""`) is almost always a shell variable
// that expanded to nothing. No option or argument of pixelwise means anything when empty, so it
// is refused before the command starts, rather than read as "not given" (`--keep ""`), as the
// current folder, or as a path that fails after the work is done (`video --out ""`).
import { InvalidArgumentError, type Command } from 'commander';
import { UserError } from '../util/errors.js';

const HINT = 'give one (a shell variable that is not set expands to nothing)';
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.some(blank));

/** The first option or argument given empty on the command line, worded as a refusal; null when none. */
export function emptyValue(command: Command): string | null {
  for (const opt of command.options) {
    const key = opt.attributeName();
    if (command.getOptionValueSource(key) === 'cli' && blank(command.getOptionValue(key))) return `${opt.long ?? opt.short}: an empty value; ${HINT}`;
  }
  const declared = command.registeredArguments;
  const i = command.processedArgs.findIndex(blank);
  if (i >= 0) return `an empty ${declared[Math.min(i, declared.length - 1)]?.name() ?? ''} argument (""); ${HINT}`.replace('  ', ' ');
  return null;
}

/** Every command under `program`, itself included. */
const commandsOf = (c: Command): Command[] => [c, ...c.commands.flatMap(commandsOf)];

/**
 * Refuses any option or argument given empty: options that parse their value (`--tta`, `--tile`)
 * as they parse it, commander naming the option; the rest before the command's action.
 */
export function refuseEmptyValues(program: Command): void {
  for (const c of commandsOf(program)) {
    for (const opt of c.options) {
      const parse = opt.parseArg;
      if (!parse) continue;
      opt.parseArg = <T>(value: string, previous: T): T => {
        if (blank(value)) throw new InvalidArgumentError(`an empty value; ${HINT}`);
        return parse(value, previous) as T;
      };
    }
  }
  program.hook('preAction', (_program, action) => {
    const why = emptyValue(action);
    if (why) throw new UserError(why);
  });
}
