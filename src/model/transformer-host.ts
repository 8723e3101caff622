/**
 * The BioTransformer's forward and backward pass on typed arrays (paper section 3.4; the
 * reference notebook's `BioTransformer`), the host twin of transformerForward
 * (transformer-tfjs.ts), which test/transformer-math.test.ts holds it to.
 *
 * x [n, T, inDim] -> y [n, T, outDim], per sequence:
 *
 *     h = x[..., inPerm];  s = h W_i + b_i
 *     per block:  a = LN1(s);  q, k, v = a W_attn + b_attn  (columns [q | k | v], head h at h*hd..)
 *                 o = causal softmax(q k^T / sqrt(hd)) v per head;  s += o W_proj + b_proj
 *                 m = LN2(s);  s += gelu(m W0 + b0) W1 + b1   (tanh GELU, as x sigmoid(2y))
 *     z = LN_f(s) W_f + b_f;  original output outPerm[q] = z[q]
 *
 * with each LN the identity unless `layerNorm` (the reference defines its LayerNorms and never
 * applies them). Float64 arithmetic over float32 parameters, as HostMlp. The input permutation,
 * LayerNorm, attention, GELU (ops/elementwise.ts) and the linear layers are the ops of
 * src/model/ops/ (docs/design.md, "Host op library"); this class owns the buffers and the wiring.
 *
 * Layout: activations are token-major [rows, width] with rows = n * T (token t of sequence r is
 * row r * T + t) and row lengths padded to multiples of 4 for the kernel (simd-gemm.ts),
 * all in one WebAssembly memory. Every product of a linear layer is one call of a linear op
 * (ops/linear.ts: one strided-kernel call each) on them, bias and residual included: forward
 * x W, weight gradient x^T dz (x read transposed through strides), input gradient dz W^T (W^T
 * copied once per step: it is small); one position's rows are the same call with a stride of T
 * rows. The loss is the scored sequence loss's row op (ops/losses.ts). Attention with T = 3 is a few dot
 * products per sequence and is written out directly. Speed (a step of the in-context run is
 * about 14 million multiply-adds): `node dist/bench/transformer-step.js`.
 */
import { causalAttentionQuery, causalAttentionQueryBackward } from './ops/attention.js';
import { geluBackward, geluForward } from './ops/elementwise.js';
import { layerNormRow, layerNormRowBackward } from './ops/layer-norm.js';
import { addScoredSquaredErrors } from './ops/losses.js';
import { allocLinear, linearForward, linearInputGrad, linearParamGrads, loadLinear, type HostKernel, type LinearBuffers } from './ops/linear.js';
import { permutedRow } from './ops/permute.js';
import type { StageProbe } from './ops/stage-probe.js';
import { gemmMemory, pad4 } from './simd-gemm.js';
import { numel, type TensorPair } from './model-graph.js';
import { transformerTensors } from './architectures/transformer.js';
import { checkTransformerShape, transformerTensorShapes } from './transformer-shape.js';
import type { TransformerArchitecture } from './model-graph.js';

