/**
 * One progress line over a sweep, for either launcher: points finished of the total, running,
 * failed and diverged, and the time left. On a terminal a cli-progress bar, with each point's
 * outcome logged above it; otherwise a plain line per outcome and a count every tenth of the
 * sweep, so a log file keeps everything.
 *
 * The time left is the sweep's pace so far (points done, counting the running points' progress
 * from their metrics) times what is left; it is '...' until some work is done.
 */
import cliProgress from 'cli-progress';
import { duration } from '../train/progress.js';

export interface SweepCounts {
  /** Points done, fractional: finished ones and the running ones' share of their steps. */
  readonly done: number;
  /** Points whose process ended (any outcome). */
  readonly finished: number;
  readonly running: number;
  readonly failed: number;
  readonly diverged: number;
}

export interface SweepProgress {
  update(counts: SweepCounts): void;
  /** A line above the bar (a point's outcome, a signal). */
  log(line: string): void;
  stop(): void;
}

export function sweepProgress(total: number, stream: NodeJS.WriteStream, clock: () => number = Date.now): SweepProgress {
  const startedAt = clock();
  let startDone: number | undefined;
  const eta = (done: number): string => {
    startDone ??= done; // points finished before this session (a resume) took no time now
    const elapsed = (clock() - startedAt) / 1000;
    const now = done - startDone;
    if (now <= 0 || elapsed <= 0) return '...';
    return duration(((total - done) * elapsed) / now);
  };
  const words = (c: SweepCounts) =>
    `${c.finished}/${total} points | ${c.running} running${c.failed ? ` | ${c.failed} failed` : ''}${c.diverged ? ` | ${c.diverged} diverged` : ''} | eta ${eta(c.done)}`;
  if (stream.isTTY) {
    const bars = new cliProgress.MultiBar({ stream, format: 'sweep [{bar}] {percentage}% | {words}', hideCursor: true, fps: 5, clearOnComplete: false }, cliProgress.Presets.shades_classic);
    const bar = bars.create(total, 0, { words: '' });
    return {
      update: (c) => bar.update(Math.min(total, c.done), { words: words(c) }),
      log: (line) => bars.log(`${line}\n`),
      stop: () => {
        bars.update(); // a line logged since the last redraw is printed at a redraw, not by stop()
        bars.stop();
      },
    };
  }
  const every = Math.max(1, Math.ceil(total / 10));
  let lastPrinted = -1;
  return {
    update(c) {
      const text = words(c);
      if (c.finished !== lastPrinted && (c.finished - Math.max(0, lastPrinted) >= every || c.finished === total)) {
        lastPrinted = c.finished;
        stream.write(`sweep: ${text}\n`);
      }
    },
    log: (line) => stream.write(`${line}\n`),
    stop() {},
  };
}
