/**
 * What the main thread and a gradient worker (src/train/gradient-worker.ts) share. Each step
 * exchanges only typed arrays in SharedArrayBuffers, and the threads wake each other with
 * Atomics, so a step costs no message passing:
 *
 *   main: write params (and perms), bump SEQ, notify  ->  worker: compute, write grads (or the
 *   evaluation's scalars), set DONE = SEQ, notify  ->  main: read every worker's answer.
 */
import type { ClassLoss } from '../model/host-mlp.js';
import type { MessagePort } from 'node:worker_threads';
import type { Architecture } from '../model/network.js';
import type { InputSpec, Split, TargetSpec } from '../tasks/task.js';

/**
 * Workers, each with its share of the rows. Fixed (not the number of cores) so that a run computes
 * the same numbers on every machine.
 */
export const SHARDS = 2;

/** Slots of a worker's Int32 control array. */
export const SEQ = 0;
export const CMD = 1;
export const DONE = 2;
export const STATUS = 3;
/** Bumped by the main thread when the permutations change. */
export const PERM_VERSION = 4;
export const CONTROL_SLOTS = 5;

export const enum Command {
  /** Task loss and its gradient on the worker's training rows. */
  Gradient = 1,
  /** Loss and accuracy on the worker's training and test rows. */
  Evaluate = 2,
  Exit = 3,
}

export const enum Status {
  Ok = 0,
  Failed = 1,
}

/** Scalars of an evaluation: train loss, train acc, test loss, test acc (NaN acc for values). */
export const SCALARS = 4;

export interface WorkerInit {
  readonly backend: 'wasm' | 'cpu';
  readonly arch: Architecture;
  readonly inputs: InputSpec;
  readonly targets: TargetSpec;
  /** The loss of class targets (train.loss). */
  readonly classLoss: ClassLoss;
  /** This worker's rows of each split. */
  readonly train: Split;
  readonly test: Split;
  /** This worker's rows of output.eval_rows' training subset, when evaluation does not use `train`. */
  readonly evalTrain?: Split;
  /** Int32 [CONTROL_SLOTS], this worker's own. */
  readonly control: SharedArrayBuffer;
  /** Float32, parameters flattened as listFromParams orders them; shared by all workers. */
  readonly params: SharedArrayBuffer;
  /** Int32, inPerm then outPerm; shared by all workers. */
  readonly perms: SharedArrayBuffer;
  /** Float32, this worker's gradient, laid out like params. */
  readonly grads: SharedArrayBuffer;
  /** Float64 [SCALARS]. */
  readonly scalars: SharedArrayBuffer;
  /** Where a failed command's error goes; the main thread reads it synchronously (receiveMessageOnPort). */
  readonly errors: MessagePort;
}

/** Views of a flat buffer as consecutive arrays of the given sizes. */
export function views<T extends Float32Array | Float64Array>(flat: T, sizes: readonly number[]): T[] {
  let at = 0;
  return sizes.map((n) => {
    const v = flat.subarray(at, at + n) as T;
    at += n;
    return v;
  });
}
