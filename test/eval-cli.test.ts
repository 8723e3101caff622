/**
 * `bimt eval` end to end, as a user runs it (docs/cli.md, "bimt eval"): on real short runs, the
 * test split gives the run's own test loss and accuracy, a pruned evaluation gives `bimt prune`'s,
 * new points give the outputs of the numpy forward pass that docs/run-directory.md prints (run by
 * python3 on the run's checkpoint file), token pairs are read as `a,b`, and every mistake in a data
 * file is one line with exit code 2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdx } from '../src/tasks/idx.js';
import { runBimt, type CliResult } from './cli-run.js';

const runs = mkdtempSync(join(tmpdir(), 'bimt-eval-'));
afterAll(() => rmSync(runs, { recursive: true, force: true }));

/** A line of CSV as cells, quoted ones ("p0,0", MNIST's pixel names) unquoted. */
function cellsOf(line: string): string[] {
  return [...line.matchAll(/(?:"((?:[^"]|"")*)"|([^,]*))(?:,|$)/g)].slice(0, -1).map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!));
}

/** A CSV file bimt wrote (no line breaks in cells): its header and rows of cells. */
function readCsv(file: string): { header: string[]; rows: string[][] } {
  const [head, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n').map(cellsOf);
  return { header: head!, rows };
}

/** Column `name` of a CSV as numbers. */
function column(csv: { header: string[]; rows: string[][] }, name: string): number[] {
  const i = csv.header.indexOf(name);
  expect(i, `column ${name} in ${csv.header.join(',')}`).toBeGreaterThanOrEqual(0);
  return csv.rows.map((r) => Number(r[i]));
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** The last row of a run's metrics.csv, by column. */
function lastMetrics(run: string): Record<string, number> {
  const csv = readCsv(join(run, 'metrics.csv'));
  const last = csv.rows[csv.rows.length - 1]!;
  return Object.fromEntries(csv.header.map((h, i) => [h, Number(last[i])]));
}

/** A failed command: one line "bimt: ..." on stderr and exit code 2. */
function oneLineFailure(r: CliResult): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^bimt: /);
  expect(r.status).toBe(2);
  return lines[0]!;
}

