// `bimt compare --plot` on real runs: a small two-moons grid (lambda.initial 1e-4, 1e-2 by
// cost.aggregate sum, mean, two seeds each) and two short regression runs, grouped and averaged
// by comparePlotData and checked against the runs' own metrics.csv read here; the log-axis rule,
// the categorical axis, the errors, the SVG, and the command line.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { comparePlotData, comparePlotSvg, logKeyAxis, type ComparePlotData } from '../src/plot/compare-plot.js';
import { readRunRecords, type RunRecord } from '../src/runs/compare.js';
import { findRuns } from '../src/runs/run-dir.js';
import { runBimt } from './cli-run.js';
import { elements } from './svg-elements.js';

const moons = mkdtempSync(join(tmpdir(), 'bimt-compare-plot-'));
const formulas = mkdtempSync(join(tmpdir(), 'bimt-compare-plot-reg-'));
const LAMBDAS = ['1e-4', '1e-2'];
const AGGREGATES = ['sum', 'mean'];
const SEEDS = [0, 1];
/** Run name -> its --set overrides. */
const MOONS = LAMBDAS.flatMap((l) => AGGREGATES.flatMap((a) => SEEDS.map((s) => [`l${l}-${a}-s${s}`, [`lambda.initial=${l}`, `cost.aggregate=${a}`, `seed=${s}`, `task.seed=${s}`, `model.seed=${s}`]] as const)));
const FORMULAS = [
  ['l1', ['lambda.initial=0.001']],
  ['l5', ['lambda.initial=0.005']],
] as const;

let records: RunRecord[];
let regression: RunRecord[];
const read = (dir: string) => readRunRecords(findRuns(dir).map((paths) => ({ paths, name: basename(paths.root) })));

