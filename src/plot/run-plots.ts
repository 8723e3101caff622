/**
 * The figures of a run directory, as `bimt plot` (and `bimt reproduce`) draw them: the pure SVG
 * builders of this folder fed from a checkpoint, metrics.csv and the run's config, written
 * atomically into <run>/plots/ (or one named file).
 *
 *   plots/network-step-NNNNNN.svg              every weight of the checkpoint
 *   plots/network-pruned-step-NNNNNN.svg       the pruned graph, modules tinted
 *   plots/curves.svg                           metrics.csv, lambda phases from the config
 *   plots/task-step-NNNNNN.svg                 the task's picture (its TaskDefinition.figures,
 *                                              drawn by src/plot/figures/)
 *   plots/task-pruned-step-NNNNNN.svg          the same, of the pruned network
 *   plots/task-pruned-step-NNNNNN-group-K.svg  an embedding picture of one group of dims
 *   plots/animation.svg                        the network through every checkpoint
 *   plots/animation-pruned.svg                 the same, each frame pruned
 *   plots/ablation.svg                         ablation.csv's module x output effects (bimt ablate)
 *
 * Pictures of one checkpoint are named by its step, so plotting several checkpoints of a run
 * never overwrites one with another; curves and the animation cover the whole run. `figureName`
 * is the one place these names are made.
 */
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { ScoreKind } from '../bimt/graph.js';
import { pruneNetwork } from '../bimt/prune.js';
import { BimtError } from '../errors.js';
import { readAblationCsv } from '../runs/ablation-csv.js';
import { writeOutputFile } from '../runs/atomic.js';
import { readModularity } from '../runs/graph-record.js';
import { readMetrics } from '../runs/metrics.js';
import { readVerifiedCheckpoint, type OpenedCheckpoint } from '../runs/open.js';
import { checkpointPath, listCheckpoints } from '../runs/run-dir.js';
import { taskDefinition } from '../tasks/registry.js';
import { scoredLabels } from '../tasks/sequence-loss.js';
import { edgeScoreOf } from '../train/attribution.js';
import { animatedNetworkSvg, type NetworkFrame } from './animate.js';
import { shortNumber, thresholdText } from './axes.js';
import { curvesSvg, type Phase } from './curves.js';
import type { Figure, PrunedNetwork, TaskFigureInput } from './figure.js';
import { fieldsSvg, hasGridInput } from './fields.js';
import { ablationSvg } from './figures/ablation.js';
import { PLOT_KINDS, type PlotKind } from './kinds.js';
import { networkBody, networkSvg } from './network.js';
import { textWidth } from './svg.js';
import { TASK_FIGURES } from './task-figures.js';

export interface PlotOptions {
  /** Which pictures; each kind once, in this order. */
  readonly kinds: readonly PlotKind[];
  /** Prune the checkpoint first (network and task pictures of the pruned network). */
  readonly pruned?: boolean;
  /** Prune threshold; default the run config's output.prune_threshold. */
  readonly threshold?: number;
  /** What the threshold compares (docs/design.md, "Attribution"); default weight. */
  readonly score?: ScoreKind;
  /** Folder for the files; default <run>/plots. */
  readonly outDir?: string;
  /** Exactly this file (one kind only). */
  readonly outFile?: string;
}

