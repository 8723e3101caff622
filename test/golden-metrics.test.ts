// Golden metrics: every shipped config, and a few other engines and code paths, trains a short
// run through the real CLI to a metrics.csv byte-identical to the one in test/fixtures/golden/
// (made by its generate.mjs; the runs are listed once, in its plan.mjs). A change that moves any
// number, in any digit, on the same engine and backend fails here; one that means to must
// regenerate the fixtures and say in its commit why the numbers changed.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMeta, runPaths } from '../src/runs/run-dir.js';
import { runBimt } from './cli-run.js';
import { GOLDEN_DIR, REGENERATE, goldenRuns, shippedConfigs, trainArgs, type GoldenRun, type UninstalledRun } from './fixtures/golden/plan.mjs';

/** What generate.mjs recorded for each run: its overrides, and the engine and backend it ran on. */
interface Recorded {
  readonly config: string;
  readonly sets: readonly string[];
  readonly engine: string;
  readonly backend: string;
}

const index = JSON.parse(readFileSync(join(GOLDEN_DIR, 'index.json'), 'utf8')) as Record<string, Recorded>;
const runs = goldenRuns();
// A run whose data a system package installs is checked where that package is (.ci/run installs it).
const present = runs.filter((r): r is GoldenRun => !('missing' in r));
const absent = runs.filter((r): r is UninstalledRun => 'missing' in r).map((r) => [r.name, r.missing] as const);
const runsDir = mkdtempSync(join(tmpdir(), 'bimt-golden-'));
const HOW = `Only if the change is deliberate: regenerate from the repository root with ${REGENERATE}, and justify every change of numbers in the commit message (test/fixtures/golden/README.md).`;

describe('golden metrics', () => {
  it('has a fixture for every run of the plan, made with the same overrides, and no other', () => {
    expect(runs.map((r) => r.config)).toEqual(expect.arrayContaining(shippedConfigs().map((f) => f.split('\\').join('/'))));
    // A run that cannot be loaded here has no overrides to compare: its recorded ones stand.
    const planned = Object.fromEntries(runs.map((r) => [r.name, { config: r.config, sets: 'sets' in r ? r.sets : index[r.name]?.sets }]));
    const recorded = Object.fromEntries(Object.entries(index).map(([name, r]) => [name, { config: r.config, sets: r.sets }]));
    expect(recorded, `test/fixtures/golden/index.json does not match plan.mjs (a config added or removed, an override changed). ${HOW}`).toEqual(planned);
    const csvs = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.csv')).sort();
    expect(csvs, `the fixtures are not those of index.json. ${HOW}`).toEqual(Object.keys(index).map((n) => `${n}.csv`).sort());
  });

  it.skip.each(absent)('%s trains to the same metrics.csv, byte for byte: skipped, its data %s is not installed', () => {});

  it.each(present.map((r) => [r.name, r] as const))('%s trains to the same metrics.csv, byte for byte', async (name, run) => {
    const want = index[name];
    expect(want, `no fixture for ${name}. ${HOW}`).toBeDefined();
    const r = await runBimt(trainArgs(run, want.backend, runsDir));
    expect(r.status, r.stderr).toBe(0);
    const paths = runPaths(join(runsDir, name));
    const meta = readMeta(paths);
    // The fixture holds only on the engine and backend it was made on.
    expect({ engine: meta.engine, backend: meta.backend }, `${name} ran on another engine or backend than its fixture`).toEqual({ engine: want.engine, backend: want.backend });
    const got = readFileSync(paths.metrics, 'utf8');
    const fixture = join(GOLDEN_DIR, `${name}.csv`);
    expect(got, `${paths.metrics} differs from ${fixture}: the same config on the same engine (${want.engine}) and backend (${want.backend}) trained to other numbers. ${HOW}`).toBe(readFileSync(fixture, 'utf8'));
  });
});
