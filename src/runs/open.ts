/**
 * Opening what `bimt prune` and `bimt plot` are pointed at: a run directory (its last checkpoint,
 * or the one of `--step`) or a checkpoint file inside a run. The checkpoint is checked against the
 * checksum meta.json recorded and against the architecture of the run's config, so a corrupted or
 * foreign file fails with a reason before anything reads it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { BimtError } from '../errors.js';
import { architectureFor } from '../model/architecture.js';
import type { Architecture } from '../model/network.js';
import { buildTask } from '../tasks/registry.js';
import type { TaskInstance } from '../tasks/task.js';
import type { Labels } from '../bimt/graph.js';
import { readCheckpoint, stepOfFileName, type Checkpoint } from './checkpoint.js';
import { checkpointPath, listCheckpoints, openRunDir, readMeta, type RunMeta, type RunPaths } from './run-dir.js';

export interface OpenedCheckpoint {
  readonly paths: RunPaths;
  readonly meta: RunMeta;
  readonly config: ResolvedConfig;
  readonly task: TaskInstance;
  readonly labels: Labels;
  readonly file: string;
  readonly checkpoint: Checkpoint;
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
    if (stepOfFileName(basename(target)) === undefined) {
      throw new BimtError(`${target}: not a run checkpoint (expected checkpoints/step-NNNNNN.safetensors inside a run directory)`);
    }
    paths = openRunDir(dirname(dirname(target)));
    file = target;
  }
  const meta = readMeta(paths);
  const { config } = loadConfig(paths.config);
  const task = buildTask(config);
  const checkpoint = readVerifiedCheckpoint(file, meta, architectureFor(config.model, task));
  return { paths, meta, config, task, labels: { inputs: task.inputLabels, outputs: task.outputLabels }, file, checkpoint };
}

/**
 * Reads a checkpoint (or state file) of a run after checking it against the checksum meta.json
 * recorded for it, if any, and against the architecture the run's config gives.
 */
export function readVerifiedCheckpoint(file: string, meta: RunMeta, arch: Architecture): Checkpoint {
  const recorded = meta.checkpoints?.[basename(file)];
  if (recorded !== undefined && recorded !== sha256(file)) {
    throw new BimtError(`${file}: checksum does not match the one in meta.json (the file is corrupted or was changed)`);
  }
  return readCheckpoint(file, arch);
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
