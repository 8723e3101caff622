// `extends: <file>`: a config names only what it changes. Mappings merge, lists are replaced,
// `name` is the extending file's own; errors name the line of the file a key came from.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asMlp } from './helpers.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { MAX_EXTENDS_DEPTH } from '../src/config/layers.js';
import { configToYaml } from '../src/config/resolve.js';
import { usageErrorOf } from './config-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-extends-'));
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8', timeout: 120_000 });
const write = (name: string, text: string) => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};

const base = `name: base
seed: 3
task:
  kind: two-moons
  n_train: 50
model:
  widths: [2, 8, 8, 2]
lambda:
  initial: 0.001
  changes:
    - { at: "50%", multiply: 10 }
swap:
  every: 10
  top_k: 4
train:
  steps: 40
  lr: 0.01
`;
write('base.yaml', base);

const errorOf = (file: string, sets: string[] = []) => usageErrorOf(() => loadConfig(file, sets));

describe('extends', () => {
  it('merges mappings key by key and replaces lists whole', () => {
    const child = write('child.yaml', 'extends: base.yaml\ntask: { n_test: 20 }\nmodel:\n  widths: [2, 4, 2]\nlambda:\n  changes: []\nswap: { top_k: 2 }\n');
    const { config } = loadConfig(child);
    expect(config.seed).toBe(3);
    expect(config.task).toMatchObject({ kind: 'two-moons', n_train: 50, n_test: 20 });
    expect(asMlp(config.model).widths).toEqual([2, 4, 2]);
    expect(config.lambda).toEqual({ initial: 0.001, changes: [] });
    expect(config.swap).toMatchObject({ every: 10, top_k: 2 });
    expect(config.train).toMatchObject({ steps: 40, lr: 0.01 });
  });

  it('takes the name from the extending file, not the base', () => {
    expect(loadConfig(write('unnamed.yaml', 'extends: base.yaml\n')).config.name).toBe('unnamed');
    expect(loadConfig(write('named.yaml', 'extends: base.yaml\nname: mine\n')).config.name).toBe('mine');
  });

  it('finds the base relative to the extending file, through a chain', () => {
    write('sub/deeper/leaf.yaml', 'extends: ../middle.yaml\ntrain: { lr: 0.5 }\n');
    write('sub/middle.yaml', 'extends: ../base.yaml\ntrain: { steps: 20 }\n');
    const { config } = loadConfig(join(dir, 'sub/deeper/leaf.yaml'));
    expect(config.train).toMatchObject({ steps: 20, lr: 0.5 });
    expect(config.lambda.changes).toEqual([{ at: 10, multiply: 10 }]);
  });

  it('applies --set after the files are merged', () => {
    const child = write('set.yaml', 'extends: base.yaml\ntrain: { steps: 100 }\n');
    const { config } = loadConfig(child, ['train.steps=60', 'model.widths.1=6']);
    expect(config.train.steps).toBe(60);
    expect(config.lambda.changes[0]!.at).toBe(30);
    expect(asMlp(config.model).widths).toEqual([2, 6, 8, 2]);
  });

  it('names the line in the base file for a key that comes from it', () => {
    const child = write('bad-inherited.yaml', 'extends: base.yaml\ntrain: { lr: 0.1 }\n');
    write('base.yaml', base.replace('top_k: 4', 'top_k: 0'));
    try {
      expect(errorOf(child)).toBe(`${join(dir, 'base.yaml')}:14:3: swap.top_k: must be a positive whole number (got 0)`);
    } finally {
      write('base.yaml', base);
    }
  });

  it('names its own line for a key the extending file sets', () => {
    const child = write('bad-own.yaml', 'extends: base.yaml\n# a comment\nswap:\n  top_k: -1\n');
    expect(errorOf(child)).toBe(`${child}:4:3: swap.top_k: must be a positive whole number (got -1)`);
    const unknown = write('bad-key.yaml', 'extends: base.yaml\ntrain:\n  lrr: 1\n');
    expect(errorOf(unknown)).toMatch(new RegExp(`^${unknown}:3:3: train\\.lrr: unknown key`));
    // A list the child replaces is the child's, entry by entry.
    const list = write('bad-list.yaml', 'extends: base.yaml\nmodel:\n  widths: [2, 0, 2]\n');
    expect(errorOf(list)).toBe(`${list}:3:15: model.widths.1: must be a positive whole number (got 0)`);
  });

  it('names the base line for a value that does not fit the task', () => {
    const child = write('bad-width.yaml', 'extends: base.yaml\ntask: { n_test: 10 }\n');
    write('base.yaml', base.replace('[2, 8, 8, 2]', '[3, 8, 8, 2]'));
    try {
      expect(errorOf(child)).toBe(`${join(dir, 'base.yaml')}:7:3: model.widths: the task has 2 inputs but the first width is 3`);
    } finally {
      write('base.yaml', base);
    }
  });

  it('refuses a missing base, a cycle, a chain too long and a value that is not a path', () => {
    const missing = write('missing.yaml', 'seed: 1\nextends: nowhere.yaml\n');
    expect(errorOf(missing)).toBe(`${missing}:2:1: extends: ${join(dir, 'nowhere.yaml')}: no such config file`);
    const a = write('cycle-a.yaml', 'extends: cycle-b.yaml\n');
    write('cycle-b.yaml', 'extends: cycle-a.yaml\n');
    expect(errorOf(a)).toMatch(new RegExp(`^${join(dir, 'cycle-b.yaml')}:1:1: extends: ${join(dir, 'cycle-a.yaml')} is already in the chain of extended files`));
    expect(errorOf(write('self.yaml', 'extends: ./self.yaml\n'))).toMatch(/self\.yaml:1:1: extends: .*self\.yaml is already in the chain/);
    for (let i = 0; i <= MAX_EXTENDS_DEPTH + 1; i++) write(`chain-${i}.yaml`, `extends: ${i === MAX_EXTENDS_DEPTH + 1 ? 'base' : `chain-${i + 1}`}.yaml\n`);
    expect(errorOf(join(dir, 'chain-0.yaml'))).toMatch(new RegExp(`extends: more than ${MAX_EXTENDS_DEPTH} files extend each other$`));
    write(`chain-${MAX_EXTENDS_DEPTH - 1}.yaml`, 'extends: base.yaml\n');
    expect(loadConfig(join(dir, 'chain-0.yaml')).config.name).toBe('chain-0');
    expect(errorOf(write('number.yaml', 'extends: 3\n'))).toMatch(/number\.yaml:1:1: extends: must be the path of a config file, relative to this one \(got 3\)$/);
    expect(errorOf(write('dirext.yaml', `extends: ${dir}\n`))).toMatch(/dirext\.yaml:1:1: extends: .*: is a directory, not a config file$/);
  });

  it('cannot be set by --set, and YAML errors in the base name the base', () => {
    expect(errorOf(join(dir, 'base.yaml'), ['extends=x.yaml'])).toMatch(/^--set extends=x\.yaml: extends: unknown key/);
    const child = write('yaml-err.yaml', 'extends: broken.yaml\n');
    write('broken.yaml', 'task: [1, 2\n');
    expect(errorOf(child)).toMatch(new RegExp(`^${join(dir, 'broken.yaml')}:\\d+:\\d+: invalid YAML: `));
  });

  it('a run records the fully resolved config, without extends', () => {
    const child = write('run.yaml', 'extends: base.yaml\ntrain: { steps: 4 }\n');
    const r = bimt('train', child, '--runs-dir', join(dir, 'runs'), '--name', 'r');
    expect(r.status).toBe(0);
    const saved = readFileSync(join(dir, 'runs', 'r', 'config.yaml'), 'utf8');
    expect(saved).not.toMatch(/^extends:/m);
    // config.yaml records the runs directory the run went to (--runs-dir here).
    const resolved = loadConfig(child).config;
    expect(parse(saved)).toEqual(parse(configToYaml({ ...resolved, output: { ...resolved.output, runs_dir: join(dir, 'runs') } })));
    expect(parse(saved)).toMatchObject({ name: 'run', seed: 3, task: { n_train: 50 }, train: { steps: 4 } });
  });
});
