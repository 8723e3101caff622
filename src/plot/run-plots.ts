/**
 * The figures of a run directory, as `bimt plot` (and `bimt reproduce`) draw them: the pure SVG
 * builders of this folder fed from a checkpoint, metrics.csv and the run's config, written
 * atomically into <run>/plots/ (or one named file).
 *
 *   plots/network-step-NNNNNN.svg              every weight of the checkpoint
 *   plots/network-pruned-step-NNNNNN.svg       the pruned graph, modules tinted
 *   plots/curves.svg                           metrics.csv, lambda phases from the config
 *   plots/task-step-NNNNNN.svg                 decision boundary / embedding / predicted vs true /
 *                                              confusion matrix
 *   plots/task-pruned-step-NNNNNN.svg          the same, of the pruned network
 *   plots/task-pruned-step-NNNNNN-group-K.svg  modular addition: one group of embedding dims
 *   plots/animation.svg                        the network through every checkpoint
 *   plots/animation-pruned.svg                 the same, each frame pruned
 *
 * Pictures of one checkpoint are named by its step, so plotting several checkpoints of a run
 * never overwrites one with another; curves and the animation cover the whole run. `figureName`
 * is the one place these names are made.
 */
import { basename, extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { embeddingGroups, type NetworkGraph } from '../bimt/graph.js';
import { pruneNetwork } from '../bimt/prune.js';
import { BimtError } from '../errors.js';
import { BioModel } from '../model/bio-model.js';
import { mlpArchitecture, tensor, type Network } from '../model/network.js';
import { writeOutputFile } from '../runs/atomic.js';
import { readModularity } from '../runs/graph-record.js';
import { readMetrics } from '../runs/metrics.js';
import { readVerifiedCheckpoint, type OpenedCheckpoint } from '../runs/open.js';
import { checkpointPath, listCheckpoints } from '../runs/run-dir.js';
import { evaluateNetwork, predictNetwork } from '../train/evaluate.js';
import { animatedNetworkSvg, type NetworkFrame } from './animate.js';
import { shortNumber, thresholdText } from './axes.js';
import { curvesSvg, type Phase } from './curves.js';
import { scoredColumns, scoredLabels } from '../tasks/sequence-loss.js';
import { confusionCounts, confusionSvg } from './confusion.js';
import { frequencyPlanes } from './frequency.js';
import { permutationSign } from '../tasks/permutation-group.js';
import { INK, NEGATIVE, POSITIVE } from './palette.js';
import { pca2 } from './pca.js';
import { PLOT_KINDS, type PlotKind } from './kinds.js';
import { networkBody, networkSvg } from './network.js';
import { fieldsSvg, hasGridInput } from './fields.js';
import { textWidth } from './svg.js';
import { decisionBoundarySvg, embeddingPanelsSvg, gridCentres, predictedVsTrueSvg } from './task.js';

export interface PlotOptions {
  /** Which pictures; each kind once, in this order. */
  readonly kinds: readonly PlotKind[];
  /** Prune the checkpoint first (network and task pictures of the pruned network). */
  readonly pruned?: boolean;
  /** Prune threshold; default the run config's output.prune_threshold. */
  readonly threshold?: number;
  /** Folder for the files; default <run>/plots. */
  readonly outDir?: string;
  /** Exactly this file (one kind only). */
  readonly outFile?: string;
}

/** A picture ready to write: file name (in the plots folder) and its SVG text. */
export interface Figure {
  readonly name: string;
  readonly svg: string;
}

/** Draws the requested pictures of an opened checkpoint and writes them; returns the paths written. */
export function plotRun(opened: OpenedCheckpoint, opts: PlotOptions): string[] {
  if (opts.outFile !== undefined && opts.kinds.length !== 1) {
    throw new BimtError(`--out names one file: give a single --kind (network, curves, task or fields), not ${opts.kinds.length} kinds`);
  }
  const threshold = opts.threshold ?? opened.plan.output.pruneThreshold;
  const pruned = opts.pruned ? { ...pruneNetwork(opened.checkpoint.net, threshold, opened.labels), threshold } : undefined;
  const figures: Figure[][] = [];
  for (const kind of PLOT_KINDS.filter((k) => opts.kinds.includes(k))) {
    if (kind === 'network') figures.push([networkFigure(opened, pruned)]);
    else if (kind === 'curves') figures.push([curvesFigure(opened)]);
    else if (kind === 'task') figures.push(taskFigures(opened, pruned));
    // Receptive fields need a grid input; `all` leaves them out for other networks.
    else if (opts.kinds.length === 1 || hasGridInput(opened.checkpoint.net)) figures.push([fieldsFigure(opened, pruned)]);
  }
  return writeFigures(figures.flat(), opened.paths.plots, opts);
}

export interface AnimateOptions {
  /** Prune each frame at `threshold`, as `pruned` does for a still picture. */
  readonly pruned?: boolean;
  readonly threshold?: number;
  readonly outDir?: string;
  readonly outFile?: string;
}

/** Writes the animation of the network through every checkpoint of the run; returns its path. */
export function animateRun(opened: OpenedCheckpoint, opts: AnimateOptions = {}): string {
  const fig = animationFigure(opened, opts.pruned ?? false, opts.threshold ?? opened.plan.output.pruneThreshold);
  return writeFigures([fig], opened.paths.plots, opts)[0];
}

// ---- the pictures ---------------------------------------------------------------------------

/** A checkpoint's network after pruneNetwork at `threshold`. */
export interface PrunedNetwork {
  readonly net: Network;
  /** Graph of the pruned network, taken at the threshold it was pruned at. */
  readonly graph: NetworkGraph;
  readonly threshold: number;
}

/**
 * The run's own name (its directory: `--name`, or the config's name and a timestamp), which tells
 * two runs of one config apart; titles lead with it.
 */
function runName(opened: OpenedCheckpoint): string {
  return basename(opened.paths.root);
}

/**
 * A picture's file name: its kind, `-pruned` for a pruned network, the checkpoint's tag where it
 * shows one checkpoint and the group of an embedding-group picture, so that no picture replaces
 * another of a different network, checkpoint or group (docs/cli.md, "bimt plot").
 */
function figureName(kind: string, pruned: boolean, tag?: string, group?: number | 'K'): string {
  return `${kind}${pruned ? '-pruned' : ''}${tag !== undefined ? `-${tag}` : ''}${group !== undefined ? `-group-${group}` : ''}.svg`;
}

function prunedNote(threshold: number): string {
  return `pruned at |w| ≤ ${thresholdText(threshold)}`;
}

/**
 * The first hidden layer's receptive fields on a grid input (src/plot/fields.ts), of the pruned
 * network's alive neurons with `pruned`.
 */
export function fieldsFigure(opened: OpenedCheckpoint, pruned: PrunedNetwork | undefined): Figure {
  const { step, net: trained } = opened.checkpoint;
  const net = pruned ? pruned.net : trained;
  const title = [runName(opened), `step ${step}`, 'receptive fields', ...(pruned ? [prunedNote(pruned.threshold)] : [])].join(' · ');
  return { name: figureName('fields', pruned !== undefined, opened.tag), svg: fieldsSvg(net, { ...(pruned ? { pruned: pruned.graph } : {}), title }) };
}

/** The network of the checkpoint, or with `pruned` its pruned graph with modules tinted and listed. */
export function networkFigure(opened: OpenedCheckpoint, pruned: PrunedNetwork | undefined): Figure {
  const { step, net } = opened.checkpoint;
  const parts = [runName(opened), `step ${step}`];
  if (pruned) parts.push(`${prunedNote(pruned.threshold)}, ${pruned.graph.weightsKept} of ${pruned.graph.weightsTotal} weights`);
  const svg = pruned
    ? networkSvg(pruned.net, opened.labels, { pruned: pruned.graph, title: parts.join(' · ') })
    : networkSvg(net, opened.labels, { title: parts.join(' · ') });
  return { name: figureName('network', pruned !== undefined, opened.tag), svg };
}

/**
 * Training curves of the whole run from metrics.csv, lambda phases from the config. A checkpoint
 * the user chose (--step or a file) is marked where it falls, so the curves read beside its
 * network and task pictures, and the file is named for it like them; the whole run is still drawn,
 * since what came after the checkpoint is as telling as what came before.
 */
export function curvesFigure(opened: OpenedCheckpoint): Figure {
  const rows = readMetrics(opened.paths.metrics);
  // From the config rather than from the rows: a change between two evaluations is drawn at its
  // exact step, and a change that sets lambda to its current value is still shown.
  const phases: Phase[] = opened.plan.schedule.lambdaChanges.map((p) => ({ step: p.step, label: `λ = ${shortNumber(p.lambda)}`, lambda: p.lambda }));
  if (opened.chosen) phases.push({ step: opened.checkpoint.step, label: `this checkpoint: step ${opened.checkpoint.step}` });
  const name = figureName('curves', false, opened.chosen ? opened.tag : undefined);
  const threshold = opened.plan.output.snapshotThreshold;
  // A sequence task's loss averages an entry that cannot be learnt with ones that can: draw each.
  const { targets, outputLabels } = opened.plan.task;
  const outputLosses = targets.kind === 'sequence' ? scoredLabels(targets, outputLabels) : [];
  const modularity = readModularity(opened.paths);
  return { name, svg: curvesSvg(rows, { title: `${runName(opened)} · training`, phases, threshold, outputLosses, modularity }) };
}

/** The task's own picture(s) of the checkpoint (of its pruned network with `pruned`). */
export function taskFigures(opened: OpenedCheckpoint, pruned: PrunedNetwork | undefined): Figure[] {
  const { config, checkpoint } = opened;
  const { task } = opened.plan;
  const net = pruned?.net ?? checkpoint.net;
  const name = (group?: number | 'K') => figureName('task', pruned !== undefined, opened.tag, group);
  const head = [runName(opened), `step ${checkpoint.step}`];
  const prunedAt = pruned ? [`pruned at ${thresholdText(pruned.threshold)}`] : [];
  const kind = config.task.kind;
  switch (kind) {
    case 'two-moons':
      return [{ name: name(), svg: decisionFigure(net, opened, [...head, ...prunedAt]) }];
    case 'symbolic':
      return [{ name: name(), svg: predictionFigure(net, opened, [...head, ...prunedAt]) }];
    case 'modular-addition': {
      const all = [...Array(task.inputLabels.length).keys()];
      // One picture per group of embedding dimensions that the pruned network combines before
      // its output layer: BIMT's groups each hold a circle of their own frequency (paper Fig. 5).
      // Not the graph's modules: the output layer reads every group, which joins them all into one.
      const groups = pruned ? embeddingGroups(net, pruned.graph).filter((dims) => dims.length >= 2) : [];
      const shown = groups.length >= 2 ? groups : [];
      const whole = [`all ${all.length} embedding dims`, ...prunedAt];
      if (shown.length > 0) whole.push(`${shown.length} groups, one picture each (${name('K')})`);
      const figs = [{ name: name(), svg: embeddingFigure(net, all, [...head, pruned ? 'pruned embedding' : 'embedding'].join(' · '), [whole.join('; ')]) }];
      shown.forEach((dims, k) => {
        const names = dims.map((d) => task.inputLabels[d]);
        const list = names.length <= 10 ? names.join(', ') : `${names.slice(0, 9).join(', ')}, …`;
        const caption = [
          `group ${k + 1}: embedding dims ${list} (${dims.length} of ${all.length}), the dims linked`,
          `through the hidden layers of the network ${prunedAt.join('')} (output layer left out)`,
        ];
        figs.push({ name: name(k + 1), svg: embeddingFigure(net, dims, [...head, `group ${k + 1} of ${shown.length}`].join(' · '), caption) });
      });
      return figs;
    }
    case 'permutation-group': {
      // As modular addition: the whole embedding, then each group of dims the pruned network
      // combines before its output layer (here even a single group gets its own picture).
      const all = [...Array(task.inputLabels.length).keys()];
      const alive = pruned ? embeddingGroups(net, pruned.graph) : [];
      const groups = alive.filter((dims) => dims.length >= 2);
      // A dim that is a group on its own has no plane to draw, yet may be the one that reads the
      // sign: the caption names it, and the whole embedding's right panel shows what it adds.
      const singles = alive.filter((dims) => dims.length === 1).map(([d]) => task.inputLabels[d]);
      const whole = [`all ${all.length} embedding dims`, ...prunedAt];
      if (groups.length > 0) whole.push(`${groups.length} group${groups.length > 1 ? 's' : ''} of dims alive, one picture each (${name('K')})`);
      if (singles.length > 0) whole.push(`alive on ${singles.length > 1 ? 'their' : 'its'} own: ${singles.join(', ')}`);
      const figs = [{ name: name(), svg: signFigure(net, all, task.outputLabels, [...head, pruned ? 'pruned embedding' : 'embedding'].join(' · '), [whole.join('; ')]) }];
      groups.forEach((dims, k) => {
        const names = dims.map((d) => task.inputLabels[d]);
        const caption = [`group ${k + 1}: embedding dims ${names.join(', ')} (${dims.length} of ${all.length}), linked through the hidden layers ${prunedAt.join('')}`];
        figs.push({ name: name(k + 1), svg: signFigure(net, dims, task.outputLabels, [...head, `group ${k + 1} of ${groups.length}`].join(' · '), caption) });
      });
      return figs;
    }
    case 'in-context':
      // The y it predicts at each scored position against the true one: at position 0 the
      // slope is not yet seen, at 2 it is read from the first pair (docs/cli.md, "bimt plot").
      return [{ name: name(), svg: predictionFigure(net, opened, [...head, ...prunedAt]) }];
    case 'table':
      // A user's table has any number of features, so no picture of the inputs fits: what the
      // network answers instead, per class or against the true value.
      return [{ name: name(), svg: task.targets.kind === 'classes' ? confusionFigure(net, opened, [...head, ...prunedAt]) : predictionFigure(net, opened, [...head, ...prunedAt]) }];
    case 'mnist':
      // Which digits it mistakes for which; what each neuron reads is `--kind fields`.
      return [{ name: name(), svg: confusionFigure(net, opened, [...head, ...prunedAt]) }];
    default: {
      const never: never = kind;
      throw new BimtError(`no task picture for task kind ${String(never)}`);
    }
  }
}

/** Grid cells along the longer side of the decision-boundary picture. */
const GRID_CELLS = 240;

/**
 * Two moons: P(class 1) of the network on a grid covering train and test data with a margin of a
 * tenth of the data's extent, and the test points on top.
 */
function decisionFigure(net: Network, opened: OpenedCheckpoint, head: string[]): string {
  const { task } = opened.plan;
  const xs = [task.train.x, task.test.x] as Float32Array[];
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const x of xs) {
    for (let i = 0; i < x.length; i += 2) {
      x0 = Math.min(x0, x[i]);
      x1 = Math.max(x1, x[i]);
      y0 = Math.min(y0, x[i + 1]);
      y1 = Math.max(y1, x[i + 1]);
    }
  }
  const margin = 0.1 * Math.max(x1 - x0, y1 - y0, 1e-6);
  [x0, x1, y0, y1] = [x0 - margin, x1 + margin, y0 - margin, y1 + margin];
  const long = Math.max(x1 - x0, y1 - y0);
  const nx = Math.max(2, Math.round((GRID_CELLS * (x1 - x0)) / long));
  const ny = Math.max(2, Math.round((GRID_CELLS * (y1 - y0)) / long));
  const box = { x0, x1, y0, y1, nx, ny };
  const centres = gridCentres(box);

  const model = BioModel.fromNetwork(net);
  let prob: Float32Array;
  try {
    const p = tf.tidy(() => {
      const logits = model.forward(tf.tensor2d(centres, [nx * ny, 2]));
      return tf.slice(tf.softmax(logits), [0, 1], [-1, 1]);
    });
    prob = p.dataSync() as Float32Array;
    p.dispose();
  } finally {
    model.dispose();
  }
  const acc = evaluateNetwork(net, task).testAcc;
  const accuracy = acc !== null ? [`test accuracy ${percent(acc)}`] : [];
  const title = [...head, ...accuracy].join(' · ');
  return decisionBoundarySvg(
    { grid: { ...box, prob }, points: { x: task.test.x as Float32Array, y: task.test.y as Int32Array } },
    { title, classNames: task.outputLabels, xLabel: task.inputLabels[0], yLabel: task.inputLabels[1] },
  );
}