/** The last row of a run's metrics.csv, read as plain CSV (not through bimt's reader). */
function lastRow(dir: string, run: string): Record<string, string> {
  const rows = parse(readFileSync(join(dir, run, 'metrics.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  return rows[rows.length - 1]!;
}

/** The x tick labels of the plot (the only unclassed middle-anchored text at the tick size) and their x. */
function xTickLabels(svg: string): Map<string, number> {
  const labels = elements(svg, 'text').filter((t) => t['@_text-anchor'] === 'middle' && t['@_font-size'] === '11' && t['@_class'] === undefined);
  return new Map(labels.map((t) => [String(t['#text']), Number(t['@_x'])]));
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('bimt compare --plot', () => {
  beforeAll(async () => {
    const train = (dir: string, config: string, name: string, sets: readonly string[], steps: number) =>
      runBimt(['train', config, '--set', `train.steps=${steps}`, ...sets.flatMap((s) => ['--set', s]), '--runs-dir', dir, '--name', name]);
    const jobs = [...MOONS.map(([name, sets]) => () => train(moons, 'configs/two-moons.yaml', name, sets, 200)), ...FORMULAS.map(([name, sets]) => () => train(formulas, 'configs/independence.yaml', name, sets, 100))];
    // Two at a time: the machine has two cores.
    for (let i = 0; i < jobs.length; i += 2) {
      for (const r of await Promise.all(jobs.slice(i, i + 2).map((j) => j()))) expect(r.status, r.stderr).toBe(0);
    }
    records = read(moons);
    regression = read(formulas);
  }, 240_000);

  it('groups by the key, one series per other differing key, and averages over seeds as metrics.csv says', () => {
    const d = comparePlotData(records, 'lambda.initial');
    expect(d.metric.name).toBe('test_acc');
    expect(d.axis).toBe('log');
    expect(d.series.map((s) => s.name)).toEqual(['cost.aggregate=mean', 'cost.aggregate=sum']);
    expect(d.missing).toEqual([]);
    for (const s of d.series) {
      const agg = s.name.split('=')[1]!;
      expect(s.points.map((p) => p.x)).toEqual([1e-4, 1e-2]);
      for (const p of s.points) {
        const l = LAMBDAS.find((x) => Number(x) === p.x)!;
        const names = SEEDS.map((seed) => `l${l}-${agg}-s${seed}`);
        const accs = names.map((n) => Number(lastRow(moons, n).test_acc));
        expect(p.runs.map((r) => r.run).sort()).toEqual(names.sort());
        expect(p.mean).toBeCloseTo(mean(accs), 12);
        expect(p.min).toBe(Math.min(...accs));
        expect(p.max).toBe(Math.max(...accs));
      }
    }
    // Another metric, by the table's column name.
    const loss = comparePlotData(records, 'lambda.initial', 'test loss');
    const p = loss.series[1]!.points[0]!;
    expect(p.mean).toBeCloseTo(mean(SEEDS.map((seed) => Number(lastRow(moons, `l1e-4-sum-s${seed}`).test_loss))), 12);
  });

  it('uses a log axis for values that are positive and span a decade or more, with ticks at decades', () => {
    expect(logKeyAxis([1e-4, 1e-2])).toBe(true);
    expect(logKeyAxis([1e-4, 1e-3])).toBe(true);
    expect(logKeyAxis([0.001, 0.003, 0.01])).toBe(true);
    expect(logKeyAxis([0.001, 0.009])).toBe(false);
    expect(logKeyAxis([0.1, 0.5])).toBe(false);
    expect(logKeyAxis([0, 1, 100])).toBe(false);
    expect(logKeyAxis([-1, 100])).toBe(false);

    const d = comparePlotData(records, 'lambda.initial');
    const svg = comparePlotSvg(d);
    expect(elements(svg, 'g').find((g) => g['@_class'] === 'plot')!['@_data-x-scale']).toBe('log');
    const ticks = xTickLabels(svg);
    expect([...ticks.keys()]).toEqual(['10⁻⁴', '10⁻³', '10⁻²']);
    const [a, b, c] = [...ticks.values()];
    expect(b! - a!).toBeCloseTo(c! - b!, 1);
    // Each mean sits above its decade's label.
    const means = elements(svg, 'circle').filter((m) => m['@_class'] === 'mean');
    for (const m of means) expect(Number(m['@_cx'])).toBeCloseTo(m['@_data-x'] === '0.0001' ? a! : c!, 0);
  });

  it('uses a linear axis when the values span less than a decade', () => {
    const d = comparePlotData(regression, 'lambda.initial', 'test_loss');
    expect(d.axis).toBe('linear');
    expect(d.series).toHaveLength(1);
    expect(d.series[0]!.name).toBe('');
    expect(d.series[0]!.points.map((p) => [p.x, p.mean])).toEqual(FORMULAS.map(([name, [set]]) => [Number(set.split('=')[1]), Number(lastRow(formulas, name).test_loss)]));
    const svg = comparePlotSvg(d);
    expect(elements(svg, 'g').find((g) => g['@_class'] === 'plot')!['@_data-x-scale']).toBe('linear');
    // No legend rows for series: one series, nothing to name.
    expect(elements(svg, 'g').filter((g) => g['@_class'] === 'legend-series')).toHaveLength(0);
  });

  it('draws a key whose values are not numbers on a categorical axis in value order', () => {
    const d = comparePlotData(records, 'cost.aggregate', 'weights_kept');
    expect(d.axis).toBe('categorical');
    expect(d.categories).toEqual(['mean', 'sum']);
    expect(d.label).toBe(`weights kept (of ${records[0]!.weightsTotal})`);
    expect(d.series.map((s) => s.name)).toEqual(['lambda.initial=0.0001', 'lambda.initial=0.01']);
    for (const s of d.series) expect(s.points.map((p) => p.label)).toEqual(['mean', 'sum']);
    const svg = comparePlotSvg(d);
    expect([...xTickLabels(svg).keys()]).toEqual(['mean', 'sum']);
    expect(elements(svg, 'path').filter((p) => p['@_class'] === 'mean-line')).toHaveLength(0);
  });

  it('draws every group in a well-formed SVG: a mean marker per group, a dot per run, a legend entry per series', () => {
    const d: ComparePlotData = comparePlotData(records, 'lambda.initial');
    const svg = comparePlotSvg(d);
    const circles = elements(svg, 'circle');
    const means = circles.filter((c) => c['@_class'] === 'mean');
    expect(means).toHaveLength(4);
    expect(means.map((m) => Number(m['@_data-mean'])).sort()).toEqual(d.series.flatMap((s) => s.points.map((p) => p.mean)).sort());
    expect(circles.filter((c) => c['@_class'] === 'run').map((c) => c['@_data-run']).sort()).toEqual(MOONS.map(([n]) => n).sort());
    expect(elements(svg, 'path').filter((p) => p['@_class'] === 'mean-line')).toHaveLength(2);
    expect(elements(svg, 'g').filter((g) => g['@_class'] === 'legend-series')).toHaveLength(2);
    const texts = elements(svg, 'text').map((t) => String(t['#text']));
    expect(texts).toContain('test accuracy against lambda.initial');
    expect(texts).toContain('8 runs, 2 per point');
    // The legend starts right of the plot area, so it never covers the data.
    const root = elements(svg, 'svg')[0]!;
    expect(Number(root['@_width'])).toBeGreaterThan(480);
  });

  it('names the keys that differ for an unknown key, refuses a key with one value and a metric no run has', () => {
    expect(() => comparePlotData(records, 'lambda.intial')).toThrow('--plot lambda.intial: no run has this config key; keys that differ between the runs: cost.aggregate, lambda.initial, model.seed, seed, task.seed');
    expect(() => comparePlotData(records, 'train.lr')).toThrow('--plot train.lr: every run has train.lr = 0.002; plot against a key that differs: cost.aggregate, lambda.initial');
    expect(() => comparePlotData(records, 'lambda.initial', 'accuracy')).toThrow('--metric accuracy: not a metric compare plots; one of test_acc, test_loss, train_acc, train_loss, connection_cost, weights_kept, hidden_alive, modules, Q, wall_s');
    expect(() => comparePlotData(regression, 'lambda.initial', 'test_acc')).toThrow('--metric test_acc: none of the 2 runs has a value (regression tasks record no accuracy)');
    // Without --metric, a regression sweep plots its test loss.
    expect(comparePlotData(regression, 'lambda.initial').metric.name).toBe('test_loss');
  });

  it('prints the same table and writes the SVG inside the one directory given, or to --out', async () => {
    const plain = await runBimt(['compare', moons]);
    expect(plain.status, plain.stderr).toBe(0);
    const r = await runBimt(['compare', moons, '--plot', 'lambda.initial']);
    expect(r.status, r.stderr).toBe(0);
    const file = join(moons, 'compare-lambda.initial-test_acc.svg');
    expect(r.stdout).toBe(`${plain.stdout}wrote ${file}\n`);
    expect(XMLValidator.validate(readFileSync(file, 'utf8'))).toBe(true);

    // With --csv stdout stays the CSV; the path goes to stderr.
    const out = join(mkdtempSync(join(tmpdir(), 'bimt-compare-out-')), 'sub', 'q.svg');
    const csv = await runBimt(['compare', moons, '--csv', '--plot', 'cost.aggregate', '--metric', 'Q', '--out', out]);
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stdout).toBe((await runBimt(['compare', moons, '--csv'])).stdout);
    expect(csv.stderr).toBe(`wrote ${out}\n`);
    expect(elements(readFileSync(out, 'utf8'), 'text').map((t) => String(t['#text']))).toContain('modularity Q against cost.aggregate');
  });

  it('refuses bad plot arguments in one line, exit 2, before printing or writing anything', async () => {
    for (const [args, message] of [
      [['--plot', 'nope'], 'bimt: --plot nope: no run has this config key; keys that differ between the runs: lambda.initial'],
      [['--plot', 'lambda.initial', '--metric', 'accuracy'], 'bimt: --metric accuracy: not a metric compare plots; one of test_acc'],
      [['--metric', 'test_loss'], 'bimt: --metric goes with --plot <key>'],
      [['--out', 'x.svg'], 'bimt: --out goes with --plot <key>'],
    ] as const) {
      const r = await runBimt(['compare', formulas, ...args]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message);
    }
    const r = await runBimt(['compare', formulas, '--plot', 'lambda.initial', '--metric', 'train_acc']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('bimt: --metric train_acc: none of the 2 runs has a value (regression tasks record no accuracy)');
    expect(existsSync(join(formulas, 'compare-lambda.initial-train_acc.svg'))).toBe(false);
  });
});
