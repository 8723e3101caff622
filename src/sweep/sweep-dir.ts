/**
 * The sweep-directory layout, in one place (docs/run-directory.md, "Sweep directory"):
 *
 *   <runs>/<name>-<timestamp>/sweep.yaml           the base config, the grid, the launcher (written once)
 *                             <point>/             each point's run directory (src/runs/run-dir.ts)
 *                             points/<point>.json  each point's state, written by the process that runs it
 *                             logs/<point>.log     each point's output (stdout and stderr, every attempt)
 *                             launcher.json        the process or Slurm job now running the sweep
 *                             slurm/job.sh         the Slurm launcher's batch script
 *
 * Everything a point needs is in the directory, so a point runs the same on this machine and on
 * any node that mounts it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { BACKENDS } from '../backend.js';
import type { PlainObject } from '../config/plain.js';
import { BimtError } from '../errors.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { processStart, whyProcessGone } from '../runs/lock.js';
import { describeFsError, readRegularFile } from '../util/files.js';
import { expandGrid, type Axis, type SweepPoint } from './grid.js';

export interface SweepPaths {
  readonly root: string;
  readonly spec: string;
  readonly points: string;
  readonly logs: string;
  readonly launcher: string;
  readonly slurm: string;
}

export function sweepPaths(root: string): SweepPaths {
  const r = resolve(root);
  return { root: r, spec: join(r, 'sweep.yaml'), points: join(r, 'points'), logs: join(r, 'logs'), launcher: join(r, 'launcher.json'), slurm: join(r, 'slurm') };
}

export const pointRunDir = (p: SweepPaths, point: SweepPoint) => join(p.root, point.name);
export const pointStatePath = (p: SweepPaths, point: SweepPoint) => join(p.points, `${point.name}.json`);
export const pointLogPath = (p: SweepPaths, point: SweepPoint) => join(p.logs, `${point.name}.log`);

const slurmOptions = z.strictObject({
  partition: z.string().min(1).optional(),
  /** sbatch --time, e.g. 1:00:00. */
  time: z.string().min(1).optional(),
  cpus_per_task: z.number().int().positive().default(1),
  /** At most this many points at once (sbatch --array's %). */
  throttle: z.number().int().positive().optional(),
  /** More sbatch arguments, each as given (e.g. --account=lab, --mem=4G). */
  args: z.array(z.string()).default([]),
});
export type SlurmOptions = z.infer<typeof slurmOptions>;

export const launcherSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local'), jobs: z.number().int().positive() }),
  z.strictObject({ kind: z.literal('slurm'), ...slurmOptions.shape }),
  /** In this process, members sharing a shape as one batch (src/sweep/population.ts). */
  z.strictObject({ kind: z.literal('population'), batch: z.enum(['auto', 'always']) }),
]);
export type LauncherSpec = z.infer<typeof launcherSchema>;

/** A launcher in words: `local, 2 at once`. */
export function describeLauncherSpec(l: LauncherSpec): string {
  if (l.kind === 'local') return `local, ${l.jobs} at once`;
  if (l.kind === 'population') return `population, ${l.batch === 'auto' ? 'one batch on a GPU backend, one by one on a CPU backend' : 'one batch on any backend'}`;
  const opts = [l.partition && `partition ${l.partition}`, l.time && `time ${l.time}`, `${l.cpus_per_task} cpu(s) per task`, l.throttle && `at most ${l.throttle} at once`].filter(Boolean);
  return `slurm, ${opts.join(', ')}`;
}

const specSchema = z.strictObject({
  bimt_version: z.string(),
  created: z.string(),
  command: z.array(z.string()),
  /** The config file the sweep was made from, as given (for people; the config is below). */
  config_file: z.string(),
  /** `--set` overrides applied to every point, before its own. */
  sets: z.array(z.string()),
  grid: z.array(z.strictObject({ key: z.string(), values: z.array(z.unknown()), origin: z.string() })),
  launcher: launcherSchema,
  /** The tfjs backend every point is forced to (`--backend`), if one was. */
  backend: z.enum(BACKENDS).optional(),
  /** The base config (extends merged, paths absolute): every point loads from this, not the file. */
  config: z.record(z.string(), z.unknown()),
});
export type SweepSpec = z.infer<typeof specSchema>;

/** A sweep directory read back: its spec and its points. */
export interface Sweep {
  readonly paths: SweepPaths;
  readonly spec: SweepSpec;
  readonly axes: readonly Axis[];
  readonly points: readonly SweepPoint[];
}

export function createSweepDir(root: string, spec: SweepSpec): Sweep {
  const paths = sweepPaths(root);
  try {
    mkdirSync(paths.root); // fails if it exists: the sweep's claim of the name
    mkdirSync(paths.points);
    mkdirSync(paths.logs);
  } catch (e) {
    const exists = (e as NodeJS.ErrnoException).code === 'EEXIST';
    throw new BimtError(`cannot create sweep directory ${root}: ${exists ? 'it exists already' : describeFsError(e)}`, exists ? 2 : 1);
  }
  writeFileAtomic(paths.spec, `# bimt sweep: the base config, the grid and the launcher; each point is a run directory beside this file.\n${stringify(spec)}`);
  return openSweep(paths.root);
}

export function isSweepDir(dir: string): boolean {
  return existsSync(sweepPaths(dir).spec);
}

