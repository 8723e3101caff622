/**
 * Pruning an opened run checkpoint and saving the result beside it, as `bimt prune` and
 * `bimt reproduce` both do: evaluate, prune (src/bimt/prune.ts), evaluate again, and write
 * <run>/pruned/step-NNNNNN-t<t>/checkpoint.safetensors and graph.json.
 */
import { mkdirSync } from 'node:fs';
import type { NetworkGraph } from '../bimt/graph.js';
import { pruneNetwork } from '../bimt/prune.js';
import { BimtError } from '../errors.js';
import type { Network } from '../model/network.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { writeCheckpoint } from '../runs/checkpoint.js';
import type { OpenedCheckpoint } from '../runs/open.js';
import { prunedPaths } from '../runs/run-dir.js';
import { evaluateNetwork, type Evaluation } from './evaluate.js';

export interface SavedPrune {
  readonly net: Network;
  readonly graph: NetworkGraph;
  /** The task evaluated on the checkpoint as trained, and after pruning. */
  readonly before: Evaluation;
  readonly after: Evaluation;
  readonly checkpointFile: string;
  readonly graphFile: string;
}

export function pruneAndSave(opened: OpenedCheckpoint, threshold: number): SavedPrune {
  const { step, net } = opened.checkpoint;
  const before = evaluateNetwork(net, opened.task);
  const pruned = pruneNetwork(net, threshold, opened.labels);
  const after = evaluateNetwork(pruned.net, opened.task);
  const out = prunedPaths(opened.paths, step, threshold);
  try {
    mkdirSync(out.dir, { recursive: true });
  } catch (e) {
    throw new BimtError(`cannot write ${out.dir}: ${(e as Error).message}`);
  }
  writeCheckpoint(out.checkpoint, { step, net: pruned.net });
  const graphJson = { step, source: opened.file, before, after, ...pruned.graph };
  writeFileAtomic(out.graph, `${JSON.stringify(graphJson, null, 1)}\n`);
  return { ...pruned, before, after, checkpointFile: out.checkpoint, graphFile: out.graph };
}
