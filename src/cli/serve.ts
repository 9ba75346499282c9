// `pixelwise serve`: the HTTP API, the web page and the training-run dashboard (src/serve/).
import { Command } from 'commander';
import { buildServer, DEFAULT_SERVE } from '../serve/server.js';
import { parseBytes, parseFloatArg, parsePositiveInt, parseIntArg } from './options.js';
import { UserError } from '../util/errors.js';

interface Opts {
  models?: string; runs?: string; port: number; host: string; workers: number; threads?: number;
  queue: number; maxBody: number; maxPixels: number; timeout: number;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('HTTP API (POST /v1/segment, GET /v1/models, /healthz, /metrics) and a web page to segment images and watch training runs')
    .option('--models <dir>', 'also serve the model packages in this folder (each subfolder with a model.json); shipped models are always served')
    .option('--runs <dir>', 'training runs shown on the dashboard page (/runs.html)', 'runs')
    .option('--port <n>', 'TCP port (0 = any free port)', parseIntArg, 8080)
    .option('--host <addr>', 'address to listen on (loopback by default; 0.0.0.0 for every interface)', '127.0.0.1')
    .option('--workers <n>', 'inference worker threads', parsePositiveInt, DEFAULT_SERVE.workers)
    .option('--threads <n>', 'ONNX Runtime threads per worker (default: all cores)', parsePositiveInt)
    .option('--queue <n>', 'images allowed to wait for a worker; beyond that requests get 503 + Retry-After', parseIntArg, DEFAULT_SERVE.queue)
    .option('--max-body <size>', 'largest upload', parseBytes, DEFAULT_SERVE.maxBodyBytes)
    .option('--max-pixels <n>', 'largest image (width x height, read from its header before decoding)', parseFloatArg, DEFAULT_SERVE.maxPixels)
    .option('--timeout <seconds>', 'longest a request may take (upload + queue + inference)', parseFloatArg, DEFAULT_SERVE.timeoutMs / 1000)
    .action(async (o: Opts) => {
      if (o.port < 0 || o.port > 65535) throw new UserError(`--port ${o.port}: expected 0..65535`);
      if (o.queue < 0) throw new UserError(`--queue ${o.queue}: expected 0 or more`);
      if (!(o.timeout > 0)) throw new UserError(`--timeout ${o.timeout}: expected a positive number of seconds`);
      const server = await buildServer({
        modelsDir: o.models, runsDir: o.runs, workers: o.workers, threads: o.threads ?? 0, queue: o.queue,
        maxBodyBytes: o.maxBody, maxPixels: o.maxPixels, timeoutMs: o.timeout * 1000,
      });
      let url: string;
      try { url = await server.app.listen({ port: o.port, host: o.host }); } catch (e) {
        await server.close();
        const code = (e as NodeJS.ErrnoException).code;
        throw new UserError(code === 'EADDRINUSE' ? `--port ${o.port}: already in use; pick another port (or --port 0)` : `cannot listen on ${o.host}:${o.port} (${(e as Error).message})`);
      }
      process.stdout.write(`pixelwise serve: ${url} (models: ${[...server.catalog.keys()].join(', ')}; ${o.workers} worker${o.workers > 1 ? 's' : ''}; runs: ${o.runs})\n`);
      await new Promise<void>((resolve) => {
        const stop = () => { process.stderr.write('serve: stopping\n'); void server.close().then(resolve); };
        process.once('SIGINT', stop); process.once('SIGTERM', stop);
      });
    });
}
