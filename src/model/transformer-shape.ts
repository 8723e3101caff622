/**
 * The sizes of a BioTransformer (paper section 3.4, the in-context regression experiment;
 * docs/DESIGN.md, "S4, in-context regression, MNIST (not built yet)") and the names and shapes of
 * its parameter tensors, in one fixed order that the host arithmetic (transformer-host.ts), the
 * tfjs forward pass (transformer-tfjs.ts) and any checkpoint share. Dependency-free on purpose.
 *
 * Names are the reference module's state-dict keys; weight layouts are the host's [in, out]
 * (PyTorch stores linear weights as [out, in]).
 */

export interface TransformerShape {
  /** Features per sequence position (2 for the in-context task: x and y slots). */
  readonly inDim: number;
  /** Outputs per sequence position. */
  readonly outDim: number;
  /** E, the residual stream's width. */
  readonly embed: number;
  /** Number of transformer blocks. */
  readonly blocks: number;
  /** Attention heads; `embed` must divide by it (head width embed / heads). */
  readonly heads: number;
  /** M, the MLP's hidden width (mlp_ratio * embed in the reference). */
  readonly mlpHidden: number;
  /** T, positions per sequence. */
  readonly seqLen: number;
  /** Whether ln_1, ln_2 and ln_f are applied (the reference defines them but never applies them). */
  readonly layerNorm: boolean;
}

/**
 * Every parameter tensor as [name, shape], in canonical order: l_i, then per block ln_1, l_attn,
 * l_proj, ln_2, mlp.linears.0, mlp.linears.1 (weight before bias), then ln_f, l_f.
 *
 *     transformerTensorShapes({ inDim: 2, outDim: 1, embed: 32, blocks: 1, ... })[0]
 *     // ['l_i.linear.weight', [2, 32]]
 */
export function transformerTensorShapes(shape: TransformerShape): [string, number[]][] {
  const { inDim, outDim, embed: E, blocks, mlpHidden: M } = shape;
  const out: [string, number[]][] = [
    ['l_i.linear.weight', [inDim, E]],
    ['l_i.linear.bias', [E]],
  ];
  for (let b = 0; b < blocks; b++) {
    const p = `blocks.${b}.`;
    out.push(
      [`${p}ln_1.weight`, [E]],
      [`${p}ln_1.bias`, [E]],
      [`${p}attn.l_attn.linear.weight`, [E, 3 * E]],
      [`${p}attn.l_attn.linear.bias`, [3 * E]],
      [`${p}attn.l_proj.linear.weight`, [E, E]],
      [`${p}attn.l_proj.linear.bias`, [E]],
      [`${p}ln_2.weight`, [E]],
      [`${p}ln_2.bias`, [E]],
      [`${p}mlp.linears.0.linear.weight`, [E, M]],
      [`${p}mlp.linears.0.linear.bias`, [M]],
      [`${p}mlp.linears.1.linear.weight`, [M, E]],
      [`${p}mlp.linears.1.linear.bias`, [E]],
    );
  }
  out.push(['ln_f.weight', [E]], ['ln_f.bias', [E]], ['l_f.linear.weight', [E, outDim]], ['l_f.linear.bias', [outDim]]);
  return out;
}

/** The number of entries of a tensor shape. */
export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Throws a RangeError naming the first size that does not make a transformer. */
export function checkTransformerShape(shape: TransformerShape): void {
  for (const key of ['inDim', 'outDim', 'embed', 'blocks', 'heads', 'mlpHidden', 'seqLen'] as const) {
    const v = shape[key];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`transformer ${key} must be a positive integer, got ${v}`);
  }
  if (shape.embed % shape.heads !== 0) throw new RangeError(`transformer embed ${shape.embed} does not divide by heads ${shape.heads}`);
}
