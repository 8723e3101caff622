/**
 * Figure 3's comparison of training variants (docs/experiments.md, "Symbolic formulas"): the paper's
 * five variants trained on the independence task over several seeds, and the paper's ordering of
 * them checked by seed counts. The runs are data (config and `--set` overrides); the claims and
 * tables are pure functions of the runs' summaries, tested on hand-made ones.
 */
import { modulesAre, sci, type ClaimResult } from './claims.js';
import type { FigureRun, ReportTable, RunOutputs } from './figure-spec.js';

export interface Variant {
  /** Its runs' directory prefix. */
  readonly id: string;
  /** As the paper names it. */
  readonly label: string;
  /** Relative to bimt's own folder. */
  readonly config: string;
  readonly l1: boolean;
  readonly locality: boolean;
  readonly swap: boolean;
}

/** The paper's order; configs/independence*.yaml are the variants' one home. */
export const VARIANTS: readonly Variant[] = [
  { id: 'no-penalty', label: 'no penalty', config: 'configs/independence-no-penalty.yaml', l1: false, locality: false, swap: false },
  { id: 'l1', label: 'L1', config: 'configs/independence-l1.yaml', l1: true, locality: false, swap: false },
  { id: 'l1-local', label: 'L1 + locality', config: 'configs/independence-l1-local.yaml', l1: true, locality: true, swap: false },
  { id: 'l1-swap', label: 'L1 + swap', config: 'configs/independence-l1-swap.yaml', l1: true, locality: false, swap: true },
  { id: 'l1-local-swap', label: 'L1 + locality + swap', config: 'configs/independence.yaml', l1: true, locality: true, swap: true },
];

/** Eight seeds: 40 runs of a few seconds each, and claims whose seed counts hold with a margin. */
export const ABLATION_SEEDS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7];

/** As configs/paper/fig3a.yaml: the reference keeps Adam's moments in place on swaps. */
const REFERENCE_SETS = ['swap.permute_optimizer_state=false'];

/** Every variant at every seed, seeds innermost (a variant's runs are neighbours, as in a sweep). */
export function ablationRuns(variants: readonly Variant[], seeds: readonly number[]): FigureRun[] {
  return variants.flatMap((v) =>
    seeds.map((seed) => ({ name: `${v.id}-s${seed}`, variant: v.id, seed, config: v.config, sets: [`seed=${seed}`, ...REFERENCE_SETS] })),
  );
}

/** What the claims and tables read of one run, pruned at its config's threshold. */
export interface AblationRun {
  readonly name: string;
  readonly variant: string;
  readonly seed: number;
  readonly testMse: number;
  readonly weightsKept: number;
  readonly weightsTotal: number;
  readonly hiddenAlive: number;
  readonly hiddenTotal: number;
  readonly modules: number;
  readonly modularity: number;
  /** The pruned graph is exactly the task's modules (modulesAre). */
  readonly split: boolean;
}

export function summariseAblation(o: RunOutputs, modules: readonly (readonly string[])[]): AblationRun {
  const g = o.pruned.graph;
  const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
  return {
    name: o.run.name,
    variant: o.run.variant,
    seed: o.run.seed,
    testMse: o.trained.testLoss,
    weightsKept: g.weightsKept,
    weightsTotal: g.weightsTotal,
    hiddenAlive: sum(g.layers.slice(1, -1).map((l) => l.length)),
    hiddenTotal: sum(g.widths.slice(1, -1)),
    modules: g.modules.length,
    modularity: g.modularity,
    split: modulesAre('', g, modules).pass,
  };
}

/** Runs keeping at most this fraction of the weights count as a small network. */
const SMALL = 0.1;

/**
 * The ordering of the variants, as seed counts (docs/cli.md, "bimt reproduce"): every run fits the
 * task (test MSE <= mseMax); without a penalty the two modules (almost) never form; with locality
 * they form in most seeds, and in a larger share of the runs than without it; L1 leaves a small
 * network; L1 + locality + swap has the highest median modularity Q. Every variant needs runs.
 */
