// The `pixelwise` command line: one file per command; user errors print one line, exit non-zero.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { UserError } from '../util/errors.js';
import { envConfig } from './config.js';
import { cliMessage } from './flags.js';
import { stopOnClosedPipe, stopOnSignalByDefault, stopWhenParentGoes } from './stop_signals.js';
import { refuseEmptyValues } from './empty_values.js';

const debugging = () => { try { return envConfig().debug; } catch { return false; } };
import { trainCommand } from './train.js';
import { evaluateCommand } from './evaluate.js';
import { predictCommand } from './predict.js';
import { verifyCommand } from './verify.js';
import { demoCommand } from './demo.js';
import { importCommand } from './import.js';
import { convertCommand } from './convert.js';
import { rankCommand } from './rank.js';
import { compareCommand } from './compare.js';
import { calibrateCommand } from './calibrate.js';
import { quantizeCommand } from './quantize.js';
import { exportCommand } from './export.js';
import { videoCommand } from './video.js';
import { modelsCommand } from './models.js';
import { serveCommand } from './serve.js';
import { batchCommand } from './batch.js';

export function buildProgram(): Command {
  const program = new Command('pixelwise')
    .description('semantic segmentation for Node.js: train, evaluate, predict, video, serve')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  for (const c of [trainCommand(), evaluateCommand(), predictCommand(), verifyCommand(), importCommand(), convertCommand(), rankCommand(), compareCommand(), calibrateCommand(), quantizeCommand(), exportCommand(), videoCommand(), modelsCommand(), serveCommand(), batchCommand(), demoCommand()]) program.addCommand(c);
  refuseEmptyValues(program);
  // Commander's own refusals (a missing required option) end in main, exit 2, at every depth (batch submit).
  const exitOverride = (c: Command): void => { c.exitOverride(); c.commands.forEach(exitOverride); };
  exitOverride(program);
  return program;
}

/** Output piped into a reader that stops early (`pixelwise models | head`) ends the process quietly. */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      if (!stopOnClosedPipe()) process.exit(process.exitCode ?? 0);
    });
  }
}

/** An error is one line: a quoted snippet of a file (a JSON parser's) may hold line breaks. */
const oneLine = (m: string) => m.replace(/\s*[\r\n]+\s*/g, ' ').trim();

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  stopOnSignalByDefault();
  stopWhenParentGoes();
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    // A parser's refusal raised by a command's own code, not by commander (which prints its own): said here.
    if (e instanceof InvalidArgumentError) { process.stderr.write(`pixelwise: ${oneLine(e.message)}\n`); return 2; }
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander already printed one line
    if (e instanceof UserError) { process.stderr.write(`pixelwise: ${oneLine(cliMessage(e))}\n`); return e.exitCode; }
    // The stack alone: rethrown, Node would also print the source line it came from, which for
    // the wasm backends is a whole minified bundle.
    if (debugging()) { process.stderr.write(`${(e as Error)?.stack ?? e}\n`); return 70; }
    if (/^Aborted\(|^memory access out of bounds|^Invalid typed array length|wasm heap exhausted|gradient worker: (RuntimeError: (Aborted|memory access)|RangeError: Invalid typed array length)/.test((e as Error)?.message ?? '')) {
      // tfjs-backend-wasm aborts (or faults) when its 4 GB (wasm32) heap is full: large batches or inputs.
      process.stderr.write('pixelwise: the wasm backend ran out of memory or faulted (its heap is 4 GB per TF.js instance): lower --micro-batch, --batch-size or --input-size, or recompute activations (--checkpoint-blocks 8); training runs resume from their last checkpoint (--resume)\n');
      return 1;
    }
    process.stderr.write(`pixelwise: internal error: ${oneLine(String((e as Error)?.message ?? e))} (set PIXELWISE_DEBUG=1 for a stack trace; please report it)\n`);
    return 70;
  }
}

const isEntry = process.argv[1] && /cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => { if (code !== 0) process.exit(code); process.exitCode = code; });
}