function percent(x: number): string {
  return `${Number((100 * x).toFixed(1))}%`;
}

/**
 * Value targets (formulas, tables): predicted against true value of each output on the test set.
 * Sequence targets (in-context): of each entry the loss scores (`y@2`: channel y at position 2),
 * the entries the loss leaves free being no prediction of anything.
 */
function predictionFigure(net: Network, opened: OpenedCheckpoint, head: string[]): string {
  const { task } = opened.plan;
  const { targets } = task;
  const pred = predictNetwork(net, task, 'test');
  const truth = task.test.y as Float32Array;
  const width = targets.kind === 'sequence' ? targets.length * targets.dim : task.outputLabels.length;
  const outputs =
    targets.kind === 'sequence'
      ? scoredLabels(targets, task.outputLabels).map((name, k) => ({ name, col: scoredColumns(targets)[k]! }))
      : task.outputLabels.map((name, col) => ({ name, col }));
  const column = (a: Float32Array, j: number) => Float32Array.from({ length: task.test.n }, (_, i) => a[i * width + j]);
  const series = outputs.map(({ name, col }) => ({ name, true: column(truth, col), pred: column(pred, col) }));
  return predictedVsTrueSvg(series, { title: [...head, 'test set'].join(' · ') });
}

/**
 * Classes without a plane to draw them on (tables, MNIST): the confusion matrix of the test set,
 * titled with the accuracy it makes (its diagonal over the test rows).
 */
