/**
 * A new sweep from a config file and the command line: the grid (`--grid`, `--seeds`, or the
 * file's `sweep:` section, the command line winning key by key), the launcher and its options, and
 * every point's config checked before anything runs, so a bad key or value in the grid is refused
 * in one line naming it rather than failing one point after minutes.
 */
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { BackendName } from '../backend.js';
import { stringify } from 'yaml';
import { parseConfig, readSweepFile } from '../config/load.js';
import { getOwn, type PlainObject } from '../config/plain.js';
import { checkRunName, runNameFromFileName } from '../config/run-name.js';
import { BimtError } from '../errors.js';
import { commandLine } from '../runs/run-record.js';
import { ensureRunsDir, timestampedNames } from '../runs/run-dir.js';
import { VERSION } from '../version.js';
import { expandGrid, parseGridArg, parseSeeds, pointOverrides, SEED_KEY, yamlAxis, type Axis } from './grid.js';
import type { BatchWhen } from './population.js';
import { scriptWord } from './slurm.js';
import { createSweepDir, launcherSchema, type LauncherSpec, type SlurmOptions, type Sweep } from './sweep-dir.js';
import { bimtPrefix } from '../util/invocation.js';

export type LauncherKind = LauncherSpec['kind'];

export interface SweepRequest {
  readonly file: string;
  readonly sets: readonly string[];
  readonly grid: readonly string[];
  readonly seeds?: string;
  readonly launcher?: LauncherKind;
  readonly jobs?: number;
  readonly slurm: Partial<SlurmOptions>;
  readonly name?: string;
  readonly runsDir?: string;
  readonly backend?: BackendName;
  /** Train points of one shape as one batch in this process (src/sweep/population.ts). */
  readonly population?: BatchWhen;
  /** What the directory is called after the config's name: `sweep` (default), `population` for bimt train's. */
  readonly word?: 'sweep' | 'population';
}

