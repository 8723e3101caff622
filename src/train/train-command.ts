/**
 * What `bimt train` does once its arguments are read, for a new run or a resumed one: check the
 * run against the memory limit, load the backend it needs (none for the host engine), train, and
 * print the outcome. A sweep's points (src/sweep/point.ts) are trained by the same function, so a
 * point is exactly a `bimt train` run.
 */
import { describeBackend, NO_BACKEND, selectBackend, skippedLines, type BackendName, type RunBackend } from '../backend.js';
import { loadConfig, type ConfigSet } from '../config/load.js';
import type { TrainingPlan } from '../config/plan.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { checkRunFree } from '../runs/lock.js';
import { readMetrics } from '../runs/metrics.js';
import { ensureRunsDir, openRunDir } from '../runs/run-dir.js';
import type { ConfigSource } from '../runs/run-record.js';
import { engineWithoutBackend } from './choose-engine.js';
import { checkMemory, type MemoryLimit } from './memory.js';
import { resumeTraining, runTraining, type RunOutcome } from './run.js';
import { explosionWarning, summaryLines } from './run-summary.js';
import type { StopSignals } from './stop-signals.js';
import { bimtCommand } from '../util/invocation.js';

/** A new run of a loaded config, or the continuation of a run directory. */
export type TrainRequest =
  | {
      readonly kind: 'new';
      readonly config: ResolvedConfig;
      /** The plan of `config`, as loading it returned (src/config/load.ts). */
      readonly plan: TrainingPlan;
      /** Run name prefix, or the exact directory name when `exactName`. */
      readonly name: string;
      readonly exactName: boolean;
      readonly runsDir: string;
      readonly source: { readonly file: string; readonly sets: readonly ConfigSet[] };
    }
  | { readonly kind: 'resume'; readonly dir: string };

export interface TrainCommandOptions {
  readonly backend: BackendName | undefined;
  readonly memory: MemoryLimit;
  readonly stop: StopSignals;
  /** Say why each faster backend was passed over (`--verbose`), a line each after the backend line. */
  readonly verbose?: boolean;
}

/**
 * Trains and prints the run's summary on stdout, warnings on stderr. Sets process.exitCode for a
 * run that diverged (1) or was interrupted (130); errors are thrown as BimtErrors.
 */
export async function trainCommand(req: TrainRequest, opts: TrainCommandOptions): Promise<RunOutcome> {
  // The host engine trains the same whatever the backend, so it loads none (unless forced).
  const needsBackend = (plan: TrainingPlan) => engineWithoutBackend(plan) === undefined;
  let outcome: RunOutcome;
  let totalSteps: number;
  if (req.kind === 'resume') {
    const resumed = openRunDir(req.dir);
    checkRunFree(resumed); // before seconds of loading a backend, not after
    const { plan } = loadConfig(resumed.config, [], { memory: opts.memory });
    checkMemory(plan, opts.memory);
    const backend = await announce(needsBackend(plan), opts);
    outcome = await resumeTraining(req.dir, { backend, stop: opts.stop });
    totalSteps = plan.schedule.steps; // train.steps of the run's config.yaml, read above
  } else {
    // Everything a user can get wrong is checked before the backend line is printed.
    const { plan } = req;
    checkMemory(plan, opts.memory);
    ensureRunsDir(req.runsDir);
    const backend = await announce(needsBackend(plan), opts);
    const source: ConfigSource = { file: req.source.file, sets: req.source.sets.map((s) => (typeof s === 'string' ? s : s.text)) };
    outcome = await runTraining({ config: req.config, plan, name: req.name, exactName: req.exactName, backend, stop: opts.stop, runsDir: req.runsDir, source });
    totalSteps = req.config.train.steps;
  }
  const { root } = outcome.paths;
  process.stdout.write(summaryLines({ root, status: outcome.status, stepsDone: outcome.stepsDone, totalSteps }, outcome.lastRow).map((l) => `${l}\n`).join(''));
  const warning = outcome.status === 'diverged' ? undefined : explosionWarning(readMetrics(outcome.paths.metrics));
  if (warning) process.stderr.write(`bimt: ${warning}\n`);
  if (outcome.status === 'diverged') {
    process.stderr.write('bimt: training diverged (loss is not finite); the last good checkpoint is kept\n');
    process.exitCode = 1;
  }
  if (outcome.status === 'interrupted') {
    process.stderr.write(`bimt: interrupted; continue with: ${bimtCommand('train', '--resume', outcome.paths.root)}\n`);
    process.exitCode = 130;
  }
  return outcome;
}

/**
 * Loads the backend (a forced one even when none is needed) and says which on stderr, in one
 * line: with webgpu, the adapter; the faster backends passed over by name, and why only with
 * `--verbose` (meta.json records why either way).
 */
async function announce(needed: boolean, { backend: forced, verbose }: TrainCommandOptions): Promise<RunBackend> {
  if (!needed && !forced) {
    process.stderr.write(`bimt: backend ${NO_BACKEND.name} (the host engine computes without tfjs)\n`);
    return NO_BACKEND;
  }
  const backend = await selectBackend(forced);
  process.stderr.write(`bimt: backend ${describeBackend(backend, verbose)}\n`);
  if (verbose) for (const line of skippedLines(backend)) process.stderr.write(`bimt:   skipped ${line}\n`);
  return backend;
}
