/**
 * One point of a sweep, run in its own process (`bimt sweep-point <dir> <index>`, started by a
 * launcher: src/sweep/local.ts, or a Slurm array task: src/sweep/slurm.ts). It is a `bimt train`
 * run of the sweep's base config with the point's overrides (src/train/train-command.ts), or the
 * resume of the point's run when an earlier attempt left one, and it records the outcome in
 * points/<point>.json: a point that fails says why there, and the sweep goes on without it.
 */
import { existsSync, rmSync } from 'node:fs';
import { parsePlannedConfig } from '../config/load.js';
import { BimtError } from '../errors.js';
import { readMeta, runPaths } from '../runs/run-dir.js';
import { defaultMemoryLimit } from '../train/memory.js';
import type { StopSignals } from '../train/stop-signals.js';
import type { RunOutcome } from '../train/run.js';
import { trainCommand, type TrainRequest } from '../train/train-command.js';
import { pointOverrides, type SweepPoint } from './grid.js';
import { baseConfigText, openSweep, pointRunDir, readPointRecord, thisProcess, writePointRecord, type PointRecord, type Sweep } from './sweep-dir.js';

export interface PointOptions {
  readonly stop: StopSignals;
  /** The Slurm job and array task running this point, recorded with it. */
  readonly slurm?: { readonly job: string; readonly task: number };
}

export async function runPoint(dir: string, index: number, opts: PointOptions): Promise<void> {
  const sweep = openSweep(dir);
  const point = sweep.points[index];
  if (!point) throw new BimtError(`${dir}: the sweep has points 0-${sweep.points.length - 1}; there is no point ${index}`);
  const claim = claimPoint(sweep, point, opts.slurm);
  if (!claim.request) return;
  try {
    const outcome = await trainCommand(claim.request, { backend: sweep.spec.backend, memory: defaultMemoryLimit(), stop: opts.stop });
    claim.ended(outcome);
  } catch (e) {
    claim.failed(e);
    throw e;
  }
}

/** A point taken by this process: what to train, and how to record how it ended. */
export interface PointClaim {
  /** A new run or the resume of an earlier attempt's; absent when the point had in fact completed. */
  readonly request?: TrainRequest;
  ended(outcome: { status: RunOutcome['status']; stepsDone: number }): void;
  failed(e: unknown): void;
}

/**
 * Records the point as running in this process and says what to train: the sweep's base config
 * with the point's overrides, or the resume of the point's run when an earlier attempt left one.
 * A population (src/sweep/population.ts) claims its members the same way.
 */
export function claimPoint(sweep: Sweep, point: SweepPoint, slurm?: PointOptions['slurm']): PointClaim {
  const previous = readPointRecord(sweep.paths, point);
  const started: PointRecord = {
    point: point.name,
    state: 'running',
    ...thisProcess(),
    started: new Date().toISOString(),
    attempts: (previous?.attempts ?? 0) + 1,
    ...(slurm ? { slurm: { job: slurm.job, task: slurm.task } } : {}),
  };
  writePointRecord(sweep.paths, point, started);
  const end = (state: PointRecord['state'], extra: Partial<PointRecord>) =>
    writePointRecord(sweep.paths, point, { ...started, ...extra, state, ended: new Date().toISOString() });
  const ended: PointClaim['ended'] = (outcome) =>
    end(outcome.status, {
      steps_done: outcome.stepsDone,
      ...(outcome.status === 'diverged' ? { message: `loss not finite by step ${outcome.stepsDone}` } : {}),
    });
  const failed = (e: unknown) => end('failed', { message: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
  try {
    const root = pointRunDir(sweep.paths, point);
    const paths = runPaths(root);
    if (existsSync(paths.meta)) {
      if (readMeta(paths).status === 'completed') {
        // Finished, but the process ended before recording it (killed between the two writes).
        end('completed', { steps_done: readMeta(paths).steps_done });
        return { ended, failed };
      }
      return { request: { kind: 'resume', dir: root }, ended, failed };
    }
    // A directory without meta.json is a run killed while it was being created: nothing to keep.
    if (existsSync(root)) rmSync(root, { recursive: true, force: true });
    const sets = [...sweep.spec.sets, ...pointOverrides(sweep.axes, point)];
    const { config, plan } = parsePlannedConfig(baseConfigText(sweep), sweep.paths.spec, sets);
    return { request: { kind: 'new', config, plan, name: point.name, exactName: true, runsDir: sweep.paths.root, source: { file: sweep.spec.config_file, sets } }, ended, failed };
  } catch (e) {
    failed(e);
    throw e;
  }
}
