/**
 * The task pictures of tasks without a plane to draw (issue 25, item 19), through `bimt plot` on
 * short real runs: a confusion matrix for classes (a table, MNIST) whose counts are the test set
 * and whose diagonal is the accuracy metrics.csv records, predicted against true values for a
 * table with a value target, and for in-context regression the y at each scored position with the
 * MSE metrics.csv records for it. Also the receptive fields' title (item 18) and their few
 * elements, which the MNIST view page draws at every checkpoint.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shortNumber } from '../src/plot/axes.js';
import { runBimt } from './cli-run.js';
import { elements } from './svg-elements.js';

/** Text content of every <text> element. */
function texts(svg: string): string[] {
  return elements(svg, 'text').map((t) => String(t['#text'] ?? ''));
}

/** The last row of a run's metrics.csv, by column name. */
function lastMetrics(run: string): Record<string, number> {
  const [head, ...rows] = readFileSync(join(run, 'metrics.csv'), 'utf8').trim().split('\n');
  const cells = rows[rows.length - 1]!.split(',');
  return Object.fromEntries(head!.split(',').map((c, i) => [c, Number(cells[i])]));
}

/** Plots one kind of a run into its plots folder and returns the one SVG written. */
async function plot(run: string, kind: string): Promise<string> {
  const r = await runBimt(['plot', run, '--kind', kind]);
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return readFileSync(lines[0]!.replace(/^wrote /, ''), 'utf8');
}

/** The confusion matrix's cells: counts[t][p]. */
function confusion(svg: string, k: number): number[][] {
  const cells = elements(svg, 'rect').filter((r) => r['@_class'] === 'cell');
  expect(cells).toHaveLength(k * k);
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(-1));
  for (const c of cells) counts[Number(c['@_data-true'])]![Number(c['@_data-pred'])] = Number(c['@_data-count']);
  expect(counts.flat().every((c) => c >= 0)).toBe(true);
  return counts;
}

describe('task pictures of tables, MNIST and in-context runs (command line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bimt-task-pictures-'));
  const [iris, irisValues, digits, inContext] = ['iris', 'iris-values', 'digits', 'in-context'].map((n) => join(dir, n));
  const short = ['--set', 'train.steps=200', '--set', 'output.checkpoint_every=100', '--set', 'output.eval_every=100', '--runs-dir', dir];

  beforeAll(async () => {
    const trains = await Promise.all([
      runBimt(['train', 'configs/table-example.yaml', ...short, '--name', 'iris']),
      // The same table with a number to predict: petal width from the other three measurements.
      runBimt(['train', 'configs/table-example.yaml', '--set', 'task.target=petal_width', '--set', 'task.features=[sepal_length,sepal_width,petal_length]',
        '--set', 'model.widths=[3,20,20,1]', ...short, '--name', 'iris-values']),
      // MNIST's 28x28 pixel grid with 4x4 hidden grids to stay quick; 9000 test digits.
      runBimt(['train', 'configs/mnist.yaml', '--set', 'task.n_train=1000', '--set', 'model.widths=[784,16,16,10]',
        '--set', 'model.geometry=[grid 28x28, grid 4x4, grid 4x4, ring]', ...short, '--name', 'digits']),
      runBimt(['train', 'configs/in-context.yaml', '--set', 'task.n=500', ...short, '--name', 'in-context']),
    ]);
    for (const t of trains) expect(t.status, t.stderr).toBe(0);
  }, 300_000);

  it('draws a table of classes as its confusion matrix: the 30 test rows, the recorded accuracy on the diagonal', async () => {
    const svg = await plot(iris, 'task');
    const counts = confusion(svg, 3);
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(30);
    const right = counts.reduce((a, row, t) => a + row[t]!, 0);
    expect(right / 30).toBeCloseTo(lastMetrics(iris)['test_acc']!, 6);
    expect(texts(svg)).toEqual(expect.arrayContaining(['setosa', 'versicolor', 'virginica', 'predicted class', 'true class']));
    expect(texts(svg)).toContain(`iris · step 200 · test accuracy ${Number((100 * (right / 30)).toFixed(1))}%`);
  });

  it('draws MNIST as its confusion matrix over the 9000 test digits, the recorded accuracy on the diagonal', async () => {
    const svg = await plot(digits, 'task');
    const counts = confusion(svg, 10);
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(9000);
    // Each row is one digit's test rows: every digit is in the test set.
    expect(counts.every((row) => row.reduce((a, b) => a + b, 0) > 0)).toBe(true);
    const right = counts.reduce((a, row, t) => a + row[t]!, 0);
    expect(right / 9000).toBeCloseTo(lastMetrics(digits)['test_acc']!, 6);
  });

  it('draws a table of values as predicted against true, one dot per test row', async () => {
    const svg = await plot(irisValues, 'task');
    const panels = elements(svg, 'g').filter((g) => g['@_class'] === 'panel');
    expect(panels).toHaveLength(1);
    expect(elements(svg, 'circle')).toHaveLength(30);
    expect(texts(svg)).toContain('petal_width');
    expect(texts(svg)).toContain(`MSE ${shortNumber(Number(lastMetrics(irisValues)['test_loss']!.toPrecision(2)))}`);
  });

  it('draws in-context regression as the predicted against the true y at each scored position', async () => {
    const svg = await plot(inContext, 'task');
    const panels = elements(svg, 'g').filter((g) => g['@_class'] === 'panel');
    expect(panels).toHaveLength(2);
    // 500 sequences, 400 train: one dot per test sequence in each panel.
    expect(elements(svg, 'circle')).toHaveLength(2 * 100);
    const m = lastMetrics(inContext);
    const mse = (v: number) => `MSE ${shortNumber(Number(v.toPrecision(2)))}`;
    expect(texts(svg)).toEqual(expect.arrayContaining(['y@0', 'y@2', mse(m['test_loss_1']!), mse(m['test_loss_2']!)]));
  });

  it('titles the receptive fields with the run and step, not the bare checkpoint tag (item 18)', async () => {
    const svg = await plot(digits, 'fields');
    expect(texts(svg)).toContain('digits · step 200 · receptive fields');
    expect(svg).not.toContain('step-000200');
    // Each image one path per colour of the key's 21 (white left out), not a rectangle per pixel:
    // bimt view draws this picture at every checkpoint, and 78,400 rectangles took seconds.
    const fields = elements(svg, 'g').filter((g) => g['@_class'] === 'field');
    expect(fields).toHaveLength(16);
    for (const f of fields) {
      expect(f['rect']).toBeUndefined();
      const paths = [f['path'] ?? []].flat();
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.length).toBeLessThanOrEqual(20);
    }
  });
});