/** Sequences of a split: x [n, T, inDim] and y [n, T, outDim], original feature order. */
export interface TransformerSplit {
  readonly n: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** A loss term: output `channel` (original order) at sequence `position`. */
export type ScoredEntry = readonly [position: number, channel: number];

/** The mean loss and, per scored entry (in the order given), its mean squared error. */
export interface TransformerLoss {
  readonly loss: number;
  readonly perScored: number[];
}

/** A linear layer's float64 copies in the memory (ops/linear.ts) and its tensors' name prefix. */
interface Lin extends LinearBuffers {
  readonly tensors: TensorPair; // its weight's and bias's names, from the graph builder
}

/** A LayerNorm's saved statistics: normalised input [rows, ld] (memory offset) and 1/sd per row. */
interface Norm {
  readonly tensors: TensorPair; // its gain's and bias's names, from the graph builder
  readonly xhat: number;
  readonly rstd: Float64Array;
}

/** One block's saved activations (memory offsets; `a` and `m` alias `sIn` and `sMid` without LayerNorm). */
interface BlockBufs {
  readonly sIn: number;
  readonly a: number;
  readonly qkv: number;
  readonly probs: Float64Array; // [n, heads, T, T]
  readonly o: number;
  readonly sMid: number;
  readonly m: number;
  readonly u: number; // MLP pre-activation
  readonly sig: Float64Array; // sigmoid(2 y) inside GELU, [rows, ldM]
  readonly g: number; // gelu(u)
  readonly ln1: Norm;
  readonly ln2: Norm;
  readonly attn: Lin;
  readonly proj: Lin;
  readonly mlp0: Lin;
  readonly mlp1: Lin;
}

export class HostTransformer {
  private readonly mem: Float64Array;
  /** The memory with its kernel and constant rows, for the linear ops. */
  private readonly kernel: HostKernel;
  /** Whether the WebAssembly SIMD kernel runs (false: the JavaScript fallback). */
  readonly simd: boolean;
  private readonly ldIn: number;
  private readonly ldE: number;
  private readonly ldQ: number;
  private readonly ldM: number;
  private readonly ldOut: number;
  private readonly x0: number;
  private readonly blocks: BlockBufs[];
  private readonly sFinal: number;
  private readonly f: number;
  private readonly lnF: Norm;
  private readonly z: number;
  private readonly dz: number;
  private readonly ds: number;
  private readonly dd: number; // [rows, ldE] scratch: dm, d(attention out), da
  private readonly du: number;
  private readonly dqkv: number;
  private readonly dW: number;
  private readonly db: number; // [4, widest row]: bias gradients (4 equal rows, the kernel's tile)
  private readonly zeros: number; // a zero row as wide as any: "no residual", "no bias"
  private readonly ones: number; // [rows]: A for column sums
  private readonly lIn: Lin;
  private readonly lOut: Lin;
  private readonly lins: Lin[];
  private readonly outInv: Int32Array;
  /** Per scored entry, its column in a sequence's output rows [T, ldOut] (set per pass from outPerm) and in its targets [T, outDim]. */
  private readonly zCols: Int32Array;
  private readonly yCols: Int32Array;
  private readonly perSum: Float64Array;
  private readonly dp: Float64Array; // [T] attention backward scratch
  /** Every position 0..T-1, and those the loss reads (the only ones the last block must finish). */
  private readonly allPos: Int32Array;
  private readonly livePos: Int32Array;
  private readonly names: string[];
  private readonly sizes: number[];

