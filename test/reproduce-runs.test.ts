// A figure made of several runs, reproduced in-process: two variants of the ablation at one seed,
// a few hundred steps each. Each run is a normal run directory inside the figure's (so `bimt
// compare` reads them), the record holds the figure's tables, and REPORT.md shows them.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { ablationRuns, ablationTables, summariseAblation, VARIANTS } from '../src/reproduce/ablation.js';
import type { RunsFigure } from '../src/reproduce/figure-spec.js';
import { writeReport, type FigureRecord } from '../src/reproduce/report.js';
import { checkFiguresNew, reproduceFigure } from '../src/reproduce/run.js';
import { runBimt } from './cli-run.js';

const MODULES = [
  ['x1', 'x3', '(x1+x3)^3'],
  ['x2', 'x4', 'x2^2+sin(pi*x4)'],
];

const tiny: RunsFigure = {
  id: 'tiny-ablation',
  kind: 'runs',
  title: 'Two variants, one seed',
  paper: 'A comparison of training variants.',
  runs: ablationRuns(
    VARIANTS.filter((v) => v.id === 'l1' || v.id === 'l1-local-swap'),
    [1],
  ).map((r) => ({ ...r, sets: [...r.sets, 'train.steps=400'] })),
  drawn: (run) => run.variant === 'l1',
  claims: (o) => [{ claim: 'both runs are read', reference: '2', measured: o.map((x) => x.run.name).join(', '), pass: o.length === 2 }],
  tables: (o) => ablationTables(o.map((x) => summariseAblation(x, MODULES))),
};

describe('reproducing a figure of several runs', () => {
  it('trains each run into the figure directory, then writes its claims, tables and drawings', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bimt-reproduce-runs-'));
    const log: string[] = [];
    const { record } = await reproduceFigure(tiny, out, await selectBackend(), (s) => log.push(s));
    expect(log).toEqual([
      'tiny-ablation/l1-s1 (1 of 2): training configs/independence-l1.yaml --set seed=1 --set swap.permute_optimizer_state=false --set train.steps=400 (400 steps)',
      'tiny-ablation/l1-local-swap-s1 (2 of 2): training configs/independence.yaml --set seed=1 --set swap.permute_optimizer_state=false --set train.steps=400 (400 steps)',
    ]);
    const dir = join(out, 'tiny-ablation');
    for (const name of ['l1-s1', 'l1-local-swap-s1']) {
      expect(JSON.parse(readFileSync(join(dir, name, 'meta.json'), 'utf8'))).toMatchObject({ status: 'completed', seed: 1 });
      expect(existsSync(join(dir, name, 'pruned', 'step-000400-t0.05', 'graph.json'))).toBe(true);
    }
    // config.yaml says where the run came from, as `bimt train --set` would.
    expect(readFileSync(join(dir, 'l1-s1', 'config.yaml'), 'utf8').split('\n').slice(0, 4)).toEqual([
      '# source: configs/independence-l1.yaml',
      '# --set seed=1',
      '# --set swap.permute_optimizer_state=false',
      '# --set train.steps=400',
    ]);

    expect(record.claims).toEqual([{ claim: 'both runs are read', reference: '2', measured: 'l1-s1, l1-local-swap-s1', pass: true }]);
    expect(record.plots).toEqual(['l1-s1/plots/network-pruned-step-000400.svg']);
    const saved = JSON.parse(readFileSync(join(dir, 'reproduce.json'), 'utf8')) as FigureRecord;
    expect(saved.tables?.map((t) => t.rows.map((r) => r[0]))).toEqual([
      ['L1', 'L1 + locality + swap'],
      ['L1', 'L1 + locality + swap'],
    ]);

    const report = readFileSync(writeReport(out, [tiny]), 'utf8');
    expect(report).toMatch(/^2 runs in `tiny-ablation\/`, one per variant and seed, from `configs\/independence-l1.yaml`, `configs\/independence.yaml` \(`bimt compare tiny-ablation` tabulates them\); trained with (the host engine|\w+ on \w+), pruned and evaluated on \w+, \d+ s\.$/m);
    expect(report).toMatch(/^!\[l1-s1: network-pruned-step-000400.svg\]/m);
    expect(report).toMatch(/^\| variant \| config \| two modules \| weights kept of 520 \| hidden alive of 40 \| modularity Q \| test MSE \|$/m);
    expect(report).toMatch(/^\| L1 \+ locality \+ swap \| \*?\*?\d+, \d/m);
    expect(report).toMatch(/^\| both runs are read \| 2 \| l1-s1, l1-local-swap-s1 \| pass \|$/m);
    for (const [, img] of report.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) expect(existsSync(join(out, img))).toBe(true);
    expect(report).toMatch(/\]\(tiny-ablation\/l1-s1\/plots\/network-pruned-step-000400\.svg\)/);

    // The figure's directory is a directory of runs to bimt compare; a second reproduce is refused.
    const compare = await runBimt(['compare', dir]);
    expect(compare.stderr).toBe('');
    expect(compare.stdout).toMatch(/^l1-local-swap-s1 /m);
    expect(compare.stdout).toMatch(/^l1-s1 /m);
    expect(() => checkFiguresNew(out, [tiny])).toThrow(/tiny-ablation already exists: tiny-ablation was reproduced into/);
  });
});
