// Recipes: `pixelwise train --config recipes/NAME.json`. A recipe is a JSON object of the command's
// own options, named as on the command line without the dashes ("input-size": "176x240",
// "aug-scale": [0.75, 1.5], "flip": false for --no-flip); each value goes through the same parser
// as its flag, and an option given on the command line wins over the file. Paths in a recipe are
// relative to the folder the command runs in, as on the command line. Keys starting with "_" are
// comments.
import fs from 'node:fs';
import { z } from 'zod';
import { InvalidArgumentError, type Command, type Option } from 'commander';
import { UserError } from '../util/errors.js';

const Value = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]);
const Recipe = z.record(z.string(), z.unknown());

function readRecipe(file: string): Record<string, unknown> {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
    throw new UserError(`--config ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { throw new UserError(`--config ${file}: not valid JSON (${(e as Error).message})`); }
  const r = Recipe.safeParse(json);
  if (!r.success || Array.isArray(json)) throw new UserError(`--config ${file}: expected a JSON object of options, e.g. {"arch": "unet", "input-size": "256x256"}`);
  return r.data;
}

/** Sets the recipe's options on `cmd` wherever the command line did not give them. */
export function applyRecipe(cmd: Command, file: string): void {
  const recipe = readRecipe(file);
  const byFlag = new Map<string, Option>();
  for (const o of cmd.options as Option[]) if (o.long) byFlag.set(o.long.replace(/^--(no-)?/, ''), o);
  for (const [key, raw] of Object.entries(recipe)) {
    if (key.startsWith('_')) continue;
    const opt = byFlag.get(key);
    if (!opt || key === 'config') throw new UserError(`--config ${file}: "${key}" is not an option of ${cmd.name()} (see pixelwise ${cmd.name()} --help)`);
    const attr = opt.attributeName();
    if (cmd.getOptionValueSource(attr) === 'cli') continue;
    const v = Value.safeParse(raw);
    if (!v.success) throw new UserError(`--config ${file}: "${key}" must be a string, number, boolean or list`);
    cmd.setOptionValueWithSource(attr, parse(opt, key, v.data, file), 'config');
  }
}

function parse(opt: Option, key: string, v: z.infer<typeof Value>, file: string): unknown {
  const isSwitch = !opt.required && !opt.optional; // a flag without a value (--quiet, --no-flip)
  if (isSwitch) {
    if (typeof v !== 'boolean') throw new UserError(`--config ${file}: "${key}" is a switch; use true or false`);
    return v;
  }
  // An option whose value is optional (--init-classes [pairs]): true is the option without a value.
  if (v === true && opt.optional) return true;
  if (typeof v === 'boolean') throw new UserError(`--config ${file}: "${key}" takes a value, not ${v}`);
  const text = Array.isArray(v) ? v.join(',') : String(v);
  const choices = (opt as Option & { argChoices?: string[] }).argChoices;
  if (choices && !choices.includes(text)) throw new UserError(`--config ${file}: "${key}": ${text} is not one of ${choices.join(', ')}`);
  try {
    return opt.parseArg ? opt.parseArg(text, undefined as unknown as never) : text;
  } catch (e) {
    if (e instanceof InvalidArgumentError || e instanceof UserError) throw new UserError(`--config ${file}: "${key}": ${text}: ${e.message}`);
    throw e;
  }
}

/** One option's value as a recipe file gives it (undefined where it does not). */
export function recipeOption(file: string, key: string): unknown {
  return readRecipe(file)[key];
}
