/**
 * What the pictures of a run share: a picture ready to write, a pruned network, and what a task's
 * picture is drawn from (src/plot/task-figures.ts picks the builder by the task's figure kinds).
 */
import type { NetworkGraph } from '../bimt/graph.js';
import type { Network } from '../model/network.js';
import type { TaskInstance } from '../tasks/task.js';
import { thresholdText } from './axes.js';

/** A picture ready to write: file name (in the plots folder) and its SVG text. */
export interface Figure {
  readonly name: string;
  readonly svg: string;
}

/** A checkpoint's network after pruneNetwork at `threshold`. */
export interface PrunedNetwork {
  readonly net: Network;
  /** Graph of the pruned network, taken at the threshold it was pruned at. */
  readonly graph: NetworkGraph;
  readonly threshold: number;
}

/** What a task picture is drawn from: a checkpoint's network (or its pruned form) and its task. */
export interface TaskFigureInput {
  /** The network drawn: the checkpoint's, or `pruned.net`. */
  readonly net: Network;
  readonly task: TaskInstance;
  /** Set when the picture is of the pruned network. */
  readonly pruned?: PrunedNetwork;
  /** What every title leads with: the run's name and the checkpoint's step. */
  readonly head: readonly string[];
  /** The picture's file name; with `group`, that of one group of embedding dims (K: any). */
  name(group?: number | 'K'): string;
}

/** Draws one kind of task picture: one figure, or several (one per group of embedding dims). */
export type TaskFigureBuilder = (input: TaskFigureInput) => Figure[];

/** The title part that says a picture is of the pruned network, if it is. */
export function prunedAt(input: TaskFigureInput): string[] {
  return input.pruned ? [`pruned at ${thresholdText(input.pruned.threshold)}`] : [];
}
