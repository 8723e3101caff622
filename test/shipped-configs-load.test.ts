// Every config bimt ships loads with the quick look's override (train.steps=2000), so a shorter run of any of
// them keeps its schedule (steps as percentages scale with train.steps).
// docs/experiments.md's quick-look table names every config of configs/ with overrides that load, and its
// rows of a few seconds reach what it says.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { trainingSchedule } from '../src/config/plan.js';
import { readMetrics } from '../src/runs/metrics.js';
import { runBimt } from './cli-run.js';
import { missingData } from './config-data.mjs';
import { isPendingConfig } from './pending-configs.mjs';

// Configs shipped ahead of the code that loads them are left out (pending-configs.mjs).
const shipped = ['configs', 'configs/paper']
  .flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.yaml')).map((f) => `${d}/${f}`))
  .filter((f) => !isPendingConfig(f));
// Loading builds the task: a config whose data a system package installs loads where that package is.
const present = shipped.filter((f) => missingData(f) === undefined);
const absent = shipped.filter((f) => missingData(f) !== undefined).map((f) => [f, missingData(f)!] as const);

describe('shipped configs', () => {
  it('are all found', () => {
    expect(shipped).toContain('configs/two-moons.yaml');
    expect(shipped).toContain('configs/paper/fig4.yaml');
    expect(shipped.length).toBeGreaterThanOrEqual(14);
  });

  it.skip.each(absent)('%s loads with --set train.steps=2000: skipped, its data %s is not installed', () => {});

  it.each(present)('%s loads with --set train.steps=2000', (file) => {
    const { config } = loadConfig(file, ['train.steps=2000']);
    expect(config.train.steps).toBe(2000);
    for (const c of config.lambda.changes) expect(c.at).toBeLessThanOrEqual(2000);
  });

  it('a percentage step rounds down, so "50%" of 10001 steps is step 5000', () => {
    const text = 'task: { kind: two-moons }\nmodel: { widths: [2, 4, 2] }\nlambda: { initial: 0.001, changes: [{ at: "50%", set: 0.01 }] }\ntrain: { steps: 10001, lr: 0.01 }\ncost: { bias: "25%" }\n';
    const c = parseConfig(text, 'c.yaml');
    expect(c.lambda.changes[0]!.at).toBe(5000);
    expect(trainingSchedule(c).lambdaAt(4999)).toBe(0.001);
    expect(trainingSchedule(c).lambdaAt(5000)).toBe(0.01);
    expect(c.cost.bias).toBe(2500);
    expect(parseConfig(text, 'c.yaml', ['train.steps=2000']).lambda.changes[0]!.at).toBe(1000);
    expect(parseConfig(text, 'c.yaml', ['train.steps=2000', 'lambda.changes.0.at="16.15%"']).lambda.changes[0]!.at).toBe(323); // 2000 * 16.15 / 100 is 322.99999999999994 in floats
  });
});

/**
* docs/experiments.md's "A quick look at each config" table: the configs each row names and the overrides of
 * its quick-look column (`--set key=value`, parsed as the CLI would take them).
 */
function quickLookTable(): { configs: string[]; sets: string[]; reaches: string; seconds: number }[] {
  const readme = readFileSync('docs/experiments.md', 'utf8');
  const section = readme.split(/^### A quick look at each config$/m)[1]?.split(/^#{2,3} /m)[0] ?? '';
  return section
    .split('\n')
    .filter((l) => /^\| `/.test(l))
    .map((l) => {
      const [configs, look, reaches, seconds] = l.split('|').slice(1, 5);
      return {
        configs: [...configs!.matchAll(/`([\w.-]+\.yaml)`/g)].map((m) => `configs/${m[1]}`),
        sets: [...look!.matchAll(/--set ([^\s`]+)/g)].map((m) => m[1]!),
        reaches: reaches!.trim(),
        seconds: Number(seconds!.trim().split('-').at(-1)),
      };
    });
}

describe("docs/experiments.md's quick-look table", () => {
  const rows = quickLookTable();
  const topLevel = shipped.filter((f) => !f.startsWith('configs/paper/'));

  it('names every config of configs/, once', () => {
    const named = rows.flatMap((r) => r.configs);
    expect(named.length).toBeGreaterThan(0);
    expect([...named].sort()).toEqual([...topLevel].sort());
  });

  const loadable = rows.flatMap((r) => r.configs.filter((f) => missingData(f) === undefined).map((f) => [f, r.sets] as const));
  it.each(loadable)("%s loads with its quick-look overrides, a shorter run", (file, sets) => {
    expect(sets).toContain('train.steps=2000');
    const { config } = loadConfig(file, sets);
    expect(config.train.steps).toBe(2000);
  });

  // The rows of a few seconds are trained through the CLI and held to what the table says they reach.
  const quick = rows.filter((r) => r.seconds <= 5 && r.configs.length === 1).map((r) => [r.configs[0]!, r.sets, r.reaches] as const);
  it.each(quick)('%s reaches what the table says with its quick look', async (file, sets, reaches) => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-quick-look-'));
    const r = await runBimt(['train', file, ...sets.flatMap((s) => ['--set', s]), '--runs-dir', runs, '--name', 'q']);
    expect(r.status, r.stderr).toBe(0);
    const last = readMetrics(join(runs, 'q', 'metrics.csv')).at(-1)!;
    const acc = /^test accuracy (\d+) %/.exec(reaches);
    const mse = /^test MSE ([\d.e-]+)/.exec(reaches);
    expect(acc ?? mse, reaches).not.toBeNull();
    if (acc) expect(last.test_acc! * 100).toBeGreaterThanOrEqual(Number(acc[1]) - 1);
    if (mse) expect(last.test_loss).toBeLessThanOrEqual(Number(mse[1]) * 1.1);
  });
});
