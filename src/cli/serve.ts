// `pixelwise serve`: the HTTP API, the web page and the training-run dashboard (src/serve/).
import { Command, Option } from 'commander';
import { DEFAULT_SERVE } from '../serve/options.js';
import { parseBytes, parseFloatArg, parseNonNegative, parsePositiveInt, parseIntArg, parsePositive, parseSize, parseWorkerCount } from './options.js';

export interface Opts {
  models?: string; runs?: string; port: number; host: string; workers: number; threads?: number;
  queue: number; maxBody: number; maxPixels: number; timeout: number; allowedHosts?: string; cors?: string; lsFiles?: string; lsUrl?: string; lsOutlineTolerance: number; precision?: 'int8';
  lsTrain?: string; lsTrainEpochs?: number; lsTrainSize: [number, number]; lsTrainLr?: number;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('HTTP API (POST /v1/segment, GET /v1/models, /healthz, /metrics) and a web page to segment images and watch training runs')
    .option('--models <dir>', 'also serve the model packages in this folder (each subfolder with a model.json); shipped models are always served')
    .option('--runs <dir>', 'training runs shown on the dashboard page (/runs.html)', 'runs')
    .option('--port <n>', 'TCP port (0 = any free port)', parseIntArg, 8080)
    .option('--host <addr>', 'address to listen on (loopback by default; 0.0.0.0 for every interface)', '127.0.0.1')
    .option('--workers <n>', 'inference worker threads', parseWorkerCount, DEFAULT_SERVE.workers)
    .option('--threads <n>', 'ONNX Runtime threads per worker (default: all cores)', parsePositiveInt)
    .addOption(new Option('--precision <p>', 'int8: run each model\'s 8-bit graph where it has one (made by pixelwise quantize), its float graph otherwise').choices(['int8']))
    .option('--queue <n>', 'images allowed to wait for a worker; beyond that requests get 503 + Retry-After', parseIntArg, DEFAULT_SERVE.queue)
    .addOption(new Option('--max-body <size>', 'largest upload (e.g. 32mb, 512kb)').argParser(parseBytes).default(DEFAULT_SERVE.maxBodyBytes, `${DEFAULT_SERVE.maxBodyBytes / 2 ** 20}mb`))
    .option('--max-pixels <n>', 'largest image (width x height, read from its header before decoding)', parsePositiveInt, DEFAULT_SERVE.maxPixels)
    .option('--ls-files <dir>', 'Label Studio ML backend: the folder behind Label Studio\'s local files (/data/local-files/?d=PATH)')
    .option('--ls-url <url>', 'Label Studio ML backend: Label Studio\'s address, for uploaded task images (when its setup call does not send it)')
    .option('--ls-outline-tolerance <px>', 'Label Studio ML backend: thin the polygons answered to a PolygonLabels config (Douglas-Peucker; 0: exact, along the pixels)', parseNonNegative, 0)
    .option('--ls-train <dir>', 'Label Studio ML backend: train from Label Studio (its Start Training button; annotation webhooks when the project trains on submissions): fine-tune the project\'s model on its annotations, fetched with the token its setup call sends (or LABEL_STUDIO_API_KEY); the project\'s predictions then come from the trained model, kept in DIR')
    .option('--ls-train-epochs <n>', 'Label Studio ML backend: epochs of each training (default: enough to see 2000 crops, 20 at least)', parsePositiveInt)
    .option('--ls-train-size <HxW>', 'Label Studio ML backend: the training crop', parseSize, [256, 256])
    .option('--ls-train-lr <x>', 'Label Studio ML backend: the learning rate of each training (default: train\'s)', parsePositive)
    .option('--allowed-hosts <names>', 'Host header names the server answers, comma-separated (default: loopback names, plus --host when it is a name or a specific address; * = any, e.g. behind a proxy that checks hosts)')
    .option('--cors <origins>', 'origins whose web pages may call the API and load the models from their scripts (CORS), comma-separated, e.g. http://localhost:3000; * = any (default: none, only the server\'s own page)')
    .option('--timeout <seconds>', 'longest a request may take (upload + queue + inference)', parseFloatArg, DEFAULT_SERVE.timeoutMs / 1000)
    .action(async (o: Opts) => (await import('./actions/serve.js')).run(o));
}
