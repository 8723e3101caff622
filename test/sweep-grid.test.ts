// A sweep's grid: parsing --grid and --seeds, the cross product and its names, the errors a user
// can make (each naming the grid entry), the sweep: section of a config file, and seeds that move
// the sub-seeds a config pins.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { createSweep } from '../src/sweep/create.js';
import { expandGrid, parseGridArg, parseSeeds, pointOverrides } from '../src/sweep/grid.js';
import { baseConfigText, openSweep } from '../src/sweep/sweep-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-sweep-grid-'));
const request = (over: Partial<Parameters<typeof createSweep>[0]>) => createSweep({ file: 'configs/two-moons.yaml', sets: [], grid: [], slurm: {}, runsDir: dir, ...over });

describe('--grid and --seeds', () => {
  it('reads YAML values split at top-level commas, lists and quoted commas kept whole', () => {
    expect(parseGridArg('lambda.initial=1e-4,1e-3, 0.01').values).toEqual([1e-4, 1e-3, 0.01]);
    expect(parseGridArg('model.widths=[2,10,2],[2,20,20,2]').values).toEqual([[2, 10, 2], [2, 20, 20, 2]]);
    expect(parseGridArg('cost.aggregate=sum,"me,an"').values).toEqual(['sum', 'me,an']);
  });

  it('reads seeds as ranges, lists and single numbers', () => {
    expect(parseSeeds('0..3').values).toEqual([0, 1, 2, 3]);
    expect(parseSeeds('0,3,5..6').values).toEqual([0, 3, 5, 6]);
    expect(parseSeeds('4').values).toEqual([4]);
  });

  it.each([
    ['lambda.initial', /expected key=value1,value2/],
    ['lambda.initial=', /lambda\.initial has no values/],
    ['lambda.initial=1,,2', /empty value/],
    ['lambda.initial=1,1.0', /lists 1 twice/],
    ['model.widths=[2,10', /unbalanced brackets/],
    ['lambda..initial=1', /not a key path/],
  ])('refuses --grid %s', (arg, message) => {
    expect(() => parseGridArg(arg)).toThrow(message);
  });

  it.each([
    ['3..1', /runs backwards/],
    ['a', /expected seeds such as 0\.\.7/],
    ['-1', /expected seeds/],
    ['0..100000', /more than 10000 seeds/],
  ])('refuses --seeds %s', (arg, message) => {
    expect(() => parseSeeds(arg)).toThrow(message);
  });
});

describe('the cross product', () => {
  it('has every combination once, the first axis outermost and seeds innermost, named by their values', () => {
    const points = expandGrid([parseGridArg('lambda.initial=1e-4,1e-2'), parseGridArg('model.widths.1=10,20,30'), parseSeeds('0..1')]);
    expect(points).toHaveLength(12);
    expect(new Set(points.map((p) => p.sets.join(' '))).size).toBe(12);
    expect(points[0]!.sets).toEqual(['lambda.initial=0.0001', 'model.widths.1=10', 'seed=0']);
    expect(points[1]!.sets).toEqual(['lambda.initial=0.0001', 'model.widths.1=10', 'seed=1']);
    expect(points[11]!.sets).toEqual(['lambda.initial=0.01', 'model.widths.1=30', 'seed=1']);
    expect(points.map((p) => p.name)).toContain('p05-initial0.0001-widths130-seed1');
    expect(points.map((p) => p.index)).toEqual([...Array(12).keys()]);
  });

  it('refuses an empty grid, a key swept twice and a key inside another swept key', () => {
    expect(() => expandGrid([])).toThrow(/the grid is empty/);
    expect(() => expandGrid([parseGridArg('train.lr=1,2'), parseGridArg('train.lr=3')])).toThrow(/train\.lr is swept twice/);
    expect(() => expandGrid([parseGridArg('model.widths=[2,4,2]'), parseGridArg('model.widths.1=3,4')])).toThrow(/inside model\.widths/);
  });

  it('points load with their overrides applied to the base config, and seeds move the pinned sub-seeds', () => {
    const axes = [parseGridArg('lambda.initial=1e-3,1e-2'), parseSeeds('3..4')];
    const [p0, , , p3] = expandGrid(axes);
    const base = loadConfig('configs/two-moons.yaml').config;
    expect([base.seed, base.task.seed, base.model.seed]).toEqual([1, 1, 2]);
    const c0 = loadConfig('configs/two-moons.yaml', pointOverrides(axes, p0!)).config;
    expect([c0.lambda.initial, c0.seed, c0.task.seed, c0.model.seed]).toEqual([1e-3, 3, 3, 3]);
    const c3 = loadConfig('configs/two-moons.yaml', pointOverrides(axes, p3!)).config;
    expect([c3.lambda.initial, c3.seed, c3.task.seed, c3.model.seed]).toEqual([1e-2, 4, 4, 4]);
    // Pinned in the grid: the data seed stays.
    const pinned = [parseGridArg('task.seed=1'), parseSeeds('5')];
    const c = loadConfig('configs/two-moons.yaml', pointOverrides(pinned, expandGrid(pinned)[0]!)).config;
    expect([c.seed, c.task.seed, c.model.seed]).toEqual([5, 1, 5]);
  });
});

