/**
 * A training run with its run directory: resolves the task, writes config.yaml and meta.json,
 * streams metrics rows to metrics.csv, and writes a checkpoint and a pruned-graph snapshot at
 * every checkpoint step. The loop itself is in loop.ts; the directory layout in src/runs/.
 */
import { basename } from 'node:path';
import type { BackendChoice } from '../backend.js';
import { networkGraph } from '../bimt/graph.js';
import { configToYaml, type ResolvedConfig } from '../config/resolve.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { writeCheckpoint } from '../runs/checkpoint.js';
import { sha256 } from '../runs/open.js';
import { MetricsWriter, type MetricsRow } from '../runs/metrics.js';
import { checkpointPath, createRunDir, snapshotPath, writeMeta, type RunMeta, type RunPaths } from '../runs/run-dir.js';
import { buildTask } from '../tasks/registry.js';
import { VERSION } from '../version.js';
import { trainLoop, type LoopStatus } from './loop.js';
import { createProgress } from './progress.js';

export interface RunOptions {
  readonly config: ResolvedConfig;
  /** Run name prefix (config name), or the exact directory name when `exactName`. */
  readonly name: string;
  readonly exactName: boolean;
  readonly backend: BackendChoice;
  /** Overrides output.runs_dir. */
  readonly runsDir?: string;
  readonly progressStream?: NodeJS.WriteStream;
}

export interface RunOutcome {
  readonly paths: RunPaths;
  readonly status: LoopStatus;
  readonly lastRow: MetricsRow | undefined;
}

export async function runTraining(opts: RunOptions): Promise<RunOutcome> {
  const { config } = opts;
  const task = buildTask(config);
  const paths = createRunDir(opts.runsDir ?? config.output.runs_dir, opts.name, { exact: opts.exactName });
  writeFileAtomic(paths.config, configToYaml(config));
  const meta: RunMeta = {
    bimt_version: VERSION,
    backend: opts.backend.name,
    seed: config.seed,
    task: config.task.kind,
    total_steps: config.train.steps,
    started: new Date().toISOString(),
    status: 'running',
    steps_done: 0,
    config_name: opts.name,
    checkpoints: {},
  };
  writeMeta(paths, meta);

  const metrics = new MetricsWriter(paths.metrics);
  const progress = createProgress(config.train.steps, opts.progressStream);
  const labels = { inputs: task.inputLabels, outputs: task.outputLabels };
  try {
    const result = await trainLoop(config, task, {
      onMetrics: (row) => metrics.append(row),
      onCheckpoint: (step, net) => {
        const file = checkpointPath(paths, step);
        writeCheckpoint(file, { step, net });
        const snapshot = { step, ...networkGraph(net, labels, config.output.snapshot_threshold) };
        writeFileAtomic(snapshotPath(paths, step), `${JSON.stringify(snapshot)}\n`);
        meta.checkpoints![basename(file)] = sha256(file);
        meta.steps_done = step;
        writeMeta(paths, meta);
      },
      onStep: (step, row) => progress.update(step, row),
    });
    progress.stop();
    Object.assign(meta, { status: result.status, steps_done: result.stepsDone, ended: new Date().toISOString() });
    writeMeta(paths, meta);
    return { paths, status: result.status, lastRow: result.lastRow };
  } catch (e) {
    progress.stop();
    Object.assign(meta, { status: 'failed', ended: new Date().toISOString() });
    writeMeta(paths, meta);
    throw e;
  }
}