  /**
   * Buffers for up to `maxRows` sequences in a pass with gradients (forward-only passes take any n,
   * in chunks). `scored`: the loss's entries, which `run` needs and `predict` ignores (none: a
   * forward-only model).
   */
  constructor(
    readonly shape: TransformerArchitecture,
    readonly scored: readonly ScoredEntry[],
    readonly maxRows: number,
  ) {
    checkTransformerShape(shape);
    const { inDim, outDim, embed: E, mlpHidden: M, seqLen: T, heads: H, layerNorm } = shape;
    for (const [t, c] of scored) {
      if (!(t >= 0 && t < T && c >= 0 && c < outDim)) throw new RangeError(`scored entry (${t}, ${c}) outside ${T} positions x ${outDim} outputs`);
    }
    this.ldIn = pad4(inDim);
    this.ldE = pad4(E);
    this.ldQ = pad4(3 * E);
    this.ldM = pad4(M);
    this.ldOut = pad4(outDim);
    // pad4(maxRows) * T rows: a kernel call over one position's rows (stride T) may run to row pad4(n) * T - 1.
    const rows = pad4(maxRows) * T;
    let top = 0;
    const alloc = (floats: number) => {
      const off = top;
      top += (floats + 7) & ~7; // 64-byte aligned
      return off;
    };
    const act = (ld: number) => alloc(rows * ld);
    const lin = (tensors: TensorPair, nIn: number, nOut: number): Lin => ({ tensors, ...allocLinear(alloc, nIn, nOut) });
    const norm = (tensors: TensorPair): Norm => ({ tensors, xhat: layerNorm ? act(this.ldE) : -1, rstd: new Float64Array(layerNorm ? rows : 0) });
    this.x0 = act(this.ldIn);
    const names = transformerTensors(shape);
    this.lIn = lin(names.in, inDim, E);
    this.blocks = [];
    for (const t of names.blocks) {
      const sIn = act(this.ldE);
      const sMid = act(this.ldE);
      this.blocks.push({
        sIn,
        a: layerNorm ? act(this.ldE) : sIn,
        qkv: act(this.ldQ),
        probs: new Float64Array(maxRows * H * T * T),
        o: act(this.ldE),
        sMid,
        m: layerNorm ? act(this.ldE) : sMid,
        u: act(this.ldM),
        sig: new Float64Array(rows * this.ldM),
        g: act(this.ldM),
        ln1: norm(t.ln1),
        ln2: norm(t.ln2),
        attn: lin(t.attn, E, 3 * E),
        proj: lin(t.proj, E, E),
        mlp0: lin(t.mlp0, E, M),
        mlp1: lin(t.mlp1, M, E),
      });
    }
    this.sFinal = act(this.ldE);
    this.lnF = norm(names.lnF);
    this.f = layerNorm ? act(this.ldE) : this.sFinal;
    this.lOut = lin(names.out, E, outDim);
    this.z = act(this.ldOut);
    this.dz = act(this.ldOut);
    this.ds = act(this.ldE);
    this.dd = act(this.ldE);
    this.du = act(this.ldM);
    this.dqkv = act(this.ldQ);
    this.dW = alloc(Math.max(this.ldIn * this.ldE, this.ldE * this.ldQ, this.ldE * this.ldM, this.ldM * this.ldE, this.ldE * this.ldOut));
    const widest = Math.max(this.ldIn, this.ldE, this.ldQ, this.ldM, this.ldOut);
    this.db = alloc(4 * widest);
    this.zeros = alloc(widest);
    this.ones = alloc(rows);
    this.lins = [this.lIn, ...this.blocks.flatMap((k) => [k.attn, k.proj, k.mlp0, k.mlp1]), this.lOut];
    const { mem, gemm, simd } = gemmMemory(top);
    this.mem = mem;
    mem.fill(1, this.ones, this.ones + rows);
    this.kernel = { mem, gemm, zeros: this.zeros, ones: this.ones };
    this.simd = simd;
    this.outInv = new Int32Array(outDim);
    this.zCols = new Int32Array(scored.length);
    this.yCols = Int32Array.from(scored, ([t, c]) => t * outDim + c);
    this.perSum = new Float64Array(scored.length);
    this.dp = new Float64Array(T);
    this.allPos = Int32Array.from({ length: T }, (_, t) => t);
    this.livePos = Int32Array.from(new Set(scored.map(([t]) => t))).sort();
    const shapes = transformerTensorShapes(shape);
    this.names = shapes.map(([name]) => name);
    this.sizes = shapes.map(([, dims]) => numel(dims));
  }

  /**
   * Loss of `params` on `rows` of `split` (all rows when absent): the mean over sequences and
   * scored entries of the squared error. With `grads` (from `gradsForShape`), also overwrites
   * them with the loss's gradient with respect to every tensor (zero for unused LayerNorms).
   */
  run(
    params: ReadonlyMap<string, Float32Array>,
    inPerm: Int32Array,
    outPerm: Int32Array,
    split: TransformerSplit,
    rows: Int32Array | undefined,
    grads?: Map<string, Float64Array>,
  ): TransformerLoss {
    const n = rows ? rows.length : split.n;
    if (this.scored.length === 0) throw new RangeError('HostTransformer: no scored entries, so no loss');
    this.checkInputs(params, inPerm, outPerm);
    for (let q = 0; q < outPerm.length; q++) this.outInv[outPerm[q]] = q;
    this.scored.forEach(([t, ch], e) => (this.zCols[e] = t * this.ldOut + this.outInv[ch]));
    this.perSum.fill(0);
    if (grads) {
      if (n > this.maxRows) throw new RangeError(`HostTransformer: ${n} sequences with gradients, buffers hold ${this.maxRows}`);
      this.copyWeights(params, true);
      this.forward(params, inPerm, split, rows, 0, n, true);
      this.lossAndOutputGrad(split, rows, 0, n, n);
      this.backward(params, n, grads);
    } else {
      this.copyWeights(params, false);
      for (let start = 0; start < n; start += this.maxRows) {
        const count = Math.min(this.maxRows, n - start);
        this.forward(params, inPerm, split, rows, start, count, true);
        this.lossAndOutputGrad(split, rows, start, count, 0);
      }
    }
    const S = this.scored.length;
    let total = 0;
    for (let e = 0; e < S; e++) total += this.perSum[e];
    return { loss: total / (n * S), perScored: Array.from(this.perSum, (v) => v / n) };
  }

