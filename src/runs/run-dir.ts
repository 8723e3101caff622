/**
 * The run-directory layout, in one place (docs/DESIGN.md, "Run directory"):
 *
 *   <runs>/<name>/config.yaml        resolved config (after --set overrides), its source in comments
 *                 meta.json          versions, command, backend, seed, times, status, resumes, checksums
 *                 metrics.csv        one row per evaluation
 *                 checkpoints/step-NNNNNN.safetensors         the model (PyTorch names)
 *                 checkpoints/step-NNNNNN.state.safetensors   the model plus optimizer and loop state (resume)
 *                 snapshots/step-NNNNNN.json   pruned graph at that step
 *                 plots/             SVGs from `bimt plot`
 *                 pruned/step-NNNNNN-t<threshold>/checkpoint.safetensors, graph.json   from `bimt prune`
 *                        (<name>-t<threshold>/ when it pruned another checkpoint file of the run)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BimtError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { checkpointFileName, stepOfFileName } from './checkpoint.js';
import { checkRunName } from '../config/run-name.js';

export interface RunPaths {
  readonly root: string;
  readonly config: string;
  readonly meta: string;
  readonly metrics: string;
  readonly checkpoints: string;
  readonly snapshots: string;
  readonly plots: string;
}

export type RunStatus = 'running' | 'completed' | 'diverged' | 'interrupted' | 'failed';

export interface RunMeta {
  bimt_version: string;
  backend: string;
  /** Training engine (src/train/engine.ts); absent in runs made before engines existed. */
  engine?: string;
  seed: number;
  /** Task kind, for `bimt ls`. */
  task: string;
  started: string;
  ended?: string;
  status: RunStatus;
  steps_done: number;
  total_steps: number;
  config_name: string;
  /** sha256 of each checkpoint file by name, checked before a checkpoint is trusted. */
  checkpoints: Record<string, string>;
  /** Process that is (or was) training the run, to tell a live run from a killed one. */
  pid?: number;
  /** Why the run stopped, when it did not complete. */
  message?: string;
  /** sha256 of config.yaml as written at the start; a resume refuses a config edited since. */
  config_sha256?: string;
  /** The command that started the run (`bimt` and its arguments). */
  command?: string[];
  /** Seconds spent training, summed over the sessions that ended (one killed outright adds nothing). */
  duration_s?: number;
  /** One entry per `--resume`, oldest first. */
  resumes?: ResumeRecord[];
  /** Where the run was made: versions and machine (run-record.ts). */
  node_version?: string;
  tfjs_version?: string;
  /** Commit of the bimt checkout that trained the run, when it is a git checkout. */
  git_commit?: string;
  host?: HostRecord;
  /**
   * Milliseconds from the start of the process that trained (or last resumed) the run until its
   * first training step was done: the start-up cost `npm run bench` reports.
   */
  first_step_ms?: number;
}

export interface ResumeRecord {
  /** When the resume started. */
  at: string;
  from_step: number;
  backend: string;
  engine: string;
  command: string[];
  /** What the resume found wrong in the run directory and set right, one line each. */
  repairs: string[];
}

export interface HostRecord {
  name: string;
  /** e.g. linux-x64. */
  platform: string;
  cpus: number;
}

export function runPaths(root: string): RunPaths {
  return {
    root,
    config: join(root, 'config.yaml'),
    meta: join(root, 'meta.json'),
    metrics: join(root, 'metrics.csv'),
    checkpoints: join(root, 'checkpoints'),
    snapshots: join(root, 'snapshots'),
    plots: join(root, 'plots'),
  };
}

export function checkpointPath(p: RunPaths, step: number): string {
  return join(p.checkpoints, checkpointFileName(step));
}

export function statePath(p: RunPaths, step: number): string {
  return join(p.checkpoints, checkpointFileName(step).replace(/\.safetensors$/, '.state.safetensors'));
}

