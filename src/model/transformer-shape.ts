/**
 * The sizes of a BioTransformer (paper section 3.4, the in-context regression experiment;
 * docs/design.md, "Transformer") and the names and shapes of
 * its parameter tensors, in one fixed order that the host arithmetic (transformer-host.ts), the
 * tfjs forward pass (transformer-tfjs.ts) and checkpoints share: the model graph's.
 *
 * Names are the reference module's state-dict keys; weight layouts are the host's [in, out]
 * (PyTorch stores linear weights as [out, in]).
 */
import type { TransformerArchitecture } from './architectures/kinds.js';
import { modelGraph } from './architectures/registry.js';

/**
 * Every parameter tensor as [name, shape], in the model graph's canonical order (the one home of
 * the names and shapes): l_i, then per block ln_1, l_attn, l_proj, ln_2, mlp.linears.0,
 * mlp.linears.1 (weight before bias), then ln_f, l_f.
 *
 *     transformerTensorShapes({ kind: 'transformer', inDim: 2, outDim: 1, embed: 32, blocks: 1, ... })[0]
 *     // ['l_i.linear.weight', [2, 32]]
 */
export function transformerTensorShapes(shape: TransformerArchitecture): [string, number[]][] {
  return modelGraph(shape).tensors.map((t) => [t.name, [...t.shape]]);
}

/** Throws a RangeError naming the first size that does not make a transformer. */
export function checkTransformerShape(shape: TransformerArchitecture): void {
  for (const key of ['inDim', 'outDim', 'embed', 'blocks', 'heads', 'mlpHidden', 'seqLen'] as const) {
    const v = shape[key];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`transformer ${key} must be a positive integer, got ${v}`);
  }
  if (shape.embed % shape.heads !== 0) throw new RangeError(`transformer embed ${shape.embed} does not divide by heads ${shape.heads}`);
}
