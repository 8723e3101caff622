// train.loss: mse-onehot (docs/design.md, "Model"): the MNIST notebook's MSE against one-hot
// targets, on the host (HostMlp) held to finite differences and to tfjs's autodiff of taskLoss.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BioModel } from '../src/model/bio-model.js';
import { HostMlp } from '../src/model/host-mlp.js';
import { gradsFor } from '../src/model/model-graph.js';
import type { Network } from '../src/model/network.js';
import { disposeData, disposeSplit, takeRows, uploadData } from '../src/train/data.js';
import { evaluate, taskLoss } from '../src/train/evaluate.js';
import { mlp, randomNetwork, randomTask, relDiff } from './helpers.js';

const arch = mlp([5, 8, 6, 4]);
const targets = { kind: 'classes', count: 4 } as const;
const rows = Int32Array.from([3, 0, 17, 17, 9, 8, 11, 5]);

describe('mse-onehot', () => {
  it('is the mean over rows and classes of (output - onehot)^2, with the accuracy of the largest output', async () => {
    const net = randomNetwork(arch, 1);
    const task = randomTask(arch, targets, 20, 2);
    const host = new HostMlp(arch, targets, 20, 'mse-onehot');
    const r = host.run(net.params, net.inPerm, net.outPerm, task.train, undefined);
    const model = BioModel.fromNetwork(net);
    const pred = model.forward(tf.tensor2d(task.train.x, [20, 5])).arraySync();
    let sum = 0;
    let correct = 0;
    pred.forEach((row, i) => {
      const label = task.train.y[i];
      row.forEach((v, q) => (sum += (v - (q === label ? 1 : 0)) ** 2));
      if (row.indexOf(Math.max(...row)) === label) correct++;
    });
    expect(r.loss).toBeCloseTo(sum / (20 * 4), 6);
    expect(r.acc).toBe(correct / 20);
    const data = uploadData(task);
    const e = await evaluate(model, targets, data, 'mse-onehot');
    expect(e.trainLoss).toBeCloseTo(r.loss, 6);
    expect(e.trainAcc).toBeCloseTo(r.acc!, 6); // float32 on tfjs
    disposeData(data);
    model.dispose();
  });

  it("the host gradient matches central finite differences and tfjs's autodiff", () => {
    const net = randomNetwork(arch, 3);
    const task = randomTask(arch, targets, 20, 4);
    const host = new HostMlp(arch, targets, 20, 'mse-onehot');
    const grads = gradsFor(net.graph);
    host.run(net.params, net.inPerm, net.outPerm, task.train, rows, grads);

    // Finite differences in float64 arithmetic over float32 parameters: steps of 1e-2 keep the
    // perturbation exact in float32, and the loss is smooth enough for a central difference.
    const lossAt = (n: Network) => host.run(n.params, n.inPerm, n.outPerm, task.train, rows).loss;
    let checked = 0;
    for (const [name, p] of net.params) {
      for (let i = 0; i < p.length; i += 7) {
        const keep = p[i];
        const h = 1 / 128;
        p[i] = keep + h;
        const up = lossAt(net);
        p[i] = keep - h;
        const down = lossAt(net);
        p[i] = keep;
        const fd = (up - down) / (2 * h);
        expect(Math.abs(grads.get(name)![i] - fd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);

    const model = BioModel.fromNetwork(net);
    const data = uploadData(task);
    const idx = tf.tensor1d(rows, 'int32');
    const batch = takeRows(data.train, idx);
    const { value, grads: tg } = tf.variableGrads(() => taskLoss(targets, model.forwardSplit(batch), batch, 'mse-onehot'), model.variables());
    expect(value.dataSync()[0]).toBeCloseTo(lossAt(net), 6);
    model.variables().forEach((v, t) => {
      const name = net.graph.tensors[t].name;
      expect(relDiff(grads.get(name)!, tg[v.name].dataSync())).toBeLessThan(1e-5);
    });
    tf.dispose([value, ...Object.values(tg), idx]);
    disposeSplit(batch);
    disposeData(data);
    model.dispose();
  });
});
