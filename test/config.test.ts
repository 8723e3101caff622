import { readFileSync } from 'node:fs';
import { asMlp } from './helpers.js';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { trainingSchedule } from '../src/config/plan.js';
import { configToYaml } from '../src/config/resolve.js';
import { BimtError } from '../src/errors.js';
import { usageErrorOf } from './config-helpers.js';

const twoMoons = readFileSync('configs/two-moons.yaml', 'utf8');

/** The one-line message a bad config produces. */
const errorOf = (text: string, sets: string[] = []) => usageErrorOf(() => parseConfig(text, 'c.yaml', sets));

const minimal = `
task: { kind: two-moons }
model:
  widths: [2, 8, 2]
lambda: { initial: 0.001 }
train:
  steps: 100
  lr: 0.01
`;

describe('config loading', () => {
  it('fills defaults and resolves the schedule of the two-moons config', () => {
    const { config } = loadConfig('configs/two-moons.yaml');
    expect(config.name).toBe('two-moons');
    expect(asMlp(config.model).in_fold).toBe(1);
    expect(config.swap.inputs).toBe(true);
    const schedule = trainingSchedule(config);
    expect(schedule.lambdaAt(4999)).toBe(0.001);
    expect(schedule.lambdaAt(5000)).toBe(0.01);
    expect(schedule.biasOn(0)).toBe(true);
  });

  it('names file, line:column, key and the allowed keys for an unknown key', () => {
    const msg = errorOf(minimal.replace('steps: 100', 'stepz: 100'));
    expect(msg).toBe('c.yaml:7:3: train.stepz: unknown key (allowed: steps, lr, batch, sampling, beta1, beta2, eps, weight_decay, engine, loss, population)');
  });

  it('names the key and the expected type for a wrong type', () => {
    const msg = errorOf(minimal.replace('lr: 0.01', 'lr: fast'));
    expect(msg).toMatch(/^c\.yaml:8:3: train\.lr: must be a positive number \(got "fast"\)/);
  });

  it('reports invalid YAML with its line', () => {
    const msg = errorOf(minimal.replace('  widths: [2, 8, 2]', '  widths: [2, 8, 2\n  seed: 1'));
    expect(msg).toMatch(/^c\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('rejects missing and empty files, NaN, zero sizes and unknown tasks', () => {
    expect(() => loadConfig('configs/nope.yaml')).toThrow('configs/nope.yaml: no such config file');
    expect(errorOf('# only a comment\n')).toContain('the config file is empty');
    expect(errorOf(`${'#'.repeat(40)}\n  # indented\n\n# last`)).toContain('the config file is empty');
    expect(errorOf(`${'#'.repeat(40)}\n${minimal.replace('lr: 0.01', 'lr: 0.01\n  lr: 0.02')}`)).toMatch(/^c\.yaml:10:3: invalid YAML: Map keys must be unique$/);
    expect(errorOf(minimal.replace('lr: 0.01', 'lr: .nan'))).toMatch(/^c\.yaml:8:3: train\.lr: .*finite/);
    expect(errorOf(minimal.replace('[2, 8, 2]', '[2, 0, 2]'))).toMatch(/^c\.yaml:4:\d+: model\.widths\.1: /);
    expect(errorOf(minimal.replace('two-moons', 'three-moons'))).toMatch(/^c\.yaml:2:\d+: task\.kind: unknown task "three-moons"/);
    expect(errorOf(minimal.replace('steps: 100', 'steps: -5'))).toMatch(/train\.steps/);
  });

  it('rejects schedule steps beyond the run', () => {
    const msg = errorOf(minimal.replace('{ initial: 0.001 }', '{ initial: 0.001, changes: [{ at: 500, set: 0.1 }] }'));
    expect(msg).toBe('c.yaml:5:39: lambda.changes.0.at: step 500 is beyond train.steps (100)');
  });

  it('resolves percentage steps', () => {
    const c = parseConfig(
      minimal.replace('{ initial: 0.001 }', '{ initial: 0.001, changes: [{ at: "25%", multiply: 10 }, { at: "75%", multiply: 0.1 }] }') +
        'cost: { bias: "75%" }\n',
      'c.yaml',
    );
    expect(c.lambda.changes.map((x) => x.at)).toEqual([25, 75]);
    const { lambdaAt, biasOn } = trainingSchedule(c);
    expect(lambdaAt(24)).toBeCloseTo(0.001, 12);
    expect(lambdaAt(25)).toBeCloseTo(0.01, 12);
    expect(lambdaAt(75)).toBeCloseTo(0.001, 12);
    expect(biasOn(74)).toBe(false);
    expect(biasOn(75)).toBe(true);
  });

  it('applies --set overrides with YAML values and list indices', () => {
    const c = parseConfig(minimal, 'c.yaml', ['train.steps=50', 'model.widths=[2, 16, 16, 2]', 'model.widths.1=12', 'swap.every=0']);
    expect(c.train.steps).toBe(50);
    expect(asMlp(c.model).widths).toEqual([2, 12, 16, 2]);
    expect(c.swap.every).toBe(0);
  });

  it('names the --set argument when an override is wrong', () => {
    expect(errorOf(minimal, ['train.lrr=1'])).toBe(
      '--set train.lrr=1: train.lrr: unknown key (allowed: steps, lr, batch, sampling, beta1, beta2, eps, weight_decay, engine, loss, population)',
    );
    expect(errorOf(minimal, ['train.lr=abc'])).toMatch(/^--set train\.lr=abc: train\.lr: must be a positive number \(got "abc"\)/);
    expect(errorOf(minimal, ['oops'])).toContain('--set oops: expected key.path=value');
  });

  it('writes a resolved config that loads back to the same config', () => {
    const { config } = loadConfig('configs/two-moons.yaml', ['train.steps=6000', 'cost.bias="50%"']);
    expect(parseConfig(configToYaml(config), 'config.yaml')).toEqual(config);
  });
});