function confusionFigure(net: Network, opened: OpenedCheckpoint, head: string[]): string {
  const { task } = opened.plan;
  const k = task.outputLabels.length;
  const counts = confusionCounts(task.test.y as Int32Array, predictNetwork(net, task, 'test'), k);
  const right = Array.from({ length: k }, (_, c) => counts[c * k + c]!).reduce((a, b) => a + b, 0);
  const title = [...head, `test accuracy ${percent(right / task.test.n)}`].join(' · ');
  const caption = [`the ${task.test.n} test rows by true class (rows) and the class the network gives (columns); shade: share of the row`];
  return confusionSvg(counts, task.outputLabels, { title, caption });
}

/**
 * Modular addition: the embedding rows (one per residue) restricted to `dims`, a panel per
 * frequency k they hold (the strongest, and up to two more with a fair share of the variance),
 * each the plane in which that frequency is a circle, residues coloured in the order k·r mod p so
 * a circle reads as one smooth rainbow. A trained embedding holds several circles of similar
 * power; its top two principal components mix them into an unreadable scatter.
 */
function embeddingFigure(net: Network, dims: readonly number[], title: string, caption: readonly string[]): string {
  const { vocab: p, dim } = mlpArchitecture(net, 'the embedding picture').embedding!;
  const emb = tensor(net.params, 'embedding');
  const sub = new Float32Array(p * dims.length);
  for (let r = 0; r < p; r++) dims.forEach((d, j) => (sub[r * dims.length + j] = emb[r * dim + d]));
  const planes = frequencyPlanes(sub, p, dims.length).filter((pl, i) => i === 0 || pl.share >= MIN_SHARE).slice(0, MAX_PANELS);
  const panels = planes.map((pl) => {
    const order = [...Array(p).keys()].sort((a, b) => ((pl.k * a) % p) - ((pl.k * b) % p) || a - b);
    return {
      points: order.map((r) => ({ x: pl.points[2 * r], y: pl.points[2 * r + 1], label: String(r) })),
      title: `frequency ${pl.k}: ${Math.round(100 * pl.share)}% of the variance`,
      xLabel: `cos part · colour: ${pl.k === 1 ? 'r' : `${pl.k}·r mod ${p}`}`,
      yLabel: 'sin part',
    };
  });
  const how = `each panel: the plane where frequency k is a circle, residue r at angle 2π·k·r/${p}`;
  return embeddingPanelsSvg(panels, { title, caption: [...caption, how] });
}

