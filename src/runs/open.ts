/**
 * Opening what `bimt prune` and `bimt plot` are pointed at: a run directory (its last checkpoint,
 * or the one of `--step`) or a bimt checkpoint file anywhere inside a run directory, under any name
 * (checkpoints/step-NNNNNN.safetensors, its .state file, pruned/…/checkpoint.safetensors, a copy).
 * The step and architecture come from the checkpoint's own metadata; the task does not, so the
 * run is found by walking up from the file to the folder holding config.yaml and meta.json. The
 * checkpoint is checked against the checksum meta.json recorded (for the run's own checkpoint
 * files) and against the architecture of the run's config, so a corrupted or foreign file fails
 * with a reason before anything reads it.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { TrainingPlan } from '../config/plan.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { BimtError } from '../errors.js';
import { readRegularFile } from '../util/files.js';
import type { Architecture } from '../model/network.js';
import type { Labels } from '../bimt/graph.js';
import { MAX_CHECKPOINT_BYTES, readCheckpoint, stepTag, type Checkpoint } from './checkpoint.js';
import { checkpointPath, listCheckpoints, openRunDir, readMeta, runPaths, statePath, type RunMeta, type RunPaths } from './run-dir.js';

export interface OpenedCheckpoint {
  readonly paths: RunPaths;
  readonly meta: RunMeta;
  /** The run's config as written (its name, task kind); what training made of it is `plan`. */
  readonly config: ResolvedConfig;
  /** The run's task, architecture, schedules and thresholds (src/config/plan.ts). */
  readonly plan: TrainingPlan;
  readonly labels: Labels;
  readonly file: string;
  readonly checkpoint: Checkpoint;
  /**
   * How the files made from this checkpoint (pruned folder, plots) name it: "step-000300" for the
   * run's own checkpoint of that step, otherwise the file's name without .safetensors (its
   * folder's name for a pruned checkpoint.safetensors), so that drawing or pruning a pruned or
   * copied network never overwrites what was made from the run's own checkpoint of its step.
   */
  readonly tag: string;
  /** The user named this checkpoint (--step or a file) rather than taking the run's last. */
  readonly chosen: boolean;
}

export function openCheckpoint(target: string, step?: number): OpenedCheckpoint {
  if (!existsSync(target)) throw new BimtError(`${target}: no such run directory or checkpoint`);
  let paths: RunPaths;
  let file: string;
  if (statSync(target).isDirectory()) {
    paths = openRunDir(target);
    const steps = listCheckpoints(paths);
    if (steps.length === 0) throw new BimtError(`${target}: the run has no checkpoints yet`);
    if (step !== undefined && !steps.includes(step)) {
      throw new BimtError(`${target}: no checkpoint at step ${step} (available: ${steps.join(', ')})`);
    }
    file = checkpointPath(paths, step ?? steps[steps.length - 1]);
  } else {
    if (step !== undefined) throw new BimtError(`--step ${step}: give a run directory with --step, not a checkpoint file`);
    paths = runAround(target);
    file = target;
  }
  const meta = readMeta(paths);
  const { config, plan } = loadConfig(paths.config);
  const { task, arch } = plan;
  // meta.json records checksums by file name for the files of checkpoints/; a file elsewhere (a
  // pruned checkpoint, a copy) has none, even when it bears one of their names.
  const inCheckpoints = dirname(resolve(file)) === resolve(paths.checkpoints);
  const checkpoint = inCheckpoints ? readVerifiedCheckpoint(file, meta, arch) : readCheckpoint(file, arch);
  return {
    paths,
    meta,
    config,
    plan,
    labels: { inputs: task.inputLabels, outputs: task.outputLabels },
    file,
    checkpoint,
    tag: checkpointTag(file, checkpoint.step, paths),
    chosen: step !== undefined || file === target,
  };
}

/** The run directory a checkpoint file lies in: the nearest folder above it with config.yaml and meta.json. */
function runAround(file: string): RunPaths {
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    const p = runPaths(dir);
    if (existsSync(p.config) && existsSync(p.meta)) return openRunDir(dir);
    if (dirname(dir) === dir) break;
  }
  throw new BimtError(
    `${file}: not inside a run directory (no config.yaml and meta.json in any folder above it); ` +
      'a checkpoint holds the network but not its task, so put the file in the run directory it came from (any name) and pass that path',
  );
}

/** See OpenedCheckpoint.tag. */
function checkpointTag(file: string, step: number, paths: RunPaths): string {
  if (isRunCheckpoint(file, step, paths)) return stepTag(step);
  const name = basename(file).replace(/\.safetensors$/, '');
  const folder = basename(dirname(resolve(file)));
  if (name === 'checkpoint') return folder;
  // A copy that kept a checkpoint's name (keep/step-000300.safetensors) would share the names of
  // what the run's own checkpoint of that step made: its folder tells the two apart.
  return /^step-\d+(\.state)?$/.test(name) ? `${folder}-${name}` : name;
}

/** Whether `file` is the run's own checkpoint (or training state) of `step`, under its own name. */
function isRunCheckpoint(file: string, step: number, paths: RunPaths): boolean {
  const own = [checkpointPath(paths, step), statePath(paths, step)];
  return own.includes(resolve(file));
}

/**
 * Reads a checkpoint (or state file) of a run after checking it against the checksum meta.json
 * recorded for it, if any, and against the architecture the run's config gives.
 */
export function readVerifiedCheckpoint(file: string, meta: RunMeta, arch: Architecture): Checkpoint {
  const recorded = meta.checkpoints?.[basename(file)];
  if (recorded !== undefined && recorded !== sha256(file, 'checkpoint')) {
    throw new BimtError(`${file}: checksum does not match the one in meta.json (the file is corrupted or was changed)`);
  }
  return readCheckpoint(file, arch);
}

/**
 * The sha256 of a file meta.json records (config.yaml, checkpoints), read as every file is: a FIFO
 * or a link to /dev/zero in a checkpoint's place is refused in one line rather than read forever.
 */
export function sha256(file: string, what = 'file', maxBytes = MAX_CHECKPOINT_BYTES): string {
  return createHash('sha256').update(readRegularFile(file, what, maxBytes)).digest('hex');
}
