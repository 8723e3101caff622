/**
 * The paper's figures that `bimt reproduce` re-creates: for each, its config under configs/paper/
 * (or, for a comparison, its list of runs), the sentence of the paper it checks, and its claims as
 * functions of the runs' outputs (src/reproduce/claims.ts). Thresholds are the issue's; the
 * paper's numbers are quoted beside.
 */
import { embeddingGroups, type NetworkGraph } from '../bimt/graph.js';
import type { Network } from '../model/network.js';
import { embeddingOf } from '../model/model-graph.js';
import { permutations, permutationSign } from '../tasks/permutation-group.js';
import type { TaskEvaluation } from '../train/evaluate.js';
import { ABLATION_SEEDS, ablationClaims, ablationRuns, ablationTables, summariseAblation, VARIANTS } from './ablation.js';
import {
  atLeast,
  atMost,
  atMostRerun,
  circleFit,
  circlesClaim,
  edgeLocality,
  localityClaim,
  firstLayerSeparates,
  hiddenAliveFraction,
  modulesAre,
  projectDims,
  reachesExactly,
  classSeparation,
  separatesClaim,
  type ClaimResult,
  type GroupSeparation,
  type ModuleCircle,
} from './claims.js';
import type { FigureSpec, PanelOutputs, RunOutputs } from './figure-spec.js';
import { diagonalClaim, eachLowersClaim, keepsAccuracyClaim } from './knock-outs.js';
import type { AblationTarget } from '../bimt/ablation-targets.js';




/**
 * The MNIST notebook's loop re-run on fig8's own digits (see fig8's note), measured on its final
 * weights: test accuracy on the 2000 test digits, the same after zeroing |w| <= 0.01 in its weights
 * and biases, and the locality ratio (edgeLocality) of its first layer pruned at 0.01 (2647 edges,
 * mean L1 length 0.319 against 0.388 for the same ends wired at random).
 */
const MNIST_RERUN = { testAcc: 0.947, prunedTestAcc: 0.945, locality: 0.82 } as const;
/**
 * "Measurably shorter": a tenth below random wiring. With a few thousand surviving edges the
 * mean's own spread is about 1 %, so 0.9 is far outside chance, and the reference (0.82) meets it.
 */
const MNIST_LOCALITY_MAX = 0.9;

/** The independence task's two modules, as input and output labels (Figure 3a and the ablation). */
const IND_MODULES = [
  ['x1', 'x3', '(x1+x3)^3'],
  ['x2', 'x4', 'x2^2+sin(pi*x4)'],
];
/** Figure 3a's bound on the test MSE, which the ablation's runs meet too. */
const IND_MSE_MAX = 1.5e-2;
const FS = ['x1^2', 'x1^2+x2^2', 'x1^2+x2^2+x3^2'];

