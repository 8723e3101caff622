/**
 * What `bimt view` puts into a run's page (docs/design.md, "View"): the architecture, the original
 * input/output names, the weights of every checkpoint, the neuron positions of the still picture,
 * the training curves and the task picture of each checkpoint. The page rebuilds each checkpoint's
 * network from this and computes its pruned graph with src/bimt/graph.ts itself (bundled into the
 * page), so what it draws at a threshold is exactly what `bimt prune` keeps there.
 *
 * Only the weights the graph reads travel (the links' weight tensors: no biases, embedding rows or
 * LayerNorms), as base64 of their float32 bytes, so the page's |w| > t is the checkpoint's own.
 */
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Labels } from '../bimt/graph.js';
import type { Network } from '../model/network.js';
import { stageName, neuronPositions } from '../plot/network.js';
import { planePositions } from '../plot/network-2d.js';
import { curvesFigure, taskFigures } from '../plot/run-plots.js';
import { readMetrics } from '../runs/metrics.js';
import type { RunViewData, ViewCheckpoint, ViewPositions } from './data.js';
import { openCheckpoint, readVerifiedCheckpoint, type OpenedCheckpoint } from '../runs/open.js';
import { checkpointPath, listCheckpoints } from '../runs/run-dir.js';

/** Weight bytes above which checkpoints are thinned (every k-th kept, the last always). */
const WEIGHT_BUDGET = 3_000_000;
/** Task-picture bytes (gzipped, base64) above which the remaining checkpoints go without one. */
const TASK_BUDGET = 1_500_000;

function base64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Reads a run directory into the page's data. Needs a tfjs backend selected (the task pictures). */
export function runViewData(runDir: string): RunViewData {
  const last = openCheckpoint(runDir);
  const { paths, meta, labels } = last;
  const { arch } = last.plan;
  let steps = listCheckpoints(paths);
  const net0 = last.checkpoint.net;
  const weightNames = net0.graph.links.flatMap((l) => (l.weight ? [l.weight] : []));
  const perCheckpoint = weightNames.reduce((n, w) => n + net0.params.get(w)!.byteLength, 0) * (4 / 3);
  const keepEvery = Math.max(1, Math.ceil((perCheckpoint * steps.length) / WEIGHT_BUDGET));
  const total = steps.length;
  if (keepEvery > 1) steps = steps.filter((_, i) => i % keepEvery === 0 || i === total - 1);

  let maxAbs = 0;
  let taskBytes = 0;
  const checkpoints = steps.map((step): ViewCheckpoint => {
    const { net } = readVerifiedCheckpoint(checkpointPath(paths, step), meta, arch);
    const weights: Record<string, string> = {};
    for (const w of weightNames) {
      const a = net.params.get(w)!;
      for (const v of a) maxAbs = Math.max(maxAbs, Math.abs(v));
      weights[w] = base64(a);
    }
    let task: string | undefined;
    if (taskBytes < TASK_BUDGET) {
      const svg = taskFigures(openedAt(last, step, net), undefined)[0]?.svg;
      task = svg === undefined ? undefined : gzipSync(prefixIds(svg, 'task-')).toString('base64');
      taskBytes += task?.length ?? 0;
    }
    return { step, weights, inPerm: Array.from(net.inPerm), outPerm: Array.from(net.outPerm), ...(task !== undefined ? { task } : {}) };
  });

  const g = net0.graph;
  return {
    kind: 'run',
    name: basename(paths.root),
    taskKind: last.config.task.kind,
    arch,
    labels,
    positions: viewPositions(net0, labels),
    stageNames: g.stages.map((_, s) => stageLabel(net0, s)),
    threshold: last.plan.output.pruneThreshold,
    maxAbs,
    checkpoints,
    ...(readMetrics(paths.metrics).length > 0 ? { curves: prefixIds(curvesFigure({ ...last, chosen: false }).svg, 'curves-') } : {}),
    skipped: total - steps.length,
  };
}

/**
 * An SVG's ids (clip paths) with `prefix` before them: the curves and the task picture share one
 * HTML document, where two clip-0s would clip each other's panels.
 */
export function prefixIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`).replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

/** The run's checkpoint of `step` as openCheckpoint would give it (the task pictures read only the net and step). */
function openedAt(last: OpenedCheckpoint, step: number, net: Network): OpenedCheckpoint {
  return { ...last, checkpoint: { ...last.checkpoint, step, net }, chosen: true };
}

/** The still picture's positions: stacked planes for 2-D layers (grids, rings), rows otherwise. */
function viewPositions(net: Network, labels: Labels): ViewPositions {
  if (net.graph.layers.some((l) => l.geometry.dims === 2)) {
    const p = planePositions(net);
    const xs = p.planes.flatMap((pl) => pl.corners.map((c) => c[0]));
    const ys = p.planes.flatMap((pl) => pl.corners.map((c) => c[1]));
    return { ...p, bounds: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] };
  }
  const p = neuronPositions(net, labels);
  return { x: p.x, y: p.x.map((row, s) => row.map(() => p.y[s]!)), radius: p.radius, bow: p.bow, bounds: [0, 0, p.width, Math.max(...p.y)] };
}

function stageLabel(net: Network, s: number): string {
  const last = net.graph.stages.length - 1;
  return s === 0 ? 'input' : s === last ? 'output' : stageName(net, s);
}