/**
 * Permutation group: the embedding rows (one per permutation, named in one-line notation)
 * restricted to `dims`, in two planes: the first two principal components, and the direction
 * from the odd permutations' mean to the even ones' against the strongest principal component
 * across it. Even permutations blue, odd red (the sign colours of every picture), so an
 * embedding that encodes the sign splits into two colours along the second panel's x axis.
 */
function signFigure(net: Network, dims: readonly number[], names: readonly string[], title: string, caption: readonly string[]): string {
  const { vocab, dim } = mlpArchitecture(net, 'the embedding picture').embedding!;
  const emb = tensor(net.params, 'embedding');
  const sign = names.map((s) => permutationSign([...s].map(Number)));
  const rows = Array.from({ length: vocab }, (_, t) => dims.map((d) => emb[t * dim + d]));
  const colour = (t: number) => (sign[t] === 1 ? POSITIVE : NEGATIVE);
  // Permutations the plane puts on one spot (a trained embedding draws whole cosets as one
  // point) become one dot named by all of them, so no name is lost to overlapping labels.
  const panel = (xy: (t: number) => [number, number], panelTitle: string, xLabel: string, yLabel: string) => {
    const at = rows.map((_, t) => xy(t));
    const span = Math.max(1e-12, ...at.flat().map(Math.abs));
    const spots: { x: number; y: number; members: number[] }[] = [];
    at.forEach(([x, y], t) => {
      const near = spots.find((q) => Math.hypot(q.x - x, q.y - y) <= 0.08 * span);
      if (near) near.members.push(t);
      else spots.push({ x, y, members: [t] });
    });
    const points = spots.map((q) => {
      const signs = new Set(q.members.map((t) => sign[t]));
      return { x: q.x, y: q.y, label: q.members.map((t) => names[t]).join(' '), color: signs.size === 1 ? colour(q.members[0]) : INK };
    });
    return { points, title: panelTitle, xLabel, yLabel };
  };
  const panels = [];
  if (dims.length >= 2) {
    const pc = pca2(Float32Array.from(rows.flat()), vocab, dims.length).points;
    panels.push(panel((t) => [pc[2 * t], pc[2 * t + 1]], 'principal components', 'PC 1', 'PC 2'));
  }
  // The even-minus-odd direction, and the strongest direction of what is left across it.
  const mean = (s: number) => dims.map((_, j) => rows.reduce((a, r, t) => a + (sign[t] === s ? r[j] : 0), 0) / Math.max(1, sign.filter((x) => x === s).length));
  const [even, odd] = [mean(1), mean(-1)];
  const u = even.map((v, j) => v - odd[j]);
  const norm = Math.hypot(...u) || 1;
  const along = rows.map((r) => r.reduce((a, v, j) => a + (v * u[j]) / norm, 0));
  const rest = rows.map((r, t) => r.map((v, j) => v - (along[t] * u[j]) / norm));
  const across = dims.length >= 2 ? pca2(Float32Array.from(rest.flat()), vocab, dims.length).points : new Float64Array(2 * vocab);
  panels.push(panel((t) => [along[t], across[2 * t]], 'even against odd', 'towards the even mean', 'strongest direction across'));
  const how = 'blue: even permutations, red: odd (black: both on one spot); names in one-line notation (1023: 0 → 1, 1 → 0), several where they coincide';
  return embeddingPanelsSvg(panels, { title, caption: [...caption, how] });
}

