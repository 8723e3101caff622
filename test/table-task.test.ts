// The table task (docs/cli.md, "Your own data"): a user's CSV file, its columns
// by name, classes or values, a seeded split or a test file; data paths relative to the config
// file; every bad file one line naming it, exit code 2 from the CLI.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { configToYaml } from '../src/config/resolve.js';
import { buildTask } from '../src/tasks/registry.js';
import { parseTable, sortClasses, table } from '../src/tasks/table.js';
import { usageErrorOf } from './config-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-table-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};

/** A config around a task section, written to `name` in the temporary directory. */
const config = (name: string, task: string, widths = '[2, 5, 2]') =>
  write(name, `task:\n${task}\nmodel:\n  widths: ${widths}\nlambda:\n  initial: 0\ntrain:\n  steps: 10\n  lr: 0.01\n`);

const small = 'x1,x2,label\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n9,10,cat\n';

describe('the table task', () => {
  it('trains iris from the shipped config: 120 rows train, 30 test, three classes by name', () => {
    const { config: c } = loadConfig('configs/table-example.yaml');
    expect(c.task.kind === 'table' && c.task.path).toBe(resolve('data/iris.csv'));
    const t = buildTask(c);
    expect([t.train.n, t.test.n]).toEqual([120, 30]);
    expect(t.inputs).toEqual({ kind: 'features', dim: 4 });
    expect(t.targets).toEqual({ kind: 'classes', count: 3 });
    expect(t.inputLabels).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(t.outputLabels).toEqual(['setosa', 'versicolor', 'virginica']);
    const counts = [0, 0, 0];
    for (const s of [t.train, t.test]) for (const y of s.y) counts[y]++;
    expect(counts).toEqual([50, 50, 50]);
    // Row 1 of the file (5.1, 3.5, 1.4, 0.2, setosa) is in one split, in the file's order.
    const first = [t.train, t.test].find((s) => s.x[0] === Math.fround(5.1) && s.x[1] === Math.fround(3.5))!;
    expect(first.y[0]).toBe(0);
  });

  it('splits by the seed: the same seed the same split, another seed another', () => {
    write('data.csv', 'x1,x2,label\n' + Array.from({ length: 50 }, (_, i) => `${i},${i * 2},${i % 2 ? 'b' : 'a'}`).join('\n'));
    const nested = config('split.yaml', '  kind: table\n  path: data.csv\n  target: label');
    const a = buildTask(loadConfig(nested).config);
    const b = buildTask(loadConfig(nested).config);
    const c = buildTask(loadConfig(nested, ['seed=5']).config);
    expect([a.train.n, a.test.n]).toEqual([40, 10]);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.train.x).not.toEqual(c.train.x);
    // Each split keeps the file's order.
    const firsts = Array.from({ length: a.train.n }, (_, i) => a.train.x[2 * i]);
    expect(firsts).toEqual([...firsts].sort((p, q) => p - q));
  });

  it('features default to every other column; a numeric target is values, or classes when asked', () => {
    write('num.csv', 'a,b,y\n1,2,0\n3,4,1\n5,6,2\n7,8,1\n9,10,0\n');
    const values = buildTask(loadConfig(config('num-values.yaml', '  kind: table\n  path: num.csv\n  target: y', '[2, 4, 1]')).config);
    expect(values.targets).toEqual({ kind: 'values', dim: 1 });
    expect(values.inputLabels).toEqual(['a', 'b']);
    expect(values.outputLabels).toEqual(['y']);
    expect(values.train.y).toBeInstanceOf(Float32Array);
    const classes = buildTask(loadConfig(config('num-classes.yaml', '  kind: table\n  path: num.csv\n  target: y\n  target_kind: classes', '[2, 4, 3]')).config);
    expect(classes.targets).toEqual({ kind: 'classes', count: 3 });
    expect(classes.outputLabels).toEqual(['0', '1', '2']);
    // Features chosen and reordered; the target may sit anywhere.
    const picked = buildTask(loadConfig(config('num-pick.yaml', '  kind: table\n  path: num.csv\n  target: a\n  features: [y, b]', '[2, 4, 1]')).config);
    expect(picked.inputLabels).toEqual(['y', 'b']);
  });

  it('numbers classes numerically when they are numbers, else by code units', () => {
    expect(sortClasses(['10', '9', '2', '9'])).toEqual(['2', '9', '10']);
    expect(sortClasses(['b', 'a', 'B', '10'])).toEqual(['10', 'B', 'a', 'b']);
  });

  it('tests on a second file whose columns may come in another order; classes from both files', () => {
    write('train.csv', small);
    write('test.csv', 'label,x2,x1\nbird,20,10\ncat,40,30\n');
    const t = buildTask(loadConfig(config('two-files.yaml', '  kind: table\n  path: train.csv\n  test_path: test.csv\n  target: label', '[2, 5, 3]')).config);
    expect([t.train.n, t.test.n]).toEqual([5, 2]);
    expect(t.outputLabels).toEqual(['bird', 'cat', 'dog']);
    expect(Array.from(t.test.x)).toEqual([10, 20, 30, 40]);
    expect(Array.from(t.test.y)).toEqual([0, 1]);
    expect(Array.from(t.train.y)).toEqual([1, 2, 1, 2, 1]);
  });

  it('reads quoted cells, a byte-order mark, spaces around cells and blank lines', () => {
    const t = parseTable('\uFEFF"x 1", x2 ,label\n\n"1", 2 ,"a,b"\n3,4,c\n', 'q.csv');
    expect(t.columns).toEqual(['x 1', 'x2', 'label']);
    expect(t.rows.map((r) => [r.cells, r.line])).toEqual([
      [['1', '2', 'a,b'], 3],
      [['3', '4', 'c'], 4],
    ]);
  });
});

