/**
 * The local launcher: up to `jobs` points at once, each a child process (`bimt sweep-point`) with
 * its output in logs/<point>.log, and one progress line over the sweep. Ctrl-C (or SIGTERM) stops
 * launching and passes one SIGINT to every running point, which finishes its step, checkpoints and
 * records itself `interrupted` (src/train/stop-signals.ts); the launcher waits for all of them, so
 * nothing is left running or half-written, and `bimt sweep --resume` continues exactly.
 *
 * Children run in their own process group: a terminal's Ctrl-C reaches only the launcher, and each
 * child gets exactly one signal, from it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { readMetrics } from '../runs/metrics.js';
import { readMeta, runPaths } from '../runs/run-dir.js';
import { describeFsError } from '../util/files.js';
import { packagePath } from '../util/package-files.js';
import type { SweepPoint } from './grid.js';
import { sweepProgress } from './progress.js';
import { pointLogPath, pointRunDir, pointState, readPointRecord, thisProcess, writeLauncherRecord, writePointRecord, type PointState, type Sweep } from './sweep-dir.js';

export interface LocalResult {
  /** Whether a signal stopped the sweep before every point had run. */
  readonly interrupted: boolean;
}

export async function runLocal(sweep: Sweep, todo: readonly SweepPoint[], jobs: number, stream: NodeJS.WriteStream = process.stderr): Promise<LocalResult> {
  writeLauncherRecord(sweep.paths, { kind: 'local', ...thisProcess(), since: new Date().toISOString() });
  const queue = [...todo];
  const running = new Map<SweepPoint, ChildProcess>();
  const ended = new Map<SweepPoint, PointState>();
  const progress = sweepProgress(sweep.points.length, stream);
  const alreadyDone = sweep.points.length - todo.length;
  let stopping: NodeJS.Signals | undefined;

  const partial = (point: SweepPoint): number => {
    // How far a running point is: its last metrics row's step of its total (none yet: 0).
    try {
      const paths = runPaths(pointRunDir(sweep.paths, point));
      const total = readMeta(paths).total_steps;
      return total > 0 ? Math.min(1, Number(readMetrics(paths.metrics).at(-1)?.step ?? 0) / total) : 0;
    } catch {
      return 0;
    }
  };
  const report = () => {
    const counts = countStates(ended);
    // An interrupted point is not done: --resume continues it.
    const over = ended.size - counts.interrupted;
    progress.update({
      done: alreadyDone + over + [...running.keys()].reduce((s, p) => s + partial(p), 0),
      finished: alreadyDone + over,
      running: running.size,
      failed: counts.failed + counts.killed,
      diverged: counts.diverged,
    });
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      progress.log(`bimt: ${signal}: already stopping; waiting for ${running.size} point(s) to save a checkpoint`);
      return;
    }
    stopping = signal;
    progress.log(`bimt: ${signal}: stopping the sweep; ${running.size} running point(s) finish their step and save a checkpoint...`);
    for (const child of running.values()) signalChild(child, 'SIGINT');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ticker = setInterval(report, 1000);

  try {
    await new Promise<void>((resolveAll) => {
      const launchNext = () => {
        while (!stopping && running.size < jobs && queue.length > 0) start(queue.shift()!);
        if (running.size === 0 && (stopping || queue.length === 0)) resolveAll();
      };
      const start = (point: SweepPoint) => {
        const log = openLog(sweep, point);
        if (typeof log === 'string') {
          // No log, no point: it is recorded failed, saying why, and the sweep goes on without it.
          const now = new Date().toISOString();
          const attempts = (readPointRecord(sweep.paths, point)?.attempts ?? 0) + 1;
          try {
            writePointRecord(sweep.paths, point, { point: point.name, state: 'failed', message: log, ...thisProcess(), started: now, ended: now, attempts });
          } catch {
            // The sweep directory itself is unwritable: the line below still says it.
          }
          ended.set(point, 'failed');
          progress.log(`${point.name}: failed: ${log}`);
          return;
        }
        const child = spawn(process.execPath, [packagePath('bin/bimt.js'), 'sweep-point', sweep.paths.root, String(point.index)], {
          detached: true,
          stdio: ['ignore', log, log],
        });
        closeSync(log); // the child has its own descriptor
        running.set(point, child);
        child.on('error', (e) => progress.log(`bimt: ${point.name}: cannot start: ${e.message}`));
        child.on('close', (code, signal) => {
          running.delete(point);
          let state = pointState(readPointRecord(sweep.paths, point));
          let record = readPointRecord(sweep.paths, point);
          // Our SIGINT reached a point still starting (before its run was its own): it exits 130
          // having written nothing but its `running` record. Interrupted, not killed: --resume starts it.
          if (stopping && code === 130 && (state === 'running' || state === 'killed' || state === 'pending')) {
            if (record) writePointRecord(sweep.paths, point, { ...record, state: 'interrupted', ended: new Date().toISOString(), message: 'stopped before training started' });
            state = 'interrupted';
            record = readPointRecord(sweep.paths, point);
          }
          // A child gone without a final record (killed) counts as failed for this session.
          ended.set(point, state === 'running' ? 'killed' : state);
          const why = record?.message ? `: ${record.message}` : signal ? ` (${signal})` : code ? ` (exit ${code})` : '';
          if (!(stopping && state === 'interrupted')) progress.log(`${point.name}: ${state === 'running' ? 'killed' : state}${why}`);
          launchNext();
          report();
        });
      };
      launchNext();
      report();
    });
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop();
  }
  return { interrupted: stopping !== undefined && (queue.length > 0 || [...ended.values()].some((s) => s === 'interrupted')) };
}

/**
 * The point's log, opened for appending with the attempt's header line; logs/ is made again if it
 * was removed while the sweep ran (docs/design.md, "Sweeps"). A message instead when it cannot be had.
 */
function openLog(sweep: Sweep, point: SweepPoint): number | string {
  const file = pointLogPath(sweep.paths, point);
  let log: number | undefined;
  try {
    mkdirSync(sweep.paths.logs, { recursive: true });
    log = openSync(file, 'a');
    writeSync(log, `\n=== ${new Date().toISOString()} bimt sweep-point ${sweep.paths.root} ${point.index} (${point.sets.join(' ')})\n`);
    return log;
  } catch (e) {
    if (log !== undefined) closeSync(log);
    return `cannot write its log ${file}: ${describeFsError(e)}`;
  }
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(child.pid, signal);
  } catch {
    // Already gone.
  }
}

function countStates(states: ReadonlyMap<SweepPoint, PointState>): Record<PointState, number> {
  const counts: Record<PointState, number> = { pending: 0, running: 0, completed: 0, diverged: 0, interrupted: 0, failed: 0, killed: 0 };
  for (const s of states.values()) counts[s]++;
  return counts;
}
