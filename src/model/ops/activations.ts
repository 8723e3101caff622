/**
 * The activations' scalar formulas and constants, one home for every engine (docs/design.md,
 * "Host op library"): the host passes (HostMlp, HostTransformer), the tfjs forms
 * (ops/tfjs.ts) and prune's constant folding (bimt/prune.ts) all read them here.
 *
 * Each formula is written exactly as the code it replaced computed it: the golden fixtures
 * (test/golden-metrics.test.ts) hold float64 results bit for bit, so `silu(x)` = x * sigmoid(x)
 * (the host pass) and `siluDirect(x)` = x / (1 + e^-x) (prune) are two roundings of one function,
 * and the host's GELU is x sigmoid(2 y) through `geluExp` where the reference form is
 * 0.5 x (1 + tanh(y)) (both y = sqrt(2/pi) (x + 0.044715 x^3)). The host passes apply them to
 * rows through ops/elementwise.ts.
 */
import type { Activation } from '../model-graph.js';

/** PyTorch's LayerNorm default epsilon, added to the variance (ops/layer-norm.ts, ops/tfjs.ts). */
export const LN_EPS = 1e-5;
/** sqrt(2 / pi), the scale inside tanh GELU. */
export const GELU_C = Math.sqrt(2 / Math.PI);
/** The cubic coefficient inside tanh GELU: y = GELU_C (x + GELU_A x^3). */
export const GELU_A = 0.044715;

/** The logistic function 1 / (1 + e^-x). */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** SiLU x sigmoid(x) given s = sigmoid(x), as the host MLP computes it (it keeps s for the backward pass). */
export function siluOf(x: number, s: number): number {
  return x * s;
}

/** silu'(x) = s + x s (1 - s) = s + h (1 - s), from s = sigmoid(x) and h = silu(x). */
export function siluGradOf(s: number, h: number): number {
  return s + h * (1 - s);
}

/** SiLU as prune's constant folding evaluates it: x / (1 + e^-x) (equal to x sigmoid(x) up to rounding). */
export function siluDirect(x: number): number {
  return x / (1 + Math.exp(-x));
}

/**
 * Each activation of the model graph (model-graph.ts's `Activation`) on one number, as prune's
 * constant folding evaluates a neuron with constant inputs: SiLU as `siluDirect`, GELU in the
 * reference form `gelu`. An attention position passes its value on unchanged (its weights over
 * the keys sum to 1, so a constant value comes out as itself), as does the identity. A record, so
 * that an activation added to the graph without a formula here does not compile.
 */
const SCALAR: Readonly<Record<Activation, (x: number) => number>> = {
  silu: siluDirect,
  gelu,
  identity: (x) => x,
  attention: (x) => x,
};

/**
 * The scalar function of activation `a`:
 *
 *     activationOf('gelu')(1)  // 0.8411919906082768
 */
export function activationOf(a: Activation): (x: number) => number {
  return SCALAR[a];
}

/** The argument of tanh GELU, y = sqrt(2/pi) (x + 0.044715 x^3). */
export function geluInner(x: number): number {
  return GELU_C * (x + GELU_A * x * x * x);
}

/** tanh GELU, 0.5 x (1 + tanh(y)): the reference form (PyTorch's approximate='tanh'), used by prune. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(geluInner(x)));
}

/**
 * sigmoid(2 y) for tanh GELU, whose value is then x s: 0.5 (1 + tanh(y)) = sigmoid(2 y), so the
 * host pass needs one exponential (`geluExp`) and keeps s for the backward pass.
 */
export function geluSigmoid(x: number): number {
  return 1 / (1 + geluExp(-2 * GELU_C * (x + GELU_A * x * x * x)));
}

/** gelu'(x) = s + 2 x s (1 - s) sqrt(2/pi) (1 + 3 * 0.044715 x^2), from s = geluSigmoid(x). */
export function geluGradOf(x: number, s: number): number {
  return s + 2 * x * s * (1 - s) * GELU_C * (1 + 3 * GELU_A * x * x);
}

// Tables and constants of `geluExp`.
const EXP_POW2 = Float64Array.from({ length: 257 }, (_, i) => 2 ** (i - 128));
const EXP_FRAC = Float64Array.from({ length: 64 }, (_, j) => 2 ** (j / 64));
const EXP_SCALE = 64 / Math.LN2;
const EXP_STEP_HI = Math.fround(Math.LN2 / 64); // 24 bits: k * EXP_STEP_HI is exact
const EXP_STEP_LO = Math.LN2 / 64 - EXP_STEP_HI;
const ROUND = 6755399441055744; // 1.5 * 2^52: adding and subtracting it rounds to an integer

/**
 * exp(x) for GELU, about 2.4x faster than Math.exp in V8 (GELU's exponentials were a third of a
 * transformer step). x = (k / 64) ln 2 + r with |r| <= ln 2 / 128, so exp(x) = 2^(k >> 6) 2^((k & 63) / 64) e^r
 * with e^r from its Taylor polynomial to r^5 (remainder below 1e-16). Relative error below 1e-14
 * (test/ops/activations.test.ts); x is clamped to [-80, 80], beyond which GELU is 0 or x to
 * float64 precision anyway.
 *
 *     geluExp(1)  // 2.718281828459045
 */
export function geluExp(x: number): number {
  x = x > 80 ? 80 : x < -80 ? -80 : x;
  const kf = x * EXP_SCALE + ROUND - ROUND;
  const r = x - kf * EXP_STEP_HI - kf * EXP_STEP_LO;
  const k = kf | 0;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return p * EXP_FRAC[k & 63] * EXP_POW2[(k >> 6) + 128];
}
