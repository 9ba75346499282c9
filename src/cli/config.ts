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

export function envConfig(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  let cacheMb: number | undefined;
  if (env.PIXELWISE_CACHE_MB != null) {
    cacheMb = Number(env.PIXELWISE_CACHE_MB);
    if (!(cacheMb >= 0)) throw new UserError(`PIXELWISE_CACHE_MB=${env.PIXELWISE_CACHE_MB}: expected a number of MB (0 or more)`);
  }
  return {
    debug: !!env.PIXELWISE_DEBUG,
    cacheMb,
    ortKernels: env.PIXELWISE_ORT_KERNELS !== '0',
    specialize: env.PIXELWISE_ORT_SPECIALIZE === '1',
    labelStudioToken: env.LABEL_STUDIO_API_KEY?.trim() || undefined,
  };
}
