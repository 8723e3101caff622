/**
 * Loading a config file: YAML (with the files it extends) -> `--set` overrides -> schema
 * validation -> resolution -> a check against its task. Every problem becomes one BimtError line
 * that names the file, the line:column of the offending key, the key path and what is allowed, e.g.
 *
 *   configs/x.yaml:14:3: train.stepz: unknown key (allowed: steps, lr, batch, beta1, beta2, eps)
 *
 * A key inherited through `extends` is named at its line in the base file. A problem in a value
 * given by `--set` names that argument instead of a line.
 */
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { ConfigValueError, BimtError } from '../errors.js';
import { buildTask, TASKS } from '../tasks/registry.js';
import type { BuildLimits } from '../tasks/task.js';
import { runNameFromFileName } from './run-name.js';
import { quote } from '../util/excerpt.js';
import { MAX_CONFIG_BYTES, readRegularFile } from '../util/files.js';
import { allowedKeys, describeIssue, pickIssue } from './issues.js';
import { locate, mergeLayers, readLayers, type Layer } from './layers.js';
import { applyOverrides, parseOverride, type Override } from './overrides.js';
import { getOwn, isPlainObject, type PlainObject } from './plain.js';
import { planTraining, type TrainingPlan } from './plan.js';
import { isResolveIssue, resolveConfig, type ResolvedConfig } from './resolve.js';
import { configSchema } from './schema.js';
import { bimtCommand } from '../util/invocation.js';

/**
 * A config and its training plan. Loading checks a config by planning it, so it hands the plan
 * on: the task is built once per process (MNIST's takes about half a second) and passed down to
 * training, resume, prune and plot, none of which plans again.
 */
export interface PlannedConfig {
  readonly config: ResolvedConfig;
  /** planTraining of `config` on its task. */
  readonly plan: TrainingPlan;
}

export interface LoadedConfig extends PlannedConfig {
  /** The file it came from. */
  readonly file: string;
}

/** An override: `key.path=value` as given to `--set`, or one already parsed (a sweep's point). */
export type ConfigSet = string | Override;

export function loadConfig(file: string, sets: readonly ConfigSet[] = [], limits?: BuildLimits): LoadedConfig {
  return { ...readConfig(readConfigText(file), file, sets, limits), file };
}

/** Parses config text; `file` is used for messages, the default run name and `extends` paths. */
export function parseConfig(text: string, file: string, sets: readonly ConfigSet[] = []): ResolvedConfig {
  return readConfig(text, file, sets).config;
}

/** parseConfig with the plan it checked the config by. */
export function parsePlannedConfig(text: string, file: string, sets: readonly ConfigSet[] = []): PlannedConfig {
  return readConfig(text, file, sets);
}

/** What a sweep file holds: the config it sweeps, as one document, and its `sweep:` section. */
export interface SweepFile {
  /**
   * The config with the files it extends merged in and its task's paths made absolute, before any
   * override: written into the sweep directory, it loads (parseConfig) to the same config from
   * anywhere, whatever happens to the file later.
   */
  readonly document: PlainObject;
  /** The file's own `sweep:` section, unchecked (src/sweep/ checks it), if it has one. */
  readonly sweep: unknown;
  /** `path:line:col` of a key of the `sweep:` section, for messages. */
  readonly locate: (path: readonly (string | number)[]) => string;
}

/**
 * Reads a config for `bimt sweep`: the config file itself (checked with `sets` applied, as `bimt
 * train` would) and its `sweep:` section, which only the file asked for may have.
 */
export function readSweepFile(file: string, sets: readonly ConfigSet[]): SweepFile {
  const text = readConfigText(file);
  const layers = readLayers(text, file);
  const { sweep, ...own } = layers[0]!.plain;
  const withoutSweep = [{ ...layers[0]!, plain: own }, ...layers.slice(1)];
  checkConfig(withoutSweep, file, sets.map(asOverride));
  return {
    document: resolveTaskPaths(mergeLayers(withoutSweep), withoutSweep, []),
    sweep,
    locate: (path) => locate(layers, ['sweep', ...path]),
  };
}

function readConfigText(file: string): string {
  return readRegularFile(file, 'config file', MAX_CONFIG_BYTES).toString('utf8');
}

function asOverride(set: ConfigSet): Override {
  return typeof set === 'string' ? parseOverride(set) : set;
}

function readConfig(text: string, file: string, sets: readonly ConfigSet[], limits?: BuildLimits): PlannedConfig {
  const layers = readLayers(text, file);
  const sweep = getOwn(layers[0]!.plain, 'sweep');
  if (sweep !== undefined) {
    throw new BimtError(`${locate(layers, ['sweep'])}: sweep: this file describes a sweep of runs; run it with: ${bimtCommand('sweep', file)}`);
  }
  return checkConfig(layers, file, sets.map(asOverride), limits);
}

