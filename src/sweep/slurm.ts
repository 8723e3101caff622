/**
 * The Slurm launcher: one `sbatch --array` job, one array task per point (the task id is the
 * point's index), each running `bimt sweep-point` on the shared filesystem, so a task needs
 * nothing but the sweep directory and the same node and bimt paths on the compute node. The job id
 * goes to launcher.json; the launcher then follows the job by polling `squeue` (`sbatch --wait`
 * returns only long after the last task ends) and each point's own record, until no task of the
 * job is left. A task that ended without recording its outcome (killed by the OOM killer, a node
 * failure) is recorded as failed with Slurm's state for it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BimtError } from '../errors.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { shellWord } from '../util/invocation.js';
import { packagePath } from '../util/package-files.js';
import type { SweepPoint } from './grid.js';
import { sweepProgress } from './progress.js';
import { pointLogPath, pointState, readPointRecord, writeLauncherRecord, writePointRecord, type PointState, type SlurmOptions, type Sweep } from './sweep-dir.js';

/** How often the job is polled. */
const POLL_MS = 2000;

export function submitSlurm(sweep: Sweep, todo: readonly SweepPoint[], opts: SlurmOptions): string {
  mkdirSync(sweep.paths.slurm, { recursive: true });
  const script = join(sweep.paths.slurm, 'job.sh');
  writeFileAtomic(script, jobScript(sweep, todo));
  chmodSync(script, 0o755);
  const args = [
    '--parsable',
    `--job-name=bimt-${sweep.paths.root.split('/').at(-1)}`,
    `--array=${indexRanges(todo.map((p) => p.index))}${opts.throttle ? `%${opts.throttle}` : ''}`,
    `--cpus-per-task=${opts.cpus_per_task}`,
    // sbatch reads % in --output as a pattern (%j, %A, ...): the sweep's own path keeps its % as %%.
    `--output=${join(sweep.paths.logs.replaceAll('%', '%%'), 'slurm-%A_%a.out')}`,
    ...(opts.partition ? [`--partition=${opts.partition}`] : []),
    ...(opts.time ? [`--time=${opts.time}`] : []),
    ...opts.args,
    script,
  ];
  const r = slurmCommand('sbatch', args, sweep.paths.root);
  // --parsable prints "<job id>" or "<job id>;<cluster>".
  const job = r.stdout.trim().split(';')[0]!;
  if (!/^\d+$/.test(job)) throw new BimtError(`sbatch printed no job id (got ${JSON.stringify(r.stdout.trim().slice(0, 80))})`, 1);
  writeLauncherRecord(sweep.paths, { kind: 'slurm', job, since: new Date().toISOString() });
  return job;
}

/**
 * The batch script: the point's name from the task id, its output appended to the point's log (as
 * the local launcher does), then the point itself. exec, so Slurm's signals (scancel, the time
 * limit's SIGTERM) reach bimt, which checkpoints and records the point interrupted.
 */
function jobScript(sweep: Sweep, todo: readonly SweepPoint[]): string {
  const root = scriptWord(sweep.paths.root, 'the sweep directory');
  const q = (s: string) => scriptWord(s, 'a path in the job script');
  const cases = todo.map((p) => `  ${p.index}) log=${q(pointLogPath(sweep.paths, p))} ;;`).join('\n');
  return `#!/bin/sh
# bimt sweep ${root}: array task N runs point N (sweep.yaml; bimt sweep --status lists them).
case "$SLURM_ARRAY_TASK_ID" in
${cases}
  *) echo "bimt: array task $SLURM_ARRAY_TASK_ID is not a point of this sweep" >&2; exit 2 ;;
esac
echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) Slurm job \${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID} on $(hostname)" >> "$log"
exec ${q(process.execPath)} ${q(packagePath('bin/bimt.js'))} sweep-point ${root} "$SLURM_ARRAY_TASK_ID" >> "$log" 2>&1
`;
}

/**
 * `s` as one word of a shell script (invocation.ts's shellWord). A line break is refused (a
 * BimtError naming `what`): in a comment it would end the comment, and the next line, a command of
 * the path's choosing, would run on the cluster (docs/design.md, "Sweeps").
 */
export function scriptWord(s: string, what: string): string {
  if (/[\n\r]/.test(s)) throw new BimtError(`${what} holds a line break, which a Slurm job script cannot carry safely: ${JSON.stringify(s)}; use a path without one`);
  return shellWord(s);
}

/** `0-3,5,7-9`: sbatch --array's list of indices. */
export function indexRanges(indices: readonly number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * The job's array tasks Slurm still knows as queued or running: task id -> state (PENDING,
 * RUNNING, ...); undefined when squeue cannot be run here (no Slurm on this machine).
 */
