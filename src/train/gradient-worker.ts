/**
 * A worker thread of the workers engine (src/train/worker-gradients.ts): its own tfjs (wasm or
 * cpu, so its reads are synchronous: it waits on Atomics, not on promises) with a BioModel and
 * one shard of the task's rows, computing the task loss's gradient or an evaluation whenever
 * the main thread asks (protocol in worker-protocol.ts).
 */
import { workerData, parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend.js';
import { tfModelFor } from '../model/tf-model.js';
import { inputLayer, tensorSizes } from '../model/model-graph.js';
import { modelGraph } from '../model/architectures/registry.js';
import { paramsFromList } from '../model/network.js';
import type { TaskInstance } from '../tasks/task.js';
import { uploadData } from './data.js';
import { evaluateSync, taskLoss } from './evaluate.js';
import { CMD, Command, DONE, PERM_VERSION, SEQ, STATUS, Status, views, type WorkerInit } from './worker-protocol.js';

const init = workerData as WorkerInit;
await selectBackend(init.backend);
const { arch } = init;
const control = new Int32Array(init.control);
const graph = modelGraph(arch);
const sizes = tensorSizes(graph);
const params = paramsFromList(graph, views(new Float32Array(init.params), sizes));
const grads = views(new Float32Array(init.grads), sizes);
const scalars = new Float64Array(init.scalars);
const perms = new Int32Array(init.perms);
const nIn = inputLayer(graph).size;
const inPerm = () => perms.slice(0, nIn);
const outPerm = () => perms.slice(nIn);

const task: TaskInstance = { inputs: init.inputs, targets: init.targets, train: init.train, test: init.test, inputLabels: [], outputLabels: [] };
const data = uploadData(task);
// Evaluation reads output.eval_rows' training subset when there is one; `test` is already the evaluated one.
const evalData = init.evalTrain ? { train: uploadData({ ...task, train: init.evalTrain }).train, test: data.test } : data;
const model = tfModelFor(graph, params, inPerm(), outPerm());
const vars = model.variables();
let permVersion = Atomics.load(control, PERM_VERSION);
parentPort!.postMessage({ ready: true });

let seq = 0;
for (;;) {
  Atomics.wait(control, SEQ, seq);
  seq = Atomics.load(control, SEQ);
  const cmd = control[CMD] as Command;
  if (cmd === Command.Exit) break;
  try {
    const version = Atomics.load(control, PERM_VERSION);
    if (version !== permVersion) {
      model.load(params, inPerm(), outPerm());
      permVersion = version;
    } else {
      model.setParams(params);
    }
    if (cmd === Command.Gradient) {
      const { value, grads: g } = tf.variableGrads(() => taskLoss(init.targets, model.forwardSplit(data.train), data.train, init.classLoss), vars);
      // A tensor the loss does not read (LayerNorms that are off) has no gradient: zero.
      vars.forEach((v, i) => (g[v.name] ? grads[i].set(g[v.name].dataSync() as Float32Array) : grads[i].fill(0)));
      tf.dispose([value, ...Object.values(g)]);
    } else {
      const e = evaluateSync(model, init.targets, evalData, init.classLoss);
      scalars.set([e.trainLoss, e.trainAcc ?? NaN, e.testLoss, e.testAcc ?? NaN]);
    }
    control[STATUS] = Status.Ok;
  } catch (e) {
    control[STATUS] = Status.Failed;
    init.errors.postMessage(e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  Atomics.store(control, DONE, seq);
  Atomics.notify(control, DONE);
}
model.dispose();
init.errors.close();
