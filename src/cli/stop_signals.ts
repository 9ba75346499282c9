// Ctrl-C (SIGINT) and SIGTERM for commands that write files as they go: the files are written
// under temp names beside their final ones and renamed only when complete, so an interrupted or
// failed run removes its temp files and leaves nothing, whole or half, under a final name.
import fs from 'node:fs';
import path from 'node:path';

/** Temp names for outputs that appear under their final names only once complete. */
export class PartialOutputs {
  private readonly pending = new Map<string, string>();
  /** The temp name to write `file` under (beside it, same extension, so tools pick the same format). */
  add(file: string): string {
    const ext = path.extname(file) || '.mp4';
    const tmp = `${file}.partial${ext}`;
    this.pending.set(tmp, file);
    return tmp;
  }
  /** Every output is complete: each takes its final name. */
  commit(): void {
    for (const [tmp, file] of this.pending) fs.renameSync(tmp, file);
    this.pending.clear();
  }
  /** The run failed or was stopped: the temp files go. */
  discard(): void {
    for (const tmp of this.pending.keys()) fs.rmSync(tmp, { force: true });
    this.pending.clear();
  }
}

const EXIT_CODE: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Until disposed, SIGINT and SIGTERM run `cleanup` (at most once), print one line (`said`: what the
 * stop leaves, after "stopped by SIGINT; ") and end the process with the shell's code for the
 * signal (130, 143).
 */
export function onStopSignal(cleanup: () => Promise<void> | void, said: () => string = () => 'no output was left under its final name'): { dispose(): void } {
  let stopping = false;
  const handler = (signal: 'SIGINT' | 'SIGTERM' | 'EPIPE') => {
    if (stopping) return;
    stopping = true;
    const done = () => {
      if (signal === 'EPIPE') {
        process.stderr.write('pixelwise: stopped: the reader of stdout closed it\n');
        process.exit(process.exitCode ?? 0);
      }
      process.stderr.write(`pixelwise: stopped by ${signal}; ${said()}\n`);
      process.exit(EXIT_CODE[signal]);
    };
    Promise.resolve().then(cleanup).then(done, done);
  };
  const onInt = () => handler('SIGINT'), onTerm = () => handler('SIGTERM'), onPipe = () => handler('EPIPE');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  closedPipeStops.add(onPipe);
  return { dispose() { process.off('SIGINT', onInt); process.off('SIGTERM', onTerm); closedPipeStops.delete(onPipe); } };
}

const closedPipeStops = new Set<() => void>();

/**
 * Stdout closed by its reader (`pixelwise video clip.mp4 --out - | head -c 1000`): a command with a
 * stop handler (onStopSignal) stops as it does on a signal (its encoders and worker threads closed
 * first: ending the process under running ONNX Runtime workers aborts it natively), exit code 0
 * as a pipe's reader chose to stop. False when no handler is installed.
 */
export function stopOnClosedPipe(): boolean {
  const [stop] = closedPipeStops;
  if (!stop) return false;
  stop();
  return true;
}

/**
 * Ctrl-C or SIGTERM in a command that has no handler of its own (predict, evaluate, quantize,
 * ...): one line and the shell's code. A handler runs between JavaScript's steps, so a stop never
 * lands inside a synchronous atomic write (util/fs.ts), where Node's default action would leave its
 * temp file beside the outputs. A command's own handler (onStopSignal, train's checkpoint) takes
 * precedence: this one steps aside while another is installed.
 */
/**
 * A command started by a parent with an IPC channel (serve's training children) stops as on SIGTERM
 * when the parent goes, by any means: SIGKILL gives the parent no chance to stop its children, but
 * the channel closes with it. Unreferenced, the channel keeps no finished command alive.
 */
export function stopWhenParentGoes(): void {
  const channel = process.channel;
  if (!channel) return;
  channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

let byDefaultInstalled = false;
export function stopOnSignalByDefault(): void {
  if (byDefaultInstalled) return;
  byDefaultInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, function byDefault() {
      if (process.listeners(signal).some((l) => l !== byDefault)) return;
      process.stderr.write(`pixelwise: stopped by ${signal}; the files already written are complete\n`);
      process.exit(EXIT_CODE[signal]);
    });
  }
}
