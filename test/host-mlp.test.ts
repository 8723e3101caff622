// The typed-array gradient (HostMlp, addCostGradient) against tfjs's autodiff of BioModel +
// taskLoss + connectionCostTensor. The engines built on it: test/engines.test.ts.
import { modelGraph } from '../src/model/architectures/registry.js';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BioModel } from '../src/model/bio-model.js';
import { addCostGradient, costCoefficients } from '../src/model/connection-cost.js';
import { connectionCostTensor, uploadCoefficients } from '../src/model/connection-cost-tfjs.js';
import { HostMlp } from '../src/model/host-mlp.js';
import { gradsFor, type MlpArchitecture } from '../src/model/model-graph.js';
import type { Network } from '../src/model/network.js';
import type { TargetSpec, TaskInstance } from '../src/tasks/task.js';
import { disposeData, disposeSplit, takeRows, uploadData } from '../src/train/data.js';
import { taskLoss } from '../src/train/evaluate.js';
import { EVAL_CHUNK_ROWS, MlpGradients } from '../src/train/host-engine.js';
import { B, mlp, randomNetwork, randomTask, relDiff, W } from './helpers.js';

const spec = { weightFactor: 2, l0: 0.1, noPenalizeLast: false, aggregate: 'sum' as const };

/** Loss and gradients by tfjs for `rows` of the training split, in the Params layout. */
function tfjsGradients(net: Network, task: TaskInstance, rows: Int32Array, lambda: number) {
  const coef = costCoefficients(net.graph, spec);
  const coefT = uploadCoefficients(net.graph, coef);
  const model = BioModel.fromNetwork(net);
  const data = uploadData(task);
  const idx = tf.tensor1d(rows, 'int32');
  const batch = takeRows(data.train, idx);
  const { value, grads } = tf.variableGrads(
    () => tf.add(taskLoss(task.targets, model.forwardSplit(batch), batch), tf.mul(connectionCostTensor(model.tensors(), coef, coefT, true), lambda)),
    model.variables(),
  );
  // By tensor name: the model's variables are the graph's tensors, in its canonical order.
  const byName = new Map(model.variables().map((v, t) => [net.graph.tensors[t].name, grads[v.name].dataSync() as Float32Array]));
  const out = { loss: value.dataSync()[0], grads: byName };
  tf.dispose([value, ...Object.values(grads), idx, ...coefT.values()]);
  disposeSplit(batch);
  disposeData(data);
  model.dispose();
  return out;
}

describe('HostMlp', () => {
  const arch: MlpArchitecture = mlp([6, 9, 7, 4], 2);
  const cases: [string, TargetSpec][] = [
    ['MSE', { kind: 'values', dim: 4 }],
    ['cross-entropy', { kind: 'classes', count: 4 }],
  ];
  for (const [name, targets] of cases) {
    it(`${name}: loss and gradients (with the cost's) match tfjs's to 1e-5 relative, permutations and row subsets included`, () => {
      const net = randomNetwork(arch, 3);
      const task = randomTask(arch, targets, 25, 4);
      const rows = Int32Array.from([3, 0, 17, 17, 24, 8, 11, 5]);
      const lambda = 0.03;
      const want = tfjsGradients(net, task, rows, lambda);
      const hostMlp = new HostMlp(arch, targets, 25);
      const grads = gradsFor(net.graph);
      const { loss } = hostMlp.run(net.params, net.inPerm, net.outPerm, task.train, rows, grads);
      const coef = costCoefficients(net.graph, spec);
      let cost = 0;
      const L = arch.widths.length - 1;
      for (let l = 0; l < L; l++) {
        const c = coef.get(`linears.${l}.linear.weight`)!;
        const cb = coef.get(`linears.${l}.linear.bias`)!;
        if (c.kind !== 'entries' || cb.kind !== 'bias') throw new Error('unexpected coefficient kinds');
        W(net, l).forEach((x, k) => (cost += Math.abs(x) * c.c[k]));
        B(net, l).forEach((x) => (cost += Math.abs(x) * cb.c));
      }
      addCostGradient(net.params, coef, true, lambda, grads);
      expect(Math.abs(loss + lambda * cost - want.loss) / want.loss).toBeLessThan(1e-5);
      expect([...grads.keys()]).toEqual([...want.grads.keys()]);
      expect(grads.size).toBe(2 * L);
      for (const [name, g] of grads) expect(relDiff(g, want.grads.get(name)!)).toBeLessThan(1e-5);
    });
  }

  it('gives 0 gradient to |w| at exactly 0 and to biases when the bias penalty is off', () => {
    const net = randomNetwork(arch, 5);
    W(net, 1)[3] = 0;
    const grads = gradsFor(net.graph);
    addCostGradient(net.params, costCoefficients(net.graph, spec), false, 1, grads);
    expect(grads.get('linears.1.linear.weight')![3]).toBe(0);
    expect(grads.get('linears.1.linear.weight')![2]).not.toBe(0);
    const biases = [...grads].filter(([name]) => name.endsWith('.bias'));
    expect(biases.length).toBe(arch.widths.length - 1);
    expect(biases.every(([, g]) => g.every((x) => x === 0))).toBe(true);
  });
});

describe('MlpGradients.evaluate', () => {
  it('evaluates a split longer than EVAL_CHUNK_ROWS in chunks to what one pass over every row gives', async () => {
    const arch: MlpArchitecture = mlp([5, 8, 3]);
    const n = 2 * EVAL_CHUNK_ROWS + 37;
    for (const targets of [{ kind: 'classes', count: 3 }, { kind: 'values', dim: 3 }] as const) {
      const net = randomNetwork(arch, 7);
      const task = randomTask(arch, targets, n, 8);
      const source = new MlpGradients({
        net,
        task,
        costCoef: costCoefficients(net.graph, spec),
        adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
        batchRows: 16,
        classLoss: 'cross-entropy',
      }, modelGraph(arch));
      const got = await source.evaluate(net.params);
      const whole = new HostMlp(arch, targets, n);
      const train = whole.run(net.params, net.inPerm, net.outPerm, task.train, undefined);
      const test = whole.run(net.params, net.inPerm, net.outPerm, task.test, undefined);
      expect(got.trainLoss).toBeCloseTo(train.loss, 12);
      expect(got.testLoss).toBeCloseTo(test.loss, 12);
      if (targets.kind === 'classes') {
        expect(got.trainAcc).toBeCloseTo(train.acc!, 12);
        expect(got.testAcc).toBeCloseTo(test.acc!, 12);
      } else expect([got.trainAcc, got.testAcc]).toEqual([null, null]);
    }
  });
});
