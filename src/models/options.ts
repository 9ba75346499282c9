// Architecture options, declared once: each is one CLI flag (cli/arch_options.ts adds them to
// every command that builds a model) and is validated against the architecture's own list, so
// `--depth` with a ResNet or `--width-mult` with a U-Net is refused by name instead of silently ignored.
import { UserError } from '../util/errors.js';
import type { ArchOptions, OptionKey } from './types.js';

export interface OptionSpec { flag: string; help: string; kind: 'positive-int' | 'number'; choices?: number[] }

export const ARCH_OPTIONS: Record<OptionKey, OptionSpec> = {
  width: { flag: '--width <n>', help: 'filters of the first level (U-Net, VGG-BN encoders)', kind: 'positive-int' },
  depth: { flag: '--depth <n>', help: 'U-Net levels', kind: 'positive-int' },
  widthMult: { flag: '--width-mult <s>', help: 'ESPNetv2 width multiplier (0.5, 1, 1.5, 2)', kind: 'number' },
  projWidth: { flag: '--proj-width <n>', help: 'ESPNetv2 pyramid-pool projection width (default min(classes/2, 16)); give the source model\'s to fine-tune to another class count (the shipped models: 10)', kind: 'positive-int' },
  outputStride: { flag: '--output-stride <n>', help: 'encoder output stride 8, 16 or 32 (dilated last stages; pspnet 8, deeplabv3plus 16 by default)', kind: 'positive-int', choices: [8, 16, 32] },
};

export const ARCH_OPTION_KEYS = Object.keys(ARCH_OPTIONS) as OptionKey[];
const KEYS = ARCH_OPTION_KEYS;
const flagOf = (k: OptionKey) => ARCH_OPTIONS[k].flag.split(' ')[0];

/** The architecture options given on the command line, checked against what `arch` takes (`a`: its registry entry). */
export function archOptionsFrom(o: Partial<Record<OptionKey, number>>, arch: string, a: { options: readonly OptionKey[] }): Partial<ArchOptions> {
  const out: Partial<ArchOptions> = {};
  for (const k of KEYS) {
    const v = o[k];
    if (v == null) continue;
    if (!a.options.includes(k)) throw new UserError(`${flagOf(k)}: not an option of ${arch} (it takes ${a.options.map(flagOf).join(', ') || 'none'})`);
    const choices = ARCH_OPTIONS[k].choices;
    if (choices && !choices.includes(v)) throw new UserError(`${flagOf(k)} ${v}: use one of ${choices.join(', ')}`);
    out[k] = v;
  }
  return out;
}
