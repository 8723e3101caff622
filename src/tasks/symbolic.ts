/**
 * Symbolic formulas (docs/experiments.md, "Symbolic formulas", paper section 3.1, Figure 3): regress
 * outputs that are closed-form functions of inputs drawn uniformly from [-1, 1], with MSE.
 * The paper's three formulas are named; any other is given as expression strings. Both go
 * through the same parser (./expression.ts), so a named formula is only a preset of strings.
 *
 *     task: { kind: symbolic, formula: independence }
 *     task: { kind: symbolic, inputs: 2, outputs: ["x1*x2", "sin(pi*x1)"] }
 */
import { z } from 'zod';
import { BimtError, ConfigValueError } from '../errors.js';
import { quote } from '../util/excerpt.js';
import { Rng } from '../util/random.js';
import { parseExpression, type CompiledExpression } from './expression.js';
import { MAX_SAMPLES, type Split, type TaskDefinition } from './task.js';

/** The paper's formulas (a), (b), (c), written in the expression language; the strings are also the output labels. */
export const NAMED_FORMULAS = {
  independence: { inputs: 4, outputs: ['(x1+x3)^3', 'x2^2+sin(pi*x4)'] },
  'feature-sharing': { inputs: 3, outputs: ['x1^2', 'x1^2+x2^2', 'x1^2+x2^2+x3^2'] },
  compositionality: { inputs: 4, outputs: ['sqrt((x1-x2)^2+(x3-x4)^2)'] },
} as const satisfies Record<string, FormulaSpec>;
export type FormulaName = keyof typeof NAMED_FORMULAS;

export interface FormulaSpec {
  readonly inputs: number;
  readonly outputs: readonly string[];
}

const formulaNames = Object.keys(NAMED_FORMULAS) as [FormulaName, ...FormulaName[]];

// Flat keys rather than a union under `formula`: zod reports a failed union as a bare "Invalid
// input", whereas here each key gets its own message and exactly-one-of is checked below.
const schema = z
  .strictObject({
    kind: z.literal('symbolic'),
    /** One of the paper's formulas; or leave it out and give `inputs` and `outputs`. */
    formula: z.enum(formulaNames).optional(),
    /** Number of input variables x1..xn of your own formula. */
    inputs: z.number().int().min(1).max(1000).optional(),
    /** Your own formula: one expression per output, over x1..x`inputs`. */
    outputs: z.array(z.string().min(1)).min(1).optional(),
    n_train: z.number().int().min(1).max(MAX_SAMPLES, `at most ${MAX_SAMPLES} samples per split`).default(100),
    n_test: z.number().int().min(1).max(MAX_SAMPLES, `at most ${MAX_SAMPLES} samples per split`).default(100),
    /** Seed of the data; defaults to the config's top-level seed. */
    seed: z.number().int().nonnegative().optional(),
  })
  .superRefine((c, ctx) => {
    const custom = c.inputs !== undefined || c.outputs !== undefined;
    if (c.formula !== undefined && custom) {
      const extra = c.inputs !== undefined ? 'inputs' : 'outputs';
      ctx.addIssue({
        code: 'custom',
        path: [extra],
        message: `give either formula (a named formula) or inputs + outputs (your own), not both`,
      });
      return;
    }
    if (c.formula === undefined && (c.inputs === undefined || c.outputs === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.inputs === undefined ? (c.outputs === undefined ? 'formula' : 'inputs') : 'outputs'],
        message: `give formula: ${formulaNames.join(' | ')}, or inputs (a count) and outputs (a list of expressions in x1..xn)`,
      });
      return;
    }
    // Parse user expressions here so a bad one is reported against its key when the config loads.
    c.outputs?.forEach((src, i) => {
      try {
        parseExpression(src, c.inputs!);
      } catch (e) {
        if (!(e instanceof BimtError)) throw e;
        ctx.addIssue({ code: 'custom', path: ['outputs', i], message: e.message });
      }
    });
  });
export type SymbolicConfig = z.infer<typeof schema>;

/** The formula a validated config describes: its input count and output expression strings. */
export function formulaSpec(config: SymbolicConfig): FormulaSpec {
  if (config.formula !== undefined) return NAMED_FORMULAS[config.formula];
  return { inputs: config.inputs!, outputs: config.outputs!.map((s) => s.trim()) };
}

/** Compiles every output of a formula. */
export function compileFormula(spec: FormulaSpec): CompiledExpression[] {
  return spec.outputs.map((src) => parseExpression(src, spec.inputs));
}

/**
 * n samples with inputs uniform in [-1, 1): x is [n, inputs], y is [n, outputs], evaluated in
 * float64 and stored as float32. A non-finite value (log or sqrt of a negative, division by 0)
 * is a config error rather than NaN poisoning the loss.
 */
export function makeSymbolic(outputs: readonly CompiledExpression[], nVars: number, n: number, rng: Rng): Split {
  const nOut = outputs.length;
  const x = Float32Array.from({ length: n * nVars }, () => rng.range(-1, 1));
  const y = new Float32Array(n * nOut);
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * nVars, (i + 1) * nVars);
    outputs.forEach((f, o) => {
      const v = f.evaluate(row);
      if (!Number.isFinite(v)) {
        const at = Array.from(row, (r) => r.toFixed(4)).join(', ');
        const detail = `${quote(f.source)} is ${v} at x = (${at}); outputs must be finite on [-1, 1]^${nVars}`;
        throw new ConfigValueError(['task', 'outputs', o], detail, `task.outputs[${o}] ${detail}`);
      }
      y[i * nOut + o] = v;
    });
  }
  return { n, x, y };
}

export const symbolic: TaskDefinition<typeof schema> = {
  kind: 'symbolic',
  schema,
  build(config, seed) {
    const s = config.seed ?? seed;
    const spec = formulaSpec(config);
    const outputs = compileFormula(spec);
    return {
      inputs: { kind: 'features', dim: spec.inputs },
      targets: { kind: 'values', dim: outputs.length },
      train: makeSymbolic(outputs, spec.inputs, config.n_train, new Rng(s, 'symbolic/train')),
      test: makeSymbolic(outputs, spec.inputs, config.n_test, new Rng(s, 'symbolic/test')),
      inputLabels: Array.from({ length: spec.inputs }, (_, i) => `x${i + 1}`),
      outputLabels: [...spec.outputs],
    };
  },
  figures: () => ['predicted-vs-true'],
};
