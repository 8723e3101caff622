/**
 * What a resume checks before it trusts a run directory, and what it sets right. Every problem
 * either refuses the resume with a one-line reason (a BimtError naming the file) or is repaired
 * exactly and reported as one line, so that a resumed run never finishes "completed" with
 * silently wrong contents:
 *
 *   config.yaml, meta.json, metrics.csv   must be the run's own regular files, not symbolic links
 *   config.yaml                           must hash to meta.json's config_sha256 (not edited since)
 *   data files (CSV, IDX)                 must have the size and sha256 of meta.json's data_files
 *   .<name>.<pid>.<n>.tmp                 temporary files of a write cut off by a kill: removed
 *                                         (once nothing refused the resume)
 *   state files                           the newest one with a checksum in meta.json that matches;
 *                                         one without a checksum (a save cut off by a kill, or an
 *                                         edited meta.json) is not used; a mismatch refuses
 *   files of later steps                  removed: training writes them again
 *   metrics.csv                           must exist and hold exactly the rows up to the state's
 *                                         step; later rows and a row cut off mid-write are dropped
 */
import { lstatSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { BimtError } from '../errors.js';
import type { Architecture } from '../model/network.js';
import type { DataFile } from '../tasks/task.js';
import { writeFileAtomic } from './atomic.js';
import { stepOfFileName, type Checkpoint, type OptimizerState } from './checkpoint.js';
import { readMetricsFile, type ParsedMetrics } from './metrics.js';
import { readVerifiedCheckpoint, sha256 } from './open.js';
import { listStates, statePath, type RunMeta, type RunPaths } from './run-dir.js';

/** What the run's config says metrics.csv must hold. */
export interface MetricsLayout {
  /** Per-output loss pairs in the header (metrics.ts `lossOutputs`). */
  readonly outputs: number;
  readonly evalEvery: number;
  readonly totalSteps: number;
}

export type ResumePoint =
  /** Continue from a verified state, appending rows with `outputs` per-output loss pairs. */
  | {
      readonly kind: 'state';
      readonly file: string;
      readonly saved: Checkpoint & { readonly optimizer: OptimizerState };
      readonly outputs: number;
      readonly repairs: string[];
    }
  /** No usable state: train again from step 0 in the same directory (deterministic, so exact). */
  | { readonly kind: 'start-over'; readonly repairs: string[] };

/** meta.json's record of a run's data files (a list: its keys stay snake_case, not paths). */
export function dataFilesRecord(files: readonly DataFile[]): NonNullable<RunMeta['data_files']> {
  return files.map((f) => ({ path: f.file, size: f.size, sha256: f.sha256 }));
}

/**
 * The data files the resumed run has just read against those it started with: a file edited,
 * replaced or added since refuses the resume in one line naming it. A run from before bimt recorded
 * its data resumes as before; the repair line says so once and the files are recorded from now on.
 */
export function checkDataFiles(paths: RunPaths, meta: RunMeta, files: readonly DataFile[]): string[] {
  if (meta.data_files === undefined) {
    if (files.length === 0) return [];
    meta.data_files = dataFilesRecord(files);
    return [`${paths.meta}: no checksums of the data files (a run from an older bimt); the data was not checked against what the run started with`];
  }
  for (const f of files) {
    const was = meta.data_files.find((d) => d.path === f.file);
    if (was === undefined) {
      throw new BimtError(`${f.file}: not among the data files the run started with (data_files in meta.json); train a new run with this data`);
    }
    if (was.size !== f.size || was.sha256 !== f.sha256) {
      const how = was.size !== f.size ? `${f.size} bytes, ${was.size} when the run started` : 'its sha256 differs from data_files in meta.json';
      throw new BimtError(`${f.file}: the data changed since the run started (${how}); restore it, or train a new run with the changed data`);
    }
  }
  return [];
}

/**
 * Checks made before the run's config is read: the run's files are its own, config.yaml is the
 * one the run started with. Changes no file; records the config's checksum in `meta` for runs
 * made before bimt recorded it, and returns that as a repair.
 */
export function checkRunFiles(paths: RunPaths, meta: RunMeta): string[] {
  const repairs: string[] = [];
  for (const file of [paths.config, paths.meta, paths.metrics]) {
    const st = lstatOrUndefined(file);
    if (st?.isSymbolicLink()) throw new BimtError(`${file}: is a symbolic link; a run's files must be its own (copy the file into the run instead)`);
    if (st && !st.isFile()) throw new BimtError(`${file}: not a regular file`);
  }
  const configSha = sha256(paths.config);
  if (meta.config_sha256 === undefined) {
    repairs.push(`${paths.meta}: no checksum of config.yaml (a run from an older bimt); config.yaml is taken as it is`);
    meta.config_sha256 = configSha;
  } else if (meta.config_sha256 !== configSha) {
    throw new BimtError(`${paths.config}: changed since the run started (its sha256 differs from config_sha256 in meta.json); restore it, or train a new run with the changed config`);
  }
  return repairs;
}

/**
 * Picks the state to resume from and makes the run directory agree with it: files of later
 * steps and their checksums removed, metrics.csv cut back to the rows up to its step. Checks
 * everything before changing anything, so a refused resume leaves the directory as it was.
 */
export function chooseResumePoint(paths: RunPaths, meta: RunMeta, arch: Architecture, layout: MetricsLayout): ResumePoint {
  const repairs: string[] = [];
  let chosen: { step: number; file: string; saved: Checkpoint & { optimizer: OptimizerState } } | undefined;
  for (const step of listStates(paths).reverse()) {
    const file = statePath(paths, step);
    if (meta.checkpoints[basename(file)] === undefined) {
      repairs.push(`${relative(paths.root, file)}: no checksum in meta.json (a save cut off by a kill, or an edited meta.json); not used`);
      continue;
    }
    const saved = readVerifiedCheckpoint(file, meta, arch);
    if (!saved.optimizer) throw new BimtError(`${file}: holds no optimizer state; cannot resume from it`);
    if (saved.step !== step) throw new BimtError(`${file}: holds step ${saved.step}, not ${step}`);
    chosen = { step, file, saved: { ...saved, optimizer: saved.optimizer } };
    break;
  }
  const step = chosen?.step ?? -1;
  const metrics = chosen && checkMetrics(paths.metrics, step, layout);

  const later = removeFilesAfter(paths, meta, step);
  if (later > 0) repairs.push(`removed ${later} checkpoint and snapshot file${later > 1 ? 's' : ''} of steps after ${Math.max(step, 0)}; training writes them again`);
  if (!chosen || !metrics) {
    if (later > 0) repairs.push('no saved state is usable; training again from step 0 in this directory');
    return { kind: 'start-over', repairs };
  }
  if (metrics.outputs !== layout.outputs) repairs.push(`${paths.metrics}: no per-output loss columns (a run from an older bimt); the resumed run leaves them out too`);
  const kept = metrics.rows.filter((r) => r.row.step <= step);
  const dropped = metrics.rows.length - kept.length;
  if (metrics.unterminated !== '') repairs.push(`${paths.metrics}: dropped a last row cut off mid-write`);
  if (dropped > 0) repairs.push(`${paths.metrics}: dropped ${dropped} row${dropped > 1 ? 's' : ''} after step ${step}; training writes them again`);
  if (dropped > 0 || metrics.unterminated !== '') {
    writeFileAtomic(paths.metrics, [metrics.header, ...kept.map((r) => r.line)].map((l) => `${l}\n`).join(''));
  }
  return { kind: 'state', file: chosen.file, saved: chosen.saved, outputs: metrics.outputs, repairs };
}

/** The steps a run's metrics rows have up to `step`: 0, every eval_every, and the last step. */
export function expectedRowSteps(step: number, layout: Pick<MetricsLayout, 'evalEvery' | 'totalSteps'>): number[] {
  const steps: number[] = [];
  for (let s = 0; s <= step; s += layout.evalEvery) steps.push(s);
  if (layout.totalSteps <= step && steps.at(-1) !== layout.totalSteps) steps.push(layout.totalSteps);
  return steps;
}

/** metrics.csv parsed and checked to hold exactly the rows up to `step` (refuses otherwise). */
function checkMetrics(file: string, step: number, layout: MetricsLayout): ParsedMetrics {
  if (!lstatOrUndefined(file)) throw new BimtError(`${file}: missing; the rows up to step ${step} cannot be recovered, so the run cannot be resumed`);
  const metrics = readMetricsFile(file);
  // A run from before per-output columns existed goes on without them.
  if (metrics.outputs !== layout.outputs && metrics.outputs !== 0) {
    throw new BimtError(`${file}: the header has ${metrics.outputs} per-output loss columns, the run's task ${layout.outputs}`);
  }
  const have = metrics.rows.map((r) => r.row.step).filter((s) => s <= step);
  const want = expectedRowSteps(step, layout);
  const gap = want.findIndex((s, i) => have[i] !== s);
  if (gap >= 0 || have.length !== want.length) {
    const what = gap >= 0 ? `has no row for step ${want[gap]}` : `has a row for step ${have[want.length]} that a run does not write`;
    throw new BimtError(`${file}: ${what} (rows up to the saved state at step ${step} must all be there: the file was shortened or edited); the run cannot be resumed`);
  }
  return metrics;
}

/** Removes checkpoints, states and snapshots of steps after `step`, and their checksums; returns how many. */
function removeFilesAfter(paths: RunPaths, meta: RunMeta, step: number): number {
  let n = 0;
  for (const dir of [paths.checkpoints, paths.snapshots]) {
    for (const name of listDir(dir)) {
      const s = stepOfRunFile(name);
      if (s === undefined || s <= step) continue;
      rmSync(join(dir, name), { force: true });
      n++;
    }
  }
  for (const name of Object.keys(meta.checkpoints)) {
    const s = stepOfRunFile(name);
    if (s !== undefined && s > step) delete meta.checkpoints[name];
  }
  return n;
}

/** The step of step-NNNNNN.safetensors, step-NNNNNN.state.safetensors and step-NNNNNN.json. */
function stepOfRunFile(name: string): number | undefined {
  return stepOfFileName(name.replace(/\.state\.safetensors$|\.json$/, '.safetensors'));
}

/**
 * Removes the `.<name>.<pid>.<n>.tmp` files (atomic.ts) whose writer is gone, in the run's
 * folders; returns the repair made, if any. Called once the resume is certain to go ahead.
 */
export function removeStaleTemporaryFiles(paths: RunPaths): string[] {
  let n = 0;
  for (const dir of [paths.root, paths.checkpoints, paths.snapshots]) {
    for (const name of listDir(dir)) {
      const m = /^\..+\.(\d+)\.\d+\.tmp$/.exec(name);
      // Only a process holding the run's lock writes here, and this one holds it now: any other
      // writer's temporary file is stale, whatever its pid has become since.
      if (!m || Number(m[1]) === process.pid) continue;
      rmSync(join(dir, name), { force: true });
      n++;
    }
  }
  return n > 0 ? [`removed ${n} temporary file${n > 1 ? 's' : ''} left by a write cut off by a kill`] : [];
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}
