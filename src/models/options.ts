// Architecture options, declared once: what each is and the values it takes. Each architecture
// lists the ones it takes (its `options`); a spec naming another (`depth` for a ResNet, `widthMult`
// for a U-Net) or a value outside its range is refused by the option's name instead of silently
// ignored. The command line adds each as a flag (cli/arch_options.ts).
import { argumentError } from '../util/errors.js';
import type { ArchOptions, OptionKey } from './types.js';

export interface OptionSpec { help: string; kind: 'positive-int' | 'number'; choices?: number[] }

export const ARCH_OPTIONS: Record<OptionKey, OptionSpec> = {
  width: { help: 'filters of the first level (U-Net, VGG-BN encoders)', kind: 'positive-int' },
  depth: { help: 'U-Net levels', kind: 'positive-int' },
  widthMult: { help: 'ESPNetv2 width multiplier (0.5, 1, 1.5, 2)', kind: 'number' },
  projWidth: { help: 'ESPNetv2 pyramid-pool projection width (default min(classes/2, 16)); give the source model\'s to fine-tune to another class count (the shipped models: 10)', kind: 'positive-int' },
  outputStride: { help: 'encoder output stride 8, 16 or 32 (dilated last stages; pspnet 8, deeplabv3plus 16 by default)', kind: 'positive-int', choices: [8, 16, 32] },
};

export const ARCH_OPTION_KEYS = Object.keys(ARCH_OPTIONS) as OptionKey[];

/** The architecture options `o` gives, checked against what `arch` takes (`a`: its registry entry) and their ranges. */
export function archOptionsFrom(o: Partial<Record<OptionKey, number>>, arch: string, a: { options: readonly OptionKey[] }): Partial<ArchOptions> {
  const out: Partial<ArchOptions> = {};
  for (const k of ARCH_OPTION_KEYS) {
    const v = o[k];
    if (v == null) continue;
    if (!a.options.includes(k)) throw argumentError(k, v, `not an option of ${arch} (it takes ${a.options.map((t) => `options.${t}`).join(', ') || 'none'})`);
    const { kind, choices } = ARCH_OPTIONS[k];
    if (kind === 'positive-int' ? !(Number.isInteger(v) && v > 0) : !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      throw argumentError(k, v, kind === 'positive-int' ? 'expected a whole number above 0' : 'expected a number above 0');
    }
    if (choices && !choices.includes(v)) throw argumentError(k, v, `use one of ${choices.join(', ')}`);
    out[k] = v;
  }
  return out;
}
