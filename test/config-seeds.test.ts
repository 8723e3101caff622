// A master seed given by --set does not reach sub-seeds the config pins: bimt says so, and the
// run's config.yaml writes every seed it used.
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
const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('bimt: warning:'));

describe('seeds', () => {
  it('warns when --set seed leaves pinned task.seed and model.seed as they are', () => {
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'seed=3', ...short, '--name', 'pinned');
    expect(r.status).toBe(0);
    const w = warnings(r.stderr);
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/^bimt: warning: --set seed=3 does not change task\.seed, pinned to 1 at configs\/two-moons\.yaml:\d+:3 \(set it too: --set task\.seed=\.\.\.\)$/);
    expect(w[1]).toMatch(/^bimt: warning: --set seed=3 does not change model\.seed, pinned to 2 at configs\/two-moons\.yaml:\d+:3/);
    const saved = parse(readFileSync(join(dir, 'pinned', 'config.yaml'), 'utf8'));
    expect([saved.seed, saved.task.seed, saved.model.seed]).toEqual([3, 1, 2]);
  });

  it('says nothing when the sub-seeds are set too, or not pinned', () => {
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'seed=3', '--set', 'task.seed=3', '--set', 'model.seed=3', ...short, '--name', 'all');
    expect(r.status).toBe(0);
    expect(warnings(r.stderr)).toEqual([]);
    const free = bimt('train', 'configs/independence.yaml', '--set', 'seed=5', ...short, '--name', 'free');
    expect(free.status).toBe(0);
    expect(warnings(free.stderr)).toEqual([]);
    const saved = parse(readFileSync(join(dir, 'free', 'config.yaml'), 'utf8'));
    expect([saved.seed, saved.task.seed, saved.model.seed]).toEqual([5, 5, 5]);
  });

  it('warns about one pinned sub-seed only', () => {
    const { warnings: w } = loadConfig('configs/two-moons.yaml', ['seed=7', 'model.seed=7']);
    expect(w).toEqual([expect.stringMatching(/^--set seed=7 does not change task\.seed, pinned to 1 at /)]);
  });

  it('resolves sub-seeds from the master seed unless pinned', () => {
    const text = 'seed: 9\ntask: { kind: two-moons }\nmodel: { widths: [2, 4, 2] }\nlambda: { initial: 0 }\ntrain: { steps: 10, lr: 0.01 }\n';
    const c = parseConfig(text, 'c.yaml');
    expect([c.task.seed, c.model.seed]).toEqual([9, 9]);
    expect(parseConfig(text.replace('kind: two-moons', 'kind: two-moons, seed: 4'), 'c.yaml').task.seed).toBe(4);
  });
});
