/**
 * Attribution scores (docs/design.md, "Attribution"; pykan's `attribute()`): an edge's score is
 * |w_ij| times the mean |activation| of its input neuron i over the training split, so a big
 * weight on an input that barely moves no longer counts as strong. The means come from the
 * probe's forward pass (stageMeans); for the input stage they are the (permuted) input features,
 * for token inputs the embedding values.
 */
import { WEIGHT_SCORE, type EdgeScore, type ScoreKind } from '../bimt/graph.js';
import type { Network } from '../model/network.js';
import type { Split } from '../tasks/task.js';
import { stageMeans } from './ablation.js';

/**
 * The score `kind` names for `net`: weight as it is, attribution with each stage's mean
 * |activation| over `train` (per stage [width], neurons numbered as graph.json numbers them).
 */
export function edgeScoreOf(kind: ScoreKind, net: Network, train: Split): EdgeScore {
  return kind === 'weight' ? WEIGHT_SCORE : { kind: 'attribution', meanAbs: stageMeans(net, train, Math.abs) };
}
