// The three training engines take the same Adam steps: host (typed arrays) and workers (tfjs on
// worker threads, batch split in shards) against tfjs on the main thread, alone and through the
// training loop with relocation. The workers engine runs the compiled worker script in dist/,
// which the test setup builds first (test/global-setup.ts).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { architectureFor } from '../src/config/architecture.js';
import { costCoefficients } from '../src/model/connection-cost.js';
import { initNetwork } from '../src/model/init.js';
import type { MlpArchitecture, Network, Params } from '../src/model/network.js';
import type { MetricsRow } from '../src/runs/metrics.js';
import { buildTask } from '../src/tasks/registry.js';
import type { TargetSpec, TaskInstance } from '../src/tasks/task.js';
import { chooseEngine, enginesFor } from '../src/train/choose-engine.js';
import { createEngine } from '../src/train/create-engine.js';
import type { EngineName } from '../src/train/engine.js';
import { trainLoop } from '../src/train/loop.js';
import { mlp, randomNetwork, randomTask, relDiff } from './helpers.js';

const spec = { weightFactor: 2, l0: 0.1, noPenalizeLast: false, aggregate: 'sum' as const };
const adam = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

/** 20 steps (bias penalty from step 10, mini-batches on odd steps unless `full`), then the state. */
async function trainWith(name: EngineName, net: Network, task: TaskInstance, full: boolean) {
  const engine = await createEngine(name, { net, task, costCoef: costCoefficients(net.graph, spec), adam, batchRows: task.train.n, classLoss: 'cross-entropy' }, 'wasm');
  try {
    const before = await engine.evaluate();
    const rows = Int32Array.from({ length: 10 }, (_, i) => i + 1);
    for (let s = 0; s < 20; s++) await engine.step(1e-3, s >= 10, full || s % 2 === 0 ? undefined : rows);
    return { before, after: await engine.evaluate(), params: await engine.readParams(), opt: await engine.readOptimizer() };
  } finally {
    engine.dispose();
  }
}

/** Every array of two parameter sets within `tol` of each other, norm-wise. */
function expectClose(a: Params, b: Params, tol: number) {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, x] of a) expect(relDiff(x, b.get(name)!)).toBeLessThan(tol);
}

function expectSameTraining(a: Awaited<ReturnType<typeof trainWith>>, b: Awaited<ReturnType<typeof trainWith>>) {
  expect(a.after.trainLoss).toBeLessThan(a.before.trainLoss);
  expect(Math.abs(a.before.trainLoss - b.before.trainLoss) / b.before.trainLoss).toBeLessThan(1e-5);
  expect(Math.abs(a.after.testLoss - b.after.testLoss) / b.after.testLoss).toBeLessThan(1e-4);
  if (b.after.testAcc !== null) expect(a.after.testAcc).toBeCloseTo(b.after.testAcc, 6);
  expectClose(a.params, b.params, 1e-4);
  expectClose(a.opt.m, b.opt.m, 1e-4);
  expectClose(a.opt.v, b.opt.v, 1e-4);
  expect(a.opt.t).toBe(20);
  expect(b.opt.t).toBe(20);
}

/** A small modular-addition task (tokens, embedding) and a network with non-identity permutations. */
function smallModularAddition() {
  const { config } = loadConfig('configs/modular-addition.yaml', ['task.p=11', 'model.widths=[8, 12, 12, 11]', 'task.embedding_dim=4']);
  const task = buildTask(config);
  const net = initNetwork(architectureFor(config.model, task), 3);
  net.inPerm.reverse();
  net.outPerm.set(net.outPerm.map((q) => (q + 3) % 11));
  return { task, net };
}

describe('training engines', () => {
  const arch: MlpArchitecture = mlp([4, 8, 8, 3]);
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
    const { task, net } = smallModularAddition();
    expectSameTraining(await trainWith('workers', net, task, true), await trainWith('tfjs', net, task, true));
  });

  it('the workers engine refuses mini-batches', async () => {
    const net = randomNetwork(arch, 9);
    const task = randomTask(arch, { kind: 'values', dim: 3 }, 31, 10);
    const engine = await createEngine('workers', { net, task, costCoef: costCoefficients(net.graph, spec), adam, batchRows: 31, classLoss: 'cross-entropy' }, 'wasm');
    try {
      await expect(engine.step(1e-3, false, Int32Array.from([1, 2]))).rejects.toThrow(/full batch only/);
    } finally {
      engine.dispose();
    }
  });
});

