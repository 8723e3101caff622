/**
 * The BioTransformer's forward pass on tfjs (paper section 3.4; the formulas are in
 * transformer-host.ts's header, whose typed-array pass test/transformer-math.test.ts holds to this
 * one). Differentiable with respect to every tensor of `vars`, on every backend: the permutations
 * are 0/1 matrices multiplied into the first and last weights (tf.gather's gradient is missing on
 * wasm, docs/design.md, "Model"), and linear layers use ops/tfjs.ts's matMul.
 */
import * as tf from '@tensorflow/tfjs';
import { gelu, layerNormOf, linear, matMul, permutationMatrix } from './ops/tfjs.js';
import { transformerTensors } from './architectures/transformer.js';
import type { TransformerArchitecture } from './architectures/kinds.js';
import { modelGraph } from './architectures/registry.js';
import type { TensorPair } from './model-graph.js';

/**
 * x [n, T * inDim] (or [n, T, inDim]) in the original feature order -> y [n, T * outDim] in the
 * original output order (y[r, t * outDim + c] is output c at position t). `vars` holds every tensor
 * of the architecture's graph by name, in its shapes or flat; they are read through the handles of
 * `transformerTensors`, the graph builder's own names.
 */
export function transformerForward(
  vars: ReadonlyMap<string, tf.Tensor>,
  arch: TransformerArchitecture,
  inPerm: Int32Array,
  outPerm: Int32Array,
  x: tf.Tensor,
): tf.Tensor2D {
  return tf.tidy(() => {
    const { inDim, outDim, embed: E, heads: H, seqLen: T, layerNorm } = arch;
    if (inPerm.length !== inDim || outPerm.length !== outDim) {
      throw new RangeError(`permutations have ${inPerm.length} and ${outPerm.length} entries, expected ${inDim} and ${outDim}`);
    }
    const n = x.shape[0];
    const shapes = new Map(modelGraph(arch).tensors.map((t) => [t.name, [...t.shape]]));
    const names = transformerTensors(arch);
    const get2 = (name: string) => tensorOf(vars, shapes, name) as tf.Tensor2D;
    const get1 = (name: string) => tensorOf(vars, shapes, name) as tf.Tensor1D;
    const lin = (h: tf.Tensor2D, t: TensorPair) => linear(h, get2(t.weight), get1(t.bias));
    const norm = (h: tf.Tensor2D, t: TensorPair) => (layerNorm ? layerNormOf(h, get1(t.weight), get1(t.bias)) : h);

    // Position j reads feature inPerm[j]: x P W_i with P[inPerm[j], j] = 1, folded into W_i.
    const inMatrix = permutationMatrix(inPerm, (j) => [inPerm[j], j]);
    const x2 = tf.reshape(x, [n * T, inDim]) as tf.Tensor2D;
    let s = linear(x2, matMul(inMatrix, get2(names.in.weight)), get1(names.in.bias));
    const mask = causalMask(T);
    const hd = E / H;
    for (const block of names.blocks) {
      const qkv = lin(norm(s, block.ln1), block.attn);
      const [q, k, v] = tf.split(qkv, 3, 1).map((t) => heads(t, n, T, H, hd));
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), mask);
      const o = unheads(tf.matMul(tf.softmax(scores), v), n, T, H, hd);
      s = tf.add(s, lin(o, block.proj));
      const m = norm(s, block.ln2);
      s = tf.add(s, lin(gelu(lin(m, block.mlp0)), block.mlp1));
    }
    // Output position q produces original output outPerm[q]: W_f P, b_f P with P[q, outPerm[q]] = 1.
    const outMatrix = permutationMatrix(outPerm, (q) => [q, outPerm[q]]);
    const w = matMul(get2(names.out.weight), outMatrix);
    const bias = tf.reshape(matMul(tf.reshape(get1(names.out.bias), [1, outDim]), outMatrix), [outDim]) as tf.Tensor1D;
    const z = linear(norm(s, names.lnF), w, bias);
    return tf.reshape(z, [n, T * outDim]) as tf.Tensor2D;
  });
}

function tensorOf(vars: ReadonlyMap<string, tf.Tensor>, shapes: Map<string, number[]>, name: string): tf.Tensor {
  const t = vars.get(name);
  const dims = shapes.get(name)!;
  if (!t) throw new RangeError(`transformerForward: tensor ${name} is missing`);
  if (t.size !== dims.reduce((a, c) => a * c, 1)) throw new RangeError(`transformerForward: tensor ${name} has ${t.size} entries, expected [${dims.join(', ')}]`);
  return t.shape.length === dims.length ? t : tf.reshape(t, dims);
}

/** [n * T, E] -> [n * H, T, hd]: each head's columns as its own batch of sequences. */
function heads(t: tf.Tensor, n: number, T: number, H: number, hd: number): tf.Tensor3D {
  if (H === 1) return tf.reshape(t, [n, T, hd]);
  return tf.reshape(tf.transpose(tf.reshape(t, [n, T, H, hd]), [0, 2, 1, 3]), [n * H, T, hd]);
}

/** The inverse of `heads`: [n * H, T, hd] -> [n * T, E], heads concatenated in column order. */
function unheads(t: tf.Tensor, n: number, T: number, H: number, hd: number): tf.Tensor2D {
  if (H === 1) return tf.reshape(t, [n * T, hd]);
  return tf.reshape(tf.transpose(tf.reshape(t, [n, H, T, hd]), [0, 2, 1, 3]), [n * T, H * hd]);
}

/** [T, T]: 0 where position t may attend to u (u <= t), a large negative number elsewhere. */
function causalMask(T: number): tf.Tensor2D {
  const m = new Float32Array(T * T);
  for (let t = 0; t < T; t++) for (let u = t + 1; u < T; u++) m[t * T + u] = -1e9;
  return tf.tensor2d(m, [T, T]);
}
