/**
 * The run-directory layout, in one place (docs/run-directory.md, "Layout"):
 *
 *   <runs>/<name>/config.yaml        resolved config (after --set overrides), its source in comments
 *                 meta.json          versions, command, backend (and GPU adapter), seed, times, status, resumes, checksums
 *                 metrics.csv        one row per evaluation
 *                 checkpoints/step-NNNNNN.safetensors         the model (PyTorch names)
 *                 checkpoints/step-NNNNNN.state.safetensors   the model plus optimizer and loop state (resume)
 *                 snapshots/step-NNNNNN.json   pruned graph at that step
 *                 plots/             SVGs from `bimt plot`
 *                 pruned/step-NNNNNN-t<threshold>[-attribution]/checkpoint.safetensors, graph.json   from `bimt prune`
 *                        (<name>-t<threshold>/ when it pruned another checkpoint file of the run)
 *                 lock               while a process writes the run (src/runs/lock.ts)
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { BimtError } from '../errors.js';
import { describeFsError, readRegularFile } from '../util/files.js';
import { writeFileAtomic } from './atomic.js';
import { checkpointFileName, stepOfFileName } from './checkpoint.js';
import { checkRunName } from '../config/run-name.js';
import type { ScoreKind } from '../bimt/graph.js';

export interface RunPaths {
  readonly root: string;
  readonly config: string;
  readonly meta: string;
  readonly metrics: string;
  readonly checkpoints: string;
  readonly snapshots: string;
  readonly plots: string;
}

export const RUN_STATUSES = ['running', 'completed', 'diverged', 'interrupted', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunMeta {
  bimt_version: string;
  backend: string;
  /** The WebGPU adapter of the webgpu backend (of the latest session, when resumed). */
  adapter?: AdapterRecord;
  /** The faster backends passed over and why, by name (of the latest session, when resumed). */
  backends_skipped?: Record<string, string>;
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
  /** Why the run stopped, when it did not complete. */
  message?: string;
  /** sha256 of config.yaml as written at the start; a resume refuses a config edited since. */
  config_sha256?: string;
  /** Path, size and sha256 of each data file (a table's CSV, MNIST's IDX files) as the run started; a resume refuses changed data. */
  data_files?: { path: string; size: number; sha256: string }[];
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
  adapter?: AdapterRecord;
  engine: string;
  command: string[];
  /** What the resume found wrong in the run directory and set right, one line each. */
  repairs: string[];
}

/** A WebGPU adapter as meta.json records it (src/webgpu.ts, GpuAdapter). */
export interface AdapterRecord {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** WebGPU's isFallbackAdapter. */
  fallback: boolean;
  /** A CPU implementation (lavapipe, SwiftShader), by the fallback flag or its names. */
  software: boolean;
}

export interface HostRecord {
  name: string;
  /** e.g. linux-x64. */
  platform: string;
  cpus: number;
}

/**
 * What readMeta checks of a meta.json: every field of RunMeta, with its type (`satisfies` makes a
 * field added to RunMeta without a check here a compile error, and the annotation below checks the
 * types). Fields it does not know (written by a newer bimt, or `pid` by an older one) are kept as
 * they are.
 */
const adapterShape = z.looseObject({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  fallback: z.boolean(),
  software: z.boolean(),
} satisfies Record<keyof AdapterRecord, z.ZodType>);

const runMetaShape = {
  bimt_version: z.string(),
  backend: z.string(),
  adapter: adapterShape.optional(),
  backends_skipped: z.record(z.string(), z.string()).optional(),
  engine: z.string().optional(),
  seed: z.number(),
  task: z.string(),
  started: z.string(),
  ended: z.string().optional(),
  status: z.enum(RUN_STATUSES),
  steps_done: z.number().int().nonnegative(),
  total_steps: z.number().int().nonnegative(),
  config_name: z.string(),
  checkpoints: z.record(z.string(), z.string()),
  message: z.string().optional(),
  config_sha256: z.string().optional(),
  data_files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: z.string() })).optional(),
  command: z.array(z.string()).optional(),
  duration_s: z.number().nonnegative().optional(),
  resumes: z
    .array(
      z.looseObject({
        at: z.string(),
        from_step: z.number().int().nonnegative(),
        backend: z.string(),
        adapter: adapterShape.optional(),
        engine: z.string(),
        command: z.array(z.string()),
        repairs: z.array(z.string()),
      }),
    )
    .optional(),
  node_version: z.string().optional(),
  tfjs_version: z.string().optional(),
  git_commit: z.string().optional(),
  host: z.looseObject({ name: z.string(), platform: z.string(), cpus: z.number() }).optional(),
  first_step_ms: z.number().nonnegative().optional(),
} satisfies Record<keyof RunMeta, z.ZodType>;
const runMetaSchema: z.ZodType<RunMeta> = z.looseObject(runMetaShape);

/**
 * What trained a run, for people: `the host engine` (which computes the same on any backend, so
 * its backend is left out), else the engine and its backend, `tfjs on wasm`.
 */
export function trainedWith(r: { readonly engine?: string; readonly backend: string }): string {
  return r.engine === 'host' ? 'the host engine' : `${r.engine ?? 'an unrecorded engine'} on ${r.backend}`;
}

/** Largest meta.json read (a real one is a few kilobytes, plus ~100 bytes per checkpoint). */
const MAX_META_BYTES = 16 << 20;

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

/**
 * The step a resume would continue from, as far as `bimt ls` can tell without reading files: the
 * newest saved state whose checksum meta.json records (resume-check.ts also verifies it).
 */
export function resumableStep(p: RunPaths, meta: RunMeta): number | undefined {
  return listStates(p)
    .filter((step) => meta.checkpoints[basename(statePath(p, step))] !== undefined)
    .at(-1);
}

