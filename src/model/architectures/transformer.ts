/**
 * The paper's BioTransformer (section 3.4; docs/design.md, "Transformer"): a linear embedding of
 * each token's features into a residual stream, blocks of causal attention and a GELU MLP, and a
 * linear read-out, with pre-norm LayerNorms that the reference defines but never applies
 * (`layerNorm` applies them).
 */
import { GraphBuilder, type Link, type ModelGraph, type Stage, type TensorPair } from '../model-graph.js';
import type { ArchitectureDefinition } from './definition.js';
import type { TransformerArchitecture } from './kinds.js';

/** One block's tensors: LayerNorm, q/k/v projection, output projection, LayerNorm, the MLP's two layers. */
export interface TransformerBlockTensors {
  readonly ln1: TensorPair;
  readonly attn: TensorPair;
  readonly proj: TensorPair;
  readonly ln2: TensorPair;
  readonly mlp0: TensorPair;
  readonly mlp1: TensorPair;
}

/** Every tensor of a BioTransformer by its role: what both forward passes read (src/model/transformer-tfjs.ts, transformer-host.ts). */
export interface TransformerTensors {
  readonly in: TensorPair;
  readonly blocks: readonly TransformerBlockTensors[];
  readonly lnF: TensorPair;
  readonly out: TensorPair;
}

export const TRANSFORMER: ArchitectureDefinition<'transformer'> = {
  kind: 'transformer',
  graph: (arch) => built(arch).graph,
  describe: (a) =>
    `a transformer ${a.inDim} -> ${a.outDim}, embed ${a.embed}, ${a.blocks} blocks, ${a.heads} heads, ` +
    `MLP hidden ${a.mlpHidden}, ${a.seqLen} tokens, layer_norm ${a.layerNorm}`,
  size: (a) => ({ what: `model (transformer, embed ${a.embed}, ${a.blocks} blocks)`, fix: 'make it smaller' }),
  checkpoint: {
    format: 'bimt-transformer-1',
    metadata: (a) => ({ architecture: JSON.stringify(a), geometry: 'line' }),
    read: (md) => ({ ...(JSON.parse(md.architecture ?? '') as TransformerArchitecture), kind: 'transformer' }),
  },
  tokensPerSample: (a) => a.seqLen,
  hostTrains: () => true,
  // Its products run in a WebAssembly SIMD kernel over one step's few hundred tokens, where tfjs
  // would launch a hundred small kernels (`npm run bench` has both).
  hostAtEverySize: true,
  notBatchable: () => 'a transformer has no batched forward pass',
  // A LayerNorm mixes the whole stream, so a dead neuron's constant does not pass through it unchanged.
  foldsConstants: (a) => !a.layerNorm,
};

/** The names of a transformer's tensors by role, from the same builder as its graph. */
export function transformerTensors(arch: TransformerArchitecture): TransformerTensors {
  return built(arch).tensors;
}

const cache = new WeakMap<TransformerArchitecture, { graph: ModelGraph<TransformerArchitecture>; tensors: TransformerTensors }>();

function built(arch: TransformerArchitecture): { graph: ModelGraph<TransformerArchitecture>; tensors: TransformerTensors } {
  let b = cache.get(arch);
  if (!b) cache.set(arch, (b = transformerGraph(arch)));
  return b;
}

/**
 * Layers `input`, `stream` (one layer for every residual point), per block `blocks.<b>.attn`
 * (q, k and v as three folds sharing coordinates) and `blocks.<b>.mlp`, then `output`; tensors
 * named as the reference module's state dict.
 */
function transformerGraph(arch: TransformerArchitecture): { graph: ModelGraph<TransformerArchitecture>; tensors: TransformerTensors } {
  const b = new GraphBuilder();
  const stages: Stage[] = [];
  const links: Link[] = [];
  const stage = (layer: string) => stages.push({ layer, folds: 1 }) - 1;
  const link = (from: number, to: number, weight?: TensorPair) => links.push({ from, to, ...(weight ? { weight: weight.weight } : {}) });
  const input = b.layer('input', 'input', arch.inDim, 'identity');
  const stream = b.layer('stream', 'stream', arch.embed, 'identity');
  const lIn = b.linear('l_i.linear', input, stream);
  let s = stage(input);
  let res = stage(stream);
  link(s, res, lIn);
  const blocks: TransformerBlockTensors[] = [];
  for (let k = 0; k < arch.blocks; k++) {
    const attnLayer = b.layer(`blocks.${k}.attn`, 'hidden', arch.embed, 'attention', arch.heads);
    const mlpLayer = b.layer(`blocks.${k}.mlp`, 'hidden', arch.mlpHidden, 'gelu');
    const ln1 = b.norm(`blocks.${k}.ln_1`, stream);
    const attn = b.linear(`blocks.${k}.attn.l_attn.linear`, stream, attnLayer, 1, 3);
    const proj = b.linear(`blocks.${k}.attn.l_proj.linear`, attnLayer, stream);
    const ln2 = b.norm(`blocks.${k}.ln_2`, stream);
    const mlp0 = b.linear(`blocks.${k}.mlp.linears.0.linear`, stream, mlpLayer);
    const mlp1 = b.linear(`blocks.${k}.mlp.linears.1.linear`, mlpLayer, stream);
    blocks.push({ ln1, attn, proj, ln2, mlp0, mlp1 });
    // stream -> attention -> stream (+ residual) -> MLP hidden -> stream (+ residual)
    for (const [hidden, into, out] of [
      [attnLayer, attn, proj],
      [mlpLayer, mlp0, mlp1],
    ] as const) {
      const h = stage(hidden);
      const next = stage(stream);
      link(res, h, into);
      link(h, next, out);
      link(res, next);
      res = next;
    }
  }
  const output = b.layer('output', 'output', arch.outDim, 'identity');
  const lnF = b.norm('ln_f', stream);
  const lOut = b.linear('l_f.linear', stream, output);
  s = stage(output);
  link(res, s, lOut);
  // The reference relocates from the last layer to the first.
  const order = [output];
  for (let k = arch.blocks - 1; k >= 0; k--) order.push(`blocks.${k}.mlp`, `blocks.${k}.attn`);
  order.push(stream, input);
  return { graph: b.build(arch, order, stages, links), tensors: { in: lIn, blocks, lnF, out: lOut } };
}