  /**
   * The outputs [n, T, outDim] in ORIGINAL output order for `rows` of `split` (all when absent),
   * in chunks of maxRows sequences, `probe` applied at every stage of the model graph
   * (docs/design.md, "Probes"): the input after the permutation, each residual point of the
   * stream, each block's attention output (before l_proj) and MLP hidden after GELU, and the
   * output positions before un-permuting. The probe's rows are tokens: sequence r, position t is
   * row r T + t.
   */
  predict(
    params: ReadonlyMap<string, Float32Array>,
    inPerm: Int32Array,
    outPerm: Int32Array,
    split: Pick<TransformerSplit, 'n' | 'x'>,
    rows?: Int32Array,
    probe?: StageProbe,
  ): Float64Array {
    const { outDim, seqLen: T } = this.shape;
    const n = rows ? rows.length : split.n;
    this.checkInputs(params, inPerm, outPerm);
    this.copyWeights(params, false);
    const out = new Float64Array(n * T * outDim);
    for (let start = 0; start < n; start += this.maxRows) {
      const count = Math.min(this.maxRows, n - start);
      this.forward(params, inPerm, split, rows, start, count, false, probe);
      for (let i = 0; i < count * T; i++) {
        for (let q = 0; q < outDim; q++) out[(start * T + i) * outDim + outPerm[q]] = this.mem[this.z + i * this.ldOut + q];
      }
    }
    return out;
  }

  private checkInputs(params: ReadonlyMap<string, Float32Array>, inPerm: Int32Array, outPerm: Int32Array): void {
    if (inPerm.length !== this.shape.inDim || outPerm.length !== this.shape.outDim) {
      throw new RangeError(`HostTransformer: permutations of ${inPerm.length} and ${outPerm.length} entries, expected ${this.shape.inDim} and ${this.shape.outDim}`);
    }
    for (let i = 0; i < this.names.length; i++) {
      const t = params.get(this.names[i]);
      if (!t || t.length !== this.sizes[i]) throw new RangeError(`HostTransformer: tensor ${this.names[i]} ${t ? `has ${t.length} entries, expected ${this.sizes[i]}` : 'is missing'}`);
    }
  }

  /** W and b into their padded float64 copies (padding stays 0), and W^T when a backward pass follows. */
  private copyWeights(params: ReadonlyMap<string, Float32Array>, transposed: boolean): void {
    const mem = this.mem;
    for (const l of this.lins) loadLinear(mem, l, params.get(l.tensors.weight)!, params.get(l.tensors.bias)!, transposed);
  }

  /**
   * C = R + A W + b on the rows of sequences 0..count-1 at positions `pos` (A [rows, ldA]; R a
   * residual [rows, ldR], none by default). All positions: one call over contiguous rows; some: one
   * call per position, its rows T apart. C's padding columns come out 0.
   */
  private linear(l: Lin, a: number, ldA: number, c: number, ldC: number, count: number, pos: Int32Array, res = this.zeros, ldR = 0): void {
    const T = this.shape.seqLen;
    if (pos.length === T) {
      linearForward(this.kernel, l, a, ldA, c, ldC, count * T, 1, res, ldR);
      return;
    }
    for (let j = 0; j < pos.length; j++) {
      const t = pos[j];
      linearForward(this.kernel, l, a + t * ldA, ldA, c + t * ldC, ldC, count, T, res + t * ldR, ldR);
    }
  }

