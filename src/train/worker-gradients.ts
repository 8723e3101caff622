/**
 * The workers engine's gradient source: the training rows split into shards, each on a worker
 * thread with its own tfjs (src/train/gradient-worker.ts), so a full-batch step of a large
 * network (modular addition) uses every core; the wasm backend has no threads of its own in
 * Node. The gradient of a mean loss is the row-weighted mean of the shards' gradients. The
 * number of shards is fixed (not the number of cores) so that a run computes the same numbers
 * on every machine.
 */
import { existsSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { BimtError } from '../errors.js';
import { tensorSizes, type HostGrads, type ModelGraph } from '../model/model-graph.js';
import { listFromParams, type Params } from '../model/network.js';
import type { Split, TaskInstance } from '../tasks/task.js';
import { packagePath } from '../util/package-files.js';
import type { EngineSetup, GradientSource } from './engine.js';
import type { Evaluation } from '../tasks/task.js';
import {
  CMD,
  Command,
  CONTROL_SLOTS,
  DONE,
  PERM_VERSION,
  SCALARS,
  SEQ,
  SHARDS,
  STATUS,
  Status,
  views,
  type WorkerInit,
} from './worker-protocol.js';

/** Longest the main thread blocks at a time while waiting for a worker. */
const WAIT_SLICE_MS = 20;

interface Shard {
  readonly worker: Worker;
  readonly control: Int32Array;
  readonly grads: Float32Array[];
  readonly scalars: Float64Array;
  readonly errors: MessagePort;
  /** Share of the training and test rows. */
  readonly trainWeight: number;
  readonly testWeight: number;
  /** Share of the rows the training loss of an evaluation covers (the training split, or output.eval_rows' subset of it). */
  readonly evalTrainWeight: number;
}

export class WorkerGradients implements GradientSource {
  /** Why a worker died (an error outside a command, or an exit), once one has. */
  private failure: Error | undefined;
  private disposed = false;

  private constructor(
    private readonly shards: readonly Shard[],
    private readonly graph: ModelGraph,
    private readonly params: Float32Array[],
    private readonly perms: Int32Array,
    private readonly hasAccuracy: boolean,
  ) {
    shards.forEach((s, i) => {
      s.worker.on('error', (e) => (this.failure ??= new Error(`gradient worker ${i} failed: ${e instanceof Error ? e.message : String(e)}`)));
      s.worker.on('exit', (code) => this.disposed || (this.failure ??= new Error(`gradient worker ${i} exited with code ${code}`)));
    });
  }

  /** Starts the workers and waits until each has its data on its backend. */
  static async start(setup: EngineSetup, backend: 'wasm' | 'cpu'): Promise<WorkerGradients> {
    const { net, task } = setup;
    const evalTask = setup.evalTask ?? task;
    const { arch } = net.graph;
    const script = packagePath('dist/train/gradient-worker.js');
    if (!existsSync(script)) throw new BimtError(`${script} is missing; build bimt first (npm run build)`, 1);
    const sizes = tensorSizes(net.graph);
    const total = sizes.reduce((a, b) => a + b, 0);
    const paramsBuf = new SharedArrayBuffer(4 * total);
    const params = views(new Float32Array(paramsBuf), sizes);
    listFromParams(net.graph, net.params).forEach((p, i) => params[i].set(p));
    const permsBuf = new SharedArrayBuffer(4 * (net.inPerm.length + net.outPerm.length));
    const perms = new Int32Array(permsBuf);
    perms.set(net.inPerm);
    perms.set(net.outPerm, net.inPerm.length);

    const shards: Shard[] = [];
    const ready: Promise<void>[] = [];
    for (let s = 0; s < SHARDS; s++) {
      const train = shardOf(task, 'train', s);
      const test = shardOf(evalTask, 'test', s);
      const evalTrain = evalTask.train === task.train ? undefined : shardOf(evalTask, 'train', s);
      const control = new SharedArrayBuffer(4 * CONTROL_SLOTS);
      const grads = new SharedArrayBuffer(4 * total);
      const scalars = new SharedArrayBuffer(8 * SCALARS);
      const channel = new MessageChannel();
      const init: WorkerInit = {
        backend,
        arch,
        inputs: task.inputs,
        targets: task.targets,
        classLoss: setup.classLoss,
        train,
        test,
        ...(evalTrain ? { evalTrain } : {}),
        control,
        params: paramsBuf,
        perms: permsBuf,
        grads,
        scalars,
        errors: channel.port2,
      };
      const worker = new Worker(script, { workerData: init, transferList: [channel.port2] });
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`gradient worker exited with code ${code} while starting`)));
        }),
      );
      shards.push({
        worker,
        control: new Int32Array(control),
        grads: views(new Float32Array(grads), sizes),
        scalars: new Float64Array(scalars),
        errors: channel.port1,
        trainWeight: train.n / task.train.n,
        testWeight: test.n / evalTask.test.n,
        evalTrainWeight: evalTrain ? evalTrain.n / evalTask.train.n : train.n / task.train.n,
      });
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      for (const s of shards) {
        s.errors.close();
        void s.worker.terminate();
      }
      throw e;
    }
    for (const s of shards) s.worker.removeAllListeners();
    return new WorkerGradients(shards, net.graph, params, perms, task.targets.kind === 'classes');
  }

  async gradient(params: Params, rows: Int32Array | undefined, grads: HostGrads): Promise<void> {
    if (rows) throw new Error('the workers engine trains on the full batch only');
    this.write(params);
    await this.run(Command.Gradient);
    const out = this.graph.tensors.map((t) => grads.get(t.name)!);
    out.forEach((g) => g.fill(0));
    for (const s of this.shards) {
      const w = s.trainWeight;
      s.grads.forEach((src, i) => {
        const dst = out[i];
        for (let k = 0; k < dst.length; k++) dst[k] += w * src[k];
      });
    }
  }

  async evaluate(params: Params): Promise<Evaluation> {
    this.write(params);
    await this.run(Command.Evaluate);
    const sum = (slot: number, weight: (s: Shard) => number) => this.shards.reduce((a, s) => a + weight(s) * s.scalars[slot], 0);
    const train = (s: Shard) => s.evalTrainWeight;
    const test = (s: Shard) => s.testWeight;
    return {
      trainLoss: sum(0, train),
      trainAcc: this.hasAccuracy ? sum(1, train) : null,
      testLoss: sum(2, test),
      testAcc: this.hasAccuracy ? sum(3, test) : null,
    };
  }

  setPermutations(inPerm: Int32Array, outPerm: Int32Array): void {
    this.perms.set(inPerm);
    this.perms.set(outPerm, inPerm.length);
    for (const s of this.shards) Atomics.add(s.control, PERM_VERSION, 1);
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.shards) {
      s.control[CMD] = Command.Exit;
      Atomics.add(s.control, SEQ, 1);
      Atomics.notify(s.control, SEQ);
      s.errors.close();
      void s.worker.terminate();
    }
  }

  private write(params: Params): void {
    listFromParams(this.graph, params).forEach((p, i) => this.params[i].set(p));
  }

  /**
   * Gives every worker the command and waits until all have answered. The wait blocks (waking on
   * the worker's notify costs microseconds, an event-loop round trip milliseconds) but only in
   * short slices: between them the event loop runs, so a worker's death is noticed.
   */
  private async run(cmd: Command): Promise<void> {
    const seqs = this.shards.map((s) => {
      s.control[CMD] = cmd;
      const seq = Atomics.add(s.control, SEQ, 1) + 1;
      Atomics.notify(s.control, SEQ);
      return seq;
    });
    for (const [i, s] of this.shards.entries()) {
      for (;;) {
        const done = Atomics.load(s.control, DONE);
        if (done === seqs[i]) break;
        if (this.failure) throw this.failure;
        if (Atomics.wait(s.control, DONE, done, WAIT_SLICE_MS) === 'timed-out') await new Promise((r) => setImmediate(r));
      }
      if (s.control[STATUS] !== Status.Ok) {
        const msg = receiveMessageOnPort(s.errors)?.message ?? 'no message';
        throw new Error(`gradient worker ${i} failed: ${String(msg)}`);
      }
    }
  }
}

/** Shard s of SHARDS contiguous row ranges of a split. */
function shardOf(task: TaskInstance, which: 'train' | 'test', s: number): Split {
  const split = task[which];
  const start = Math.floor((split.n * s) / SHARDS);
  const end = Math.floor((split.n * (s + 1)) / SHARDS);
  const xw = split.x.length / split.n;
  const yw = split.y.length / split.n;
  return { n: end - start, x: split.x.slice(start * xw, end * xw), y: split.y.slice(start * yw, end * yw) };
}
