// The architecture options (models/options.ts) as flags of the commands that build a model.
import type { Command } from 'commander';
import { ARCH_OPTIONS, ARCH_OPTION_KEYS } from '../models/options.js';
import { parseFloatArg, parsePositiveInt } from './options.js';
import { flagOf } from './flags.js';

export function addArchOptions(c: Command): Command {
  for (const k of ARCH_OPTION_KEYS) {
    const o = ARCH_OPTIONS[k], flag = flagOf(k);
    // One table of flags (cli/flags.ts) for the options and for the errors that name them.
    if (!flag) throw new Error(`architecture option ${k} has no flag in cli/flags.ts`);
    c.option(`${flag} ${o.kind === 'positive-int' ? '<n>' : '<s>'}`, o.help, o.kind === 'positive-int' ? parsePositiveInt : parseFloatArg);
  }
  return c;
}
