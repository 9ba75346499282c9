// Progress bars (cli-progress) with rate and ETA; off a terminal (CI, logs, background runs) the
// same line is printed every few seconds instead of redrawn.
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

/** `fields.info` is free text shown after the counts; the bar adds rate (items/s) and ETA. */
export function progressBar(label: string, total: number, unit = 'img', quiet = false): Progress {
  if (quiet) return { update() {}, stop() {} };
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
    noTTYOutput: true, notTTYSchedule: 5000, stream: process.stderr, etaBuffer: 50,
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
