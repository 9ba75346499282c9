// The `serve` command's work, loaded when the command runs (the definition in ../serve.ts stays light).
import fs from 'node:fs';
import path from 'node:path';
import { buildServer } from '../../serve/server.js';
import { isDir } from '../../util/fs.js';
import { UserError } from '../../util/errors.js';
import { LOOPBACK_HOSTS } from '../../serve/options.js';
import type { Opts } from '../serve.js';
import { checkOutputDir } from '../output_paths.js';
import { envConfig } from '../config.js';

/** --allowed-hosts, else the loopback names plus the address served when it is a specific one. */
function allowedHosts(o: Opts): string[] {
  if (o.allowedHosts != null) {
    const names = o.allowedHosts.split(',').map((h) => h.trim()).filter(Boolean);
    if (!names.length) throw new UserError(`--allowed-hosts ${o.allowedHosts}: expected comma-separated host names (or *)`);
    return names;
  }
  const wildcard = ['0.0.0.0', '::', '[::]', ''].includes(o.host);
  return wildcard ? LOOPBACK_HOSTS : [...new Set([...LOOPBACK_HOSTS, o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host])];
}

export async function run(o: Opts): Promise<void> {
  if (o.port < 0 || o.port > 65535) throw new UserError(`--port ${o.port}: expected 0..65535`);
  if (o.queue < 0) throw new UserError(`--queue ${o.queue}: expected 0 or more`);
  if (!(o.timeout > 0)) throw new UserError(`--timeout ${o.timeout}: expected a positive number of seconds`);
  // Folders and addresses a request would need later are checked now, not at the first request.
  if (o.lsFiles != null && !isDir(o.lsFiles)) throw new UserError(`--ls-files ${o.lsFiles}: no such folder (the folder behind Label Studio's local files)`);
  if (o.lsUrl != null && !/^https?:\/\/[^/]/i.test(o.lsUrl)) throw new UserError(`--ls-url ${o.lsUrl}: expected Label Studio's address, e.g. http://localhost:8080`);
  if (o.runs != null && fs.existsSync(o.runs) && !isDir(o.runs)) throw new UserError(`--runs ${o.runs}: is a file, not a folder of training runs`);
  if (o.lsTrain != null) checkOutputDir('--ls-train', o.lsTrain);
  const hosts = allowedHosts(o);
  const origins = o.cors?.split(',').map((c) => c.trim().replace(/\/+$/, '')).filter(Boolean);
  if (o.cors != null && !origins!.length) throw new UserError(`--cors ${o.cors}: expected comma-separated origins (e.g. http://localhost:3000) or *`);
  const server = await buildServer({
    modelsDir: o.models, runsDir: o.runs, workers: o.workers, threads: o.threads ?? 0, queue: o.queue, precision: o.precision,
    maxBodyBytes: o.maxBody, maxPixels: o.maxPixels, timeoutMs: o.timeout * 1000, allowedHosts: hosts, cors: origins, lsFiles: o.lsFiles, lsUrl: o.lsUrl, lsTolerance: o.lsOutlineTolerance,
    lsToken: envConfig().labelStudioToken, lsTrain: o.lsTrain != null ? { dir: path.resolve(o.lsTrain), epochs: o.lsTrainEpochs, inputSize: o.lsTrainSize, lr: o.lsTrainLr } : undefined,
  });
  let url: string;
  try { url = await server.app.listen({ port: o.port, host: o.host }); } catch (e) {
    await server.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'EADDRINUSE' ? `--port ${o.port}: already in use; pick another port (or --port 0)` : `cannot listen on ${o.host}:${o.port} (${(e as Error).message})`);
  }
  process.stdout.write(`pixelwise serve: ${url} (models: ${[...server.catalog.keys()].join(', ')}; ${o.workers} worker${o.workers > 1 ? 's' : ''}; runs: ${o.runs}; ${o.lsTrain != null ? `Label Studio projects trained into ${o.lsTrain}; ` : ''}Host names answered: ${hosts.includes('*') ? 'any' : `${hosts.join(', ')} (--allowed-hosts to add)`}${origins ? `; pages of ${origins.includes('*') ? 'any origin' : origins.join(', ')} may call it (CORS)` : ''})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => { process.stderr.write('serve: stopping\n'); void server.close().then(resolve); };
    process.once('SIGINT', stop); process.once('SIGTERM', stop);
  });
}
