/**
 * The activations on rows of a float64 buffer, forward and backward (docs/design.md, "Host op
 * library"): SiLU between HostMlp's layers, tanh GELU inside HostTransformer's MLPs. Each applies
 * the scalar formula of activations.ts to one row, so a caller loops over the rows it needs (all
 * of a batch, or one sequence position's rows) as it does for layer-norm.ts and attention.ts.
 *
 * The forward pass keeps s, the sigmoid inside the activation, beside its output for the
 * backward pass: SiLU is x s with s = sigmoid(x), GELU is x s with s = sigmoid(2 y) (one
 * exponential each). Rows are `cols` entries of `mem` from an offset; the saved sigmoids are a
 * row of `sig` (the same buffer or another) from their own offset. test/ops/elementwise.test.ts
 * holds each backward pass to finite differences and to tfjs's autodiff of ops/tfjs.ts's forms.
 *
 *     // one row of 3: mem = [x0 x1 x2 | y0 y1 y2 | d0 d1 d2], sigmoids into s [3]
 *     siluForward(mem, 0, 3, 3, s, 0);   // y = silu(x)
 *     siluBackward(mem, 6, 3, 3, s, 0);  // d *= silu'(x)
 */
import { geluGradOf, geluSigmoid, sigmoid, siluGradOf, siluOf } from './activations.js';

/**
 * SiLU of one row: pre [cols] = mem[x..] (+ bias [cols] when given) -> y [cols] = pre sigmoid(pre)
 * at mem[y..], with sigmoid(pre) [cols] at sig[s..]. y may be x (in place, as HostMlp runs it,
 * its linear op leaving the bias to this add: docs/design.md, "Host op library").
 */
export function siluForward(mem: Float64Array, x: number, y: number, cols: number, sig: Float64Array, s: number, bias?: ArrayLike<number>): void {
  if (bias) {
    for (let c = 0; c < cols; c++) {
      const pre = mem[x + c] + bias[c];
      const sg = sigmoid(pre);
      sig[s + c] = sg;
      mem[y + c] = siluOf(pre, sg);
    }
    return;
  }
  for (let c = 0; c < cols; c++) {
    const pre = mem[x + c];
    const sg = sigmoid(pre);
    sig[s + c] = sg;
    mem[y + c] = siluOf(pre, sg);
  }
}

/**
 * The backward pass of `siluForward` in place: d [cols] at mem[d..], the gradient with respect to
 * the output, becomes the gradient with respect to pre, d silu'(pre) = d (s + y (1 - s)), from
 * the saved sigmoids [cols] at sig[s..] and the outputs y [cols] at mem[y..].
 */
export function siluBackward(mem: Float64Array, d: number, cols: number, y: number, sig: Float64Array, s: number): void {
  for (let c = 0; c < cols; c++) mem[d + c] *= siluGradOf(sig[s + c], mem[y + c]);
}

/**
 * tanh GELU of one row: x [cols] at mem[x..] -> y [cols] = x sigmoid(2 sqrt(2/pi) (x + 0.044715
 * x^3)) at mem[y..] (equal to 0.5 x (1 + tanh(...)): activations.ts), with the sigmoid [cols]
 * at sig[s..].
 */
export function geluForward(mem: Float64Array, x: number, y: number, cols: number, sig: Float64Array, s: number): void {
  for (let c = 0; c < cols; c++) {
    const v = mem[x + c];
    const sg = geluSigmoid(v);
    sig[s + c] = sg;
    mem[y + c] = v * sg;
  }
}

/**
 * The backward pass of `geluForward` in place: d [cols] at mem[d..] becomes d gelu'(x), from the
 * inputs x [cols] at mem[x..] and the saved sigmoids [cols] at sig[s..].
 */
export function geluBackward(mem: Float64Array, d: number, cols: number, x: number, sig: Float64Array, s: number): void {
  for (let c = 0; c < cols; c++) mem[d + c] *= geluGradOf(mem[x + c], sig[s + c]);
}
