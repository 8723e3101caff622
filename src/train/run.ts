/**
 * A training run with its run directory: writes config.yaml and meta.json, streams metrics rows
 * to metrics.csv, and at every checkpoint step writes the checkpoint, the training state needed
 * to resume, and a pruned-graph snapshot. SIGINT/SIGTERM finish the current step, checkpoint and
 * mark the run `interrupted`; `resumeTraining` continues such a run (or one killed outright) from
 * its last state and produces the same metrics.csv an uninterrupted run would. While it writes a
 * run, the process holds the run's lock (src/runs/lock.ts): one writer per run.
 * The loop itself is in loop.ts; the directory layout in src/runs/.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { adapterOf, skippedRecord, type RunBackend } from '../backend.js';
import { networkGraph } from '../bimt/graph.js';
import { loadConfig } from '../config/load.js';
import type { TrainingPlan } from '../config/plan.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { BimtError } from '../errors.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { writeCheckpoint } from '../runs/checkpoint.js';
import { snapshotRecord } from '../runs/graph-record.js';
import { acquireRunLock } from '../runs/lock.js';
import { lossOutputs, MetricsWriter, type MetricsRow } from '../runs/metrics.js';
import { sha256 } from '../runs/open.js';
import { checkDataFiles, checkRunFiles, chooseResumePoint, dataFilesRecord, removeStaleTemporaryFiles } from '../runs/resume-check.js';
import { checkpointPath, createRunDir, openRunDir, readMeta, snapshotPath, statePath, trainedWith, writeMeta, type RunMeta, type RunPaths } from '../runs/run-dir.js';
import { addSessionTime, commandLine, provenance, runConfigText, type ConfigSource } from '../runs/run-record.js';
import { asUserError } from '../util/files.js';
import { VERSION } from '../version.js';
import type { SamplerState } from './batches.js';
import { chooseEngine, type EngineChoice } from './choose-engine.js';
import type { EngineMaker } from './engine.js';
import { trainLoop, type LoopStatus, type TrainingState } from './loop.js';
import { createProgress } from './progress.js';
import { catchStopSignals, type StopSignals } from './stop-signals.js';

export interface RunOptions {
  readonly config: ResolvedConfig;
  /** The plan of `config` (as loading a config returns it: src/config/load.ts). */
  readonly plan: TrainingPlan;
  /** Run name prefix (config name), or the exact directory name when `exactName`. */
  readonly name: string;
  readonly exactName: boolean;
  readonly backend: RunBackend;
  /** Overrides output.runs_dir. */
  readonly runsDir?: string;
  readonly progressStream?: NodeJS.WriteStream;
  /** Stop after this many steps as if interrupted (tests of resume). */
  readonly stopAfter?: number;
  /** The config file and `--set` overrides the config came from, recorded in config.yaml. */
  readonly source?: ConfigSource;
  /** The command's signal handling; without it, signals are caught only while the run is written. */
  readonly stop?: StopSignals;
  /** Trains as a member of a batched population (src/sweep/population.ts) instead of alone. */
  readonly member?: PopulationMember;
}

/**
 * A run trained as one member of a population: its engine is its slice of the population's batch
 * (src/train/population-engine.ts), and the population, not the run, shows progress.
 */
export interface PopulationMember {
  readonly make: EngineMaker;
  /** Why, for meta.json and the log line: the population's size and backend. */
  readonly why: string;
  /** After every step of this member (the population's progress). */
  readonly onStep?: (step: number, row: MetricsRow | undefined) => void;
}

export interface RunOutcome {
  readonly paths: RunPaths;
  readonly status: LoopStatus;
  /** Updates made: where the run stopped, and its last checkpoint unless it diverged. */
  readonly stepsDone: number;
  /** The last metrics row, which may be of an earlier step than `stepsDone`. */
  readonly lastRow: MetricsRow | undefined;
}

export async function runTraining(opts: RunOptions): Promise<RunOutcome> {
  const runsDir = opts.runsDir ?? opts.config.output.runs_dir;
  // config.yaml names the runs directory actually used, --runs-dir or not.
  const config: ResolvedConfig = { ...opts.config, output: { ...opts.config.output, runs_dir: runsDir } };
  // The config goes to config.yaml and meta.json; training reads only the plan (which the runs
  // directory is no part of).
  const { plan } = opts;
  const engine = engineOf(plan, opts); // config errors before a directory is made
  const paths = createRunDir(runsDir, opts.name, { exact: opts.exactName });
  return owning(paths, opts.stop, (stop) => startOwned(paths, { ...opts, config }, plan, engine, stop));
}