describe('training loop on each engine, relocation included', () => {
  /** The loop's metrics rows and final network with the config forced onto `engine`. */
  async function loopWith(file: string, engine: EngineName, extra: string[]) {
    const { plan } = loadConfig(file, [`train.engine=${engine}`, 'swap.every=10', 'swap.permute_optimizer_state=true', 'output.eval_every=10', ...extra]);
    const rows: MetricsRow[] = [];
    const result = await trainLoop(plan, { onMetrics: (r) => void rows.push(r), onCheckpoint: () => {} });
    return { rows, net: result.net };
  }

  function expectSameRun(a: Awaited<ReturnType<typeof loopWith>>, b: Awaited<ReturnType<typeof loopWith>>) {
    expect(a.rows.map((r) => r.swaps)).toEqual(b.rows.map((r) => r.swaps));
    expect(a.rows.reduce((n, r) => n + r.swaps, 0)).toBeGreaterThan(0); // relocation did move neurons
    a.rows.forEach((r, i) => expect(Math.abs(r.train_loss - b.rows[i].train_loss) / b.rows[i].train_loss).toBeLessThan(1e-3));
    expect(Array.from(a.net.inPerm)).toEqual(Array.from(b.net.inPerm));
    expect(Array.from(a.net.outPerm)).toEqual(Array.from(b.net.outPerm));
    // Looser than a few steps allow: weights the L1 term holds near zero jump by about lr each
    // step, to the side their gradient's rounding picks, so float differences grow over a run.
    expectClose(a.net.params, b.net.params, 1e-2);
  }

  it('host and tfjs: two moons, 60 steps, swaps every 10', async () => {
    const extra = ['train.steps=60', 'lambda.changes=[]', 'lambda.initial=0.01'];
    expectSameRun(await loopWith('configs/two-moons.yaml', 'host', extra), await loopWith('configs/two-moons.yaml', 'tfjs', extra));
  });

  it('workers and tfjs: small modular addition, 40 steps, swaps every 10', async () => {
    const extra = ['train.steps=40', 'lambda.changes=[]', 'task.p=11', 'model.widths=[8, 12, 12, 11]', 'task.embedding_dim=4'];
    const file = 'configs/modular-addition.yaml';
    expectSameRun(await loopWith(file, 'workers', extra), await loopWith(file, 'tfjs', extra));
  });
});

describe('choosing an engine', () => {
  const planOf = (file: string, sets: string[] = []) => loadConfig(file, sets).plan;

  it('auto: host for small feature networks, workers for large full batches on wasm or cpu, host for other feature networks there, tfjs otherwise', () => {
    const moons = planOf('configs/two-moons.yaml');
    expect(chooseEngine(moons, 'wasm').name).toBe('host');
    expect(chooseEngine(moons, 'tensorflow').name).toBe('host');
    const wide = planOf('configs/two-moons.yaml', ['model.widths=[2, 200, 200, 2]']); // 200 rows x 4.1e4 = 8e6 multiply-adds
    // 200 rows: not worth splitting; the host's SIMD kernel outruns tfjs on the CPU backends, not a native one.
    expect(chooseEngine(wide, 'wasm').name).toBe('host');
    expect(chooseEngine(wide, 'cpu').name).toBe('host');
    expect(chooseEngine(wide, 'tensorflow').name).toBe('tfjs');
    const mod = planOf('configs/modular-addition.yaml');
    expect(chooseEngine(mod, 'wasm').name).toBe('workers');
    expect(chooseEngine(mod, 'cpu').name).toBe('workers');
    expect(chooseEngine(mod, 'tensorflow').name).toBe('tfjs');
    const batched = planOf('configs/modular-addition.yaml', ['train.batch=512']);
    expect(chooseEngine(batched, 'wasm').name).toBe('tfjs');
  });

  it('lists the engines that can train a config', () => {
    const moons = planOf('configs/two-moons.yaml');
    expect(enginesFor(moons, 'wasm')).toEqual(['host', 'tfjs', 'workers']);
    expect(enginesFor(moons, 'tensorflow')).toEqual(['host', 'tfjs']);
    const mod = planOf('configs/modular-addition.yaml', ['train.batch=64']);
    expect(enginesFor(mod, 'wasm')).toEqual(['tfjs']);
  });

  it('a forced engine that cannot train the config is a config error naming train.engine', () => {
    const mod = planOf('configs/modular-addition.yaml', ['train.engine=workers']);
    expect(() => chooseEngine(mod, 'tensorflow-gpu')).toThrow(/train\.engine: workers runs tfjs on the wasm or cpu backend, not tensorflow-gpu/);
    const host = planOf('configs/modular-addition.yaml', ['train.engine=host']);
    expect(() => chooseEngine(host, 'wasm')).toThrow(/train\.engine: host takes feature inputs only/);
    const tiny = planOf('configs/modular-addition.yaml', ['train.engine=workers', 'task.p=5', 'task.train_fraction=0.96', 'model.widths=[64, 50, 50, 5]']);
    expect(tiny.task.test.n).toBe(1);
    expect(() => chooseEngine(tiny, 'wasm')).toThrow(/train\.engine: workers splits full batches/);
  });
});