/** Steps with a saved training state, ascending. */
export function listStates(p: RunPaths): number[] {
  if (!existsSync(p.checkpoints)) return [];
  return readdirSync(p.checkpoints)
    .map((f) => /^step-(\d+)\.state\.safetensors$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export function snapshotPath(p: RunPaths, step: number): string {
  return join(p.snapshots, checkpointFileName(step).replace(/\.safetensors$/, '.json'));
}

/**
 * Where `bimt prune` puts the pruned checkpoint and graph of a checkpoint at a threshold; `tag`
 * names the checkpoint (OpenedCheckpoint.tag: "step-000300" for the run's own checkpoints).
 */
export function prunedPaths(p: RunPaths, tag: string, threshold: number): { dir: string; checkpoint: string; graph: string } {
  const dir = join(p.root, 'pruned', `${tag}-t${threshold}`);
  return { dir, checkpoint: join(dir, 'checkpoint.safetensors'), graph: join(dir, 'graph.json') };
}

/**
 * Creates a new run directory and never reuses one: `<prefix>-<timestamp>` (with -2, -3... if two
 * runs start within the same second), or exactly `name` when `exact`, which must not exist yet.
 */
export function createRunDir(runsDir: string, name: string, opts: { exact: boolean; now?: Date }): RunPaths {
  checkRunName(name, 'run name'); // the commands check first, naming the source; this keeps every caller inside runsDir
  ensureRunsDir(runsDir);
  const candidates = opts.exact ? [name] : timestamped(name, opts.now ?? new Date());
  for (const dir of candidates) {
    const root = join(runsDir, dir);
    try {
      mkdirSync(root); // fails if it exists: the atomic "claim" of the name
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        if (opts.exact) throw new BimtError(`run directory ${root} already exists; choose another --name`);
        continue;
      }
      throw new BimtError(`cannot create run directory ${root}: ${(e as Error).message}`);
    }
    const paths = runPaths(root);
    mkdirSync(paths.checkpoints);
    mkdirSync(paths.snapshots);
    return paths;
  }
  throw new BimtError(`could not find a free run directory name for ${name} in ${runsDir}`);
}

/** Creates the runs directory if needed, with a one-line error when that is impossible. */
export function ensureRunsDir(runsDir: string): void {
  try {
    mkdirSync(runsDir, { recursive: true });
  } catch (e) {
    throw new BimtError(`cannot create runs directory ${runsDir}: ${(e as Error).message}`);
  }
}

function* timestamped(prefix: string, now: Date): Generator<string> {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  yield `${prefix}-${stamp}`;
  for (let i = 2; i < 1000; i++) yield `${prefix}-${stamp}-${i}`;
}

/** An existing run directory, checked to be one. */
export function openRunDir(dir: string): RunPaths {
  const root = resolve(dir);
  if (!existsSync(root)) throw new BimtError(`${dir}: no such run directory`);
  if (!statSync(root).isDirectory()) throw new BimtError(`${dir}: not a directory`);
  const paths = runPaths(root);
  if (!existsSync(paths.meta) || !existsSync(paths.config)) {
    throw new BimtError(`${dir}: not a bimt run directory (no meta.json / config.yaml)`);
  }
  return paths;
}

export function writeMeta(p: RunPaths, meta: RunMeta): void {
  writeFileAtomic(p.meta, `${JSON.stringify(meta, null, 2)}\n`);
}

/** The status to show: a `running` run whose process is gone was killed. */
export function liveStatus(meta: RunMeta): RunStatus | 'killed' {
  if (meta.status !== 'running' || meta.pid === undefined) return meta.status;
  try {
    process.kill(meta.pid, 0);
    return 'running';
  } catch {
    return 'killed';
  }
}

export function readMeta(p: RunPaths): RunMeta {
  try {
    return JSON.parse(readFileSync(p.meta, 'utf8')) as RunMeta;
  } catch (e) {
    throw new BimtError(`${p.meta}: unreadable run metadata (${(e as Error).message})`);
  }
}

/** Steps of the checkpoints present, ascending. */
export function listCheckpoints(p: RunPaths): number[] {
  if (!existsSync(p.checkpoints)) return [];
  return readdirSync(p.checkpoints)
    .map(stepOfFileName)
    .filter((s): s is number => s !== undefined)
    .sort((a, b) => a - b);
}
