// Config values that fit the schema but not the task (widths, in_fold, formulas that are not
// finite) are reported at the file, line and key they came from; schema problems in bimt's words.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { usageErrorOf } from './config-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-messages-'));
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8', timeout: 60_000 });
const moons = readFileSync('configs/two-moons.yaml', 'utf8');
const modular = readFileSync('configs/modular-addition.yaml', 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

const errorOf = (text: string, sets: string[] = []) => usageErrorOf(() => parseConfig(text, 'c.yaml', sets));

describe('keys that could break the line', () => {
  it('a key with a newline, or a very long one, is quoted and escaped', () => {
    expect(errorOf(`${moons}"bad\\nkey": 1\n`)).toMatch(/^c\.yaml:\d+:1: "bad\\nkey": unknown key \(allowed: /);
    const long = 'k'.repeat(5000);
    const message = errorOf(`${moons}? ${long}\n: 1\n`); // an explicit key: YAML caps implicit ones at 1024
    expect(message.length).toBeLessThan(400);
    expect(message).toContain('(5000 characters): unknown key');
  });
});

describe('values that do not fit the task, at their line', () => {
  it('widths[0] that does not match the task inputs', () => {
    const text = moons.replace('widths: [2, 20, 20, 2]', 'widths: [3, 20, 20, 2]');
    expect(errorOf(text)).toBe(`c.yaml:${lineOf(text, 'widths:')}:3: model.widths: the task has 2 inputs but the first width is 3`);
  });
  it('a last width that does not match the task outputs', () => {
    const text = moons.replace('widths: [2, 20, 20, 2]', 'widths: [2, 20, 20, 3]');
    expect(errorOf(text)).toBe(`c.yaml:${lineOf(text, 'widths:')}:3: model.widths: the task has 2 outputs but the last width is 3`);
  });
  it('widths not divisible by in_fold, and an in_fold the task does not give', () => {
    const text = modular.replace('in_fold: 2 ', 'in_fold: 3 ');
    expect(errorOf(text)).toBe(`c.yaml:${lineOf(text, 'widths:')}:3: model.widths: input width 64 is not divisible by model.in_fold 3`);
    const one = modular.replace('widths: [64, 50, 50, 59]', 'widths: [32, 50, 50, 59]').replace('in_fold: 2 ', 'in_fold: 1 ');
    expect(errorOf(one)).toBe(`c.yaml:${lineOf(one, 'in_fold:')}:3: model.in_fold: the task gives 2 tokens per sample, so in_fold must be 2`);
  });
  it('an embedding size that does not match widths[0] / in_fold', () => {
    const text = modular.replace('embedding_dim: 32', 'embedding_dim: 16');
    expect(errorOf(text)).toMatch(new RegExp(`^c\\.yaml:${lineOf(text, 'widths:')}:3: model\\.widths: the task embeds each token in 16 dimensions`));
  });
  it('a train_fraction that leaves a split empty', () => {
    const text = modular.replace('p: 59 ', 'p: 3 ').replace('train_fraction: 0.8', 'train_fraction: 0.05').replace('[64, 50, 50, 59]', '[64, 50, 50, 3]');
    expect(errorOf(text)).toMatch(new RegExp(`^c\\.yaml:${lineOf(text, 'train_fraction:')}:3: task\\.train_fraction: 0\\.05 leaves an empty train or test set`));
  });
  it('a formula that is not finite on the inputs', () => {
    const text = moons.replace(/task:\n(  .*\n)+/, 'task:\n  kind: symbolic\n  inputs: 2\n  outputs:\n    - x1 + x2\n    - log(x1 - 2)\n');
    expect(errorOf(text)).toMatch(new RegExp(`^c\\.yaml:${lineOf(text, 'log(')}:7: task\\.outputs\\.1: "log\\(x1 - 2\\)" is NaN at x = \\(.*\\); outputs must be finite on \\[-1, 1\\]\\^2$`));
  });
  it('a --set that makes widths wrong names the --set', () => {
    expect(errorOf(moons, ['model.widths.0=5'])).toMatch(/^.*\.yaml:\d+:\d+ \(with --set model\.widths\.0=5\): model\.widths: the task has 2 inputs but the first width is 5$/);
  });
  it('through the CLI, before any run directory is made', () => {
    const p = join(dir, 'wide.yaml');
    writeFileSync(p, moons.replace('widths: [2, 20, 20, 2]', 'widths: [4, 20, 20, 2]'));
    const r = bimt('train', p, '--runs-dir', join(dir, 'runs'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`bimt: ${p}:${lineOf(moons, 'widths:')}:3: model.widths: the task has 2 inputs but the first width is 4`);
  });
});

describe('schema problems in words', () => {
  const cases: [string, string, string][] = [
    ['model.widths.1=0', 'model.widths.1', 'must be a positive whole number (got 0)'],
    ['model.widths.1=2.5', 'model.widths.1', 'must be a positive whole number (got 2.5)'],
    ['model.widths=[2]', 'model.widths', 'must have at least 2 entries (got [2])'],
    ['train.lr=0', 'train.lr', 'must be a positive number (got 0)'],
    ['train.steps=big', 'train.steps', 'must be a positive whole number (got "big")'],
    ['train.batch=0', 'train.batch', 'must be "full" or a positive whole number (got 0)'],
    ['train.beta1=1', 'train.beta1', 'must be a number that is at least 0 and less than 1 (got 1)'],
    ['swap.every=-1', 'swap.every', 'must be a non-negative whole number (got -1)'],
    ['task.n_train=1', 'task.n_train', 'must be a whole number from 2 to 10000000 (got 1)'],
    ['cost.aggregate=max', 'cost.aggregate', 'must be one of sum, mean (got "max")'],
    ['cost.no_penalize_last=1', 'cost.no_penalize_last', 'must be true or false (got 1)'],
    ['lambda.changes.0.at=1.5', 'lambda.changes.0.at', 'must be a non-negative whole number or a percentage of train.steps such as "25%" (got 1.5)'],
  ];
  it.each(cases)('--set %s', (set, key, words) => {
    expect(errorOf(moons, [set])).toBe(`--set ${set}: ${key}: ${words}`);
  });
  it('in the file, at the line', () => {
    const text = moons.replace('widths: [2, 20, 20, 2]', 'widths: [2, 0, 20, 2]');
    expect(errorOf(text)).toBe(`c.yaml:${lineOf(text, 'widths:')}:15: model.widths.1: must be a positive whole number (got 0)`);
  });
  it('a range from the task schema', () => {
    expect(errorOf(modular, ['task.p=1'])).toBe('--set task.p=1: task.p: must be a whole number from 2 to 4096 (got 1)');
  });
  it('a long value is quoted by its start', () => {
    const msg = errorOf(moons, [`train.lr=${'a'.repeat(5000)}`]);
    expect(msg.length).toBeLessThan(300);
    expect(msg).toMatch(/train\.lr: must be a positive number \(got "a+\.\.\." \(5000 characters\)\)$/);
  });
});
