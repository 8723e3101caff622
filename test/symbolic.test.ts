import { describe, expect, it } from 'vitest';
import { BimtError } from '../src/errors.js';
import { taskSchema } from '../src/tasks/registry.js';
import { compileFormula, NAMED_FORMULAS, symbolic, type FormulaName } from '../src/tasks/symbolic.js';

const valuesAt = (name: FormulaName, x: number[]) => compileFormula(NAMED_FORMULAS[name]).map((f) => f.evaluate(x));
const build = (task: object, seed = 0) => symbolic.build(symbolic.schema.parse({ kind: 'symbolic', ...task }), seed);

describe('symbolic formulas', () => {
  it('compute the paper formulas at known points', () => {
    const x = [0.5, 0.2, 0.1, 0.5];
    // (a) (x1 + x3)^3 = 0.6^3, x2^2 + sin(pi x4) = 0.04 + 1
    expect(valuesAt('independence', x)[0]).toBeCloseTo(0.216, 12);
    expect(valuesAt('independence', x)[1]).toBeCloseTo(1.04, 12);
    // (b) x1^2, x1^2 + x2^2, x1^2 + x2^2 + x3^2
    const b = valuesAt('feature-sharing', x);
    [0.25, 0.29, 0.3].forEach((want, o) => expect(b[o]).toBeCloseTo(want, 12));
    // (c) sqrt((x1 - x2)^2 + (x3 - x4)^2) = sqrt(0.09 + 0.16)
    expect(valuesAt('compositionality', x)[0]).toBeCloseTo(0.5, 12);
    expect(valuesAt('compositionality', [-1, 1, 0.25, -0.5])[0]).toBeCloseTo(Math.sqrt(4 + 0.5625), 12);
  });

  it('builds each named task with the shapes and labels of the paper', () => {
    const shapes: Record<FormulaName, [number, number]> = {
      independence: [4, 2],
      'feature-sharing': [3, 3],
      compositionality: [4, 1],
    };
    for (const [name, [nIn, nOut]] of Object.entries(shapes)) {
      const t = build({ formula: name });
      expect(t.inputs).toEqual({ kind: 'features', dim: nIn });
      expect(t.targets).toEqual({ kind: 'values', dim: nOut });
      expect(t.train.n).toBe(100);
      expect(t.test.n).toBe(100);
      expect(t.train.x).toBeInstanceOf(Float32Array);
      expect(t.train.x.length).toBe(100 * nIn);
      expect(t.train.y.length).toBe(100 * nOut);
      expect(t.inputLabels).toEqual(Array.from({ length: nIn }, (_, i) => `x${i + 1}`));
    }
    expect(build({ formula: 'independence' }).outputLabels).toEqual(['(x1+x3)^3', 'x2^2+sin(pi*x4)']);
  });

  it('draws inputs uniformly in [-1, 1] and labels them with the formula', () => {
    const t = build({ formula: 'independence', n_train: 2000 });
    const x = Array.from(t.train.x);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(Math.min(...x)).toBeLessThan(-0.99);
    expect(Math.max(...x)).toBeGreaterThan(0.99);
    expect(x.reduce((s, v) => s + v, 0) / x.length).toBeCloseTo(0, 1);
    for (let i = 0; i < 20; i++) {
      const row = x.slice(4 * i, 4 * i + 4);
      const want = valuesAt('independence', row);
      expect(t.train.y[2 * i]).toBeCloseTo(want[0], 5);
      expect(t.train.y[2 * i + 1]).toBeCloseTo(want[1], 5);
    }
  });

  it('is seeded: same seed same data, train and test independent draws, task.seed overrides', () => {
    const a = build({ formula: 'feature-sharing' }, 4);
    expect(a.train.x).toEqual(build({ formula: 'feature-sharing' }, 4).train.x);
    expect(a.train.x).not.toEqual(build({ formula: 'feature-sharing' }, 5).train.x);
    expect(a.train.x).not.toEqual(a.test.x);
    expect(build({ formula: 'feature-sharing', seed: 4 }, 99).train.x).toEqual(a.train.x);
  });

  it('takes a formula of your own through the same parser', () => {
    const t = build({ inputs: 2, outputs: ['x1 * x2', ' sin(pi*x1) '] });
    expect(t.inputs).toEqual({ kind: 'features', dim: 2 });
    expect(t.targets).toEqual({ kind: 'values', dim: 2 });
    expect(t.outputLabels).toEqual(['x1 * x2', 'sin(pi*x1)']);
    const [x1, x2] = [t.train.x[0], t.train.x[1]];
    expect(t.train.y[0]).toBeCloseTo(x1 * x2, 6);
    expect(t.train.y[1]).toBeCloseTo(Math.sin(Math.PI * x1), 6);
  });

  it('rejects configs that do not give exactly one formula, with the key at fault', () => {
    const issue = (task: object) => {
      const r = taskSchema.safeParse({ kind: 'symbolic', ...task });
      expect(r.success).toBe(false);
      const i = r.error!.issues[0]!;
      return `${i.path.join('.')}: ${i.message}`;
    };
    expect(issue({})).toMatch(/^formula: give formula: independence \| feature-sharing \| compositionality, or inputs/);
    expect(issue({ formula: 'indep' })).toMatch(/^formula: .*"independence"\|"feature-sharing"\|"compositionality"/);
    expect(issue({ formula: 'independence', inputs: 2 })).toMatch(/^inputs: give either formula .* or inputs \+ outputs/);
    expect(issue({ inputs: 2 })).toMatch(/^outputs: give formula/);
    expect(issue({ outputs: ['x1'] })).toMatch(/^inputs: give formula/);
    expect(issue({ inputs: 2, outputs: ['x1 + x3'] })).toBe(
      'outputs.0: expression "x1 + x3": unknown variable "x3" at column 6 (inputs are x1, x2)',
    );
    expect(issue({ inputs: 2, outputs: ['x1', 'x1 +* x2'] })).toMatch(/^outputs\.1: .*unexpected "\*" at column 5/);
    expect(issue({ formula: 'independence', noise: 0.1 })).toMatch(/noise/);
  });

  it('refuses outputs that are not finite on the input cube', () => {
    expect(() => build({ inputs: 1, outputs: ['log(x1)'] })).toThrow(BimtError);
    expect(() => build({ inputs: 1, outputs: ['log(x1)'] })).toThrow(/task\.outputs\[0\] "log\(x1\)" is NaN at x = /);
  });
});