/** runTraining once the new run directory is this process's. */
async function startOwned(paths: RunPaths, opts: RunOptions, plan: TrainingPlan, engine: EngineChoice, stop: StopSignals): Promise<RunOutcome> {
  const since = new Date();
  const { config } = opts;
  writeFileAtomic(paths.config, runConfigText(config, opts.source));
  const adapter = adapterOf(opts.backend);
  const meta: RunMeta = {
    bimt_version: VERSION,
    backend: opts.backend.name,
    ...(adapter ? { adapter } : {}),
    ...backendsSkipped(opts.backend),
    seed: config.seed,
    task: config.task.kind,
    total_steps: config.train.steps,
    started: since.toISOString(),
    status: 'running',
    steps_done: 0,
    config_name: opts.name,
    engine: engine.name,
    checkpoints: {},
    config_sha256: sha256(paths.config),
    ...(plan.task.dataFiles?.length ? { data_files: dataFilesRecord(plan.task.dataFiles) } : {}),
    duration_s: 0,
    resumes: [],
    ...provenance(),
  };
  writeMeta(paths, meta);
  return timed(paths, meta, since, drive(paths, meta, plan, engine, new MetricsWriter(paths.metrics, lossOutputs(plan.task)), undefined, opts, stop));
}

export interface ResumeOptions {
  readonly backend: RunBackend;
  readonly progressStream?: NodeJS.WriteStream;
  readonly stopAfter?: number;
  readonly stop?: StopSignals;
  readonly member?: PopulationMember;
}

/** The engine a run trains with: its slice of a population's batch, or what chooseEngine picks. */
function engineOf(plan: TrainingPlan, opts: { backend: RunBackend; member?: PopulationMember }): EngineChoice {
  return opts.member ? { name: 'population', why: opts.member.why } : chooseEngine(plan, opts.backend.name);
}

/**
 * Continues a run from its last saved training state, after checking that the run directory can
 * be trusted (src/runs/resume-check.ts): what cannot be repaired exactly refuses the resume.
 */
export async function resumeTraining(dir: string, opts: ResumeOptions): Promise<RunOutcome> {
  const paths = openRunDir(dir);
  return owning(paths, opts.stop, (stop) => resumeOwned(paths, dir, opts, stop));
}

/** resumeTraining once the run is this process's: what it reads cannot change under it. */
async function resumeOwned(paths: RunPaths, dir: string, opts: ResumeOptions, stop: StopSignals): Promise<RunOutcome> {
  const since = new Date();
  const meta = readMeta(paths);
  if (meta.status === 'completed') throw new BimtError(`${dir}: the run is already complete (${meta.steps_done} steps)`);
  const repairs = checkRunFiles(paths, meta);
  const { plan } = loadConfig(paths.config);
  repairs.push(...checkDataFiles(paths, meta, plan.task.dataFiles ?? []));
  const engine = engineOf(plan, opts);
  const outputs = lossOutputs(plan.task);
  const point = chooseResumePoint(paths, meta, plan.arch, { outputs, evalEvery: plan.output.evalEvery, totalSteps: plan.schedule.steps });
  repairs.push(...point.repairs, ...removeStaleTemporaryFiles(paths));
  for (const r of repairs) process.stderr.write(`bimt: ${r}\n`);

  const from = point.kind === 'state' ? point.saved.step : 0;
  const where = point.kind === 'state' ? ` (${basename(point.file)})` : '';
  process.stderr.write(`bimt: resuming ${paths.root} from step ${from} of ${plan.schedule.steps}${where}\n`);
  // The host engine computes the same on any backend (or none); other engines' numbers depend on both.
  const before = trainedWith(meta);
  const now = trainedWith({ engine: engine.name, backend: opts.backend.name });
  if (before !== now) {
    process.stderr.write(`bimt: note: the run started with ${before} and resumes with ${now}; numbers may differ from an uninterrupted run\n`);
  }
  const adapter = adapterOf(opts.backend);
  const resume = { at: since.toISOString(), from_step: from, backend: opts.backend.name, ...(adapter ? { adapter } : {}), engine: engine.name, command: commandLine(), repairs };
  meta.resumes = [...(meta.resumes ?? []), resume];
  Object.assign(meta, { status: 'running', backend: opts.backend.name, engine: engine.name, steps_done: from });
  if (adapter) meta.adapter = adapter;
  else delete meta.adapter;
  delete meta.backends_skipped;
  Object.assign(meta, backendsSkipped(opts.backend));
  delete meta.ended;
  delete meta.message;
  delete meta.first_step_ms;
  if (point.kind === 'start-over') {
    meta.checkpoints = {};
    writeMeta(paths, meta);
    return timed(paths, meta, since, drive(paths, meta, plan, engine, new MetricsWriter(paths.metrics, outputs), undefined, opts, stop));
  }
  const { saved } = point;
  const loop = (saved.loopState ?? {}) as { sampler?: SamplerState; swapsSinceRow?: number };
  const state: TrainingState = {
    step: saved.step,
    net: saved.net,
    optimizer: saved.optimizer,
    ...(loop.sampler ? { sampler: loop.sampler } : {}),
    swapsSinceRow: loop.swapsSinceRow ?? 0,
  };
  writeMeta(paths, meta);
  return timed(paths, meta, since, drive(paths, meta, plan, engine, new MetricsWriter(paths.metrics, point.outputs, true), state, opts, stop));
}

/**
 * Adds this session's time to meta.json once the loop has ended (completed, stopped, diverged or
 * failed), and says where the run stopped.
 */