function checkConfig(layers: readonly Layer[], file: string, overrides: readonly Override[], limits?: BuildLimits): PlannedConfig {
  const fromFiles = mergeLayers(layers);
  const merged = resolveTaskPaths(applyOverrides(unpinSeeds(fromFiles, overrides), overrides), layers, overrides);

  const located = (path: readonly (string | number)[], message: string, unknownKey?: string): BimtError => {
    const full = unknownKey === undefined ? path : [...path, unknownKey];
    // Only an unknown key is wholly the work of an override below it (`--set model.foo.bar=1`
    // makes `foo`); any other value at the path came from the file, with an override of one of
    // its entries perhaps (the wrong entry may be either's).
    const o = overrideFor(overrides, full, unknownKey !== undefined);
    // A key is printed as written unless it could break the line or flood it (a newline, 10 kB).
    const key = full.map((k) => (typeof k === 'string' && !/^[\w-]{1,60}$/.test(k) ? quote(k) : String(k))).join('.') || '(top level)';
    if (o) return new BimtError(`${o.label}: ${key}: ${message}`);
    // An override of an entry inside the value had a hand in it, whichever part is wrong: name both.
    const inside = overrideFor(overrides, full, true);
    return new BimtError(`${locate(layers, full)}${inside ? ` (with ${inside.label})` : ''}: ${key}: ${message}`);
  };

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = pickIssue(parsed.error.issues);
    const path = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(path, merged);
      throw located(path, `unknown key${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`, issue.keys[0]);
    }
    throw located(path, describeIssue(issue, path, merged));
  }
  const fallbackName = runNameFromFileName(basename(file, extname(file)));
  const resolved = resolveConfig(parsed.data, fallbackName);
  if (isResolveIssue(resolved)) {
    const steps = overrideFor(overrides, ['train', 'steps']);
    throw located(resolved.path, resolved.message + (steps ? ` (train.steps comes from ${steps.label})` : ''));
  }
  try {
    // Widths against the task's inputs and outputs, formulas against their data: building the
    // task and planning the training here (both small: no coefficient is computed) reports these
    // at the config's lines rather than later, unlocated. The plan is the one training uses.
    return { config: resolved, plan: planTraining(resolved, buildTask(resolved, limits)) };
  } catch (e) {
    if (e instanceof ConfigValueError) throw located(e.path, e.detail);
    throw e;
  }
}

/**
 * The task's file paths (a table task's `path`, `test_path`: the task's `pathKeys`) made absolute:
 * a path written in a config file is relative to that file, as `extends` is (the layer the value
 * came from, so a base config's data path is relative to the base), and one given by `--set` to
 * the current directory, as any command-line path. The resolved config then holds absolute paths,
 * so a run's config.yaml loads from the run directory, or from anywhere.
 */
function resolveTaskPaths(merged: PlainObject, layers: readonly Layer[], overrides: readonly Override[]): PlainObject {
  const task = getOwn(merged, 'task');
  if (!isPlainObject(task)) return merged;
  const keys = TASKS.find((t) => t.kind === getOwn(task, 'kind'))?.pathKeys ?? [];
  let out: PlainObject | undefined;
  for (const key of keys) {
    const value = getOwn(task, key);
    if (typeof value !== 'string' || value === '' || isAbsolute(value)) continue;
    const from = overrideFor(overrides, ['task', key]) ? undefined : layers.find((l) => {
      const t = getOwn(l.plain, 'task');
      return isPlainObject(t) && getOwn(t, key) !== undefined;
    });
    out ??= { ...task };
    out[key] = from ? resolve(dirname(from.file), value) : resolve(value);
  }
  return out ? { ...merged, task: out } : merged;
}

/**
 * A master seed given by an override (`--set seed=3`, a sweep's seeds) is a new draw of the whole
 * run: the sub-seeds a file pins (two-moons pins its notebook's data and model seeds) follow it
 * unless an override pins them too (docs/design.md, "Config resolution"). Without this, a changed
 * master seed on such a config would change nothing, and a sweep over seeds would train one
 * network N times.
 */
function unpinSeeds(fromFiles: PlainObject, overrides: readonly Override[]): PlainObject {
  if (!overrideFor(overrides, ['seed'])) return fromFiles;
  let out = fromFiles;
  for (const section of ['task', 'model']) {
    const values = getOwn(out, section);
    if (!isPlainObject(values) || getOwn(values, 'seed') === undefined || overrideFor(overrides, [section, 'seed'])) continue;
    const { seed: _pinned, ...rest } = values;
    out = { ...out, [section]: rest };
  }
  return out;
}

/**
 * The override that set this path (or one of its parents), if any: the last one wins. With
 * `orBelow`, also one that set something inside it (it created the unknown key at `path`).
 */
function overrideFor(overrides: readonly Override[], path: readonly (string | number)[], orBelow = false): Override | undefined {
  const prefix = (a: readonly (string | number)[], b: readonly (string | number)[]) => a.every((p, i) => String(b[i]) === String(p));
  return [...overrides].reverse().find((o) => path.length > 0 && (prefix(o.path, path) || (orBelow && prefix(path, o.path))));
}