  /**
   * The pass over sequences start..start+count-1 (of `rows`). With `trim`, the last block's
   * attention output, MLP, ln_f and l_f run only at the positions the loss reads: the other
   * positions' keys and values still feed later positions, but nothing else of theirs reaches the
   * loss (in the in-context task one token in three: about an eighth of a step's arithmetic).
   * A probe (untrimmed passes only) sees each stage's rows as they are made (`predict`).
   */
  private forward(
    params: ReadonlyMap<string, Float32Array>,
    inPerm: Int32Array,
    split: Pick<TransformerSplit, 'x'>,
    rows: Int32Array | undefined,
    start: number,
    count: number,
    trim: boolean,
    probe?: StageProbe,
  ): void {
    const { inDim, mlpHidden: M, seqLen: T, layerNorm } = this.shape;
    const { mem, ldIn, ldE, ldM, allPos } = this;
    const endPos = trim ? this.livePos : allPos;
    for (let r = 0; r < count; r++) {
      const src = (rows ? rows[start + r] : start + r) * T * inDim;
      for (let t = 0; t < T; t++) permutedRow(mem, this.x0 + (r * T + t) * ldIn, split.x, src + t * inDim, inPerm);
    }
    // Stage s's rows [count T, width] at a buffer (the model graph's stages: input, stream, then
    // per block attention, stream, MLP hidden, stream; output).
    const tokens = count * T;
    const at = (stage: number, buf: number, ld: number) => probe?.at(stage, mem, buf, ld, tokens, start * T);
    at(0, this.x0, ldIn);
    const first = this.blocks.length ? this.blocks[0].sIn : this.sFinal;
    this.linear(this.lIn, this.x0, ldIn, first, ldE, count, allPos);
    at(1, first, ldE);
    for (let b = 0; b < this.blocks.length; b++) {
      const k = this.blocks[b];
      const pos = b === this.blocks.length - 1 ? endPos : allPos;
      if (layerNorm) this.layerNorm(k.ln1, params, k.sIn, k.a, count, allPos);
      this.linear(k.attn, k.a, ldE, k.qkv, this.ldQ, count, allPos);
      this.attention(k, count, pos);
      at(2 + 4 * b, k.o, ldE);
      this.linear(k.proj, k.o, ldE, k.sMid, ldE, count, pos, k.sIn, ldE);
      at(3 + 4 * b, k.sMid, ldE);
      if (layerNorm) this.layerNorm(k.ln2, params, k.sMid, k.m, count, pos);
      this.linear(k.mlp0, k.m, ldE, k.u, ldM, count, pos);
      // g = gelu(u), keeping its sigmoid for the backward pass.
      for (let s = 0; s < count; s++) {
        for (let j = 0; j < pos.length; j++) {
          const row = (s * T + pos[j]) * ldM;
          geluForward(mem, k.u + row, k.g + row, M, k.sig, row);
        }
      }
      at(4 + 4 * b, k.g, ldM);
      const next = b + 1 < this.blocks.length ? this.blocks[b + 1].sIn : this.sFinal;
      this.linear(k.mlp1, k.g, ldM, next, ldE, count, pos, k.sMid, ldE);
      at(5 + 4 * b, next, ldE);
    }
    if (layerNorm) this.layerNorm(this.lnF, params, this.sFinal, this.f, count, endPos);
    this.linear(this.lOut, this.f, ldE, this.z, this.ldOut, count, endPos);
    at(2 + 4 * this.blocks.length, this.z, this.ldOut);
  }

  /** y = (x - mean) / sqrt(var + eps) * gain + bias per token at `pos` (biased variance, as PyTorch). */
  private layerNorm(ln: Norm, params: ReadonlyMap<string, Float32Array>, x: number, y: number, count: number, pos: Int32Array): void {
    const { embed: E, seqLen: T } = this.shape;
    const { mem, ldE } = this;
    const gain = params.get(ln.tensors.weight)!;
    const bias = params.get(ln.tensors.bias)!;
    for (let tok = 0; tok < count * pos.length; tok++) {
      const r = Math.floor(tok / pos.length) * T + pos[tok % pos.length];
      ln.rstd[r] = layerNormRow(mem, x + r * ldE, y + r * ldE, ln.xhat + r * ldE, E, gain, bias);
    }
  }

  /** Causal softmax attention per sequence and head at query positions `pos`: probabilities into k.probs, outputs into k.o. */
  private attention(k: BlockBufs, count: number, pos: Int32Array): void {
    const { embed: E, heads: H, seqLen: T } = this.shape;
    const { mem, ldQ, ldE } = this;
    const hd = E / H;
    const p = k.probs;
    for (let s = 0; s < count; s++) {
      for (let h = 0; h < H; h++) {
        for (let j = 0; j < pos.length; j++) {
          const t = pos[j];
          const seq = k.qkv + s * T * ldQ + h * hd;
          causalAttentionQuery(mem, seq + t * ldQ, seq + E, seq + 2 * E, ldQ, t, T, hd, p, ((s * H + h) * T + t) * T, k.o + (s * T + t) * ldE + h * hd);
        }
      }
    }
  }