/** The python block of docs/run-directory.md, "A checkpoint in numpy", as printed. */
function documentedCode(): string {
  const doc = readFileSync('docs/run-directory.md', 'utf8');
  const m = /```python\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('### A checkpoint in numpy')));
  if (!m) throw new Error('no python block under "A checkpoint in numpy"');
  return m[1]!;
}

/** The documented numpy forward pass of a checkpoint file on rows x, run by python3. */
function numpyOutputs(checkpoint: string, x: number[][]): number[][] {
  const script = join(runs, 'forward.py');
  writeFileSync(script, `${documentedCode()}\nimport sys\nt, meta = load(sys.argv[1])\nx = np.array(json.loads(sys.argv[2]))\nprint(json.dumps(mlp_forward(t, meta, x).tolist()))\n`);
  return JSON.parse(execFileSync('python3', [script, checkpoint, JSON.stringify(x)], { encoding: 'utf8' })) as number[][];
}

/** The outputs output_1..output_k of each row of a predictions file. */
function outputsOf(csv: { header: string[]; rows: string[][] }): number[][] {
  const cols = csv.header.flatMap((h, i) => (h.startsWith('output_') ? [i] : []));
  return csv.rows.map((r) => cols.map((i) => Number(r[i])));
}

function expectClose(got: number[][], want: number[][], tol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, r) => {
    expect(row.length).toBe(want[r]!.length);
    row.forEach((v, c) => expect(Math.abs(v - want[r]![c]!), `row ${r} output ${c + 1}: ${v} vs ${want[r]![c]}`).toBeLessThan(tol * Math.max(1, Math.abs(want[r]![c]!))));
  });
}

describe('bimt eval on a two-moons run', () => {
  const run = join(runs, 'moons');
  const file = (name: string, text: string) => {
    const path = join(runs, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    const r = await runBimt([
      'train', 'configs/two-moons.yaml',
      '--set', 'train.steps=300', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=100',
      '--runs-dir', runs, '--name', 'moons',
    ]);
    expect(r.status, r.stderr).toBe(0);
  });

  it("on the test split gives the run's own test loss and accuracy, row by row", async () => {
    const r = await runBimt(['eval', run]);
    expect(r.status, r.stderr).toBe(0);
    const m = lastMetrics(run);
    const csv = readCsv(join(run, 'eval', 'step-000300-test.csv'));
    expect(csv.header).toEqual(['x1', 'x2', 'output_1', 'output_2', 'predicted', 'target', 'loss']);
    expect(csv.rows).toHaveLength(200);
    // The rows' losses average to the loss training measured; their predictions to its accuracy.
    expect(Math.abs(mean(column(csv, 'loss')) - m.test_loss!)).toBeLessThan(1e-5 * m.test_loss!);
    const predicted = column(csv, 'predicted');
    const target = column(csv, 'target');
    expect(mean(predicted.map((p, i) => (p === target[i] ? 1 : 0)))).toBe(m.test_acc);
    // predicted is the larger logit; loss the row's cross-entropy of them.
    outputsOf(csv).forEach((z, i) => {
      expect(predicted[i]).toBe(z[1]! > z[0]! ? 1 : 0);
      const lse = Math.log(Math.exp(z[0]!) + Math.exp(z[1]!));
      expect(Math.abs(column(csv, 'loss')[i]! - (lse - z[target[i]!]!))).toBeLessThan(1e-5);
    });
    const printed = /test loss +(\S+)\n +test accuracy +(\S+)/.exec(r.stdout);
    expect(printed, r.stdout).not.toBeNull();
    expect(Number(printed![1])).toBeCloseTo(m.test_loss!, 3);
    expect(Number(printed![2])).toBeCloseTo(m.test_acc!, 3);
  });

  it("with --threshold evaluates the pruned network, as bimt prune's 'after'; --split all holds both splits", async () => {
    const p = await runBimt(['prune', run, '--threshold', '0.2']);
    expect(p.status, p.stderr).toBe(0);
    const after = (JSON.parse(readFileSync(join(run, 'pruned', 'step-000300-t0.2', 'graph.json'), 'utf8')) as { after: Record<string, number> }).after;
    const r = await runBimt(['eval', run, '--threshold', '0.2', '--split', 'all']);
    expect(r.status, r.stderr).toBe(0);
    const csv = readCsv(join(run, 'eval', 'step-000300-t0.2-all.csv'));
    expect(csv.header[0]).toBe('split');
    const loss = column(csv, 'loss');
    const of = (split: string) => loss.filter((_, i) => csv.rows[i]![0] === split);
    expect(of('train')).toHaveLength(200);
    expect(of('test')).toHaveLength(200);
    expect(Math.abs(mean(of('train')) - after.train_loss!)).toBeLessThan(1e-5 * after.train_loss!);
    expect(Math.abs(mean(of('test')) - after.test_loss!)).toBeLessThan(1e-5 * after.test_loss!);
    // Pruning at 0.2 changes the network: the unpruned test loss is another number.
    expect(Math.abs(mean(of('test')) - lastMetrics(run).test_loss!)).toBeGreaterThan(1e-4);
  });

  it('on new points gives the outputs of the numpy forward pass of the checkpoint (docs/run-directory.md) to 1e-5', async () => {
    const points = [[0, 0], [1.5, -0.5], [-1, 0.25], [0.3, 2.7], [2, 2]];
    // Columns in another order than the task's, and one the task does not know.
    const data = file('points.csv', `id,x2,x1\n${points.map(([a, b], i) => `p${i},${b},${a}`).join('\n')}\n`);
    const out = join(runs, 'points-predictions.csv');
    const r = await runBimt(['eval', run, '--data', data, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('columns ignored (neither an input nor a target): id');
    expect(r.stdout).toContain('5 rows (no target columns: outputs only)');
    const csv = readCsv(out);
    expect(csv.header).toEqual(['x1', 'x2', 'output_1', 'output_2', 'predicted']);
    expect(csv.rows.map((row) => [Number(row[0]), Number(row[1])])).toEqual(points);
    expectClose(outputsOf(csv), numpyOutputs(join(run, 'checkpoints', 'step-000300.safetensors'), points), 1e-5);
  });

  it('--activations writes every stage in rows of predictions.csv, which numpy reads and the forward pass explains', async () => {
    const acts = join(runs, 'moons-activations.safetensors');
    const r = await runBimt(['eval', run, '--split', 'all', '--activations', acts]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${acts}`);
    const csv = readCsv(join(run, 'eval', 'step-000300-all.csv'));
    // In numpy, with the loader docs/run-directory.md prints: each stage from the one before it
    // (SiLU between layers), the last stage the outputs of predictions.csv through out_perm, the
    // first the inputs through in_perm.
    const script = join(runs, 'activations.py');
    writeFileSync(
      script,
      `${documentedCode()}
import sys
a, meta = load(sys.argv[1])
t, _ = load(sys.argv[2])
L = len(json.loads(meta['layers']))
h = [a[f'layers.{s}'].astype(np.float64) for s in range(L)]
worst = 0.0
for l in range(L - 1):
    z = h[l] @ t[f'linears.{l}.linear.weight'].T + t[f'linears.{l}.linear.bias']
    want = z / (1 + np.exp(-z)) if l < L - 2 else z
    worst = max(worst, float(np.abs(want - h[l + 1]).max()))
out = np.empty_like(h[-1]); out[:, t['out_perm']] = h[-1]
print(json.dumps({'shapes': [list(x.shape) for x in h], 'chain': worst, 'outputs': out.tolist(), 'inputs': h[0][:, np.argsort(t['in_perm'])].tolist(), 'rows': json.loads(meta['rows'])}))
`,
    );
    const got = JSON.parse(execFileSync('python3', [script, acts, join(run, 'checkpoints', 'step-000300.safetensors')], { encoding: 'utf8' })) as {
      shapes: number[][];
      chain: number;
      outputs: number[][];
      inputs: number[][];
      rows: { name: string; rows: number }[];
    };
    expect(got.shapes).toEqual([[400, 2], [400, 20], [400, 20], [400, 2]]);
    expect(got.rows).toEqual([{ name: 'train', rows: 200 }, { name: 'test', rows: 200 }]);
    expect(got.chain).toBeLessThan(1e-4);
    expectClose(got.outputs, outputsOf(csv), 1e-4);
    const x = csv.rows.map((row) => [Number(row[1]), Number(row[2])]);
    expectClose(got.inputs, x, 1e-3);
  });

  it('reads targets as class names or indexes and scores those rows', async () => {
    const data = file('scored.csv', 'x1,x2,target\n0,0,class 1\n-0.5,1.5,0\n1,-0.5,1\n');
    const r = await runBimt(['eval', run, '--data', data]);
    expect(r.status, r.stderr).toBe(0);
    const csv = readCsv(join(run, 'eval', 'step-000300-data-scored.csv'));
    expect(column(csv, 'target')).toEqual([1, 0, 1]);
    const printed = /\n +loss +(\S+)/.exec(r.stdout);
    expect(Number(printed![1])).toBeCloseTo(mean(column(csv, 'loss')), 3);
  });

  it('refuses each mistake in a data file in one line, exit 2', async () => {
    const cases: [string, string, RegExp][] = [
      ['missing.csv', 'x1\n0\n', /missing\.csv: no column "x2"; the task's inputs are x1, x2$/],
      ['count.csv', 'x1,x2\n0,1\n0,1,2\n', /count\.csv:3: 3 cells, but the header row names 2 columns$/],
      ['cell.csv', 'x1,x2\n0,1\n0,abc\n', /cell\.csv:3: column "x2": "abc", not a number$/],
      ['empty.csv', '', /empty\.csv: the CSV file is empty/],
      ['header.csv', 'x1,x2\n', /header\.csv: the CSV file has a header row but no data rows$/],
      ['class.csv', 'x1,x2,target\n0,1,2\n', /class\.csv:2: column "target": "2" is not a class/],
    ];
    for (const [name, text, message] of cases) {
      expect(oneLineFailure(await runBimt(['eval', run, '--data', file(name, text)]))).toMatch(message);
    }
    expect(oneLineFailure(await runBimt(['eval', run, '--data', join(runs, 'nowhere.csv')]))).toMatch(/nowhere\.csv: no such data file$/);
    expect(oneLineFailure(await runBimt(['eval', run, '--data', join(runs, 'points.csv'), '--split', 'test']))).toMatch(/--split and --data: give one/);
    expect(oneLineFailure(await runBimt(['eval', run, '--step', '7']))).toMatch(/no checkpoint at step 7 \(available: 0, 100, 200, 300\)$/);
  });
});

