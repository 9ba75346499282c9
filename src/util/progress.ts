// Progress bars (cli-progress) with rate and ETA on a terminal. Off a terminal (CI, logs,
// background runs) nothing is redrawn: a task shorter than LOG_EVERY_MS prints nothing (the
// commands log their own summary lines), a longer one a line every LOG_EVERY_MS and a last one.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** How often a progress line is written to a log (stderr not a terminal). */
export const LOG_EVERY_MS = 30_000;

/** Progress as occasional lines, for a stderr that is not a terminal. */
function progressLines(label: string, total: number, unit: string, write: (line: string) => void, everyMs: number): Progress {
  const start = Date.now();
  let last = start, printed = false, done = 0, info = '';
  const line = () => {
    const el = (Date.now() - start) / 1000, rate = el > 0 ? done / el : 0;
    const eta = total > 0 && rate > 0 ? `, ETA ${formatDuration((total - done) / rate)}` : '';
    write(`${label}: ${done}${total > 0 ? `/${total}` : ''} ${unit}, ${rate.toFixed(2)} ${unit}/s${eta}${info ? ` ${info}` : ''}\n`);
  };
  return {
    update(d, fields = {}) {
      done = d; info = typeof fields.info === 'string' ? fields.info.replace(/^\|\s*/, '') : info;
      if (Date.now() - last >= everyMs) { last = Date.now(); printed = true; line(); }
    },
    stop() { if (printed) line(); },
  };
}

/** `fields.info` is free text shown after the counts; the bar adds rate (items/s) and ETA. */
export function progressBar(label: string, total: number, unit = 'img', quiet = false,
  o: { tty?: boolean; write?: (line: string) => void; everyMs?: number } = {}): Progress {
  if (quiet) return { update() {}, stop() {} };
  if (!(o.tty ?? process.stderr.isTTY)) return progressLines(label.trim(), total, unit, o.write ?? ((l) => process.stderr.write(l)), o.everyMs ?? LOG_EVERY_MS);
  const start = Date.now();
  let lastDone = 0;
  const rateEta = (done: number) => {
    const el = (Date.now() - start) / 1000;
    const rate = el > 0 ? done / el : 0;
    return { rate: rate.toFixed(2), eta: formatDuration(rate > 0 ? (total - done) / rate : NaN) };
  };
  const bar = new cliProgress.SingleBar({
    // An unknown total (a stream on stdin) shows the count and rate only.
    format: total > 0 ? `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {etaText} {info}` : `${label} {value} ${unit} | {rate} ${unit}/s {info}`,
    barCompleteChar: '#', barIncompleteChar: '-', hideCursor: true, clearOnComplete: false,
    stream: process.stderr, etaBuffer: 50,
  });
  bar.start(total, 0, { rate: '0.00', etaText: '--', info: '' });
  return {
    update(done, fields = {}) {
      lastDone = done;
      const { rate, eta } = rateEta(done);
      bar.update(done, { rate, etaText: eta, info: '', ...fields });
    },
    stop() { const { rate } = rateEta(lastDone); bar.update(lastDone, { rate, etaText: '0s' }); bar.stop(); },
  };
}