  /** Adds each scored entry's squared errors to perSum; with `nGrad` > 0, dz = d loss / d z over nGrad sequences. */
  private lossAndOutputGrad(split: TransformerSplit, rows: Int32Array | undefined, start: number, count: number, nGrad: number): void {
    const { outDim, seqLen: T } = this.shape;
    const { mem, ldOut, z, dz, scored, perSum } = this;
    const scale = nGrad > 0 ? 2 / (nGrad * scored.length) : 0;
    if (nGrad > 0) mem.fill(0, dz, dz + count * T * ldOut);
    for (let r = 0; r < count; r++) {
      const y0 = (rows ? rows[start + r] : start + r) * T * outDim;
      const row = r * T * ldOut;
      addScoredSquaredErrors(mem, z + row, this.zCols, split.y, y0, this.yCols, perSum, nGrad > 0 ? mem : undefined, dz + row, scale);
    }
  }

  /** The backward pass of a trimmed forward pass over n sequences (see `forward`). */
  private backward(params: ReadonlyMap<string, Float32Array>, n: number, grads: Map<string, Float64Array>): void {
    const { mlpHidden: M, seqLen: T, layerNorm } = this.shape;
    const { mem, ldE, ldM, ds, dd, du, allPos, livePos } = this;
    const grad = (name: string) => {
      const g = grads.get(name);
      if (!g) throw new RangeError(`HostTransformer: no gradient buffer for ${name}`);
      return g;
    };
    if (!layerNorm) {
      for (const name of this.names) if (/(^|\.)ln_(1|2|f)\./.test(name)) grad(name).fill(0);
    }
    // Output layer: dz -> d(final stream) in ds, 0 at the positions the loss does not read.
    const trimmed = livePos.length < T;
    if (trimmed || layerNorm) mem.fill(0, ds, ds + n * T * ldE);
    this.linearBackward(this.lOut, this.f, ldE, this.dz, this.ldOut, layerNorm ? dd : ds, n, livePos, grad, trimmed);
    if (layerNorm) this.layerNormBackward(this.lnF, params, dd, ds, n, livePos, grad);
    for (let b = this.blocks.length - 1; b >= 0; b--) {
      const k = this.blocks[b];
      const pos = b === this.blocks.length - 1 ? livePos : allPos;
      // MLP: s_out = s_mid + gelu(m W0 + b0) W1 + b1.
      this.linearBackward(k.mlp1, k.g, ldM, ds, ldE, du, n, pos, grad);
      for (let s = 0; s < n; s++) {
        for (let j = 0; j < pos.length; j++) {
          const row = (s * T + pos[j]) * ldM;
          geluBackward(mem, du + row, M, k.u + row, k.sig, row);
        }
      }
      this.addInputGrad(k.mlp0, k.m, du, ldM, n, pos, grad, layerNorm ? k.ln2 : undefined, params);
      // Attention: s_mid = s_in + attn(a) W_proj + b_proj; keys and values at every position.
      this.linearBackward(k.proj, k.o, ldE, ds, ldE, dd, n, pos, grad);
      this.attentionBackward(k, n, pos);
      this.addInputGrad(k.attn, k.a, this.dqkv, this.ldQ, n, allPos, grad, layerNorm ? k.ln1 : undefined, params);
    }
    this.linearBackward(this.lIn, this.x0, this.ldIn, ds, ldE, -1, n, allPos, grad);
  }