/** Frequencies drawn besides the strongest: those with at least this share, at most 3 panels. */
const MIN_SHARE = 0.15;
const MAX_PANELS = 3;

/**
 * The network through every checkpoint of the run, each read and checked against meta.json as
 * `openCheckpoint` checks one; with `pruned` each frame is pruned at `threshold` first (early
 * frames drawn whole are a mesh in which the strong weights are lost). Pruned frames draw the
 * pruned network's weights, not its graph: every neuron stays in place (so relocation shows) and
 * no module tint covers the early frames, where everything is one module.
 */
export function animationFigure(opened: OpenedCheckpoint, pruned: boolean, threshold: number): Figure {
  const { paths, meta, labels } = opened;
  const { arch } = opened.plan;
  const frames: NetworkFrame[] = listCheckpoints(paths).map((step) => {
    const { net } = readVerifiedCheckpoint(checkpointPath(paths, step), meta, arch);
    if (!pruned) return { step, net };
    return { step, net: pruneNetwork(net, threshold, labels).net };
  });
  // The animation puts "<title> · step N" over a picture as wide as the network: keep the
  // threshold in the title only where it fits.
  const last = frames[frames.length - 1];
  const width = last ? networkBody(last.net, labels, { legend: false }).width : Infinity;
  const long = `${runName(opened)} · ${prunedNote(threshold)}`;
  const title = pruned && textWidth(`${long} · step ${last?.step ?? 0}`, 14) <= width - 30 ? long : runName(opened);
  return { name: figureName('animation', pruned), svg: animatedNetworkSvg(frames, labels, { title }) };
}

// ---- writing --------------------------------------------------------------------------------

/**
 * Writes the figures into `outDir` (default `plotsDir`), or the single figure kind into `outFile`
 * (further figures of that kind, the embedding groups, become `<file>-group-K.svg` beside it).
 */
function writeFigures(figs: readonly Figure[], plotsDir: string, opts: { outDir?: string; outFile?: string }): string[] {
  const targets: string[] = [];
  if (opts.outFile !== undefined) {
    const file = opts.outFile;
    const ext = extname(file);
    const stem = file.slice(0, file.length - ext.length);
    const first = figs[0].name.replace(/\.svg$/, '');
    figs.forEach((f, i) => targets.push(i === 0 ? file : `${stem}${f.name.replace(/\.svg$/, '').slice(first.length)}${ext || '.svg'}`));
  } else {
    for (const f of figs) targets.push(join(opts.outDir ?? plotsDir, f.name));
  }
  figs.forEach((f, i) => writeOutputFile(targets[i], f.svg));
  return targets;
}