export function snapshotPath(p: RunPaths, step: number): string {
  return join(p.snapshots, checkpointFileName(step).replace(/\.safetensors$/, '.json'));
}

/**
 * Where `bimt prune` puts the pruned checkpoint and graph of a checkpoint at a threshold; `tag`
 * names the checkpoint (OpenedCheckpoint.tag: "step-000300" for the run's own checkpoints).
 */
export function prunedPaths(p: RunPaths, tag: string, threshold: number, score: ScoreKind = 'weight'): { dir: string; checkpoint: string; graph: string } {
  // Attribution's prune of the same checkpoint at the same t keeps other weights: its own directory.
  const dir = join(p.root, 'pruned', `${tag}-t${threshold}${score === 'weight' ? '' : `-${score}`}`);
  return { dir, checkpoint: join(dir, 'checkpoint.safetensors'), graph: join(dir, 'graph.json') };
}

/**
 * Creates a new run directory and never reuses one: `<prefix>-<timestamp>` (with -2, -3... if two
 * runs start within the same second), or exactly `name` when `exact`, which must not exist yet.
 */
export function createRunDir(runsDir: string, name: string, opts: { exact: boolean; now?: Date }): RunPaths {
  checkRunName(name, 'run name'); // the commands check first, naming the source; this keeps every caller inside runsDir
  ensureRunsDir(runsDir);
  const candidates = opts.exact ? [name] : timestampedNames(name, opts.now ?? new Date());
  for (const dir of candidates) {
    const root = join(runsDir, dir);
    try {
      mkdirSync(root); // fails if it exists: the atomic "claim" of the name
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        if (opts.exact) throw new BimtError(`run directory ${root} already exists; choose another --name`);
        continue;
      }
      throw new BimtError(`cannot create run directory ${root}: ${describeFsError(e)}`, 1);
    }
    const paths = runPaths(root);
    try {
      mkdirSync(paths.checkpoints);
      mkdirSync(paths.snapshots);
    } catch (e) {
      throw new BimtError(`cannot create run directory ${root}: ${describeFsError(e)}`, 1);
    }
    return paths;
  }
  throw new BimtError(`could not find a free run directory name for ${name} in ${runsDir}`);
}

/** Creates the runs directory if needed, with a one-line error when that is impossible. */
export function ensureRunsDir(runsDir: string): void {
  try {
    mkdirSync(runsDir, { recursive: true });
  } catch (e) {
    throw new BimtError(`cannot create runs directory ${runsDir}: ${describeFsError(e)}`);
  }
}

/** `<prefix>-YYYYMMDD-HHMMSS`, then `-2`, `-3`, ... for names taken within the same second. */
export function* timestampedNames(prefix: string, now: Date): Generator<string> {
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

/** The run's meta.json, checked field by field; a one-line BimtError names the file and the field. */
export function readMeta(p: RunPaths): RunMeta {
  const text = readRegularFile(p.meta, 'run metadata file', MAX_META_BYTES).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BimtError(`${p.meta}: unreadable run metadata (${(e as Error).message})`);
  }
  const parsed = runMetaSchema.safeParse(json);
  if (!parsed.success) throw new BimtError(`${p.meta}: unreadable run metadata: ${metaProblem(json, parsed.error.issues[0])}`);
  return parsed.data;
}

function metaProblem(json: unknown, issue: z.core.$ZodIssue | undefined): string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'expected a JSON object';
  if (!issue) return 'invalid';
  const field = issue.path.join('.');
  const value = issue.path.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined), json);
  if (value === undefined) return `field ${field} is missing`;
  const shown = JSON.stringify(value);
  return `field ${field} is ${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}; ${issue.message.replace(/^Invalid (input|option): /, '')}`;
}

/** Steps of the checkpoints present, ascending. */
export function listCheckpoints(p: RunPaths): number[] {
  if (!existsSync(p.checkpoints)) return [];
  return readdirSync(p.checkpoints)
    .map(stepOfFileName)
    .filter((s): s is number => s !== undefined)
    .sort((a, b) => a - b);
}

/** How deep below a directory runs are looked for (runs/reproduce-<stamp>/fig4 is 2). */
const MAX_FIND_DEPTH = 4;

/**
 * Run directories (those with a meta.json, or a config.yaml: a run killed while it was being
 * created) under `dir`, in name order; directories that are not runs are searched in turn, down to
 * MAX_FIND_DEPTH. `bimt ls` and `bimt compare` list runs this way. The walk goes by real path:
 * a directory reached again (through a link to `.`, to a parent, or to a run already listed) is
 * skipped, so each run is listed once, under the first path that reaches it, and a loop of links
 * ends at once. `seen` holds the real paths walked; pass one set to several calls to list a run
 * once across them.
 */
export function findRuns(dir: string, seen: Set<string> = new Set()): RunPaths[] {
  const found: RunPaths[] = [];
  const real = realPath(dir);
  if (real === undefined || seen.has(real)) return found;
  seen.add(real);
  walkRuns(dir, 1, seen, found);
  return found;
}

function walkRuns(dir: string, depth: number, seen: Set<string>, found: RunPaths[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return; // unreadable subdirectory: not a run of ours
  }
  for (const name of names) {
    const sub = join(dir, name);
    try {
      if (!statSync(sub).isDirectory()) continue;
    } catch {
      continue;
    }
    const real = realPath(sub);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    const paths = runPaths(sub);
    if (existsSync(paths.meta) || existsSync(paths.config)) found.push(paths);
    else if (depth < MAX_FIND_DEPTH) walkRuns(sub, depth + 1, seen, found);
  }
}

/** The real path of `path` (links resolved), or undefined when it has gone. */
export function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
