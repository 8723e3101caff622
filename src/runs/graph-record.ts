/**
 * The pruned graph as bimt writes it to disk: snapshots/step-NNNNNN.json during training and
 * pruned/<checkpoint>-t<t>/graph.json from `bimt prune`. Keys are snake_case, as in meta.json and
 * metrics.csv, so one run directory has one key style; the TypeScript objects keep camelCase and
 * are translated here, in one place, field by field (a spread would leak whatever field the
 * in-memory type gains).
 */
import type { GraphEdge, GraphModule, GraphNeuron, GraphResidual, NetworkGraph, ScoreKind } from '../bimt/graph.js';
import type { Evaluation } from '../tasks/task.js';
import { readRegularFileIfPresent } from '../util/files.js';
import { listCheckpoints, snapshotPath, type RunPaths } from './run-dir.js';

export interface GraphRecord {
  readonly threshold: number;
  /**
   * What was compared with the threshold (NetworkGraph.score): written in a pruned graph.json
   * only; snapshots always threshold |w| and leave it out (docs/run-directory.md).
   */
  readonly score?: ScoreKind;
  readonly widths: readonly number[];
  readonly weights_kept: number;
  readonly weights_total: number;
  readonly layers: readonly (readonly GraphNeuron[])[];
  readonly edges: readonly GraphEdge[];
  /** Present only for networks with residual connections (transformers). */
  readonly residuals?: readonly GraphResidual[];
  readonly modules: readonly GraphModule[];
  /** NetworkGraph.modularity: Newman's Q of the Louvain communities (absent in files written before it existed). */
  readonly modularity_q: number;
  readonly communities: number;
}

export interface EvaluationRecord {
  readonly train_loss: number;
  readonly test_loss: number;
  readonly train_acc: number | null;
  readonly test_acc: number | null;
}

/** A snapshot file's content: the graph of the network at `step`. */
export function snapshotRecord(step: number, g: NetworkGraph): { step: number } & GraphRecord {
  return { step, ...graphRecord(g) };
}

/** graph.json of a pruned checkpoint: where it came from, the task before and after, the graph. */
export function prunedGraphRecord(
  step: number,
  source: string,
  before: Evaluation,
  after: Evaluation,
  g: NetworkGraph,
): { step: number; source: string; before: EvaluationRecord; after: EvaluationRecord } & GraphRecord {
  const { threshold, ...rest } = graphRecord(g);
  return { step, source, before: evaluationRecord(before), after: evaluationRecord(after), threshold, score: g.score, ...rest };
}

// Neurons, edges and modules already have one-word keys (index, coords, label, connected; layer,
// from, to, weight; neurons, inputs, outputs) and are written as they are.
function graphRecord(g: NetworkGraph): GraphRecord {
  return {
    threshold: g.threshold,
    widths: g.widths,
    weights_kept: g.weightsKept,
    weights_total: g.weightsTotal,
    layers: g.layers,
    edges: g.edges,
    ...(g.residuals.length > 0 ? { residuals: g.residuals } : {}),
    modules: g.modules,
    modularity_q: g.modularity,
    communities: g.communities,
  };
}

function evaluationRecord(e: Evaluation): EvaluationRecord {
  return { train_loss: e.trainLoss, test_loss: e.testLoss, train_acc: e.trainAcc, test_acc: e.testAcc };
}

/** What a snapshot says of the network's modularity at its step. */
export interface ModularityPoint {
  readonly step: number;
  /** Connected modules of the pruned graph. */
  readonly modules: number;
  readonly q: number;
  readonly communities: number;
}

/** Largest snapshot read: a transformer's is a few megabytes. */
const MAX_SNAPSHOT_BYTES = 256 << 20;

/**
 * The snapshot of `step` as written (its graph fields, some perhaps absent in files from older
 * versions), or undefined when it is missing or not JSON: the pictures and tables it feeds are
 * not checks, and leave it out. Something in its place that is not a regular file of a sane size
 * (a FIFO, a link to /dev/zero) is refused in one line, as by every reader of files.
 */
export function readSnapshot(paths: RunPaths, step: number): Partial<GraphRecord> | undefined {
  const bytes = readRegularFileIfPresent(snapshotPath(paths, step), 'snapshot', MAX_SNAPSHOT_BYTES);
  if (bytes === undefined) return undefined;
  try {
    const record: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof record === 'object' && record !== null ? (record as Partial<GraphRecord>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Modules and modularity through training, from the run's snapshots (one per checkpoint), in step
 * order. Snapshots written before bimt recorded Q, or missing or unreadable, are left out.
 */
export function readModularity(paths: RunPaths): ModularityPoint[] {
  const points: ModularityPoint[] = [];
  for (const step of listCheckpoints(paths)) {
    const record = readSnapshot(paths, step);
    if (typeof record?.modularity_q !== 'number' || typeof record.communities !== 'number' || !Array.isArray(record.modules)) continue;
    points.push({ step, modules: record.modules.length, q: record.modularity_q, communities: record.communities });
  }
  return points;
}