export function openSweep(dir: string): Sweep {
  const paths = sweepPaths(dir);
  if (!existsSync(paths.root)) throw new BimtError(`${dir}: no such sweep directory`);
  if (!existsSync(paths.spec)) throw new BimtError(`${dir}: not a sweep directory (no sweep.yaml)`);
  let raw: unknown;
  try {
    raw = parse(readRegularFile(paths.spec, 'sweep file', 64 << 20).toString('utf8'));
  } catch (e) {
    throw e instanceof BimtError ? e : new BimtError(`${paths.spec}: invalid YAML (${(e as Error).message.split('\n')[0]})`, 1);
  }
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BimtError(`${paths.spec}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, 1);
  }
  const spec = parsed.data;
  return { paths, spec, axes: spec.grid, points: expandGrid(spec.grid) };
}

/** The base config document of a sweep, for the config loader. */
export function baseConfigText(sweep: Sweep): string {
  return stringify(sweep.spec.config as PlainObject);
}

/** What the process running a point writes about it (points/<point>.json). */
const pointStateSchema = z.looseObject({
  point: z.string(),
  state: z.enum(['running', 'completed', 'diverged', 'interrupted', 'failed']),
  /** The run's step when it ended (or the step it resumed from, while running). */
  steps_done: z.number().int().nonnegative().optional(),
  message: z.string().optional(),
  pid: z.number().int().positive(),
  host: z.string(),
  /** The process's start (thisProcess); absent in records of older bimt, which are checked by pid alone. */
  process_start: z.string().nullable().optional(),
  started: z.string(),
  ended: z.string().optional(),
  /** How many times a process started on the point (resumes and retries count). */
  attempts: z.number().int().positive(),
  /** The Slurm job and array task that ran it, when it ran under Slurm. */
  slurm: z.strictObject({ job: z.string(), task: z.number().int().nonnegative() }).optional(),
});
export type PointRecord = z.infer<typeof pointStateSchema>;

export function writePointRecord(paths: SweepPaths, point: SweepPoint, record: PointRecord): void {
  writeFileAtomic(pointStatePath(paths, point), `${JSON.stringify(record, null, 2)}\n`);
}

export function readPointRecord(paths: SweepPaths, point: SweepPoint): PointRecord | undefined {
  const file = pointStatePath(paths, point);
  if (!existsSync(file)) return undefined;
  try {
    return pointStateSchema.parse(JSON.parse(readRegularFile(file, 'point state file', 1 << 20).toString('utf8')));
  } catch {
    // Unreadable (a crash mid-write cannot leave one: it is written atomically): treat as never run.
    return undefined;
  }
}

/**
 * A point's state as the launchers see it: `pending` before any process took it, `killed` when
 * the process that said `running` is gone without a word (a kill -9, the OOM killer), which only
 * the host that ran it can tell; a point running on another host stays `running` until its record
 * or its scheduler says otherwise.
 */
export type PointState = PointRecord['state'] | 'pending' | 'killed';

export function pointState(record: PointRecord | undefined): PointState {
  if (!record) return 'pending';
  if (record.state === 'running' && record.host === hostname() && !recordedAlive(record)) return 'killed';
  return record.state;
}

/** Points whose work is done: they are skipped by a resume. A diverged point would diverge again. */
export const FINISHED: ReadonlySet<PointState> = new Set(['completed', 'diverged']);

/**
 * This process as the sweep's records name it: pid, host and start time, as the run lock records
 * its owner (src/runs/lock.ts), so that a pid reused after a kill -9 or a reboot is not taken for
 * the launcher or the point (docs/run-directory.md, "Sweep directory").
 */
export function thisProcess(): { pid: number; host: string; process_start: string | null } {
  return { pid: process.pid, host: hostname(), process_start: processStart(process.pid) ?? null };
}

/**
 * Whether the process a record names (on this host) is still the one that wrote it: its pid is
 * alive and, where the record has its start time, started then. A record of an older bimt has no
 * start time and is judged by its pid alone, as before.
 */
function recordedAlive(r: { readonly pid: number; readonly process_start?: unknown }): boolean {
  return whyProcessGone(r.pid, typeof r.process_start === 'string' ? r.process_start : null) === undefined;
}

/** The process or job running the sweep now, for `--cancel` and for refusing a second launcher. */
export type LauncherRecord =
  | { readonly kind: 'local'; readonly pid: number; readonly host: string; readonly process_start?: string | null; readonly since: string }
  | { readonly kind: 'slurm'; readonly job: string; readonly since: string; readonly cluster_conf?: string };

export function writeLauncherRecord(paths: SweepPaths, record: LauncherRecord): void {
  writeFileAtomic(paths.launcher, `${JSON.stringify(record, null, 2)}\n`);
}

export function readLauncherRecord(paths: SweepPaths): LauncherRecord | undefined {
  if (!existsSync(paths.launcher)) return undefined;
  try {
    return JSON.parse(readRegularFile(paths.launcher, 'launcher file', 1 << 20).toString('utf8')) as LauncherRecord;
  } catch {
    return undefined;
  }
}

/**
 * The local launcher recorded in the directory, if it is still running (on this host); `verified`
 * when the record has the process's start time, so the pid is known to be that launcher's and not
 * a reused one (a record of an older bimt has only the pid).
 */
export function liveLocalLauncher(paths: SweepPaths): { pid: number; verified: boolean } | undefined {
  const r = readLauncherRecord(paths);
  if (r?.kind !== 'local' || r.host !== hostname() || r.pid === process.pid || !recordedAlive(r)) return undefined;
  return { pid: r.pid, verified: r.process_start !== undefined };
}