export const FIGURES: readonly FigureSpec[] = [
  {
    id: 'fig3a',
    title: 'Figure 3a: independence',
    config: 'configs/paper/fig3a.yaml',
    paper: '"BIMT discovers that the two outputs are independent: the network splits into two disconnected modules, each with its own inputs."',
    claims: (o) => [
      atMost('test MSE', o.trained.testLoss, IND_MSE_MAX, '7.4e-3'),
      modulesAre('pruned graph: two modules, {x1, x3} -> (x1+x3)^3 and {x2, x4} -> x2^2+sin(pi*x4)', o.pruned.graph, IND_MODULES),
      // Measured at seed 0 (the config's): own x783 and x814, other x1.21 and x1.01 (docs/cli.md, "bimt ablate").
      diagonalClaim(
        "knocking out each module (mean ablation) raises its own output's test loss and leaves the other's",
        o.knockOuts.rows(o.knockOuts.modules),
        o.knockOuts.outputLabels,
        10,
        1.5,
      ),
    ],
  },
  {
    id: 'fig3b',
    title: 'Figure 3b: feature sharing',
    config: 'configs/paper/fig3b.yaml',
    paper: '"x1^2 is computed once and shared by all three outputs" (feature sharing).',
    claims: (o) => [
      atMost('test MSE', o.trained.testLoss, 5e-4, '8.5e-5'),
      reachesExactly('reachability: x1 feeds all outputs, x2 the last two, x3 the last one', o.pruned.graph, {
        x1: FS,
        x2: FS.slice(1),
        x3: FS.slice(2),
      }),
    ],
  },
  {
    id: 'fig3c',
    title: 'Figure 3c: compositionality',
    config: 'configs/paper/fig3c.yaml',
    paper: '"The network has a tree structure: x1 - x2 and x3 - x4 are computed separately and then combined."',
    note:
      'The branch claim holds for some draws only, in the reference as here: over seeds 0-7 the reference notebook (PyTorch) ' +
      'forms the tree for 2 seeds (0 and its own 3), bimt for 2 (5 and 7); the others mix a (x1 - x2) + b (x3 - x4) in ' +
      'one or two first-layer neurons. The config uses seed 7 (see its header).',
    claims: (o) => [
      atMost('test MSE', o.trained.testLoss, 5e-3, '1.3e-3'),
      firstLayerSeparates('first hidden layer keeps {x1, x2} and {x3, x4} apart', o.pruned.graph, ['x1', 'x2'], ['x3', 'x4']),
    ],
  },
  {
    id: 'fig3-ablation',
    kind: 'runs',
    title: 'Figure 3: the five training variants, over seeds',
    paper:
      'The paper trains the symbolic formulas with five variants (no penalty; L1; L1 + locality; L1 + swap; ' +
      'L1 + locality + swap, which is BIMT): the penalty makes the network small, locality makes it modular, and BIMT gives the clearest modules.',
    note:
      'Each variant is its config in configs/ (independence*.yaml) with `--set seed=N` for seeds 0-7 and, as Figure 3a, the ' +
      "reference's Adam (`swap.permute_optimizer_state=false`), so L1 + locality + swap at seed 0 is Figure 3a's run; each run is " +
      "pruned at its config's threshold (0.05). The claims were set after measuring these seeds and checked on seeds 8-15, where " +
      'all hold with less margin: two modules in 0, 4, 6, 5 and 5 of 8 seeds (in the order of the table), 11 of 16 with locality ' +
      'against 9 of 16 without, median Q 0.574 for L1 + locality + swap against 0.543. Two readings of the paper are not claimed, ' +
      'since the runs do not bear them out: that only the variants with locality form the modules in most seeds (L1 + swap forms ' +
      'them in 4 of 8 here, 5 of 8 over seeds 8-15), and that L1 + locality + swap keeps the fewest weights (every variant with L1 ' +
      'keeps 17 to 28 of 520, with medians of 20 to 23 that change places between the two sets of seeds). `bimt compare` reads ' +
      "the runs' last snapshots, taken at 0.01, so its weights kept and modules are those at 0.01, not this figure's. The 40 runs " +
      'take about 100 s on 2 cores, and `reproduce all` includes them.',
    runs: ablationRuns(VARIANTS, ABLATION_SEEDS),
    drawn: (run) => run.seed === ABLATION_SEEDS[0],
    claims: (o) => ablationClaims(o.map((r) => summariseAblation(r, IND_MODULES)), IND_MSE_MAX),
    tables: (o) => ablationTables(o.map((r) => summariseAblation(r, IND_MODULES))),
  },
  {
    id: 'fig4',
    title: 'Figure 4: two moons',
    config: 'configs/paper/fig4.yaml',
    paper: '"BIMT reaches near-perfect test accuracy with a tiny circuit: a few hidden neurons and a handful of weights survive."',
    claims: (o) => {
      const frac = hiddenAliveFraction(o.pruned.graph);
      const drop = (o.trained.testAcc ?? 0) - (o.pruned.evaluation.testAcc ?? 0);
      return [
        atLeast('test accuracy', o.trained.testAcc ?? 0, 0.98, '~1.0'),
        { claim: 'pruned network keeps the accuracy (drop <= 0.02)', reference: '<= 0.02', measured: drop.toFixed(4), pass: drop <= 0.02 },
        { claim: 'pruned network uses at most 1/4 of the hidden neurons', reference: '<= 0.25', measured: frac.toFixed(3), pass: frac <= 0.25 },
        // Measured: 1.0000 against 1.0000 untouched, every other hidden neuron held at its mean.
        keepsAccuracyClaim('the circuit alone (keep-only its modules\' neurons) keeps the test accuracy', o.knockOuts.rows(o.knockOuts.modules, { keepOnly: true }), 0.005, 'drop <= 0.005'),
      ];
    },
  },
  {
    id: 'fig5',
    title: 'Figure 5: modular addition',
    config: 'configs/paper/fig5.yaml',
    paper: '"The network splits into modules, and in each the embedding draws the residues on a circle, ordered by a * k mod 59 for some frequency k."',
    claims: (o) => {
      const circles = embeddingCircles(o.pruned.net, o.pruned.graph);
      // The notebook's knock-out: only the embedding dims of the groups kept, then each group alone
      // knocked out. Measured at the config's seed: 1.000 kept; groups of 3, 2 and 2 dims knocked
      // out give 0.172, 0.397 and 0.125.
      const dims = (group: readonly number[]) => group.map((d): AblationTarget => ({ kind: 'embedding-dim', d }));
      const groups = circles.map((c) => c.dims);
      const kept = o.knockOuts.rows(dims(groups.flat()), { keepOnly: true });
      const [none] = kept;
      const each = [none!, ...groups.map((g) => o.knockOuts.rows(dims(g), { together: true })[1]!)];
      return [
        atLeast('test accuracy', o.trained.testAcc ?? 0, 0.99, '1.00'),
        { claim: 'pruned embedding splits into modules (below the shared outputs)', reference: '>= 2 modules', measured: `${circles.length}`, pass: circles.length >= 2 },
        circlesClaim('embedding modules draw residues on a circle ordered by k * a', circles, 2, 0.9),
        atLeast("keeping only the modules' embedding dims (the rest at their mean) keeps the test accuracy", kept[1]?.metrics.acc ?? 0, 0.99, '1.00, the notebook\'s knock-out'),
        eachLowersClaim("knocking out one module's embedding dims lowers the test accuracy", each, 0.5),
      ];
    },
  },
  {
    id: 'fig6',
    title: 'Figure 6: permutation group S4',
    config: 'configs/paper/fig6.yaml',
    paper: '"A handful of embedding dimensions encode the group structure of S4 (the sign of a permutation, cosets), and test accuracy reaches 100% long after training accuracy."',
    note:
      'Reference values from the paper and its notebook (permutation_S4_3.3.ipynb, about 423 s): train and test accuracy 1.00, ' +
      'test accuracy reached only near step 14000, 8 of 32 embedding dimensions alive. The sign claim reads one direction ' +
      '(even mean minus odd mean) of the alive dims of each group, so it can fail: an embedding may carry the sign only ' +
      'nonlinearly (the 2-dimensional representation of S4 has the sign as its determinant). Over seeds 1-11, seeds 5, 6 ' +
      'and 7 meet all three claims (seed 1 carries the sign only nonlinearly, the others end below 0.99 test accuracy); ' +
      'the config uses seed 5 (see its header).',
    claims: (o) => {
      const groups = embeddingSeparations(o.pruned.net, o.pruned.graph);
      const alive = groups.reduce((n, g) => n + g.dims.length, 0);
      const dim = embeddingOf(o.pruned.net.graph)?.dim ?? 0;
      return [
        atLeast('test accuracy', o.trained.testAcc ?? 0, 0.99, '1.00, reached near step 14000'),
        { claim: 'embedding dimensions alive after pruning', reference: `<= 12 (reference 8 of 32)`, measured: `${alive} of ${dim}`, pass: alive <= 12 },
        separatesClaim('the alive dims of one group separate even from odd permutations along one direction', groups, '> 0 gap (reference: dims that read as the sign)'),
      ];
    },
  },
  {
    id: 'fig7',
    title: 'Figure 7: in-context linear regression',
    config: 'configs/paper/fig7.yaml',
    paper: '"The transformer learns w from (x0, y0) and applies it to x1, and the trained network is sparse enough to read off where w is computed."',
    note:
      'The reference values come from the notebook\'s own training loop (incontext_3.4.ipynb; PyTorch 1.13 from Debian, ' +
      'float64, 2 threads, 40000 steps, seed 1; no swaps, since its swap interval exceeds the run) re-run on the ' +
      'development machine and measured on the full 2000-sequence test split; that loop took about 675 s there. ' +
      'Position 0\'s MSE cannot fall below about 1.44 (w is not seen yet); the last position is the in-context prediction.',
    claims: (o) => {
      const last = lastPositionMse(o.trained);
      const prunedLast = lastPositionMse(o.pruned.evaluation);
      const kept = o.pruned.graph.weightsKept / o.pruned.graph.weightsTotal;
      return [
        atMostRerun('test MSE at the last position', last, 2e-3, '5.7e-4'),
        atMostRerun('weights kept after pruning (fraction)', kept, 0.25, '2.2e-2 of the weights have |w| > 0.01'),
        atMostRerun('pruned network: last-position test MSE within 2x of the trained one', prunedLast, 2 * last, '6.8e-4 after zeroing |w| <= 0.01'),
      ];
    },
  },
  {
    id: 'fig8',
    title: 'Figure 8: MNIST on 2-D grids',
    config: 'configs/paper/fig8.yaml',
    paper: '"BIMT trains a network with sparse, local receptive fields: each first-layer neuron reads a patch of the image, and modules are visible."',
    note:
      `Reference values from the notebook's own loop (mnist_3.5.ipynb; PyTorch 1.13 from Debian, float32, 2 threads, ` +
      `40000 steps, seed 1) re-run on the development machine on this figure's digits: the 8000 / 2000 split of the ` +
      `bundled 10,000 that configs/paper/fig8.yaml trains on, not the full MNIST files. Its numbers: test accuracy ` +
      `${MNIST_RERUN.testAcc.toFixed(4)} on the 2000 test digits, ${MNIST_RERUN.prunedTestAcc.toFixed(4)} after zeroing |w| <= 0.01, ` +
      `first-layer locality ${MNIST_RERUN.locality.toFixed(2)}. Locality: the mean L1 length of the pruned network's ` +
      `first-layer edges over that of the same pixels and neurons wired at random (1: no preference for neighbours). ` +
      `bimt's seeds 1, 2 and 3 all meet every claim (locality 0.81, 0.86, 0.83).`,
    claims: (o) => {
      const acc = o.trained.testAcc ?? 0;
      const drop = acc - (o.pruned.evaluation.testAcc ?? 0);
      return [
        {
          claim: 'test accuracy within 2 points of the reference on the same digits',
          reference: `>= ${(MNIST_RERUN.testAcc - 0.02).toFixed(4)} (reference notebook re-run: ${MNIST_RERUN.testAcc.toFixed(4)})`,
          measured: acc.toFixed(4),
          pass: acc >= MNIST_RERUN.testAcc - 0.02,
        },
        localityClaim(
          'receptive fields are local: first-layer edges shorter than the same ends wired at random (ratio)',
          edgeLocality(o.pruned.graph, 0),
          MNIST_LOCALITY_MAX,
          `reference notebook re-run: ${MNIST_RERUN.locality.toFixed(2)}`,
        ),
        { claim: 'pruned network keeps the accuracy (drop <= 0.02)', reference: '<= 0.02', measured: drop.toFixed(4), pass: drop <= 0.02 },
      ];
    },
  },
];

