// `pixelwise batch`: distributed batch segmentation on BullMQ and Redis (src/batch/).
import { Command } from 'commander';
import { parseFloatArg, parseIntArg, parsePositiveInt } from './options.js';

export interface QueueOpts { queue: string; name: string }
export interface SubmitOpts extends QueueOpts { images?: string[]; recursive?: boolean; list?: string; model: string; out: string; alpha: number; chunk: number; attempts: number; json?: boolean }
export interface WorkerOpts extends QueueOpts { concurrency: number; threads?: number; lockSeconds: number; metricsPort?: number }
export interface StatusOpts extends QueueOpts { json?: boolean; metrics?: boolean }

const withQueue = (c: Command) => c
  .requiredOption('--queue <url>', 'the Redis that holds the queue: redis://HOST:PORT[/DB] (rediss:// for TLS)')
  .option('--name <queue>', 'queue name (several batches can share one Redis)', 'pixelwise');

export function batchCommand(): Command {
  const batch = new Command('batch').description('segment large collections on any number of machines: a BullMQ queue on Redis, workers that see the model and the output folder');
  batch.addCommand(withQueue(new Command('submit'))
    .description('queue one job per image (or per --chunk images); the same work submitted again adds nothing')
    .option('--images <paths...>', 'image files or folders')
    .option('--recursive', 'folders: the images of their subfolders too, their outputs in the same subfolders of --out')
    .option('--list <file>', 'a text file of image paths, one per line')
    .option('--model <name|dir>', 'shipped model name or model folder (a folder every worker sees at the same path)', 'voc')
    .requiredOption('--out <dir>', 'output folder (every worker writes here): NAME_labels.png, NAME_color.png, NAME_overlay.png, ... as predict writes them')
    .option('--alpha <x>', 'overlay opacity of the colour mask (0..1)', parseFloatArg, 0.5)
    .option('--chunk <n>', 'images per job (many small images: fewer, larger jobs)', parsePositiveInt, 1)
    .option('--attempts <n>', 'tries of a failing job before it goes to the failed set', parsePositiveInt, 3)
    .option('--json', 'the counts as JSON')
    .action(async (o: SubmitOpts) => (await import('./actions/batch.js')).submitAction(o)));
  batch.addCommand(withQueue(new Command('worker'))
    .description('run the queue\'s jobs until SIGTERM or Ctrl-C (which finish the current job first)')
    .option('--concurrency <n>', 'jobs at once in this process', parsePositiveInt, 1)
    .option('--threads <n>', 'ONNX Runtime threads per model (default: all cores)', parsePositiveInt)
    .option('--lock-seconds <s>', 'how long a job stays with a worker that stops answering before another worker takes it', parseFloatArg, 30)
    .option('--metrics-port <n>', 'serve the queue\'s state as Prometheus metrics on GET /metrics at this port (0: any free port, said on stderr)', parseIntArg)
    .action(async (o: WorkerOpts) => (await import('./actions/batch.js')).workerAction(o)));
  batch.addCommand(withQueue(new Command('status'))
    .description('progress, rate, ETA and failed jobs with their messages')
    .option('--json', 'as JSON')
    .option('--metrics', 'as Prometheus metrics (the text format /metrics serves)')
    .action(async (o: StatusOpts) => (await import('./actions/batch.js')).statusAction(o)));
  batch.addCommand(withQueue(new Command('retry-failed'))
    .description('move the failed jobs back to the queue')
    .action(async (o: QueueOpts) => (await import('./actions/batch.js')).retryAction(o)));
  batch.addCommand(withQueue(new Command('drain'))
    .description('remove the jobs not started yet (running jobs finish)')
    .action(async (o: QueueOpts) => (await import('./actions/batch.js')).drainAction(o)));
  return batch;
}
