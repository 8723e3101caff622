/**
 * The figures of a run directory, as `bimt plot` (and `bimt reproduce`) draw them: the pure SVG
 * builders of this folder fed from a checkpoint, metrics.csv and the run's config, written
 * atomically into <run>/plots/ (or one named file).
 *
 *   plots/network-step-NNNNNN.svg              every weight of the checkpoint
 *   plots/network-pruned-step-NNNNNN.svg       the pruned graph, modules tinted
 *   plots/curves.svg                           metrics.csv, lambda phases from the config
 *   plots/task-step-NNNNNN.svg                 decision boundary / embedding / predicted vs true
 *   plots/task-pruned-step-NNNNNN.svg          the same, of the pruned network
 *   plots/task-pruned-step-NNNNNN-group-K.svg  modular addition: one group of embedding dims
 *   plots/animation.svg                        the network through every checkpoint
 *
 * Pictures of one checkpoint are named by its step, so plotting several checkpoints of a run
 * never overwrites one with another; curves and the animation cover the whole run.
 */
import { mkdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { embeddingGroups, type NetworkGraph } from '../bimt/graph.js';
import { pruneNetwork } from '../bimt/prune.js';
import { lambdaPhases } from '../config/resolve.js';
import { BimtError } from '../errors.js';
import { describeFsError } from '../util/files.js';
import { architectureFor } from '../model/architecture.js';
import { BioModel } from '../model/bio-model.js';
import type { Network } from '../model/network.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { checkpointFileName } from '../runs/checkpoint.js';
import { readMetrics } from '../runs/metrics.js';
import { readVerifiedCheckpoint, type OpenedCheckpoint } from '../runs/open.js';
import { checkpointPath, listCheckpoints } from '../runs/run-dir.js';
import { evaluateNetwork, predictNetwork } from '../train/evaluate.js';
import { animatedNetworkSvg, type NetworkFrame } from './animate.js';
import { shortNumber } from './axes.js';
import { curvesSvg, type Phase } from './curves.js';
import { networkBody, networkSvg } from './network.js';
import { pca2 } from './pca.js';
import { textWidth } from './svg.js';
import { decisionBoundarySvg, embeddingSvg, gridCentres, predictedVsTrueSvg, type EmbeddingPoint } from './task.js';

export const PLOT_KINDS = ['network', 'curves', 'task'] as const;
export type PlotKind = (typeof PLOT_KINDS)[number];

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
    throw new BimtError(`--out names one file: give a single --kind (network, curves or task), not ${opts.kinds.length} kinds`);
  }
  const threshold = opts.threshold ?? opened.config.output.prune_threshold;
  const pruned = opts.pruned ? { ...pruneNetwork(opened.checkpoint.net, threshold, opened.labels), threshold } : undefined;
  const figures: Figure[][] = [];
  for (const kind of PLOT_KINDS.filter((k) => opts.kinds.includes(k))) {
    if (kind === 'network') figures.push([networkFigure(opened, pruned)]);
    else if (kind === 'curves') figures.push([curvesFigure(opened)]);
    else figures.push(taskFigures(opened, pruned));
  }
  return writeFigures(figures.flat(), opened.paths.plots, opts);
}

export interface AnimateOptions {
  /** Draw each frame pruned at `threshold` (default true: see animationFigure). */
  readonly pruned?: boolean;
  readonly threshold?: number;
  readonly outDir?: string;
  readonly outFile?: string;
}

/** Writes the animation of the network through every checkpoint of the run; returns its path. */
export function animateRun(opened: OpenedCheckpoint, opts: AnimateOptions = {}): string {
  const fig = animationFigure(opened, opts.pruned ?? true, opts.threshold ?? opened.config.output.prune_threshold);
  return writeFigures([fig], opened.paths.plots, opts)[0];
}

// ---- the pictures ---------------------------------------------------------------------------

/** A checkpoint's network after pruneNetwork at `threshold`. */
export interface PrunedNetwork {
  readonly net: Network;
  /** Graph of the pruned network (its own threshold is 0: pruning already zeroed the rest). */
  readonly graph: NetworkGraph;
  readonly threshold: number;
}

/** "step-000300" of a step, as the checkpoint files name it. */
function stepTag(step: number): string {
  return checkpointFileName(step).replace(/\.safetensors$/, '');
}

function prunedNote(threshold: number): string {
  return `pruned at |w| ≤ ${num(threshold)}`;
}