/** The test MSE of a sequence task's last scored entry (the in-context task's prediction w x1). */
export function lastPositionMse(e: TaskEvaluation): number {
  const losses = e.scoredLosses?.test;
  if (!losses || losses.length === 0) throw new Error('lastPositionMse: the evaluation has no scored losses (not a sequence task)');
  return losses[losses.length - 1]!;
}

/**
 * The embedding's modules (groups of dimensions connected through the hidden layers: every module
 * of a modular-addition network feeds the shared outputs, so counting the output layer the whole
 * network is one component), each with the circle fit of its tokens.
 */
export function embeddingCircles(net: Network, g: NetworkGraph): ModuleCircle[] {
  const e = embeddingOf(net.graph);
  const table = e && net.params.get(e.name);
  if (!e || !table) return [];
  return embeddingGroups(net, g)
    .filter((dims) => dims.length >= 2)
    .map((dims) => ({ dims, fit: circleFit(projectDims(table, e.vocab, e.dim, dims), e.vocab) }));
}

/**
 * Each group of alive embedding dims of a permutation-group network (embeddingGroups, the dims a
 * pruned-graph edge reads) with how well one direction of it separates even from odd tokens.
 */
export function embeddingSeparations(net: Network, g: NetworkGraph): GroupSeparation[] {
  const e = embeddingOf(net.graph);
  const table = e && net.params.get(e.name);
  if (!e || !table) return [];
  const degree = [...Array(8).keys()].find((n) => factorial(n) === e.vocab);
  if (degree === undefined) throw new Error(`embeddingSeparations: ${e.vocab} tokens are not the n! permutations of a degree`);
  const signs = permutations(degree).map(permutationSign);
  return embeddingGroups(net, g).map((dims) => ({ dims, separation: classSeparation(table, e.vocab, e.dim, dims, signs) }));
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

export function figureById(id: string): FigureSpec | undefined {
  return FIGURES.find((f) => f.id === id);
}