describe('data paths', () => {
  it('are relative to the config file that writes them, through extends too; --set paths to the current directory', () => {
    write('base/data/d.csv', small);
    write('base/base.yaml', readText(config('tmp.yaml', '  kind: table\n  path: data/d.csv\n  target: label')));
    const child = write('variants/child.yaml', 'extends: ../base/base.yaml\ntrain:\n  steps: 5\n');
    const c = loadConfig(child).config;
    expect(c.task.kind === 'table' && c.task.path).toBe(join(dir, 'base/data/d.csv'));
    const viaSet = loadConfig(child, [`task.path=${join(dir, 'base/data/d.csv')}`]).config;
    expect(viaSet.task.kind === 'table' && viaSet.task.path).toBe(join(dir, 'base/data/d.csv'));
    const rel = loadConfig(child, ['task.path=configs/../data/iris.csv', 'model.widths=[4, 5, 3]', 'task.target=species']).config;
    expect(rel.task.kind === 'table' && rel.task.path).toBe(resolve('data/iris.csv'));
  });

  it("a run's saved config.yaml loads back, from another directory, to the same config and data", () => {
    const c = loadConfig('configs/table-example.yaml').config;
    const saved = write('run/config.yaml', configToYaml(c));
    const back = loadConfig(saved).config;
    expect(back).toEqual(c);
    expect(buildTask(back).train.x).toEqual(buildTask(c).train.x);
  });
});

