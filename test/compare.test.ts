// `bimt compare` on real runs: three short two-moons runs that differ in lambda.initial and the
// seeds, compared as a directory and one by one, as text, CSV and Markdown; and its errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../src/runs/graph-record.js';
import { readMetrics } from '../src/runs/metrics.js';
import { listCheckpoints, readMeta, runPaths } from '../src/runs/run-dir.js';

const bimt = (...args: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'bimt-compare-'));
const RUNS = [
  ['a', 'lambda.initial=0.001'],
  ['b', 'lambda.initial=0.01'],
  ['c', 'lambda.initial=0.01', 'seed=5', 'task.seed=5', 'model.seed=5'],
] as const;

describe('bimt compare', () => {
  beforeAll(() => {
    for (const [name, ...sets] of RUNS) {
      const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=300', ...sets.flatMap((s) => ['--set', s]), '--runs-dir', dir, '--name', name);
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('tabulates a directory of runs: the differing keys, the last metrics row, the last snapshot, the wall time', () => {
    const r = bimt('compare', dir, '--csv');
    expect(r.status, r.stderr).toBe(0);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.run)).toEqual(['a', 'b', 'c']);
    // Only what differs, and never the run's name or directory.
    const header = Object.keys(rows[0]!);
    expect(header.slice(0, 5)).toEqual(['run', 'lambda.initial', 'model.seed', 'seed', 'task.seed']);
    expect(header).not.toContain('name');
    expect(rows.map((x) => x['lambda.initial'])).toEqual(['0.001', '0.01', '0.01']);
    // two-moons.yaml: master seed 1, data seed 1, model seed 2 (its notebook's).
    expect(rows.map((x) => [x.seed, x['task.seed'], x['model.seed']])).toEqual([['1', '1', '2'], ['1', '1', '2'], ['5', '5', '5']]);
    for (const row of rows) {
      const paths = runPaths(join(dir, row.run!));
      const last = readMetrics(paths.metrics).at(-1)!;
      expect(Number(row['test loss'])).toBeCloseTo(last.test_loss, 4);
      expect(Number(row['test acc'])).toBeCloseTo(last.test_acc!, 4);
      const snap = readSnapshot(paths, listCheckpoints(paths).at(-1)!)!;
      expect(row['weights kept']).toBe(`${snap.weights_kept}/${snap.weights_total}`);
      expect(row.modules).toBe(String(snap.modules!.length));
      // Hidden neurons only: the 2 + 2 inputs and outputs, always listed, are not counted (issue 25, item 24).
      const hidden = snap.layers!.slice(1, -1);
      expect(hidden).toHaveLength(2);
      expect(snap.layers![0]).toHaveLength(2);
      expect(snap.layers!.at(-1)).toHaveLength(2);
      expect(row['hidden alive']).toBe(`${hidden[0]!.length + hidden[1]!.length}/40`);
      expect(Number(row.Q)).toBeCloseTo(snap.modularity_q!, 3);
      expect(Number(row['wall s'])).toBeCloseTo(readMeta(paths).duration_s!, 1);
    }
  });

  it('prints the same table as aligned text and as Markdown, and takes runs one by one', () => {
    const text = bimt('compare', join(dir, 'a'), join(dir, 'c'));
    expect(text.status, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^run +lambda\.initial +model\.seed +seed +task\.seed +train loss/);
    expect(lines[1]!.startsWith(join(dir, 'a'))).toBe(true);
    const md = bimt('compare', dir, '--markdown').stdout.trimEnd().split('\n');
    expect(md).toHaveLength(5);
    expect(md[1]).toMatch(/^\| --- (\| --- )+\|$/);
    expect(md[2]).toMatch(/^\| a \| 0\.001 \| 2 \| 1 \| 1 \| /);
  });

  it('names a path that is not a run or holds none, and refuses two formats, exit 2', () => {
    for (const [args, message] of [
      [[join(dir, 'missing')], `${join(dir, 'missing')}: no such run directory or directory of runs`],
      [['docs'], 'docs: neither a run directory nor a directory holding runs'],
      [[dir, '--csv', '--markdown'], '--csv and --markdown: give one of them'],
    ] as const) {
      const r = bimt('compare', ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
