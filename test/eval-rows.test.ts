// output.eval_rows (docs/design.md, "Optimizer and training loop"): metrics rows evaluate a fixed
// seeded subset of each split, on every engine, and the loss a row reports is the loss on that
// subset. Without the key the plan evaluates the task itself (the golden metrics hold that the
// numbers are unchanged).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { evaluationTask, planTraining } from '../src/config/plan.js';
import type { Network } from '../src/model/network.js';
import type { MetricsRow } from '../src/runs/metrics.js';
import { buildTask } from '../src/tasks/registry.js';
import type { Split } from '../src/tasks/task.js';
import type { EngineName } from '../src/train/engine.js';
import { evaluateNetwork } from '../src/train/evaluate.js';
import { trainLoop } from '../src/train/loop.js';

const sets = ['train.steps=40', 'output.eval_every=20', 'output.checkpoint_every=20', 'lambda.changes=[]', 'swap.every=10'];

/** The rows of `split` that `sub` holds, by matching whole rows (they are distinct draws). */
function rowsOf(split: Split, sub: Split): number[] {
  const w = split.x.length / split.n;
  const key = (s: Split, i: number) => Array.from(s.x.subarray(i * w, (i + 1) * w)).join(',');
  const index = new Map(Array.from({ length: split.n }, (_, i) => [key(split, i), i]));
  return Array.from({ length: sub.n }, (_, k) => index.get(key(sub, k))!);
}

describe('evaluationTask', () => {
  const { config } = loadConfig('configs/two-moons.yaml');
  const task = buildTask(config);

  it('is the task itself without eval_rows, or when both splits are short enough', () => {
    expect(planTraining(config, task).evalTask).toBe(task);
    expect(evaluationTask(task, 200, 1)).toBe(task);
    expect(evaluationTask(task, 10_000, 1)).toBe(task);
  });

  it('cuts each longer split to a seeded subset of its rows, in the split order, the same for the same seed', () => {
    const a = evaluationTask(task, 50, 1);
    const b = evaluationTask(task, 50, 1);
    const c = evaluationTask(task, 50, 2);
    expect([a.train.n, a.test.n]).toEqual([50, 50]);
    const rows = rowsOf(task.train, a.train);
    expect(rows).toEqual([...rows].sort((p, q) => p - q));
    expect(new Set(rows).size).toBe(50);
    rows.forEach((r, k) => expect(a.train.y[k]).toBe(task.train.y[r]));
    expect(rowsOf(task.train, b.train)).toEqual(rows);
    expect(rowsOf(task.train, c.train)).not.toEqual(rows);
    expect(rowsOf(task.test, a.test)).not.toEqual(rows); // one stream per split
    expect(a.inputLabels).toBe(task.inputLabels);
  });

  it('keeps a split that is short enough whole', () => {
    const e = evaluationTask(task, 150, 1);
    expect(e.train.n).toBe(150);
    expect(evaluationTask({ ...task, test: e.train }, 150, 1).test).toBe(e.train);
  });
});

describe('metrics rows with output.eval_rows', () => {
  async function run(file: string, extra: string[], engine: EngineName) {
    const { plan } = loadConfig(file, [...sets, ...extra]);
    const rows: MetricsRow[] = [];
    const nets = new Map<number, Network>();
    await trainLoop(plan, { onMetrics: (r) => void rows.push(r), onCheckpoint: (s) => void nets.set(s.step, s.net) }, { engine });
    return { plan, rows, nets };
  }

  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

  it.each(['host', 'tfjs', 'workers'] as const)('report the loss and accuracy of the subset on the %s engine', async (engine) => {
    const { plan, rows, nets } = await run('configs/two-moons.yaml', ['output.eval_rows=60'], engine);
    expect([plan.evalTask.train.n, plan.evalTask.test.n]).toEqual([60, 60]);
    expect(rows.map((r) => r.step)).toEqual([0, 20, 40]);
    for (const row of rows) {
      const net = nets.get(row.step)!;
      const sub = evaluateNetwork(net, plan.evalTask);
      const all = evaluateNetwork(net, plan.task);
      expect(rel(row.train_loss, sub.trainLoss)).toBeLessThan(1e-4);
      expect(rel(row.test_loss, sub.testLoss)).toBeLessThan(1e-4);
      expect(row.train_acc).toBeCloseTo(sub.trainAcc!, 6);
      expect(row.test_acc).toBeCloseTo(sub.testAcc!, 6);
      // The subset's numbers, not the whole split's.
      expect(rel(row.test_loss, all.testLoss)).toBeGreaterThan(1e-3);
      // A multiple of 1/60 (60 rows counted), up to tfjs's float32 mean.
      expect(Math.abs(row.test_acc! * 60 - Math.round(row.test_acc! * 60))).toBeLessThan(1e-4);
    }
  });

  it('per-output losses of a regression task come from the subset too', async () => {
    const { plan, rows, nets } = await run('configs/independence.yaml', ['output.eval_rows=30'], 'host');
    const last = rows[rows.length - 1]!;
    const net = nets.get(last.step)!;
    const sub = evaluateNetwork(net, plan.evalTask);
    expect(rel(last.test_loss, sub.testLoss)).toBeLessThan(1e-4);
    // The mean of the per-output MSEs is the MSE.
    const per = last.output_losses!.test;
    expect(rel(per.reduce((a, b) => a + b, 0) / per.length, sub.testLoss)).toBeLessThan(1e-4);
  });
});
