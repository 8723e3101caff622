// The mnist task over the bundled digits: 784 pixel features in [0, 1] and the digit as the class,
// a seeded split of the 10,000, pixel labels by row and column; its config loads with the 2-D
// geometry, one-hot MSE and frozen inputs the paper's MNIST uses.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { planTraining } from '../src/config/plan.js';
import { buildTask } from '../src/tasks/registry.js';

describe('mnist task', () => {
  const { config } = loadConfig('configs/mnist.yaml');
  const task = buildTask(config);

  it('gives 8000 / 2000 digits of 784 pixels in [0, 1], every digit in both splits', () => {
    expect(task.inputs).toEqual({ kind: 'features', dim: 784 });
    expect(task.targets).toEqual({ kind: 'classes', count: 10 });
    expect([task.train.n, task.test.n]).toEqual([8000, 2000]);
    const x = task.train.x as Float32Array;
    expect(x.length).toBe(8000 * 784);
    expect(x.every((v) => v >= 0 && v <= 1)).toBe(true);
    // Real digits: most pixels are background, some ink.
    const ink = x.filter((v) => v > 0.5).length / x.length;
    expect(ink).toBeGreaterThan(0.05);
    expect(ink).toBeLessThan(0.4);
    for (const s of [task.train, task.test]) expect(new Set(s.y).size).toBe(10);
    expect(task.inputLabels[28 * 3 + 5]).toBe('p3,5');
    expect(task.outputLabels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('splits by its seed: the same seed the same split, another seed another', () => {
    const again = buildTask(config);
    expect(Buffer.from((again.test.y as Int32Array).buffer).equals(Buffer.from((task.test.y as Int32Array).buffer))).toBe(true);
    const other = buildTask(loadConfig('configs/mnist.yaml', ['task.seed=2']).config);
    expect(Buffer.from((other.test.x as Float32Array).buffer).equals(Buffer.from((task.test.x as Float32Array).buffer))).toBe(false);
  });

  it('plans the paper network: 2-D layers, input swaps off, one-hot MSE, swaps with the last distance term', () => {
    const plan = planTraining(config, task);
    expect(plan.graph.layers.map((l) => [l.name, l.size, l.geometry.dims])).toEqual([
      ['input', 784, 2],
      ['hidden1', 100, 2],
      ['hidden2', 100, 2],
      ['output', 10, 2],
    ]);
    expect(plan.swap.swapInputs).toBe(false);
    expect(plan.classLoss).toBe('mse-onehot');
    expect(plan.cost.spec.noPenalizeLast).toBe(true);
    expect(plan.swap.cost.spec.noPenalizeLast).toBe(false);
  });
});
