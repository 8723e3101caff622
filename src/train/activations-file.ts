/**
 * `bimt eval --activations` (docs/cli.md, "bimt eval"): every stage's activations on the rows
 * evaluated, in safetensors that numpy and PyTorch read. One tensor per stage of the model graph,
 * named as graph.json indexes its layers (`layers.<s>`): [rows, neurons], or for sequence inputs
 * [rows, positions, neurons], float32, rows in predictions.csv's order, neurons as graph.json
 * counts them (an input's fold copies side by side). The values are those the next stage reads:
 * the permuted input, each hidden layer after its activation, the output positions before they
 * are put in the task's order. They come from the probe forward pass (src/model/probe.ts).
 */
import { stageWidth } from '../model/model-graph.js';
import type { Network } from '../model/network.js';
import { probeNetwork } from '../model/probe.js';
import { encodeSafetensors, type Tensor } from '../runs/safetensors.js';

/** Rows to evaluate: a Split's x and its row count. */
export interface ActivationRows {
  readonly name: string;
  readonly n: number;
  readonly x: Float32Array | Int32Array;
}

/**
 * The activations file of `net` on the parts' rows, one after another. `tokens` is the positions
 * per row of a sequence input (1 for single samples, which drops that axis).
 */
export function activationsFile(net: Network, parts: readonly ActivationRows[], tokens: number, meta: { step: number; threshold?: number }): Uint8Array {
  const g = net.graph;
  const rows = parts.reduce((a, p) => a + p.n, 0);
  const stages = g.stages.map((_, s) => new Float32Array(rows * tokens * stageWidth(g, s)));
  let done = 0;
  for (const part of parts) {
    probeNetwork(net, part.x, part.n, {
      record: (s, values) => stages[s]!.set(values, done * tokens * stageWidth(g, s)),
    });
    done += part.n;
  }
  const tensors: Record<string, Tensor> = {};
  stages.forEach((data, s) => {
    const width = stageWidth(g, s);
    tensors[`layers.${s}`] = { dtype: 'F32', shape: tokens > 1 ? [rows, tokens, width] : [rows, width], data };
  });
  const metadata: Record<string, string> = {
    format: 'bimt-activations-1',
    step: String(meta.step),
    // The model-graph layer of each stage (a transformer's stream is one layer at several stages).
    layers: JSON.stringify(g.stages.map((st) => st.layer)),
    rows: JSON.stringify(parts.map((p) => ({ name: p.name, rows: p.n }))),
  };
  if (meta.threshold !== undefined) metadata.threshold = String(meta.threshold);
  return encodeSafetensors({ tensors, metadata });
}
