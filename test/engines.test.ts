// The three training engines take the same Adam steps: host (typed arrays) and workers (tfjs on
// worker threads, batch split in shards) against tfjs on the main thread. The workers engine runs
// the compiled worker script, so `npm test` builds dist/ first.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { architectureFor } from '../src/model/architecture.js';
import { costCoefficients } from '../src/model/connection-cost.js';
import { initNetwork } from '../src/model/init.js';
import type { Architecture } from '../src/model/network.js';
import { buildTask } from '../src/tasks/registry.js';
import type { TargetSpec, TaskInstance } from '../src/tasks/task.js';
import { createEngine, type EngineName } from '../src/train/engine.js';
import { randomNetwork, randomTask } from './helpers.js';

/** Norm-wise relative difference of two arrays. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const spec = { weightFactor: 2, l0: 0.1, noPenalizeLast: false, aggregate: 'sum' as const };
const adam = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

/** 20 steps (bias penalty from step 10, mini-batches on odd steps unless `full`), then the state. */
async function trainWith(name: EngineName, net: ReturnType<typeof randomNetwork>, task: TaskInstance, full: boolean) {
  const engine = await createEngine(name, { net, task, costCoef: costCoefficients(net.arch, net.geometry, spec), adam, batchRows: task.train.n }, 'wasm');
  try {
    const before = engine.evaluate();
    const rows = Int32Array.from({ length: 10 }, (_, i) => i + 1);
    for (let s = 0; s < 20; s++) engine.step(1e-3, s >= 10, full || s % 2 === 0 ? undefined : rows);
    return { before, after: engine.evaluate(), params: engine.readParams(), opt: engine.readOptimizer() };
  } finally {
    engine.dispose();
  }
}

function expectSameTraining(a: Awaited<ReturnType<typeof trainWith>>, b: Awaited<ReturnType<typeof trainWith>>) {
  expect(a.after.trainLoss).toBeLessThan(a.before.trainLoss);
  expect(Math.abs(a.before.trainLoss - b.before.trainLoss) / b.before.trainLoss).toBeLessThan(1e-5);
  expect(Math.abs(a.after.testLoss - b.after.testLoss) / b.after.testLoss).toBeLessThan(1e-4);
  if (b.after.testAcc !== null) expect(a.after.testAcc).toBeCloseTo(b.after.testAcc, 6);
  a.params.weights.forEach((w, l) => expect(relDiff(w, b.params.weights[l])).toBeLessThan(1e-4));
  a.opt.v.weights.forEach((v, l) => expect(relDiff(v, b.opt.v.weights[l])).toBeLessThan(1e-4));
  if (b.params.embedding) expect(relDiff(a.params.embedding!, b.params.embedding)).toBeLessThan(1e-4);
  expect(a.opt.t).toBe(20);
  expect(b.opt.t).toBe(20);
}

describe('training engines', () => {
  const arch: Architecture = { widths: [4, 8, 8, 3], inFold: 1 };
  for (const targets of [{ kind: 'values', dim: 3 }, { kind: 'classes', count: 3 }] as TargetSpec[]) {
    it(`host and tfjs take the same 20 Adam steps (${targets.kind}), mini-batches and bias penalty included`, async () => {
      const net = randomNetwork(arch, 7);
      const task = randomTask(arch, targets, 30, 8);
      expectSameTraining(await trainWith('host', net, task, false), await trainWith('tfjs', net, task, false));
    });
  }

  it('workers and tfjs take the same 20 full-batch Adam steps (features, an odd number of rows)', async () => {
    const net = randomNetwork(arch, 9);
    const task = randomTask(arch, { kind: 'values', dim: 3 }, 31, 10);
    expectSameTraining(await trainWith('workers', net, task, true), await trainWith('tfjs', net, task, true));
  });

  it('workers and tfjs take the same 20 full-batch Adam steps (modular addition: tokens, embedding, permutations)', async () => {
    const { config } = loadConfig('configs/modular-addition.yaml', ['task.p=11', 'model.widths=[8, 12, 12, 11]', 'task.embedding_dim=4']);
    const task = buildTask(config);
    const net = initNetwork(architectureFor(config.model, task), 3);
    net.inPerm.reverse();
    net.outPerm.set(net.outPerm.map((q) => (q + 3) % 11));
    expectSameTraining(await trainWith('workers', net, task, true), await trainWith('tfjs', net, task, true));
  });

  it('the workers engine refuses mini-batches', async () => {
    const net = randomNetwork(arch, 9);
    const task = randomTask(arch, { kind: 'values', dim: 3 }, 31, 10);
    const engine = await createEngine('workers', { net, task, costCoef: costCoefficients(arch, net.geometry, spec), adam, batchRows: 31 }, 'wasm');
    try {
      expect(() => engine.step(1e-3, false, Int32Array.from([1, 2]))).toThrow(/full batch only/);
    } finally {
      engine.dispose();
    }
  });
});
