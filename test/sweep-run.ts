// Shared by the sweep tests: a small two-moons grid, and a point's metrics without the columns
// that are not a function of the run's arithmetic (none today; the whole file is compared).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Four points: two lambdas x two seeds, short enough to train in a second or two each. */
export const SMALL_GRID = ['configs/two-moons.yaml', '--grid', 'lambda.initial=1e-3,1e-2', '--seeds', '0..1', '--set', 'train.steps=1500', '--set', 'output.checkpoint_every=500'];

export const POINTS = ['p00-initial0.001-seed0', 'p01-initial0.001-seed1', 'p02-initial0.01-seed0', 'p03-initial0.01-seed1'];

export function metricsOf(sweepDir: string, point: string): string {
  return readFileSync(join(sweepDir, point, 'metrics.csv'), 'utf8');
}

export function pointRecord(sweepDir: string, point: string): { state: string; attempts: number; pid: number; message?: string; slurm?: { job: string; task: number } } {
  return JSON.parse(readFileSync(join(sweepDir, 'points', `${point}.json`), 'utf8'));
}
