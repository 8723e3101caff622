/** Small builders shared by the tests: random networks of any shape, on the real code paths. */
import { lineGeometry } from '../src/model/geometry.js';
import type { HostSplit } from '../src/model/host-mlp.js';
import { identity } from '../src/model/init.js';
import { inputPositions, type Architecture, type Network } from '../src/model/network.js';
import type { TargetSpec, TaskInstance } from '../src/tasks/task.js';
import { Rng } from '../src/util/random.js';

/** A network with weights uniform in [-1, 1] (no exact zeros) and random permutations. */
export function randomNetwork(arch: Architecture, seed: number, shufflePerms = true): Network {
  const rng = new Rng(seed, 'test-network');
  const w = arch.widths;
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.range(-1, 1));
  const inPerm = identity(inputPositions(arch));
  const outPerm = identity(w[w.length - 1]);
  if (shufflePerms) {
    rng.shuffle(inPerm);
    rng.shuffle(outPerm);
  }
  return {
    arch,
    geometry: lineGeometry(w, arch.inFold),
    params: {
      weights: w.slice(0, -1).map((n, l) => rand(n * w[l + 1])),
      biases: w.slice(1).map((n) => rand(n)),
      ...(arch.embedding ? { embedding: rand(arch.embedding.vocab * arch.embedding.dim) } : {}),
    },
    inPerm,
    outPerm,
  };
}

/** A task whose splits hold features, so the host code paths take them as they are. */
export interface FeatureTask extends TaskInstance {
  readonly train: HostSplit;
  readonly test: HostSplit;
}

/** A task with random features and targets of the given kind (the engines only read the data). */
export function randomTask(arch: Architecture, targets: TargetSpec, n: number, seed: number): FeatureTask {
  const rng = new Rng(seed, 'host-mlp-test');
  const k = arch.widths[arch.widths.length - 1];
  const split = () => ({
    n,
    x: Float32Array.from({ length: n * arch.widths[0] }, () => rng.range(-1, 1)),
    y: targets.kind === 'values' ? Float32Array.from({ length: n * k }, () => rng.range(-1, 1)) : Int32Array.from({ length: n }, () => Math.floor(rng.range(0, k))),
  });
  return { inputs: { kind: 'features', dim: arch.widths[0] }, targets, train: split(), test: split(), inputLabels: [], outputLabels: [] };
}

/** Norm-wise relative difference of two arrays. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}