  /**
   * For C = A W + b at positions `pos` (as `linear`) with dC known: writes the gradients of W and
   * b (sums over those rows), and dA = dC W^T at those rows into `dA` (added to it with
   * `accumulate`; skipped when dA < 0).
   */
  private linearBackward(l: Lin, a: number, ldA: number, dC: number, ldC: number, dA: number, count: number, pos: Int32Array, grad: (name: string) => Float64Array, accumulate = false): void {
    const T = this.shape.seqLen;
    const { mem, dW, db, kernel } = this;
    const { nIn, nOut, ldW, ldT } = l;
    if (pos.length === T) {
      linearParamGrads(kernel, l, a, ldA, dC, ldC, count * T, dW, db);
    } else {
      // One position's rows at a time, the later ones added to the earlier ones' sums.
      for (let j = 0; j < pos.length; j++) {
        const t = pos[j];
        linearParamGrads(kernel, l, a + t * ldA, ldA, dC + t * ldC, ldC, count, dW, db, T, j > 0);
      }
    }
    const gW = grad(l.tensors.weight);
    for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) gW[i * nOut + o] = mem[dW + i * ldW + o];
    const gb = grad(l.tensors.bias);
    for (let o = 0; o < nOut; o++) gb[o] = mem[db + o];
    if (dA < 0) return;
    if (pos.length === T) {
      linearInputGrad(kernel, l, dC, ldC, dA, ldT, count * T, 1, accumulate);
      return;
    }
    for (let j = 0; j < pos.length; j++) {
      const t = pos[j];
      linearInputGrad(kernel, l, dC + t * ldC, ldC, dA + t * ldT, ldT, count, T, accumulate);
    }
  }

  /**
   * A block's sub-layer input side: with C = LN(s) W + b and dC known (at `pos`), the W and b
   * gradients, and d s += LN's backward of dC W^T (LN the identity without `norm`).
   */
  private addInputGrad(l: Lin, a: number, dC: number, ldC: number, count: number, pos: Int32Array, grad: (name: string) => Float64Array, norm: Norm | undefined, params: ReadonlyMap<string, Float32Array>): void {
    if (!norm) {
      this.linearBackward(l, a, this.ldE, dC, ldC, this.ds, count, pos, grad, true);
      return;
    }
    this.linearBackward(l, a, this.ldE, dC, ldC, this.dd, count, pos, grad);
    this.layerNormBackward(norm, params, this.dd, this.ds, count, pos, grad);
  }

  /** Given dy (memory [rows, ldE]) at `pos`, adds dx there into `dx` and writes the gain and bias gradients. */
  private layerNormBackward(ln: Norm, params: ReadonlyMap<string, Float32Array>, dy: number, dx: number, count: number, pos: Int32Array, grad: (name: string) => Float64Array): void {
    const { embed: E, seqLen: T } = this.shape;
    const { mem, ldE } = this;
    const gain = params.get(ln.tensors.weight)!;
    const gG = grad(ln.tensors.weight);
    const gB = grad(ln.tensors.bias);
    gG.fill(0);
    gB.fill(0);
    for (let tok = 0; tok < count * pos.length; tok++) {
      const r = Math.floor(tok / pos.length) * T + pos[tok % pos.length];
      layerNormRowBackward(mem, dy + r * ldE, ln.xhat + r * ldE, dx + r * ldE, E, gain, ln.rstd[r], gG, gB);
    }
  }

  /** From d(attention output) in `dd` at query positions `pos` to d(q, k, v) in `dqkv`. */
  private attentionBackward(k: BlockBufs, count: number, pos: Int32Array): void {
    const { embed: E, heads: H, seqLen: T } = this.shape;
    const { mem, ldQ, ldE, dd, dqkv } = this;
    const hd = E / H;
    const p = k.probs;
    const dp = this.dp;
    for (let r = 0; r < count * T; r++) mem.fill(0, dqkv + r * ldQ, dqkv + r * ldQ + 3 * E);
    for (let s = 0; s < count; s++) {
      for (let h = 0; h < H; h++) {
        for (let j = 0; j < pos.length; j++) {
          const t = pos[j];
          const seq = k.qkv + s * T * ldQ + h * hd;
          const dSeq = dqkv + s * T * ldQ + h * hd;
          const pt = ((s * H + h) * T + t) * T;
          const dO = dd + (s * T + t) * ldE + h * hd;
          causalAttentionQueryBackward(mem, seq + t * ldQ, seq + E, seq + 2 * E, ldQ, t, hd, p, pt, dO, dSeq + t * ldQ, dSeq + E, dSeq + 2 * E, dp);
        }
      }
    }
  }
}

/** Zeroed float64 gradient buffers, one per tensor of the shape, by name. */
export function gradsForShape(shape: TransformerArchitecture): Map<string, Float64Array> {
  return new Map(transformerTensorShapes(shape).map(([name, dims]) => [name, new Float64Array(numel(dims))]));
}