describe('a new sweep directory', () => {
  it('checks every point before anything is written, naming the grid entry', () => {
    const before = readdirSync(dir).length;
    expect(() => request({ grid: ['train.lrr=1,2'] })).toThrow(/^--grid train\.lrr=1,2 \(value 1\): train\.lrr: unknown key \(allowed: steps, lr,/);
    expect(() => request({ grid: ['train.lr=0.01,abc'] })).toThrow(/^--grid train\.lr=0\.01,abc \(value abc\): train\.lr: /);
    expect(() => request({ grid: ['train.steps=100,-5'] })).toThrow(/\(value -5\): train\.steps/);
    expect(() => request({})).toThrow(/the grid is empty/);
    expect(() => request({ grid: ['seed=1,2'], seeds: '0..1' })).toThrow(/--grid seed=\.\.\. and --seeds both/);
    expect(() => request({ seeds: '0..1', slurm: { partition: 'gpu' } })).toThrow(/--partition is an option of the slurm launcher/);
    expect(readdirSync(dir).length).toBe(before);
  });

  it('holds sweep.yaml with the base config, the grid and the launcher; the base loads as the file does', () => {
    const sweep = request({ grid: ['lambda.initial=1e-3,1e-2'], seeds: '0..1', sets: ['train.steps=300'], jobs: 3, name: 'layout' });
    expect(sweep.points.map((p) => p.name)).toEqual(['p00-initial0.001-seed0', 'p01-initial0.001-seed1', 'p02-initial0.01-seed0', 'p03-initial0.01-seed1']);
    const spec = parse(readFileSync(sweep.paths.spec, 'utf8'));
    expect(spec.launcher).toEqual({ kind: 'local', jobs: 3 });
    expect(spec.sets).toEqual(['train.steps=300']);
    expect(spec.grid.map((a: { key: string }) => a.key)).toEqual(['lambda.initial', 'seed']);
    expect(readdirSync(sweep.paths.root).sort()).toEqual(['logs', 'points', 'sweep.yaml']);
    // The stored base config is the file's config, wherever it is loaded from.
    expect(parseConfig(baseConfigText(openSweep(sweep.paths.root)), sweep.paths.spec)).toEqual(loadConfig('configs/two-moons.yaml').config);
  });

  it('reads a sweep: section, located errors in it, and lets --grid replace one of its keys', () => {
    const file = join(dir, 'swept.yaml');
    writeFileSync(file, `extends: ${join(process.cwd(), 'configs/two-moons.yaml')}\nname: swept\nsweep:\n  grid:\n    lambda.initial: [0.001, 0.01]\n    train.lr: [0.002]\n  seeds: 0..2\n  jobs: 2\n`);
    const sweep = request({ file, name: 'from-file' });
    expect(sweep.points).toHaveLength(6);
    expect(sweep.spec.launcher).toEqual({ kind: 'local', jobs: 2 });
    const replaced = request({ file, grid: ['train.lr=0.001,0.003'], name: 'replaced' });
    expect(replaced.points).toHaveLength(12);
    expect(replaced.points[0]!.sets).toEqual(['lambda.initial=0.001', 'train.lr=0.001', 'seed=0']);
    writeFileSync(file, `extends: ${join(process.cwd(), 'configs/two-moons.yaml')}\nsweep:\n  grid:\n    lambda.initial: 0.001\n`);
    expect(() => request({ file })).toThrow(/swept\.yaml:4:5 \(sweep\.grid\): lambda\.initial: expected a list of values/);
    writeFileSync(file, `extends: ${join(process.cwd(), 'configs/two-moons.yaml')}\nsweep:\n  seeds: 0..1\n  job: 2\n`);
    expect(() => request({ file })).toThrow(/swept\.yaml:4:3: sweep: unknown key job \(allowed: grid, seeds, launcher, jobs, slurm\)/);
    // bimt train refuses a sweep file rather than train its base alone.
    expect(() => loadConfig(file)).toThrow(/swept\.yaml:2:1: sweep: this file describes a sweep of runs; run it with: node \S+\/bin\/bimt\.js sweep/);
  });
});