export function queuedTasks(job: string): Map<number, string> | undefined {
  const r = spawnSync('squeue', ['-h', '-r', '-j', job, '-o', '%K %T'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return undefined;
  const tasks = new Map<number, string>();
  // squeue fails ("Invalid job id") once the job has left the controller's memory: nothing queued.
  if (r.status !== 0) return tasks;
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d+)\s+(\S+)$/.exec(line.trim());
    if (m) tasks.set(Number(m[1]), m[2]!);
  }
  return tasks;
}

/**
 * Before a resume: the points whose records say running under a Slurm job that no longer has
 * their task are recorded failed (their process is gone without a word), so they run again.
 * Nothing is changed where squeue cannot be asked.
 */
export function settleLostPoints(sweep: Sweep, job: string): void {
  const queued = queuedTasks(job);
  if (!queued) return;
  for (const p of sweep.points) {
    if (pointState(readPointRecord(sweep.paths, p)) === 'running' && !queued.has(p.index)) recordLost(sweep, p, job);
  }
}

/** Slurm's final state of an array task (COMPLETED, FAILED, OUT_OF_MEMORY, TIMEOUT, ...), if it still knows. */
function finalState(job: string, task: number): string | undefined {
  const r = spawnSync('scontrol', ['-o', 'show', 'job', `${job}_${task}`], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? /JobState=(\S+)/.exec(r.stdout)?.[1] : undefined;
}

/**
 * Follows the job until none of its tasks is queued or running; returns 'detached' when Ctrl-C
 * stopped the following (the job goes on).
 */
export async function followSlurm(sweep: Sweep, job: string, stream: NodeJS.WriteStream = process.stderr): Promise<'ended' | 'detached'> {
  const progress = sweepProgress(sweep.points.length, stream);
  const seen = new Map<SweepPoint, PointState>();
  let detached = false;
  const onSignal = () => {
    detached = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (;;) {
      const queued = queuedTasks(job);
      if (!queued) throw new BimtError('squeue cannot be run here: the slurm launcher needs Slurm\'s commands on PATH', 1);
      const states = sweep.points.map((p) => {
        let state = pointState(readPointRecord(sweep.paths, p));
        if (!queued.has(p.index) && (state === 'running' || state === 'killed')) state = recordLost(sweep, p, job);
        return state;
      });
      let failed = 0;
      let diverged = 0;
      let finished = 0;
      for (const [i, p] of sweep.points.entries()) {
        const state = states[i]!;
        const over = !queued.has(p.index) && state !== 'pending' && state !== 'running';
        if (state === 'failed' || state === 'killed') failed++;
        if (state === 'diverged') diverged++;
        if (over) finished++;
        if (over && seen.get(p) !== state && seen.has(p)) progress.log(`${p.name}: ${state}${readPointRecord(sweep.paths, p)?.message ? `: ${readPointRecord(sweep.paths, p)!.message}` : ''}`);
        seen.set(p, over ? state : 'pending');
      }
      const running = [...queued.values()].filter((s) => s === 'RUNNING' || s === 'COMPLETING').length;
      progress.update({ done: finished, finished, running, failed, diverged });
      if (queued.size === 0) return 'ended';
      if (detached) return 'detached';
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (detached) return 'detached';
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop();
  }
}

/** A point whose task has left the queue while its record still says running: record it failed. */
function recordLost(sweep: Sweep, point: SweepPoint, job: string): PointState {
  // The record may be written a moment after the task leaves squeue: read it again first.
  const record = readPointRecord(sweep.paths, point);
  if (!record || record.state !== 'running') return pointState(record);
  const slurm = finalState(job, point.index);
  writePointRecord(sweep.paths, point, {
    ...record,
    state: 'failed',
    ended: new Date().toISOString(),
    message: `the Slurm task ended without recording an outcome${slurm ? ` (Slurm state ${slurm})` : ''}; see ${pointLogPath(sweep.paths, point)}`,
  });
  return 'failed';
}

export function cancelSlurm(job: string): void {
  slurmCommand('scancel', [job]);
}

function slurmCommand(command: string, args: readonly string[], cwd?: string): { stdout: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...(cwd ? { cwd } : {}) });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new BimtError(missing ? `${command} not found: the slurm launcher needs Slurm's commands (sbatch, squeue, scancel) on PATH` : `${command}: ${r.error.message}`, 1);
  }
  if (r.status !== 0) throw new BimtError(`${command} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`, 1);
  return { stdout: r.stdout };
}
