// The typed-array gradient (HostMlp, addCostGradient) against tfjs's autodiff of BioModel +
// taskLoss + connectionCostTensor. The engines built on it: test/engines.test.ts.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BioModel } from '../src/model/bio-model.js';
import { addCostGradient, costCoefficients } from '../src/model/connection-cost.js';
import { connectionCostTensor, uploadCoefficients } from '../src/model/connection-cost-tfjs.js';
import { gradsFor, HostMlp } from '../src/model/host-mlp.js';
import type { Architecture, Network } from '../src/model/network.js';
import type { TargetSpec, TaskInstance } from '../src/tasks/task.js';
import { disposeData, disposeSplit, takeRows, uploadData } from '../src/train/data.js';
import { taskLoss } from '../src/train/evaluate.js';
import { randomNetwork, randomTask, relDiff } from './helpers.js';

const spec = { weightFactor: 2, l0: 0.1, noPenalizeLast: false, aggregate: 'sum' as const };

/** Loss and gradients by tfjs for `rows` of the training split, in the Params layout. */
function tfjsGradients(net: Network, task: TaskInstance, rows: Int32Array, lambda: number) {
  const coef = costCoefficients(net.arch, net.geometry, spec);
  const coefT = uploadCoefficients(net.arch, coef);
  const model = BioModel.fromNetwork(net);
  const data = uploadData(task);
  const idx = tf.tensor1d(rows, 'int32');
  const batch = takeRows(data.train, idx);
  const { value, grads } = tf.variableGrads(
    () => tf.add(taskLoss(task.targets, model.forwardSplit(batch), batch), tf.mul(connectionCostTensor(model.tensors(), coef, coefT, true), lambda)),
    model.variables(),
  );
  const L = net.arch.widths.length - 1;
  const list = model.variables().map((v) => grads[v.name].dataSync() as Float32Array);
  const out = { loss: value.dataSync()[0], weights: list.slice(0, L), biases: list.slice(L) };
  tf.dispose([value, ...Object.values(grads), idx, ...coefT]);
  disposeSplit(batch);
  disposeData(data);
  model.dispose();
  return out;
}

describe('HostMlp', () => {
  const arch: Architecture = { widths: [6, 9, 7, 4], inFold: 2 };
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
      const mlp = new HostMlp(arch, targets, 25);
      const grads = gradsFor(arch);
      const { loss } = mlp.run(net.params, net.inPerm, net.outPerm, task.train, rows, grads);
      const coef = costCoefficients(arch, net.geometry, spec);
      let cost = 0;
      net.params.weights.forEach((w, l) => w.forEach((x, k) => (cost += Math.abs(x) * coef.weights[l][k])));
      net.params.biases.forEach((b, l) => b.forEach((x) => (cost += Math.abs(x) * coef.bias[l])));
      addCostGradient(net.params, coef, true, lambda, grads);
      expect(Math.abs(loss + lambda * cost - want.loss) / want.loss).toBeLessThan(1e-5);
      grads.weights.forEach((g, l) => expect(relDiff(g, want.weights[l])).toBeLessThan(1e-5));
      grads.biases.forEach((g, l) => expect(relDiff(g, want.biases[l])).toBeLessThan(1e-5));
    });
  }

  it('gives 0 gradient to |w| at exactly 0 and to biases when the bias penalty is off', () => {
    const net = randomNetwork(arch, 5);
    net.params.weights[1][3] = 0;
    const grads = { weights: net.params.weights.map((w) => new Float64Array(w.length)), biases: net.params.biases.map((b) => new Float64Array(b.length)) };
    addCostGradient(net.params, costCoefficients(arch, net.geometry, spec), false, 1, grads);
    expect(grads.weights[1][3]).toBe(0);
    expect(grads.weights[1][2]).not.toBe(0);
    expect(grads.biases.every((g) => g.every((x) => x === 0))).toBe(true);
  });
});