describe('bimt eval on a modular-addition run (token pairs)', () => {
  const run = join(runs, 'mod');

  beforeAll(async () => {
    const r = await runBimt([
      'train', 'configs/modular-addition.yaml',
      '--set', 'task.p=7', '--set', 'task.embedding_dim=4', '--set', 'model.widths=[8,10,7]',
      '--set', 'train.steps=50', '--set', 'output.eval_every=10', '--set', 'output.checkpoint_every=50', '--set', 'swap.every=10',
      '--runs-dir', runs, '--name', 'mod',
    ]);
    expect(r.status, r.stderr).toBe(0);
  });

  it('reads a,b as token ids: the outputs of the numpy forward pass, and those of the same pairs in the test split', async () => {
    const r = await runBimt(['eval', run]);
    expect(r.status, r.stderr).toBe(0);
    const split = readCsv(join(run, 'eval', 'step-000050-test.csv'));
    expect(split.header.slice(0, 2)).toEqual(['a', 'b']);
    expect(Math.abs(mean(column(split, 'loss')) - lastMetrics(run).test_loss!)).toBeLessThan(1e-5);
    // The split's pairs given back as new inputs, with their targets, b before a.
    const pairs = split.rows.map((row) => [Number(row[0]), Number(row[1])]);
    const targets = column(split, 'target');
    pairs.forEach(([a, b], i) => expect(targets[i]).toBe((a! + b!) % 7));
    const data = join(runs, 'pairs.csv');
    writeFileSync(data, `b,a,target\n${pairs.map(([a, b], i) => `${b},${a},${targets[i]}`).join('\n')}\n`);
    const d = await runBimt(['eval', run, '--data', data]);
    expect(d.status, d.stderr).toBe(0);
    const csv = readCsv(join(run, 'eval', 'step-000050-data-pairs.csv'));
    expectClose(outputsOf(csv), outputsOf(split), 1e-6);
    expect(column(csv, 'loss')).toHaveLength(pairs.length);
    expectClose([column(csv, 'loss')], [column(split, 'loss')], 1e-6);
    expectClose(outputsOf(csv), numpyOutputs(join(run, 'checkpoints', 'step-000050.safetensors'), pairs), 1e-5);
  });

  it('refuses a token out of range or not an integer, at file:line', async () => {
    const data = join(runs, 'tokens.csv');
    writeFileSync(data, 'a,b\n1,2\n1,7\n');
    expect(oneLineFailure(await runBimt(['eval', run, '--data', data]))).toMatch(/tokens\.csv:3: column "b": token 7 is out of range \(the task's tokens are 0 \.\. 6\)$/);
    writeFileSync(data, 'a,b\n1.5,2\n');
    expect(oneLineFailure(await runBimt(['eval', run, '--data', data]))).toMatch(/tokens\.csv:2: column "a": "1\.5", not a token id \(an integer 0 \.\. 6\)$/);
  });
});

describe('bimt eval on an in-context run (sequences)', () => {
  const run = join(runs, 'ic');

  beforeAll(async () => {
    const r = await runBimt(['train', 'configs/in-context.yaml', '--set', 'task.n=200', '--set', 'train.steps=20', '--set', 'output.eval_every=10', '--set', 'output.checkpoint_every=20', '--runs-dir', runs, '--name', 'ic']);
    expect(r.status, r.stderr).toBe(0);
  });

  it("reads y0,x0,y1,x1,y2,x2 with the scored entries' targets, and scores each as metrics.csv does", async () => {
    const r = await runBimt(['eval', run]);
    expect(r.status, r.stderr).toBe(0);
    const m = lastMetrics(run);
    const split = readCsv(join(run, 'eval', 'step-000020-test.csv'));
    expect(split.header).toEqual(['y0', 'x0', 'y1', 'x1', 'y2', 'x2', ...[1, 2, 3, 4, 5, 6].map((k) => `output_${k}`), 'target_1', 'target_5', 'loss']);
    expect(Math.abs(mean(column(split, 'loss')) - m.test_loss!)).toBeLessThan(1e-5);
    // Each scored entry's MSE, from its output and target columns: metrics.csv's test_loss_1 and _2.
    const mse = (k: number) => mean(column(split, `output_${k}`).map((o, i) => (o - column(split, `target_${k}`)[i]!) ** 2));
    expect(Math.abs(mse(1) - m.test_loss_1!)).toBeLessThan(1e-5);
    expect(Math.abs(mse(5) - m.test_loss_2!)).toBeLessThan(1e-5);
    expect(r.stdout).toMatch(/test MSE y@0 +\S+\n +test MSE y@2 +\S+/);
    // The same sequences as new inputs, columns shuffled: the same outputs.
    const data = join(runs, 'sequences.csv');
    const order = ['x2', 'target_5', 'y0', 'x0', 'y1', 'x1', 'y2', 'target_1'];
    writeFileSync(data, `${order.join(',')}\n${split.rows.map((row) => order.map((c) => row[split.header.indexOf(c)]).join(',')).join('\n')}\n`);
    const d = await runBimt(['eval', run, '--data', data]);
    expect(d.status, d.stderr).toBe(0);
    const csv = readCsv(join(run, 'eval', 'step-000020-data-sequences.csv'));
    expectClose(outputsOf(csv), outputsOf(split), 1e-6);
    expectClose([column(csv, 'loss')], [column(split, 'loss')], 1e-6);
  });
});

describe('bimt eval on an MNIST run (IDX files)', () => {
  const run = join(runs, 'mnist');

  beforeAll(async () => {
    const r = await runBimt([
      'train', 'configs/mnist.yaml', '--set', 'model.widths=[784,10,10,10]', '--set', 'model.geometry=[grid 28x28, grid 2x5, grid 2x5, ring]',
      '--set', 'train.steps=20', '--set', 'output.eval_every=10', '--set', 'output.checkpoint_every=20', '--runs-dir', runs, '--name', 'mnist',
    ]);
    expect(r.status, r.stderr).toBe(0);
  });

  it("reads IDX images and labels as the task reads its own: the test split's outputs for the same images", async () => {
    const r = await runBimt(['eval', run]);
    expect(r.status, r.stderr).toBe(0);
    const split = readCsv(join(run, 'eval', 'step-000020-test.csv'));
    expect(split.header.slice(0, 2)).toEqual(['p0,0', 'p0,1']);
    const rows = split.rows.slice(0, 6);
    const images = join(runs, 'images-idx3-ubyte');
    const labels = join(runs, 'labels-idx1-ubyte');
    writeFileSync(images, encodeIdx([rows.length, 28, 28], rows.flatMap((row) => row.slice(0, 784).map((v) => Math.round(Number(v) * 255)))));
    writeFileSync(labels, encodeIdx([rows.length], column({ header: split.header, rows }, 'target')));
    const d = await runBimt(['eval', run, '--data', images, '--labels', labels]);
    expect(d.status, d.stderr).toBe(0);
    const csv = readCsv(join(run, 'eval', 'step-000020-data-images-idx3-ubyte.csv'));
    expect(csv.header.slice(0, 784)).toEqual(split.header.slice(0, 784));
    expectClose(outputsOf(csv), outputsOf({ header: split.header, rows }), 1e-6);
    expect(column(csv, 'target')).toEqual(column({ header: split.header, rows }, 'target'));
    expectClose([column(csv, 'loss')], [column({ header: split.header, rows }, 'loss')], 1e-6);
    // Images for a task without them, labels of another count, labels without images: one line each.
    expect(oneLineFailure(await runBimt(['eval', join(runs, 'moons'), '--data', images]))).toMatch(/images-idx3-ubyte: IDX images, but the task's inputs are x1, x2; give a CSV file with those columns$/);
    writeFileSync(labels, encodeIdx([2], [1, 2]));
    expect(oneLineFailure(await runBimt(['eval', run, '--data', images, '--labels', labels]))).toMatch(/labels-idx1-ubyte: 2 labels, but .*images-idx3-ubyte has 6 images$/);
    expect(oneLineFailure(await runBimt(['eval', run, '--labels', labels]))).toMatch(/--labels .*: give the images with --data$/);
  });
});

describe('bimt eval on a formulas run (several values)', () => {
  const run = join(runs, 'independence');

  beforeAll(async () => {
    const r = await runBimt(['train', 'configs/independence.yaml', '--set', 'train.steps=100', '--set', 'output.eval_every=50', '--set', 'output.checkpoint_every=100', '--runs-dir', runs, '--name', 'independence']);
    expect(r.status, r.stderr).toBe(0);
  });

  it("prints and writes each output's loss as metrics.csv's test_loss_<k>, and reads targets by the outputs' names", async () => {
    const r = await runBimt(['eval', run]);
    expect(r.status, r.stderr).toBe(0);
    const m = lastMetrics(run);
    const split = readCsv(join(run, 'eval', 'step-000100-test.csv'));
    expect(split.header).toEqual(['x1', 'x2', 'x3', 'x4', 'output_1', 'output_2', 'target_1', 'target_2', 'loss']);
    expect(Math.abs(mean(column(split, 'loss')) - m.test_loss!)).toBeLessThan(1e-5);
    for (const k of [1, 2]) {
      const mse = mean(column(split, `output_${k}`).map((o, i) => (o - column(split, `target_${k}`)[i]!) ** 2));
      expect(Math.abs(mse - m[`test_loss_${k}`]!)).toBeLessThan(1e-5);
      const printed = new RegExp(`test MSE ${k === 1 ? '\\(x1\\+x3\\)\\^3' : 'x2\\^2\\+sin\\(pi\\*x4\\)'} +(\\S+)`).exec(r.stdout);
      expect(printed, r.stdout).not.toBeNull();
      expect(Number(printed![1])).toBeCloseTo(m[`test_loss_${k}`]!, 3);
    }
    // The outputs' own names as target columns.
    const data = join(runs, 'formulas.csv');
    writeFileSync(data, `x1,x2,x3,x4,(x1+x3)^3,x2^2+sin(pi*x4)\n${split.rows.map((row) => row.slice(0, 4).concat(row.slice(6, 8)).join(',')).join('\n')}\n`);
    const d = await runBimt(['eval', run, '--data', data]);
    expect(d.status, d.stderr).toBe(0);
    const csv = readCsv(join(run, 'eval', 'step-000100-data-formulas.csv'));
    expectClose([column(csv, 'loss')], [column(split, 'loss')], 1e-6);
  });
});

describe('bimt eval on a table run (iris)', () => {
  const run = join(runs, 'iris');

  beforeAll(async () => {
    const r = await runBimt(['train', 'configs/table-example.yaml', '--set', 'train.steps=100', '--set', 'output.eval_every=50', '--set', 'output.checkpoint_every=100', '--runs-dir', runs, '--name', 'iris']);
    expect(r.status, r.stderr).toBe(0);
  });

  it("reads the table's own CSV, targets from its target column: all 150 rows score as train and test together", async () => {
    const r = await runBimt(['eval', run, '--data', 'data/iris.csv']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const csv = readCsv(join(run, 'eval', 'step-000100-data-iris.csv'));
    expect(csv.header).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'output_1', 'output_2', 'output_3', 'predicted', 'target', 'loss']);
    const species = readCsv('data/iris.csv').rows.map((row) => row[4]);
    expect(column(csv, 'target')).toEqual(species.map((s) => ['setosa', 'versicolor', 'virginica'].indexOf(s!)));
    // The file is the run's 120 training rows and 30 test rows.
    const m = lastMetrics(run);
    expect(Math.abs(mean(column(csv, 'loss')) - (120 * m.train_loss! + 30 * m.test_loss!) / 150)).toBeLessThan(1e-5);
    const right = column(csv, 'predicted').filter((p, i) => p === column(csv, 'target')[i]).length;
    expect(right).toBe(Math.round(120 * m.train_acc! + 30 * m.test_acc!));
  });
});
