/**
 * What `bimt train` prints when a run ends: where it stopped, the last metrics row named by its
 * own step, and a warning when the loss exploded without becoming NaN (such a run is
 * `completed` as far as the loop knows, yet learnt nothing).
 */
import type { MetricsRow } from '../runs/metrics.js';
import type { LoopStatus } from './loop.js';
import { fmt, summary } from './progress.js';

/** A final loss this many times the step-0 loss counts as exploded. */
export const EXPLOSION_FACTOR = 100;

export interface EndedRun {
  readonly root: string;
  readonly status: LoopStatus;
  readonly stepsDone: number;
  readonly totalSteps: number;
}

/** The lines for stdout: status and directory, then where the run stopped and its last row. */
export function summaryLines(run: EndedRun, lastRow: MetricsRow | undefined): string[] {
  const where =
    run.status === 'interrupted'
      ? `stopped at step ${run.stepsDone} of ${run.totalSteps} (checkpoint saved)`
      : run.status === 'diverged'
        ? `diverged by step ${run.stepsDone} of ${run.totalSteps}`
        : `step ${run.stepsDone} of ${run.totalSteps}`;
  const row = lastRow ? `last metrics, at step ${lastRow.step}: ${summary(lastRow)}` : 'no metrics';
  return [`${run.status}: ${run.root}`, `  ${where}; ${row}`];
}

/**
 * A warning when the last row's train or test loss is EXPLOSION_FACTOR times the first row's
 * (step 0) or more, or infinite; undefined otherwise.
 */
export function explosionWarning(rows: readonly MetricsRow[]): string | undefined {
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last || last === first) return undefined;
  for (const key of ['train_loss', 'test_loss'] as const) {
    const [a, b] = [first[key], last[key]];
    if (Number.isNaN(b)) continue; // NaN is a divergence, reported as such
    if (b === Infinity || (a > 0 && b >= EXPLOSION_FACTOR * a)) {
      return `warning: ${key} grew from ${fmt(a)} at step ${first.step} to ${fmt(b)} at step ${last.step}: the training exploded (try a smaller train.lr)`;
    }
  }
  return undefined;
}
