/**
 * `bimt sweep --status`: one line per point (its state, progress, newest test metric, attempts and
 * what went wrong), then the counts. The state is the point's record (src/sweep/sweep-dir.ts);
 * progress and metric are its run directory's, read as `bimt ls` reads them.
 */
import { existsSync } from 'node:fs';
import { headlineMetric, lastMetricsRow } from '../runs/metrics.js';
import { readMeta, runPaths } from '../runs/run-dir.js';
import type { SweepPoint } from './grid.js';
import { pointRunDir, pointState, describeLauncherSpec, readLauncherRecord, readPointRecord, type PointState, type Sweep } from './sweep-dir.js';

export interface PointStatus {
  readonly point: SweepPoint;
  readonly state: PointState;
  /** `done/total` steps, when the run directory exists. */
  readonly steps?: string;
  readonly metric?: string;
  readonly attempts: number;
  readonly message?: string;
}

export function pointStatuses(sweep: Sweep): PointStatus[] {
  return sweep.points.map((point) => {
    const record = readPointRecord(sweep.paths, point);
    const paths = runPaths(pointRunDir(sweep.paths, point));
    let steps: string | undefined;
    let metric: string | undefined;
    if (existsSync(paths.meta)) {
      try {
        const meta = readMeta(paths);
        const last = lastMetricsRow(paths.metrics);
        steps = `${Math.max(meta.steps_done, last?.step ?? 0)}/${meta.total_steps}`;
        metric = last ? headlineMetric(last) : undefined;
      } catch {
        // An unreadable run: the state and message still say what is known.
      }
    }
    return {
      point,
      state: pointState(record),
      ...(steps ? { steps } : {}),
      ...(metric ? { metric } : {}),
      attempts: record?.attempts ?? 0,
      ...(record?.message ? { message: record.message } : {}),
    };
  });
}

export function countByState(statuses: readonly { state: PointState }[]): Map<PointState, number> {
  const counts = new Map<PointState, number>();
  for (const s of statuses) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  return counts;
}

/** `12 points: 10 completed, 1 diverged, 1 pending`. */
export function countsLine(statuses: readonly { state: PointState }[]): string {
  const counts = [...countByState(statuses)].map(([state, n]) => `${n} ${state}`);
  return `${statuses.length} points: ${counts.join(', ')}`;
}

export function statusTable(statuses: readonly PointStatus[]): string {
  const rows = [['point', 'state', 'steps', 'test metric', 'attempts', 'note']];
  for (const s of statuses) rows.push([s.point.name, s.state, s.steps ?? '-', s.metric ?? '-', String(s.attempts), s.message ?? '']);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + `\n${countsLine(statuses)}\n`;
}

/** The sweep's first line: where it is, its launcher and what runs it now (a pid, a Slurm job). */
export function describeLauncher(sweep: Sweep): string {
  const record = readLauncherRecord(sweep.paths);
  const now = record === undefined ? '' : record.kind === 'local' ? `; last launched by pid ${record.pid} on ${record.host}` : `; Slurm job ${record.job}`;
  return `sweep ${sweep.paths.root}: launcher ${describeLauncherSpec(sweep.spec.launcher)}${now}`;
}
