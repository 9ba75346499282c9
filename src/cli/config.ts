// Every environment variable pixelwise reads is read here, by the command line, and passed on as
// options (the library reads none):
//   PIXELWISE_DEBUG=1           an internal error prints its stack trace (cli/main.ts)
//   PIXELWISE_CACHE_MB=N        train: keep decoded samples in memory up to N MB (default 4096);
//                               beyond it they are decoded per batch
//   PIXELWISE_ORT_KERNELS=0     train: wasm's own kernels only, none of ONNX Runtime's
//   PIXELWISE_ORT_SPECIALIZE=1  predict / evaluate: specialise the ONNX graph to an input shape that
//                               comes twice in a row (video and serve pools always do)
//   LABEL_STUDIO_API_KEY=KEY   serve --ls-train: Label Studio's access token (a user's, from its
//                               Account & Settings page), when its setup call sends none; the name
//                               Label Studio's own ML backends read
//   PIXELWISE_DIST=1            in a source checkout, bin/pixelwise.js runs the compiled dist/
//                               (read by the bin itself, before any module loads)
import { UserError } from '../util/errors.js';

export interface EnvConfig { debug: boolean; cacheMb?: number; ortKernels: boolean; specialize: boolean; labelStudioToken?: string }

/**
 * An on/off variable: 1/0 (true/false, yes/no, on/off), or `fallback` when unset or empty. Another
 * value is refused: read as on or off, PIXELWISE_DEBUG=0 would turn debugging on.
 */
function switchOf(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const v = env[name]?.trim().toLowerCase();
  if (!v) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new UserError(`${name}=${env[name]}: expected 1 or 0 (or unset it)`);
}

export function envConfig(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  let cacheMb: number | undefined;
  if (env.PIXELWISE_CACHE_MB?.trim()) {
    cacheMb = Number(env.PIXELWISE_CACHE_MB);
    if (!(cacheMb >= 0)) throw new UserError(`PIXELWISE_CACHE_MB=${env.PIXELWISE_CACHE_MB}: expected a number of MB (0 or more)`);
  }
  return {
    debug: switchOf(env, 'PIXELWISE_DEBUG', false),
    cacheMb,
    ortKernels: switchOf(env, 'PIXELWISE_ORT_KERNELS', true),
    specialize: switchOf(env, 'PIXELWISE_ORT_SPECIALIZE', false),
    labelStudioToken: env.LABEL_STUDIO_API_KEY?.trim() || undefined,
  };
}
