// The fig3-ablation comparison without training: its runs as data (each config loads with its
// overrides, and each variant is what the paper's variant says), and its claims and tables on
// hand-made run summaries, one that passes and one that fails each claim.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ABLATION_SEEDS, ablationClaims, ablationRuns, ablationTables, median, VARIANTS, type AblationRun } from '../src/reproduce/ablation.js';
import { isRunsFigure } from '../src/reproduce/figure-spec.js';
import { figureById } from '../src/reproduce/figures.js';
import { packagePath } from '../src/util/package-files.js';

describe('the ablation runs', () => {
  const runs = ablationRuns(VARIANTS, ABLATION_SEEDS);

  it('are every variant at every seed, seeds innermost, each with its own directory name', () => {
    expect(runs).toHaveLength(VARIANTS.length * ABLATION_SEEDS.length);
    expect(new Set(runs.map((r) => r.name)).size).toBe(runs.length);
    expect(runs.slice(0, 2).map((r) => [r.name, r.config, r.sets])).toEqual([
      ['no-penalty-s0', 'configs/independence-no-penalty.yaml', ['seed=0', 'swap.permute_optimizer_state=false']],
      ['no-penalty-s1', 'configs/independence-no-penalty.yaml', ['seed=1', 'swap.permute_optimizer_state=false']],
    ]);
    const fig = figureById('fig3-ablation');
    expect(fig && isRunsFigure(fig) && fig.runs).toEqual(runs);
  });

  it('train the paper variants: each config differs from BIMT only where its variant says', () => {
    const load = (v: string, seed = 3) => loadConfig(packagePath(runs.find((r) => r.name === `${v}-s${seed}`)!.config), runs.find((r) => r.name === `${v}-s${seed}`)!.sets).config;
    const bimt = load('l1-local-swap');
    expect(bimt.seed).toBe(3);
    expect(bimt.swap).toMatchObject({ every: 200, permute_optimizer_state: false });
    expect(bimt.cost.weight_factor).toBe(1);
    const bare = load('no-penalty');
    expect(bare.lambda).toEqual({ initial: 0, changes: [] });
    expect(bare.swap.every).toBe(0);
    expect(load('l1').cost.weight_factor).toBe(0);
    expect(load('l1').swap.every).toBe(0);
    expect(load('l1-local')).toEqual({ ...bimt, name: load('l1-local').name, swap: { ...bimt.swap, every: 0, top_k: 10 } });
    // L1 + swap: no distance in training, but the swaps minimise the cost with it (the reference's get_cc).
    expect(load('l1-swap')).toEqual({ ...bimt, name: load('l1-swap').name, cost: { ...bimt.cost, weight_factor: 0 }, swap: { ...bimt.swap, objective: { weight_factor: 1 } } });
  });

  it('are Figure 3a at its seed for L1 + locality + swap', () => {
    const seed0 = runs.find((r) => r.name === 'l1-local-swap-s0')!;
    const { name: _a, ...ablation } = loadConfig(packagePath(seed0.config), seed0.sets).config;
    const { name: _b, ...fig3a } = loadConfig(packagePath('configs/paper/fig3a.yaml')).config;
    expect(ablation).toEqual(fig3a);
  });
});

const run = (variant: string, seed: number, o: Partial<AblationRun> = {}): AblationRun => ({
  name: `${variant}-s${seed}`,
  variant,
  seed,
  testMse: 2e-3,
  weightsKept: 20,
  weightsTotal: 520,
  hiddenAlive: 10,
  hiddenTotal: 40,
  modules: 2,
  modularity: 0.55,
  split: true,
  ...o,
});

/** Four seeds, shaped as measured: no penalty dense, L1 variants small, the modules mostly with locality. */
function measured(): AblationRun[] {
  const seeds = [0, 1, 2, 3];
  const splitIn = (v: string, which: number[]) => seeds.map((s) => run(v, s, { split: which.includes(s), modules: which.includes(s) ? 2 : 1 }));
  return [
    ...seeds.map((s) => run('no-penalty', s, { weightsKept: 470, hiddenAlive: 40, modules: 1, modularity: 0.17, split: false })),
    ...splitIn('l1', [2]),
    ...splitIn('l1-local', [1, 2, 3]).map((r) => ({ ...r, modularity: 0.56 })),
    ...splitIn('l1-swap', [2, 3]),
    ...splitIn('l1-local-swap', [0, 1, 2, 3]).map((r) => ({ ...r, modularity: 0.6 })),
  ];
}

const passes = (runs: AblationRun[]) => ablationClaims(runs, 1.5e-2).map((c) => c.pass);
const edit = (runs: AblationRun[], name: string, o: Partial<AblationRun>) => runs.map((r) => (r.name === name ? { ...r, ...o } : r));

