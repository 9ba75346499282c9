// The architecture options (models/options.ts) as flags of the commands that build a model.
import type { Command } from 'commander';
import { ARCH_OPTIONS, ARCH_OPTION_KEYS } from '../models/options.js';
import { parseFloatArg, parsePositiveInt } from './options.js';

export function addArchOptions(c: Command): Command {
  for (const k of ARCH_OPTION_KEYS) {
    const o = ARCH_OPTIONS[k];
    c.option(o.flag, o.help, o.kind === 'positive-int' ? parsePositiveInt : parseFloatArg);
  }
  return c;
}