describe('bad data files: one line naming the file', () => {
  const cases: [string, string, RegExp][] = [
    ['missing column', small.replace('label', 'kind'), /task\.target: no column "label" in .*bad\.csv \(its columns: x1, x2, kind\)/],
    ['non-numeric cell', small.replace('3,4,dog', '3,four,dog'), /bad\.csv:3: column "x2": "four", not a number/],
    ['empty cell', small.replace('3,4,dog', '3,,dog'), /bad\.csv:3: column "x2": empty cell, not a number/],
    ['ragged row', small.replace('5,6,cat', '5,6,cat,7'), /bad\.csv:4: 4 cells, but the header row names 3 columns/],
    ['empty file', '', /bad\.csv: the CSV file is empty/],
    ['header only', 'x1,x2,label\n', /bad\.csv: the CSV file has a header row but no data rows/],
    ['duplicate column', 'x1,x1,label\n1,2,a\n', /bad\.csv:1: column "x1" appears twice/],
    ['unclosed quote', 'x1,x2,label\n1,2,"a\n', /bad\.csv:\d+: not valid CSV/],
    ['one class', 'x1,x2,label\n1,2,a\n3,4,a\n5,6,a\n', /task\.target: column "label" has only one class/],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    write('bad.csv', text);
    const f = config('bad.yaml', '  kind: table\n  path: bad.csv\n  target: label\n  target_kind: classes');
    expect(usageErrorOf(() => loadConfig(f))).toMatch(message);
  });

  it('a missing file, a split with an empty side, train_fraction beside test_path: at the config key', () => {
    const missing = config('missing.yaml', '  kind: table\n  path: nowhere.csv\n  target: label');
    expect(usageErrorOf(() => loadConfig(missing))).toMatch(/missing\.yaml:\d+:\d+: task\.path: .*nowhere\.csv: no such CSV file/);
    write('train.csv', small);
    const tiny = config('tiny.yaml', '  kind: table\n  path: train.csv\n  target: label\n  train_fraction: 0.1');
    expect(usageErrorOf(() => loadConfig(tiny))).toMatch(/task\.train_fraction: 0\.1 of .*train\.csv's 5 rows leaves no training rows/);
    const both = config('both.yaml', '  kind: table\n  path: train.csv\n  test_path: train.csv\n  target: label\n  train_fraction: 0.5');
    expect(usageErrorOf(() => loadConfig(both))).toMatch(/both\.yaml:\d+:\d+: task\.train_fraction: not used with task\.test_path/);
  });

  it('the CLI prints the one line and exits 2', () => {
    write('bad.csv', small.replace('3,4,dog', '3,four,dog'));
    const f = config('cli.yaml', '  kind: table\n  path: bad.csv\n  target: label');
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', f, '--runs-dir', dir], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.csv:3: column "x2": "four", not a number/);
  });

  // Through the CLI: one line, exit 2, nothing trained.
  const cli = (yaml: string) => spawnSync(process.execPath, ['bin/bimt.js', 'train', yaml, '--runs-dir', join(dir, 'runs')], { encoding: 'utf8', timeout: 120_000 });
  const expectRefused = (r: ReturnType<typeof cli>, message: RegExp) => {
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  };

  it('cells beyond float32, as numbers or as a regression target, at file:line', () => {
    write('big.csv', small.replace('3,4,dog', '3,1e39,dog'));
    expectRefused(cli(config('big.yaml', '  kind: table\n  path: big.csv\n  target: label')), /big\.csv:3: column "x2": "1e39" is beyond float32's range \(at most 3\.4028e\+38 in magnitude\)$/);
    write('inf.csv', 'x1,x2,y\n1,2,0.5\n3,4,-1e999\n5,6,1\n7,8,2\n9,10,3\n');
    expectRefused(cli(config('inf.yaml', '  kind: table\n  path: inf.csv\n  target: y', '[2, 5, 1]')), /inf\.csv:3: column "y": "-1e999" is beyond float32's range/);
  });

  it('a header of more columns than the limit is refused in one line, without time quadratic in its width', () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `c${i}`);
    write('wide.csv', `${names.join(',')},label\n${names.map(() => '1').join(',')},a\n${names.map(() => '2').join(',')},b\n`);
    expectRefused(cli(config('wide.yaml', '  kind: table\n  path: wide.csv\n  target: label')), /wide\.csv:1: 100001 columns in the header row; at most 10000 are read$/);
  });

  it('a file that is not UTF-8 is refused at its line, or read as Latin-1 when task.encoding says so', () => {
    const latin1 = Buffer.from('x1,x2,colour\n1,2,r\xe9d\n3,4,r\xe8d\n5,6,r\xe9d\n7,8,r\xe8d\n9,10,blue\n', 'latin1');
    writeFileSync(join(dir, 'latin1.csv'), latin1);
    const task = '  kind: table\n  path: latin1.csv\n  target: colour';
    expectRefused(cli(config('latin1.yaml', task)), /latin1\.csv:2: not UTF-8 text; save the file as UTF-8, or set task\.encoding: latin1 if it is Latin-1$/);
    const { config: c } = loadConfig(config('latin1-ok.yaml', `${task}\n  encoding: latin1`, '[2, 5, 3]'));
    expect(buildTask(c).outputLabels).toEqual(['blue', 'r\xe8d', 'r\xe9d']);
  });

  it('the schema refuses unknown keys and a fraction outside (0, 1)', () => {
    expect(usageErrorOf(() => parseConfig(readText(config('k.yaml', '  kind: table\n  path: a.csv\n  target: y\n  colums: [a]')), join(dir, 'k.yaml')))).toMatch(/task\.colums: unknown key/);
    expect(table.schema.safeParse({ kind: 'table', path: 'a.csv', target: 'y', train_fraction: 1 }).success).toBe(false);
  });
});

function readText(p: string): string {
  return readFileSync(p, 'utf8');
}
