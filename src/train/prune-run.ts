/**
 * Pruning an opened run checkpoint and saving the result beside it, as `bimt prune` and
 * `bimt reproduce` both do: evaluate, prune (src/bimt/prune.ts), evaluate again, and write
 * <run>/pruned/<tag>-t<t>/checkpoint.safetensors and graph.json (tag: step-NNNNNN for the run's
 * own checkpoints, see OpenedCheckpoint.tag).
 */
import type { NetworkGraph, ScoreKind } from '../bimt/graph.js';
import { pruneNetwork } from '../bimt/prune.js';
import type { Network } from '../model/network.js';
import { writeOutputFile } from '../runs/atomic.js';
import { encodeCheckpoint } from '../runs/checkpoint.js';
import { prunedGraphRecord } from '../runs/graph-record.js';
import type { OpenedCheckpoint } from '../runs/open.js';
import { prunedPaths } from '../runs/run-dir.js';
import { edgeScoreOf } from './attribution.js';
import { evaluateNetwork, type TaskEvaluation } from './evaluate.js';

export interface SavedPrune {
  readonly net: Network;
  readonly graph: NetworkGraph;
  /** The task evaluated on the checkpoint as trained, and after pruning. */
  readonly before: TaskEvaluation;
  readonly after: TaskEvaluation;
  readonly checkpointFile: string;
  readonly graphFile: string;
}

/** `score`: what is compared with the threshold (docs/design.md, "Attribution"); weight by default. */
export function pruneAndSave(opened: OpenedCheckpoint, threshold: number, score: ScoreKind = 'weight'): SavedPrune {
  const { step, net } = opened.checkpoint;
  const before = evaluateNetwork(net, opened.plan.task, opened.plan.classLoss);
  const pruned = pruneNetwork(net, threshold, opened.labels, edgeScoreOf(score, net, opened.plan.task.train));
  const after = evaluateNetwork(pruned.net, opened.plan.task, opened.plan.classLoss);
  const out = prunedPaths(opened.paths, opened.tag, threshold, score);
  writeOutputFile(out.checkpoint, encodeCheckpoint({ step, net: pruned.net }));
  const record = prunedGraphRecord(step, opened.file, before, after, pruned.graph);
  writeOutputFile(out.graph, `${JSON.stringify(record, null, 1)}\n`);
  return { ...pruned, before, after, checkpointFile: out.checkpoint, graphFile: out.graph };
}
