/**
 * One point of a sweep, run in its own process (`bimt sweep-point <dir> <index>`, started by a
 * launcher: src/sweep/local.ts, or a Slurm array task: src/sweep/slurm.ts). It is a `bimt train`
 * run of the sweep's base config with the point's overrides (src/train/train-command.ts), or the
 * resume of the point's run when an earlier attempt left one, and it records the outcome in
 * points/<point>.json: a point that fails says why there, and the sweep goes on without it.
 */
import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseConfig } from '../config/load.js';
import { BimtError } from '../errors.js';
import { readMeta, runPaths } from '../runs/run-dir.js';
import { defaultMemoryLimit } from '../train/memory.js';
import type { StopSignals } from '../train/stop-signals.js';
import { trainCommand, type TrainRequest } from '../train/train-command.js';
import { pointOverrides } from './grid.js';
import { baseConfigText, openSweep, pointRunDir, readPointRecord, writePointRecord, type PointRecord } from './sweep-dir.js';

export interface PointOptions {
  readonly stop: StopSignals;
  /** The Slurm job and array task running this point, recorded with it. */
  readonly slurm?: { readonly job: string; readonly task: number };
}

export async function runPoint(dir: string, index: number, opts: PointOptions): Promise<void> {
  const sweep = openSweep(dir);
  const point = sweep.points[index];
  if (!point) throw new BimtError(`${dir}: the sweep has points 0-${sweep.points.length - 1}; there is no point ${index}`);
  const previous = readPointRecord(sweep.paths, point);
  const started: PointRecord = {
    point: point.name,
    state: 'running',
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    attempts: (previous?.attempts ?? 0) + 1,
    ...(opts.slurm ? { slurm: { job: opts.slurm.job, task: opts.slurm.task } } : {}),
  };
  writePointRecord(sweep.paths, point, started);
  const end = (state: PointRecord['state'], extra: Partial<PointRecord>) =>
    writePointRecord(sweep.paths, point, { ...started, ...extra, state, ended: new Date().toISOString() });
  try {
    const root = pointRunDir(sweep.paths, point);
    const paths = runPaths(root);
    let request: TrainRequest;
    if (existsSync(paths.meta)) {
      if (readMeta(paths).status === 'completed') {
        // Finished, but the process ended before recording it (killed between the two writes).
        end('completed', { steps_done: readMeta(paths).steps_done });
        return;
      }
      request = { kind: 'resume', dir: root };
    } else {
      // A directory without meta.json is a run killed while it was being created: nothing to keep.
      if (existsSync(root)) rmSync(root, { recursive: true, force: true });
      const sets = [...sweep.spec.sets, ...pointOverrides(sweep.axes, point)];
      const config = parseConfig(baseConfigText(sweep), sweep.paths.spec, sets);
      request = { kind: 'new', config, name: point.name, exactName: true, runsDir: sweep.paths.root, source: { file: sweep.spec.config_file, sets } };
    }
    const outcome = await trainCommand(request, { backend: sweep.spec.backend, memory: defaultMemoryLimit(), stop: opts.stop });
    end(outcome.status, {
      steps_done: outcome.stepsDone,
      ...(outcome.status === 'diverged' ? { message: `loss not finite by step ${outcome.stepsDone}` } : {}),
    });
  } catch (e) {
    end('failed', { message: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
    throw e;
  }
}