/** A config file's `sweep:` section. */
const sectionSchema = z.strictObject({
  /** key: [values], keys dotted as in --set. */
  grid: z.record(z.string(), z.unknown()).optional(),
  /** 0..7, "0,3,5", 4 or a list. */
  seeds: z.union([z.string(), z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).optional(),
  launcher: z.enum(['local', 'slurm']).optional(),
  jobs: z.number().int().positive().optional(),
  slurm: launcherSchema.options[1].omit({ kind: true }).partial().optional(),
});

export function createSweep(req: SweepRequest): Sweep {
  const file = readSweepFile(req.file, req.sets);
  const section = readSection(file.sweep, file.locate);
  const axes = gridAxes(req, section, file.locate);
  const points = expandGrid(axes);
  // Every point's config, checked as `bimt train` would check it (lines of the file, the grid entry).
  for (const point of points) readSweepFile(req.file, [...req.sets, ...pointOverrides(axes, point)]);

  const population = parseConfig(stringify(file.document), req.file, [...req.sets, ...pointOverrides(axes, points[0]!)]).train.population ?? 1;
  if (population > 1) {
    throw new BimtError(`train.population: ${population}: a sweep's points are single networks; to train them together give --population (or use ${bimtPrefix()} train for a population of seeds)`);
  }
  const prefix = (getOwn(file.document, 'name') as string | undefined) ?? runNameFromFileName(basename(req.file, extname(req.file)));
  const document: PlainObject = { ...file.document, name: prefix };
  const runsDir = req.runsDir ?? (getOwn(getOwn(document, 'output') ?? {}, 'runs_dir') as string | undefined) ?? 'runs';
  if (req.name !== undefined) checkRunName(req.name, '--name');
  const launcher = launcherOf(req, section);
  // The Slurm launcher writes the sweep directory into a shell script: a runs directory it cannot
  // carry (a line break) is refused here, before anything is made.
  if (launcher.kind === 'slurm') scriptWord(resolve(runsDir), req.runsDir !== undefined ? '--runs-dir' : 'output.runs_dir');
  ensureRunsDir(runsDir);
  const spec = {
    bimt_version: VERSION,
    created: new Date().toISOString(),
    command: commandLine(),
    config_file: req.file,
    sets: [...req.sets],
    grid: axes.map((a) => ({ key: a.key, values: [...a.values], origin: a.origin })),
    launcher,
    ...(req.backend ? { backend: req.backend } : {}),
    config: document,
  };
  if (req.name !== undefined) return createSweepDir(join(runsDir, req.name), spec);
  // A timestamped name; the next free one when two sweeps start within the same second.
  for (const name of timestampedNames(`${prefix}-${req.word ?? 'sweep'}`, new Date())) {
    try {
      return createSweepDir(join(runsDir, name), spec);
    } catch (e) {
      if (!(e instanceof BimtError && /exists already/.test(e.message))) throw e;
    }
  }
  throw new BimtError(`could not find a free sweep directory name for ${prefix}-${req.word ?? 'sweep'} in ${runsDir}`);
}

type Section = z.infer<typeof sectionSchema>;

function readSection(raw: unknown, locate: (path: readonly (string | number)[]) => string): Section {
  if (raw === undefined || raw === null) return {};
  const parsed = sectionSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path as (string | number)[];
  const allowed = path.length === 0 ? Object.keys(sectionSchema.shape) : path[0] === 'slurm' ? Object.keys(launcherSchema.options[1].shape).filter((k) => k !== 'kind') : [];
  const what = issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys[0]}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}` : issue.message;
  const at = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path;
  throw new BimtError(`${locate(at)}: sweep${path.length ? `.${path.join('.')}` : ''}: ${what}`);
}

/** The file's axes in order, each replaced by a --grid of the same key; other --grid axes after; seeds last. */
function gridAxes(req: SweepRequest, section: Section, locate: (path: readonly (string | number)[]) => string): Axis[] {
  const cli = req.grid.map(parseGridArg);
  if (cli.some((a) => a.key === SEED_KEY) && req.seeds !== undefined) {
    throw new BimtError('--grid seed=... and --seeds both sweep the seed; give one of them');
  }
  const fromFile = Object.entries(section.grid ?? {}).map(([key, values]) => yamlAxis(key, values, `${locate(['grid', key])} (sweep.grid)`));
  const axes = fromFile.map((a) => cli.find((c) => c.key === a.key) ?? a);
  axes.push(...cli.filter((c) => !fromFile.some((a) => a.key === c.key)));
  const seeds =
    req.seeds !== undefined
      ? parseSeeds(req.seeds)
      : section.seeds !== undefined
        ? yamlAxis(SEED_KEY, typeof section.seeds === 'number' ? [section.seeds] : section.seeds, `${locate(['seeds'])} (sweep.seeds)`)
        : undefined;
  if (seeds) {
    const i = axes.findIndex((a) => a.key === SEED_KEY);
    if (i >= 0) axes.splice(i, 1); // --seeds replaces the file's grid entry for seed
    axes.push(seeds);
  }
  return axes;
}

function launcherOf(req: SweepRequest, section: Section): LauncherSpec {
  if (req.population) {
    const other = req.launcher === 'slurm' ? '--launcher slurm' : req.jobs !== undefined ? '--jobs' : Object.keys(req.slurm)[0] && `--${Object.keys(req.slurm)[0]!.replace(/_/g, '-')}`;
    if (other) throw new BimtError(`--population trains the points in this process, as one batch; ${other} cannot be used with it`);
    return { kind: 'population', batch: req.population };
  }
  const kind = req.launcher ?? section.launcher ?? 'local';
  if (kind === 'local') {
    const slurmFlags = Object.keys(req.slurm);
    if (slurmFlags.length > 0) throw new BimtError(`--${slurmFlags[0]!.replace(/_/g, '-')} is an option of the slurm launcher; add --launcher slurm`);
    return { kind: 'local', jobs: req.jobs ?? section.jobs ?? availableParallelism() };
  }
  if (req.jobs !== undefined) throw new BimtError('--jobs is an option of the local launcher; with --launcher slurm, limit points at once with --throttle');
  const merged = { ...section.slurm, ...req.slurm };
  return { kind: 'slurm', cpus_per_task: merged.cpus_per_task ?? 1, args: merged.args ?? [], ...(merged.partition ? { partition: merged.partition } : {}), ...(merged.time ? { time: merged.time } : {}), ...(merged.throttle ? { throttle: merged.throttle } : {}) };
}