/** Draws the requested pictures of an opened checkpoint and writes them; returns the paths written. */
export function plotRun(opened: OpenedCheckpoint, opts: PlotOptions): string[] {
  if (opts.outFile !== undefined && opts.kinds.length !== 1) {
    throw new BimtError(`--out names one file: give a single --kind (network, curves, task, fields or ablation), not ${opts.kinds.length} kinds`);
  }
  const threshold = opts.threshold ?? opened.plan.output.pruneThreshold;
  const { net } = opened.checkpoint;
  const pruned = opts.pruned ? { ...pruneNetwork(net, threshold, opened.labels, edgeScoreOf(opts.score ?? 'weight', net, opened.plan.task.train)), threshold } : undefined;
  const figures: Figure[][] = [];
  for (const kind of PLOT_KINDS.filter((k) => opts.kinds.includes(k))) {
    if (kind === 'network') figures.push([networkFigure(opened, pruned)]);
    else if (kind === 'curves') figures.push([curvesFigure(opened)]);
    else if (kind === 'task') figures.push(taskFigures(opened, pruned));
    // Receptive fields need a grid input, the ablation picture a table from bimt ablate; `all`
    // leaves each out where it has nothing to draw.
    else if (kind === 'fields') {
      if (opts.kinds.length === 1 || hasGridInput(opened.checkpoint.net)) figures.push([fieldsFigure(opened, pruned)]);
    } else if (opts.kinds.length === 1 || existsSync(ablationPath(opened))) figures.push([ablationFigure(opened)]);
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

function prunedNote(threshold: number, score: ScoreKind = 'weight'): string {
  return `pruned at ${score === 'weight' ? '|w|' : 'attribution'} ≤ ${thresholdText(threshold)}`;
}

/**
 * The first hidden layer's receptive fields on a grid input (src/plot/fields.ts), of the pruned
 * network's alive neurons with `pruned`.
 */
export function fieldsFigure(opened: OpenedCheckpoint, pruned: PrunedNetwork | undefined): Figure {
  const { step, net: trained } = opened.checkpoint;
  const net = pruned ? pruned.net : trained;
  const title = [runName(opened), `step ${step}`, 'receptive fields', ...(pruned ? [prunedNote(pruned.threshold, pruned.graph.score)] : [])].join(' · ');
  return { name: figureName('fields', pruned !== undefined, opened.tag), svg: fieldsSvg(net, { ...(pruned ? { pruned: pruned.graph } : {}), title }) };
}

/** The network of the checkpoint, or with `pruned` its pruned graph with modules tinted and listed. */
export function networkFigure(opened: OpenedCheckpoint, pruned: PrunedNetwork | undefined): Figure {
  const { step, net } = opened.checkpoint;
  const parts = [runName(opened), `step ${step}`];
  if (pruned) parts.push(`${prunedNote(pruned.threshold, pruned.graph.score)}, ${pruned.graph.weightsKept} of ${pruned.graph.weightsTotal} weights`);
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

/**
 * The task's own pictures of the checkpoint (of its pruned network with `pruned`): the kinds its
 * task definition names (`TaskDefinition.figures`), each drawn by its builder in TASK_FIGURES.
 */
export function taskFigures(opened: OpenedCheckpoint, pruned: PrunedNetwork | undefined): Figure[] {
  const { config, checkpoint } = opened;
  const { task } = opened.plan;
  const input: TaskFigureInput = {
    net: pruned?.net ?? checkpoint.net,
    task,
    ...(pruned ? { pruned } : {}),
    head: [runName(opened), `step ${checkpoint.step}`],
    name: (group) => figureName('task', pruned !== undefined, opened.tag, group),
  };
  return taskDefinition(config.task.kind).figures(task).flatMap((kind) => TASK_FIGURES[kind](input));
}

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

/** Where bimt ablate writes its table by default: <run>/ablation.csv. */
function ablationPath(opened: OpenedCheckpoint): string {
  return join(opened.paths.root, 'ablation.csv');
}

/**
 * The effect matrix of the run's ablation.csv (src/plot/figures/ablation.ts): a row per target,
 * a column per output, named by the task's output labels (its class names for per-class
 * accuracies). The table is of whatever checkpoint bimt ablate was given, so the picture is
 * named for no step.
 */
export function ablationFigure(opened: OpenedCheckpoint): Figure {
  const path = ablationPath(opened);
  const table = readAblationCsv(path);
  const names = opened.labels.outputs;
  const cells = table.none.perOutput.length;
  if (names.length !== cells) throw new BimtError(`${path}: ${cells} per-output columns, but the run's task has ${names.length} outputs`);
  const modes = [...new Set(table.targets.map((r) => r.mode).filter((m) => m !== ''))];
  const title = [runName(opened), modes.length > 0 ? `${modes.join(', ')} ablation` : 'ablation', `${table.split} split`].join(' · ');
  const what = table.measure === 'loss' ? `each output's ${table.split} loss` : `each class's ${table.split} accuracy`;
  const caption = [`rows: the targets knocked out (their inputs → outputs); columns: ${what}, against the untouched network`];
  return { name: figureName('ablation', false), svg: ablationSvg(table, names, { title, caption }) };
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
