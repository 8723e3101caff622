// Every config shipped in configs/ (found when the test runs, so new ones are covered) loads and
// trains a short run through the real CLI. Only the run's length changes: lambda changes and the
// bias-penalty start keep their place in the run, as fractions of the config's own steps.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { trainingSchedule } from '../src/config/plan.js';
import { readMetrics } from '../src/runs/metrics.js';
import { readMeta, runPaths } from '../src/runs/run-dir.js';
import { runBimt } from './cli-run.js';
import { missingData } from './config-data.mjs';
import { isPendingConfig } from './pending-configs.mjs';

// Configs shipped ahead of the code that loads them are left out (pending-configs.mjs).
const files = (readdirSync('configs', { recursive: true }) as string[])
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join('configs', f))
  .filter((f) => !isPendingConfig(f))
  .sort();
// A config whose data a system package installs trains where that package is (.ci/run installs it).
const present = files.filter((f) => missingData(f) === undefined);
const absent = files.filter((f) => missingData(f) !== undefined).map((f) => [f, missingData(f)!] as const);
const runs = mkdtempSync(join(tmpdir(), 'bimt-configs-'));

/** The overrides that shorten a config to `steps`, its schedule scaled to the shorter run. */
function shortened(file: string, steps: number): string[] {
  const { config } = loadConfig(file);
  const pct = (at: number) => `${(100 * at) / config.train.steps}%`;
  return [
    `train.steps=${steps}`,
    ...config.lambda.changes.map((c, i) => `lambda.changes.${i}.at=${pct(c.at)}`),
    ...(typeof config.cost.bias === 'number' ? [`cost.bias=${pct(config.cost.bias)}`] : []),
  ];
}

describe('shipped configs', () => {
  it('are found: the top-level ones and the paper figures', () => {
    expect(files).toContain(join('configs', 'two-moons.yaml'));
    expect(files.some((f) => f.startsWith(join('configs', 'paper')))).toBe(true);
  });

  it.skip.each(absent)('%s trains a short run through the CLI: skipped, its data %s is not installed', () => {});

  it.each(present)('%s trains a short run through the CLI', async (file) => {
    // Past the first swap (every 200 in the shipped configs); modular addition's full batch of
    // 2784 rows is slow enough that a few steps must do.
    const steps = loadConfig(file).config.task.kind === 'modular-addition' ? 20 : 250;
    const sets = shortened(file, steps);
    const name = file.replace(/[/\\]/g, '_').replace(/\.yaml$/, '');
    const r = await runBimt(['train', file, ...sets.flatMap((s) => ['--set', s]), '--runs-dir', runs, '--name', name]);
    expect(r.stderr).toMatch(/^bimt: backend \S+/);
    expect(r.status, r.stderr).toBe(0);
    const paths = runPaths(join(runs, name));
    expect(r.stdout).toContain(`completed: ${paths.root}\n`);

    const want = loadConfig(file, sets).config;
    expect(readMeta(paths)).toMatchObject({ status: 'completed', steps_done: steps, task: want.task.kind });
    // The run recorded the config it was given (the name aside: it defaults to the file's;
    // and output.runs_dir, which records the directory the run actually went to).
    const { name: _recorded, ...recorded } = loadConfig(paths.config).config;
    const { name: _given, ...given } = want;
    expect(recorded).toEqual({ ...given, output: { ...given.output, runs_dir: runs } });

    const rows = readMetrics(paths.metrics);
    expect(rows.at(-1)!.step).toBe(steps);
    // Accuracies are empty for regression tasks; everything else is a finite number.
    for (const row of rows) {
      const { output_losses: perOutput, ...common } = row;
      const cells = { ...common, ...Object.fromEntries((perOutput?.train ?? []).map((v, i) => [`train_loss_${i + 1}`, v])), ...Object.fromEntries((perOutput?.test ?? []).map((v, i) => [`test_loss_${i + 1}`, v])) };
      for (const [key, v] of Object.entries(cells)) if (v !== null) expect(Number.isFinite(v), `${key} at step ${row.step}`).toBe(true);
    }
    if (want.swap.every > 0 && want.swap.every <= steps) expect(rows.reduce((n, row) => n + row.swaps, 0)).toBeGreaterThan(0);
    expect(rows.at(-1)!.lambda).toBe(trainingSchedule(want).lambdaAt(steps - 1));
  });
});