/** A threshold as written (0.01, not the 10⁻² of shortNumber): it is what --threshold takes. */
function num(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** The network of the checkpoint, or with `pruned` its pruned graph with modules tinted and listed. */
export function networkFigure(opened: OpenedCheckpoint, pruned: PrunedNetwork | undefined): Figure {
  const { step, net } = opened.checkpoint;
  const parts = [opened.config.name, `step ${step}`];
  if (pruned) parts.push(`${prunedNote(pruned.threshold)}, ${pruned.graph.weightsKept} of ${pruned.graph.weightsTotal} weights`);
  const svg = pruned
    ? networkSvg(pruned.net, opened.labels, { pruned: pruned.graph, title: parts.join(' · ') })
    : networkSvg(net, opened.labels, { title: parts.join(' · ') });
  return { name: `network${pruned ? '-pruned' : ''}-${stepTag(step)}.svg`, svg };
}

/** Training curves of the whole run from metrics.csv, lambda phases from the config. */
export function curvesFigure(opened: OpenedCheckpoint): Figure {
  const rows = readMetrics(opened.paths.metrics);
  // From the config rather than from the rows: a change between two evaluations is drawn at its
  // exact step, and a change that sets lambda to its current value is still shown.
  const phases: Phase[] = lambdaPhases(opened.config).map((p) => ({ step: p.step, label: `λ = ${shortNumber(p.lambda)}` }));
  return { name: 'curves.svg', svg: curvesSvg(rows, { title: `${opened.config.name} · training`, phases }) };
}

/** The task's own picture(s) of the checkpoint (of its pruned network with `pruned`). */
export function taskFigures(opened: OpenedCheckpoint, pruned: PrunedNetwork | undefined): Figure[] {
  const { config, task, checkpoint } = opened;
  const net = pruned?.net ?? checkpoint.net;
  const name = `task${pruned ? '-pruned' : ''}-${stepTag(checkpoint.step)}`;
  const head = [config.name, `step ${checkpoint.step}`];
  const prunedAt = pruned ? [`pruned at ${num(pruned.threshold)}`] : [];
  const kind = config.task.kind;
  switch (kind) {
    case 'two-moons':
      return [{ name: `${name}.svg`, svg: decisionFigure(net, opened, [...head, ...prunedAt]) }];
    case 'symbolic':
      return [{ name: `${name}.svg`, svg: predictionFigure(net, opened, [...head, ...prunedAt]) }];
    case 'modular-addition': {
      const all = [...Array(task.inputLabels.length).keys()];
      const figs = [{ name: `${name}.svg`, svg: embeddingFigure(net, all, [...head, pruned ? 'pruned embedding' : 'embedding']) }];
      // One picture per group of embedding dimensions that the pruned network combines before
      // its output layer: BIMT's groups each hold a circle of their own frequency (paper Fig. 5).
      // Not the graph's modules: the output layer reads every group, which joins them all into one.
      const groups = pruned ? embeddingGroups(net, pruned.graph).filter((dims) => dims.length >= 2) : [];
      if (groups.length >= 2) {
        groups.forEach((dims, k) => {
          const names = dims.map((d) => task.inputLabels[d]);
          const list = names.length <= 6 ? names.join(', ') : `${names.slice(0, 5).join(', ')}, … (${names.length})`;
          // Name and step are in the file name and the whole-embedding picture; the title keeps
          // to what tells the groups apart.
          figs.push({ name: `${name}-group-${k + 1}.svg`, svg: embeddingFigure(net, dims, [`step ${checkpoint.step}`, `group ${k + 1}: ${list}`]) });
        });
      }
      return figs;
    }
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
  const { task } = opened;
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
  const title = fitTitle([[...head, ...accuracy], [...head.slice(1), ...accuracy]], 530);
  return decisionBoundarySvg(
    { grid: { ...box, prob }, points: { x: task.test.x as Float32Array, y: task.test.y as Int32Array } },
    { title, classNames: task.outputLabels, xLabel: task.inputLabels[0], yLabel: task.inputLabels[1] },
  );
}

/** The first of the candidate titles (parts joined by " · ") that fits `width` px at 14 px, else the last. */
function fitTitle(candidates: readonly (readonly string[])[], width: number): string {
  const titles = candidates.map((c) => c.join(' · '));
  return titles.find((t) => textWidth(t, 14) <= width) ?? titles[titles.length - 1];
}

function percent(x: number): string {
  return `${Number((100 * x).toFixed(1))}%`;
}

/**
 * Symbolic formulas: predicted against true value of each output on the test set. `head` is
 * [name, step, ...]; a one-output figure is too narrow for all of it.
 */
function predictionFigure(net: Network, opened: OpenedCheckpoint, head: string[]): string {
  const { task } = opened;
  const pred = predictNetwork(net, task, 'test');
  const truth = task.test.y as Float32Array;
  const k = task.outputLabels.length;
  const column = (a: Float32Array, j: number) => Float32Array.from({ length: task.test.n }, (_, i) => a[i * k + j]);
  const series = task.outputLabels.map((name, j) => ({ name, true: column(truth, j), pred: column(pred, j) }));
  // The figure is as wide as its panels (about 290 px each, up to 3 a row): a title wider than
  // that would be cut off, so the trailing parts go first.
  const [, step, ...rest] = head;
  const candidates = [[...head, 'test set'], head, [step, ...rest]];
  return predictedVsTrueSvg(series, { title: fitTitle(candidates, 290 * Math.min(3, series.length) - 20) });
}

/**
 * Modular addition: the embedding rows (one per residue) restricted to `dims`, on their top two
 * principal components. Residues are coloured around the hue circle in the order k·r mod p of the
 * frequency k that best explains the picture, so a learned circle reads as one smooth rainbow.
 */
function embeddingFigure(net: Network, dims: readonly number[], head: string[]): string {
  const { vocab, dim } = net.arch.embedding!;
  const emb = net.params.embedding!;
  // A zero column makes a 1-D embedding drawable (pca2 needs two), without adding variance.
  const cols = Math.max(2, dims.length);
  const sub = new Float32Array(vocab * cols);
  for (let r = 0; r < vocab; r++) dims.forEach((d, j) => (sub[r * cols + j] = emb[r * dim + d]));
  const pc = pca2(sub, vocab, cols);
  const total = totalVariance(sub, vocab, cols);
  const k = bestFrequency(pc.points, vocab);
  const points: EmbeddingPoint[] = [];
  for (let m = 0; m < vocab; m++) {
    const r = (m * inverseMod(k, vocab)) % vocab; // the residue with k·r ≡ m (mod p)
    points.push({ x: pc.points[2 * r], y: pc.points[2 * r + 1], label: String(r) });
  }
  const pct = (v: number) => `${Math.round((100 * v) / (total || 1))}%`;
  return embeddingSvg(points, {
    title: head.join(' · '),
    xLabel: `PC 1 (${pct(pc.variance[0])} of variance) · colour: ${k === 1 ? 'r' : `${k}·r mod ${vocab}`}`,
    yLabel: `PC 2 (${pct(pc.variance[1])})`,
  });
}

function totalVariance(data: Float32Array, rows: number, cols: number): number {
  let t = 0;
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += data[r * cols + c] / rows;
    for (let r = 0; r < rows; r++) t += (data[r * cols + c] - mean) ** 2 / Math.max(1, rows - 1);
  }
  return t;
}

/**
 * The k in 1..p-1 (coprime to p) whose Fourier coefficient sum_r z_r e^(-2 pi i k r / p) of the
 * points z_r = PC1 + i PC2 is largest: a circle traversed in the order k·r. Of k and p - k (the
 * same loop, either way round) the smaller. 1 when p < 3.
 */
function bestFrequency(points: Float64Array, p: number): number {
  let best = 1;
  let bestMag = -1;
  for (let k = 1; k < p; k++) {
    if (gcd(k, p) !== 1) continue;
    let re = 0;
    let im = 0;
    for (let r = 0; r < p; r++) {
      const a = (-2 * Math.PI * ((k * r) % p)) / p;
      re += points[2 * r] * Math.cos(a) - points[2 * r + 1] * Math.sin(a);
      im += points[2 * r] * Math.sin(a) + points[2 * r + 1] * Math.cos(a);
    }
    const mag = Math.hypot(re, im);
    if (mag > bestMag * (1 + 1e-9)) [best, bestMag] = [k, mag];
  }
  // k and p - k give the same loop, run the other way: name the smaller.
  return Math.min(best, p - best);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** k^-1 mod p for gcd(k, p) = 1 (extended Euclid). */
function inverseMod(k: number, p: number): number {
  let [r0, r1, s0, s1] = [p, k % p, 0, 1];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % p) + p) % p;
}