async function timed(paths: RunPaths, meta: RunMeta, since: Date, run: Promise<Omit<RunOutcome, 'stepsDone'>>): Promise<RunOutcome> {
  const record = () => {
    addSessionTime(meta, since);
    if (existsSync(paths.root)) writeMeta(paths, meta);
  };
  try {
    const outcome = await run;
    record();
    return { ...outcome, stepsDone: meta.steps_done };
  } catch (e) {
    try {
      record();
    } catch {
      // A disk that failed the run may refuse this too; the failure is what the user must see.
    }
    throw e;
  }
}

/**
 * Runs `work` holding the run's lock, with signals stopping training instead of the process, and
 * lets go of both on every way out. A file-system error becomes one line naming the path.
 */
async function owning(paths: RunPaths, given: StopSignals | undefined, work: (stop: StopSignals) => Promise<RunOutcome>): Promise<RunOutcome> {
  const lock = acquireRunLock(paths);
  const stop = given ?? catchStopSignals();
  stop.arm();
  try {
    return await work(stop);
  } catch (e) {
    throw asUserError(e);
  } finally {
    stop.finish();
    if (!given) stop.dispose();
    lock.release();
  }
}

/** Whether this process has recorded its start-up in a run already (a later run has none to report). */
let startupReported = false;

/** Runs the loop with the run directory as its sink; a run that fails is marked `failed`. */
async function drive(
  paths: RunPaths,
  meta: RunMeta,
  plan: TrainingPlan,
  engine: EngineChoice,
  metrics: MetricsWriter,
  resume: TrainingState | undefined,
  opts: { progressStream?: NodeJS.WriteStream; stopAfter?: number; member?: PopulationMember },
  stop: StopSignals,
): Promise<Omit<RunOutcome, 'stepsDone'>> {
  // The engine line before the bar: on a terminal the bar draws its 0 % at once and holds the
  // line, so a line written after it would be printed onto the end of the bar.
  if (!opts.member) process.stderr.write(`bimt: engine ${engine.name} (${engine.why})\n`);
  const progress = opts.member ? { update: () => {}, stop: () => {} } : createProgress(plan.schedule.steps, opts.progressStream, resume?.step ?? 0);
  const labels = { inputs: plan.task.inputLabels, outputs: plan.task.outputLabels };
  if (!opts.member) stop.onStop = () => progress.stop();
  let stepNow = resume?.step ?? 0;
  try {
    const result = await trainLoop(
      plan,
      {
        onMetrics: (row) => metrics.append(row),
        onCheckpoint: (state) => {
          // The training state first: a checkpoint on disk always has its state beside it.
          const stateFile = statePath(paths, state.step);
          writeCheckpoint(stateFile, {
            step: state.step,
            net: state.net,
            optimizer: state.optimizer,
            loopState: { sampler: state.sampler, swapsSinceRow: state.swapsSinceRow },
          });
          const file = checkpointPath(paths, state.step);
          writeCheckpoint(file, { step: state.step, net: state.net });
          const snapshot = snapshotRecord(state.step, networkGraph(state.net, labels, plan.output.snapshotThreshold));
          writeFileAtomic(snapshotPath(paths, state.step), `${JSON.stringify(snapshot)}\n`);
          meta.checkpoints[basename(stateFile)] = sha256(stateFile);
          meta.checkpoints[basename(file)] = sha256(file);
          meta.steps_done = state.step;
          writeMeta(paths, meta);
        },
        onStep: (step, row) => {
          // performance.now() counts from the process's start, module loading included; only the
          // process's first run has a start-up to report (bimt reproduce trains several).
          if (!startupReported) {
            meta.first_step_ms = Math.round(performance.now());
            startupReported = true;
          }
          stepNow = step;
          if (stop.received === undefined) progress.update(step, row);
          opts.member?.onStep?.(step, row);
        },
      },
      {
        ...(resume ? { resume } : {}),
        engine: opts.member?.make ?? engine.name,
        shouldStop: () => stop.received !== undefined || (opts.stopAfter !== undefined && stepNow >= opts.stopAfter),
      },
    );
    progress.stop();
    Object.assign(meta, { status: result.status, steps_done: result.stepsDone, ended: new Date().toISOString() });
    if (result.status === 'diverged') meta.message = `loss or parameters became non-finite by step ${result.stepsDone}`;
    writeMeta(paths, meta);
    return { paths, status: result.status, lastRow: result.lastRow };
  } catch (e) {
    progress.stop();
    const failure = asUserError(e);
    Object.assign(meta, { status: 'failed', ended: new Date().toISOString(), message: failure instanceof Error ? failure.message : String(failure) });
    try {
      writeMeta(paths, meta);
    } catch {
      // The disk that failed the run may fail this too: meta.json then still says `running`, and
      // with the lock released the run reads as killed, which --resume continues all the same.
    }
    throw failure;
  }
}

/** meta.json's `backends_skipped`, present only when a faster backend was passed over. */
function backendsSkipped(backend: RunBackend): Pick<RunMeta, 'backends_skipped'> {
  const skipped = skippedRecord(backend);
  return Object.keys(skipped).length > 0 ? { backends_skipped: skipped } : {};
}
