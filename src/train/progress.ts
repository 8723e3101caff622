/**
 * Progress of a long run: a cli-progress bar on a terminal, plain periodic lines otherwise (logs,
 * CI), so nothing is lost when output goes to a file. The metrics shown are the last row's, and
 * named by its step, since rows come only every output.eval_every steps.
 *
 * The time left is this process's steps per second so far times the steps left: cli-progress's
 * own estimate counts a resumed run's earlier steps as done in no time and follows every uneven
 * step (a relocation, a checkpoint), so it jumps.
 */
import cliProgress from 'cli-progress';
import type { MetricsRow } from '../runs/metrics.js';

export interface Progress {
  update(step: number, row: MetricsRow | undefined): void;
  stop(): void;
}

/** Milliseconds now; a parameter so tests can drive the clock. */
export type Clock = () => number;

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, start = 0, clock: Clock = Date.now): Progress {
  const eta = etaTracker(total, clock);
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'training [{bar}] {percentage}% | step {value}/{total} | {metrics} | eta {left}',
        hideCursor: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, start, { metrics: '', left: '...' });
    return {
      update: (step, row) => bar.update(step, { metrics: row ? labelled(row) : '', left: eta(step) }),
      stop: () => bar.stop(),
    };
  }
  // Ten lines per run, plus the last step.
  const every = Math.max(1, Math.round(total / 10));
  let lastPrinted = start;
  return {
    update(step, row) {
      const left = eta(step); // every step, so the pace is timed from the first one
      if (step - lastPrinted >= every || (step === total && lastPrinted !== total)) {
        lastPrinted = step;
        stream.write(`step ${step}/${total}, eta ${left}${row ? ` | ${labelled(row)}` : ''}\n`);
      }
    },
    stop() {},
  };
}

/** The time left after `step` steps, in words, from this process's pace so far. */
export function etaTracker(total: number, clock: Clock): (step: number) => string {
  // Timed from the first step reported, so the set-up before training does not count as steps.
  let first: { step: number; at: number } | undefined;
  return (step) => {
    if (step >= total) return '0s';
    first ??= { step, at: clock() };
    const done = step - first.step;
    const elapsed = (clock() - first.at) / 1000;
    if (done <= 0 || elapsed <= 0) return '...';
    return duration(((total - step) * elapsed) / done);
  };
}

/** Seconds for people: 45s, 12m05s, 3h07m. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  const p = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${p(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${p(Math.floor((s % 3600) / 60))}m`;
}

/** A row's headline numbers named by the row's own step. */
function labelled(row: MetricsRow): string {
  return `at step ${row.step}: ${summary(row)}`;
}

/**
 * The row's headline numbers, as the bar and the plain lines show them: the training loss, and
 * the test split's loss and accuracy, each named so (the accuracy is not the training one).
 */
export function summary(row: MetricsRow): string {
  const parts = [`loss ${fmt(row.train_loss)}`, `test loss ${fmt(row.test_loss)}`];
  if (row.test_acc !== null) parts.push(`test acc ${(row.test_acc * 100).toFixed(1)}%`);
  parts.push(`cost ${fmt(row.connection_cost)}`, `lambda ${fmt(row.lambda)}`);
  return parts.join(' ');
}

/** A metric for people: 4 significant digits in the usual range, exponent form outside it. */
export function fmt(x: number, expDigits = 2): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(expDigits);
}