/**
 * The network through every checkpoint of the run, each read and checked against meta.json as
 * `openCheckpoint` checks one. Pruned frames by default: with every weight drawn the early frames
 * are a mesh in which the strong weights are lost. Frames draw the pruned network's weights, not
 * its graph: every neuron stays in place (so relocation shows) and no module tint covers the
 * early frames, where everything is one module.
 */
export function animationFigure(opened: OpenedCheckpoint, pruned: boolean, threshold: number): Figure {
  const { paths, meta, config, task, labels } = opened;
  const arch = architectureFor(config.model, task);
  const frames: NetworkFrame[] = listCheckpoints(paths).map((step) => {
    const { net } = readVerifiedCheckpoint(checkpointPath(paths, step), meta, arch);
    if (!pruned) return { step, net };
    return { step, net: pruneNetwork(net, threshold, labels).net };
  });
  // The animation puts "<title> · step N" over a picture as wide as the network: keep the
  // threshold in the title only where it fits.
  const last = frames[frames.length - 1];
  const width = last ? networkBody(last.net, labels, { legend: false }).width : Infinity;
  const long = `${config.name} · ${prunedNote(threshold)}`;
  const title = pruned && textWidth(`${long} · step ${last?.step ?? 0}`, 14) <= width - 30 ? long : config.name;
  return { name: 'animation.svg', svg: animatedNetworkSvg(frames, labels, { title }) };
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
  const dirs = new Map(targets.map((t) => [dirname(t), t]));
  for (const [d, file] of dirs) {
    try {
      mkdirSync(d, { recursive: true });
    } catch (e) {
      throw new BimtError(`cannot write ${file}: ${describeFsError(e)}`);
    }
  }
  // writeFileAtomic refuses a directory, device, FIFO or link in the way and names the file.
  figs.forEach((f, i) => writeFileAtomic(targets[i], f.svg));
  return targets;
}