export function ablationClaims(runs: readonly AblationRun[], mseMax: number, variants: readonly Variant[] = VARIANTS): ClaimResult[] {
  const groups = groupByVariant(runs, variants);
  const empty = groups.find((g) => g.runs.length === 0);
  if (empty) throw new Error(`ablationClaims: no runs of variant ${empty.variant.id}`);
  const where = (pick: (v: Variant) => boolean) => groups.filter((g) => pick(g.variant));
  const runsOf = (gs: readonly VariantRuns[]) => gs.flatMap((g) => g.runs);
  const labels = (gs: readonly VariantRuns[]) => gs.map((g) => g.variant.label).join(', ');
  const splits = (rs: readonly AblationRun[]) => rs.filter((r) => r.split).length;
  const seedCount = (g: VariantRuns) => `${g.variant.label} ${splits(g.runs)} of ${g.runs.length}`;

  const fits = runs.filter((r) => r.testMse <= mseMax).length;
  // A NaN loss is the worst of all.
  const worse = (a: number, b: number) => !Number.isNaN(b) && (Number.isNaN(a) || a > b);
  const worst = runs.reduce((w, r) => (worse(r.testMse, w.testMse) ? r : w));
  const bare = where((v) => !v.l1);
  const local = where((v) => v.l1 && v.locality);
  const apart = where((v) => v.l1 && !v.locality);
  const [withLocality, without] = [runsOf(local), runsOf(apart)];
  const l1 = runsOf(where((v) => v.l1));
  const small = (r: AblationRun) => r.weightsKept <= SMALL * r.weightsTotal;
  const q = (g: VariantRuns) => median(g.runs.map((r) => r.modularity));
  const bimt = where((v) => v.l1 && v.locality && v.swap);
  const next = groups.filter((g) => !bimt.includes(g)).reduce((b, g) => (q(g) > q(b) ? g : b));
  return [
    {
      claim: `every run fits the task: test MSE <= ${sci(mseMax)} (Figure 3a's bound)`,
      reference: `${runs.length} of ${runs.length} runs`,
      measured: `${fits} of ${runs.length} (largest ${sci(worst.testMse)}, ${worst.name})`,
      pass: fits === runs.length,
    },
    {
      claim: `${labels(bare)}: the two modules in at most one seed`,
      reference: '<= 1 seed',
      measured: bare.map(seedCount).join(', '),
      pass: splits(runsOf(bare)) <= 1,
    },
    {
      claim: `with locality (${labels(local)}): the two modules in most seeds, each`,
      reference: '> half of the seeds, each',
      measured: local.map(seedCount).join(', '),
      pass: local.every((g) => 2 * splits(g.runs) > g.runs.length),
    },
    {
      claim: `locality makes the modules: the two modules in a larger share of the runs with locality than without (${labels(apart)})`,
      reference: 'larger share with locality',
      measured: `${splits(withLocality)} of ${withLocality.length} with, ${splits(without)} of ${without.length} without`,
      pass: splits(withLocality) / withLocality.length > splits(without) / without.length,
    },
    {
      claim: 'L1 leaves a small network: at most a tenth of the weights kept after pruning',
      reference: 'every run with L1, none without',
      measured:
        `${l1.filter(small).length} of ${l1.length} with L1 (most kept ${Math.max(...l1.map((r) => r.weightsKept))} of ${l1[0]!.weightsTotal}), ` +
        `${runsOf(bare).filter(small).length} of ${runsOf(bare).length} without (fewest kept ${Math.min(...runsOf(bare).map((r) => r.weightsKept))})`,
      pass: l1.every(small) && !runsOf(bare).some(small),
    },
    {
      claim: `${labels(bimt)} is the most modular: the highest median modularity Q`,
      reference: "above every other variant's median",
      measured: `${bimt.map((g) => q(g).toFixed(3)).join(', ')}; next ${next.variant.label} ${q(next).toFixed(3)}`,
      pass: bimt.every((g) => q(g) > q(next)),
    },
  ];
}

/**
 * The report's tables: per variant (seeds with the two modules, weights kept, hidden neurons
 * alive, Q, test MSE), and per variant and seed (weights kept and modules; bold where the pruned
 * graph is the task's two modules).
 */
export function ablationTables(runs: readonly AblationRun[], variants: readonly Variant[] = VARIANTS): ReportTable[] {
  const groups = groupByVariant(runs, variants).filter((g) => g.runs.length > 0);
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const range = (xs: readonly number[]) => `${median(xs)} (${Math.min(...xs)}-${Math.max(...xs)})`;
  const total = runs[0];
  const perVariant: ReportTable = {
    caption: `Per variant, over seeds ${seeds.join(', ')}: medians, with the range in brackets.`,
    header: [
      'variant',
      'config',
      'two modules',
      `weights kept${total ? ` of ${total.weightsTotal}` : ''}`,
      `hidden alive${total ? ` of ${total.hiddenTotal}` : ''}`,
      'modularity Q',
      'test MSE',
    ],
    rows: groups.map(({ variant, runs: rs }) => [
      variant.label,
      `\`${variant.config}\``,
      `${rs.filter((r) => r.split).length} of ${rs.length}`,
      range(rs.map((r) => r.weightsKept)),
      range(rs.map((r) => r.hiddenAlive)),
      median(rs.map((r) => r.modularity)).toFixed(3),
      `${sci(median(rs.map((r) => r.testMse)))} (max ${sci(Math.max(...rs.map((r) => r.testMse)))})`,
    ]),
  };
  const perSeed: ReportTable = {
    caption: 'Weights kept and modules after pruning, by seed; bold: the pruned graph is the two modules of the task.',
    header: ['variant', ...seeds.map((s) => `seed ${s}`)],
    rows: groups.map(({ variant, runs: rs }) => [
      variant.label,
      ...seeds.map((s) => {
        const r = rs.find((x) => x.seed === s);
        if (r === undefined) return '-';
        const cell = `${r.weightsKept}, ${r.modules}`;
        return r.split ? `**${cell}**` : cell;
      }),
    ]),
  };
  return [perVariant, perSeed];
}

interface VariantRuns {
  readonly variant: Variant;
  readonly runs: readonly AblationRun[];
}

/** The runs of each variant, in the variants' order; a run of another variant is a programming error. */
function groupByVariant(runs: readonly AblationRun[], variants: readonly Variant[]): VariantRuns[] {
  const unknown = runs.find((r) => !variants.some((v) => v.id === r.variant));
  if (unknown) throw new Error(`ablation: run ${unknown.name} is of variant ${unknown.variant}, not one of ${variants.map((v) => v.id).join(', ')}`);
  return variants.map((variant) => ({ variant, runs: runs.filter((r) => r.variant === variant.id) }));
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
