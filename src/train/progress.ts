/**
 * Progress of a long run: a cli-progress bar on a terminal, plain periodic lines otherwise (logs,
 * CI), so nothing is lost when output goes to a file.
 */
import cliProgress from 'cli-progress';
import type { MetricsRow } from '../runs/metrics.js';

export interface Progress {
  update(step: number, row: MetricsRow | undefined): void;
  stop(): void;
}

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, start = 0): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'training [{bar}] {percentage}% | step {value}/{total} | {metrics} | eta {eta_formatted}',
        hideCursor: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, start, { metrics: '' });
    return {
      update: (step, row) => bar.update(step, { metrics: row ? summary(row) : '' }),
      stop: () => bar.stop(),
    };
  }
  // Ten lines per run, plus the last step.
  const every = Math.max(1, Math.round(total / 10));
  let lastPrinted = start;
  return {
    update(step, row) {
      if (step - lastPrinted >= every || (step === total && lastPrinted !== total)) {
        lastPrinted = step;
        stream.write(`step ${step}/${total}${row ? ` | ${summary(row)}` : ''}\n`);
      }
    },
    stop() {},
  };
}

/** The row's headline numbers, as the bar and the plain lines show them. */
export function summary(row: MetricsRow): string {
  const parts = [`loss ${fmt(row.train_loss)}`, `test ${fmt(row.test_loss)}`];
  if (row.test_acc !== null) parts.push(`acc ${(row.test_acc * 100).toFixed(1)}%`);
  parts.push(`cost ${fmt(row.connection_cost)}`, `lambda ${fmt(row.lambda)}`);
  return parts.join(' ');
}

/** A metric for people: 4 significant digits in the usual range, exponent form outside it. */
export function fmt(x: number, expDigits = 2): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(expDigits);
}