describe('ablationClaims', () => {
  it('pass on runs shaped as measured, and say what they counted', () => {
    const claims = ablationClaims(measured(), 1.5e-2);
    expect(claims.every((c) => c.pass)).toBe(true);
    expect(claims.map((c) => c.measured)).toEqual([
      '20 of 20 (largest 2.00e-3, no-penalty-s0)',
      'no penalty 0 of 4',
      'L1 + locality 3 of 4, L1 + locality + swap 4 of 4',
      '7 of 8 with, 3 of 8 without',
      '16 of 16 with L1 (most kept 20 of 520), 0 of 4 without (fewest kept 470)',
      '0.600; next L1 + locality 0.560',
    ]);
    expect(claims[3].claim).toMatch(/than without \(L1, L1 \+ swap\)/);
  });

  it('fail one by one', () => {
    const runs = measured();
    expect(passes(edit(runs, 'l1-s1', { testMse: 2e-2 }))).toEqual([false, true, true, true, true, true]);
    expect(passes(edit(runs, 'l1-s1', { testMse: NaN }))[0]).toBe(false);
    expect(ablationClaims(edit(runs, 'l1-s1', { testMse: NaN }), 1.5e-2)[0].measured).toMatch(/largest NaN, l1-s1/);
    // No penalty: one seed with the modules is allowed, two are not.
    expect(passes(edit(runs, 'no-penalty-s0', { split: true }))[1]).toBe(true);
    expect(passes(edit(edit(runs, 'no-penalty-s0', { split: true }), 'no-penalty-s1', { split: true }))[1]).toBe(false);
    // Most seeds: 2 of 4 is not most.
    expect(passes(edit(runs, 'l1-local-s1', { split: false }))).toEqual([true, true, false, true, true, true]);
    // As many with locality as without.
    const even = edit(edit(edit(runs, 'l1-s0', { split: true }), 'l1-s1', { split: true }), 'l1-swap-s0', { split: true });
    expect(ablationClaims(even, 1.5e-2)[3]).toMatchObject({ measured: '7 of 8 with, 6 of 8 without', pass: true });
    expect(passes(edit(even, 'l1-swap-s1', { split: true }))[3]).toBe(false);
    // Small: a tenth of 520 is 52.
    expect(passes(edit(runs, 'l1-swap-s2', { weightsKept: 52 }))[4]).toBe(true);
    expect(passes(edit(runs, 'l1-swap-s2', { weightsKept: 53 }))[4]).toBe(false);
    expect(passes(edit(runs, 'no-penalty-s3', { weightsKept: 40 }))[4]).toBe(false);
    // The most modular: a tie with another variant's median is not above it.
    expect(passes(runs.map((r) => (r.variant === 'l1-swap' ? { ...r, modularity: 0.6 } : r)))[5]).toBe(false);
  });

  it('need runs of every variant', () => {
    expect(() => ablationClaims(measured().filter((r) => r.variant !== 'l1'), 1.5e-2)).toThrow(/no runs of variant l1/);
    expect(() => ablationClaims([...measured(), run('l2', 0)], 1.5e-2)).toThrow(/run l2-s0 is of variant l2/);
  });
});

describe('ablationTables', () => {
  it('give each variant its seed counts and medians, and each seed its weights kept and modules', () => {
    const [perVariant, perSeed] = ablationTables(edit(measured(), 'l1-s0', { weightsKept: 23, testMse: 4e-3 }));
    expect(perVariant.header).toEqual(['variant', 'config', 'two modules', 'weights kept of 520', 'hidden alive of 40', 'modularity Q', 'test MSE']);
    expect(perVariant.rows[1]).toEqual(['L1', '`configs/independence-l1.yaml`', '1 of 4', '20 (20-23)', '10 (10-10)', '0.550', '2.00e-3 (max 4.00e-3)']);
    expect(perVariant.rows.map((r) => r[0])).toEqual(VARIANTS.map((v) => v.label));
    expect(perVariant.caption).toMatch(/over seeds 0, 1, 2, 3/);
    expect(perSeed.header).toEqual(['variant', 'seed 0', 'seed 1', 'seed 2', 'seed 3']);
    expect(perSeed.rows[1]).toEqual(['L1', '23, 1', '20, 1', '**20, 2**', '20, 1']);
  });

  it('leave out variants without runs and mark seeds a variant lacks', () => {
    const [perVariant, perSeed] = ablationTables([run('l1', 0), run('l1', 1, { split: false, modules: 3 }), run('no-penalty', 1)]);
    expect(perVariant.rows.map((r) => r[0])).toEqual(['no penalty', 'L1']);
    expect(perSeed.rows).toEqual([
      ['no penalty', '-', '**20, 2**'],
      ['L1', '**20, 2**', '20, 3'],
    ]);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
