/**
 * A linear layer on the host, forward and backward (docs/design.md, "Host op library"): the
 * products of HostMlp and HostTransformer, each one call of the strided kernel of simd-gemm.ts on
 * rows of one float64 buffer (the kernel's WebAssembly memory), addressed by offsets.
 *
 *     forward:   C = R + A W + b            A [rows, nIn], W [nIn, nOut], C and R [rows, nOut]
 *     backward:  dW = A^T dC,  db = column sums of dC,  dA (+)= dC W^T
 *
 * Rows of A, C, R and dC are `ld*` floats long (padded to the kernel's tile) and may be taken
 * every `step`-th row of the buffer (HostTransformer's rows of one sequence position: step T).
 * The products add in the order i = 0, 1, ... from R + b (simd-gemm.ts), so a caller that adds
 * its bias after the product (HostMlp, which adds it with the activation) passes the zero row as
 * b: the two roundings are kept because the golden fixtures hold both engines bit for bit.
 * test/ops/linear.test.ts holds the backward pass to finite differences and to tfjs's autodiff.
 */
import { pad4, type StridedGemm } from '../simd-gemm.js';

/** The kernel and its memory, with the constant rows the products need. */
export interface HostKernel {
  readonly mem: Float64Array;
  readonly gemm: StridedGemm;
  /** A row of zeros at least as long as any row: "no residual", "no bias". */
  readonly zeros: number;
  /** A row of ones at least as long as any product's row count (db's column sums). */
  readonly ones: number;
}

/**
 * A linear layer's float64 copies in the memory (offsets): W [nIn rounded up to 4 rows, ldW] and
 * W^T [nOut rounded up to 4 rows, ldT], ldW = pad4(nOut), ldT = pad4(nIn), and b [ldW] (-1 for a
 * layer whose caller adds its bias itself). Padding entries stay 0.
 */
export interface LinearBuffers {
  readonly nIn: number;
  readonly nOut: number;
  readonly w: number;
  readonly ldW: number;
  readonly wT: number;
  readonly ldT: number;
  readonly bias: number;
}

/** Allocates a layer's buffers through `alloc` (floats -> offset); `withBias` false: no b. */
export function allocLinear(alloc: (floats: number) => number, nIn: number, nOut: number, withBias = true): LinearBuffers {
  const ldW = pad4(nOut);
  const ldT = pad4(nIn);
  return { nIn, nOut, w: alloc(pad4(nIn) * ldW), ldW, wT: alloc(pad4(nOut) * ldT), ldT, bias: withBias ? alloc(ldW) : -1 };
}

/**
 * W [nIn, nOut] row-major (and b [nOut]) into the layer's padded float64 copies; W^T too when a
 * backward pass follows (it is small, so copied once per step rather than read strided).
 */
export function loadLinear(mem: Float64Array, l: LinearBuffers, W: ArrayLike<number>, b: ArrayLike<number> | undefined, transposed: boolean): void {
  const { nIn, nOut, w, ldW, wT, ldT } = l;
  for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) mem[w + i * ldW + o] = W[i * nOut + o];
  if (b && l.bias >= 0) for (let o = 0; o < nOut; o++) mem[l.bias + o] = b[o];
  if (transposed) for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) mem[wT + o * ldT + i] = W[i * nOut + o];
}

/**
 * C = R + A W + b over `rows` rows ([rows, nIn] -> [rows, nOut]): row r of A at a + r step ldA,
 * of C at c + r step ldC, of R at res + r step ldR (the zero row with ldR 0: no residual). The
 * row count is rounded up to the kernel's tile, so the buffers must hold pad4(rows) rows; C's
 * padding columns come out R's plus 0.
 */
export function linearForward(k: HostKernel, l: LinearBuffers, a: number, ldA: number, c: number, ldC: number, rows: number, step = 1, res = k.zeros, ldR = 0): void {
  k.gemm(a, step * ldA, 1, l.w, l.ldW, c, step * ldC, pad4(rows), l.ldW, l.nIn, res, step * ldR, l.bias < 0 ? k.zeros : l.bias);
}

/**
 * The parameter gradients of C = A W + b over `rows` rows (strided as `linearForward`):
 * dW = A^T dC into `dW` [pad4(nIn), ldW] and db = the column sums of dC into `db` [4, ldW] (four
 * equal rows: the kernel's tile), each added to what is there when `accumulate` (a layer applied
 * to several groups of rows, one call per group). Sums run over the rows in order.
 */
export function linearParamGrads(k: HostKernel, l: LinearBuffers, a: number, ldA: number, dC: number, ldC: number, rows: number, dW: number, db: number, step = 1, accumulate = false): void {
  const { zeros, ones } = k;
  const [rW, rb, ld] = accumulate ? [dW, db, l.ldW] : [zeros, zeros, 0];
  k.gemm(a, 1, step * ldA, dC, step * ldC, dW, l.ldW, pad4(l.nIn), l.ldW, rows, rW, ld, zeros);
  if (db >= 0) k.gemm(ones, 0, 1, dC, step * ldC, db, l.ldW, 4, l.ldW, rows, rb, ld, zeros);
}

/**
 * The input gradient of C = A W + b: dA = dC W^T ([rows, nOut] -> [rows, nIn]), rows strided as
 * `linearForward`, added to dA's contents when `accumulate` (a residual stream's gradient). Needs
 * W^T loaded (`loadLinear` with `transposed`). Buffers hold pad4(rows) rows, as the forward pass's.
 */
export function linearInputGrad(k: HostKernel, l: LinearBuffers, dC: number, ldC: number, dA: number, ldA: number, rows: number, step = 1, accumulate = false): void {
  k.gemm(dC, step * ldC, 1, l.wT, l.ldT, dA, step * ldA, pad4(rows), l.ldT, l.nOut, accumulate ? dA : k.zeros, accumulate ? step * ldA : 0, k.zeros);
}
