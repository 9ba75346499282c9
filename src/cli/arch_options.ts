// The architecture options (models/options.ts) as flags of the commands that build a model.
import type { Command } from 'commander';
import { ARCH_OPTIONS, ARCH_OPTION_KEYS } from '../models/options.js';
import { parseFloatArg, parsePositiveInt } from './options.js';

export function addArchOptions(c: Command): Command {
  for (const k of ARCH_OPTION_KEYS) {
    const o = ARCH_OPTIONS[k];
    // widthMult -> --width-mult <s> (a scale), depth -> --depth <n> (a count)
    const flag = `--${k.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)} ${o.kind === 'positive-int' ? '<n>' : '<s>'}`;
    c.option(flag, o.help, o.kind === 'positive-int' ? parsePositiveInt : parseFloatArg);
  }
  return c;
}
