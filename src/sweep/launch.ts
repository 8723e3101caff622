/**
 * Running a sweep's unfinished points with its launcher, and what the command says at the end.
 * A new sweep and `--resume` both come here: a resume is the same launch with the finished points
 * (completed, diverged) left out, and an interrupted point's run continues from its checkpoint.
 */
import { availableParallelism } from 'node:os';
import { BimtError } from '../errors.js';
import { terminalText } from '../util/excerpt.js';
import { runLocal } from './local.js';
import { runPopulation, type BatchWhen } from './population.js';
import { followSlurm, settleLostPoints, submitSlurm } from './slurm.js';
import { countByState, countsLine, pointStatuses } from './status.js';
import { describeLauncherSpec, FINISHED, liveLocalLauncher, readLauncherRecord, type LauncherSpec, type SlurmOptions, type Sweep } from './sweep-dir.js';
import { bimtCommand } from '../util/invocation.js';

export interface LaunchOptions {
  readonly launcher: LauncherSpec;
  /** Slurm: follow the job until it ends (default), or return once it is submitted. */
  readonly wait: boolean;
}

/** Runs the sweep; returns the command's exit code (0 all completed, 1 some did not, 130 interrupted). */
export async function launchSweep(sweep: Sweep, opts: LaunchOptions): Promise<number> {
  const live = liveLocalLauncher(sweep.paths);
  if (live) throw new BimtError(`${sweep.paths.root}: the sweep is being run by pid ${live.pid}; follow it with ${bimtCommand('sweep', '--status', sweep.paths.root)}, or stop it with ${bimtCommand('sweep', '--cancel', sweep.paths.root)}`, 1);
  const record = readLauncherRecord(sweep.paths);
  if (record?.kind === 'slurm') settleLostPoints(sweep, record.job);
  const statuses = pointStatuses(sweep);
  const busy = statuses.filter((s) => s.state === 'running');
  if (busy.length > 0) {
    throw new BimtError(`${sweep.paths.root}: ${busy.length} point(s) still running (${busy[0]!.point.name}${busy.length > 1 ? ', ...' : ''}); wait for them or stop them with ${bimtCommand('sweep', '--cancel', sweep.paths.root)}`, 1);
  }
  const todo = statuses.filter((s) => !FINISHED.has(s.state)).map((s) => s.point);
  const out = process.stderr;
  if (todo.length === 0) {
    out.write(`bimt: every point of ${terminalText(sweep.paths.root)} has finished; nothing to run\n`);
    return finalWords(sweep);
  }
  const skipped = sweep.points.length - todo.length;
  out.write(`bimt: sweep ${terminalText(sweep.paths.root)}: ${todo.length} point(s) to run${skipped ? ` (${skipped} finished already)` : ''}, launcher ${describeLauncherSpec(opts.launcher)}\n`);
  if (opts.launcher.kind === 'local' || opts.launcher.kind === 'population') {
    const { interrupted } = opts.launcher.kind === 'local' ? await runLocal(sweep, todo, opts.launcher.jobs) : await runPopulation(sweep, todo, opts.launcher.batch);
    if (interrupted) {
      out.write(`${countsLine(pointStatuses(sweep))}\nbimt: interrupted; continue with: ${bimtCommand('sweep', '--resume', sweep.paths.root)}\n`);
      return 130;
    }
    return finalWords(sweep);
  }
  const job = submitSlurm(sweep, todo, opts.launcher);
  out.write(`bimt: submitted Slurm job ${job} (${todo.length} array task(s)); follow with: ${bimtCommand('sweep', '--status', sweep.paths.root)}\n`);
  if (!opts.wait) return 0;
  const followed = await followSlurm(sweep, job);
  if (followed === 'detached') {
    out.write(`bimt: stopped following; job ${job} goes on. Follow it with ${bimtCommand('sweep', '--status', sweep.paths.root)}, stop it with ${bimtCommand('sweep', '--cancel', sweep.paths.root)}\n`);
    return 130;
  }
  return finalWords(sweep);
}

/** The counts, where to look next, and the exit code. */
function finalWords(sweep: Sweep): number {
  const statuses = pointStatuses(sweep);
  const counts = countByState(statuses);
  process.stdout.write(`${countsLine(statuses)}\n  compare them with: ${bimtCommand('compare', sweep.paths.root)}\n`);
  const bad = statuses.length - (counts.get('completed') ?? 0);
  if (bad > 0) process.stderr.write(`bimt: ${bad} point(s) did not complete; see ${bimtCommand('sweep', '--status', sweep.paths.root)} and logs/<point>.log\n`);
  return bad > 0 ? 1 : 0;
}

/**
 * The launcher of a resume: the recorded one, with the options given now; or another kind (a sweep
 * begun on Slurm may finish on this machine), whose options are then the defaults and those given.
 */
export function resumeLauncher(recorded: LauncherSpec, kind: LauncherSpec['kind'], jobs: number | undefined, slurm: Partial<SlurmOptions>, batch?: BatchWhen): LauncherSpec {
  if (kind === 'population') {
    if (jobs !== undefined || Object.keys(slurm).length > 0) throw new BimtError('a population trains in this process: --jobs and the slurm options do not apply');
    return { kind: 'population', batch: batch ?? (recorded.kind === 'population' ? recorded.batch : 'auto') };
  }
  if (kind === 'local') {
    if (Object.keys(slurm).length > 0) throw new BimtError('slurm options need --launcher slurm');
    return { kind: 'local', jobs: jobs ?? (recorded.kind === 'local' ? recorded.jobs : availableParallelism()) };
  }
  if (jobs !== undefined) throw new BimtError('--jobs is an option of the local launcher; with --launcher slurm, limit points at once with --throttle');
  const base: LauncherSpec = recorded.kind === 'slurm' ? recorded : { kind: 'slurm', cpus_per_task: 1, args: [] };
  return { ...base, ...slurm, kind: 'slurm' };
}
