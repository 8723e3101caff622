// A master seed given by an override is a new draw of the whole run: the sub-seeds a config pins
// follow it unless they are overridden too, and the run's config.yaml writes every seed it used.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, parseConfig } from '../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-seeds-'));
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8', timeout: 120_000 });
const short = ['--set', 'train.steps=2', '--set', 'output.eval_every=1', '--runs-dir', dir];
const seeds = (file: string, sets: string[]) => {
  const c = loadConfig(file, sets).config;
  return [c.seed, c.task.seed, c.model.seed];
};

describe('seeds', () => {
  it('--set seed moves the sub-seeds a config pins (two-moons pins data 1, model 2)', () => {
    expect(seeds('configs/two-moons.yaml', [])).toEqual([1, 1, 2]);
    expect(seeds('configs/two-moons.yaml', ['seed=3'])).toEqual([3, 3, 3]);
  });

  it('a sub-seed set beside the master seed stays pinned, whatever the order', () => {
    expect(seeds('configs/two-moons.yaml', ['seed=7', 'model.seed=2'])).toEqual([7, 7, 2]);
    expect(seeds('configs/two-moons.yaml', ['task.seed=1', 'seed=7'])).toEqual([7, 1, 7]);
  });

  it('a sub-seed override alone leaves the master seed and the other pin as they are', () => {
    expect(seeds('configs/two-moons.yaml', ['model.seed=9'])).toEqual([1, 1, 9]);
  });

  it('a run trained with --set seed draws other data and weights, and writes the seeds it used', () => {
    const a = bimt('train', 'configs/two-moons.yaml', ...short, '--name', 'file-seeds');
    const b = bimt('train', 'configs/two-moons.yaml', '--set', 'seed=3', ...short, '--name', 'seed3');
    expect([a.status, b.status]).toEqual([0, 0]);
    expect(b.stderr).not.toMatch(/warning/);
    const saved = parse(readFileSync(join(dir, 'seed3', 'config.yaml'), 'utf8'));
    expect([saved.seed, saved.task.seed, saved.model.seed]).toEqual([3, 3, 3]);
    // The first metrics row (step 0) depends on data and initialisation: it must differ.
    const row0 = (run: string) => readFileSync(join(dir, run, 'metrics.csv'), 'utf8').split('\n')[1];
    expect(row0('seed3')).not.toEqual(row0('file-seeds'));
  });

  it('resolves sub-seeds from the master seed unless pinned', () => {
    const text = 'seed: 9\ntask: { kind: two-moons }\nmodel: { widths: [2, 4, 2] }\nlambda: { initial: 0 }\ntrain: { steps: 10, lr: 0.01 }\n';
    const c = parseConfig(text, 'c.yaml');
    expect([c.task.seed, c.model.seed]).toEqual([9, 9]);
    expect(parseConfig(text.replace('kind: two-moons', 'kind: two-moons, seed: 4'), 'c.yaml').task.seed).toBe(4);
  });
});
