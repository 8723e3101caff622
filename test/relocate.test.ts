import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relocate } from '../src/bimt/relocate.js';
import { applySwap } from '../src/bimt/swap.js';
import { BioModel } from '../src/model/bio-model.js';
import { connectionCost, costCoefficients, type CostSpec } from '../src/model/connection-cost.js';
import { cloneNetwork, type MlpArchitecture } from '../src/model/network.js';
import { Rng } from '../src/util/random.js';
import { bruteForceRelocate, layerName, neuronScore, swappablePositions } from './brute-force-relocate.js';
import { mlp, randomNetwork } from './helpers.js';

const shapes: { arch: MlpArchitecture; topK: number }[] = [
  { arch: mlp([2, 20, 20, 2]), topK: 10 },
  { arch: mlp([4, 7, 5, 3]), topK: 3 },
  { arch: mlp([8, 10, 10, 6], 2), topK: 30 },
  { arch: mlp([6, 9, 4], 3), topK: 5 },
  { arch: mlp([3, 12, 12, 12, 1]), topK: 4 },
];
const specs: CostSpec[] = [
  { weightFactor: 1, l0: 0.2, noPenalizeLast: false, aggregate: 'sum' },
  { weightFactor: 2, l0: 0.5, noPenalizeLast: true, aggregate: 'mean' },
];

describe('relocate', () => {
  it('chooses exactly the swaps of the brute-force search', () => {
    let total = 0;
    for (const { arch, topK } of shapes) {
      for (const spec of specs) {
        for (let seed = 0; seed < 4; seed++) {
          for (const swapInputs of [true, false]) {
            const net = randomNetwork(arch, 100 * seed + arch.widths.length);
            const coef = costCoefficients(net.graph, spec);
            const brute = cloneNetwork(net);
            const expected = bruteForceRelocate(brute, coef, topK, swapInputs);
            const got = relocate(net, coef, { topK, swapInputs });
            expect(got).toEqual(expected);
            expect(net.inPerm).toEqual(brute.inPerm);
            expect(net.outPerm).toEqual(brute.outPerm);
            for (const [name, a] of net.params) expect(a).toEqual(brute.params.get(name));
            total += got.length;
          }
        }
      }
    }
    expect(total).toBeGreaterThan(50); // the property was exercised on real swaps, not no-ops
  });

  it('never raises the connection cost and leaves a relocated network with nothing to gain at its top positions', () => {
    const arch = mlp([2, 20, 20, 2]);
    const net = randomNetwork(arch, 5);
    const coef = costCoefficients(net.graph, specs[0]);
    const topK = 10;
    const start = connectionCost(net.params, coef, true);
    // A pass can change which swaps pay in the layers before the one it moved, so repeat
    // relocation until a pass makes no swap; each pass must lower the cost or leave it.
    const passes: number[] = [];
    let before = start;
    for (let pass = 0; pass < 100; pass++) {
      const swaps = relocate(net, coef, { topK, swapInputs: true });
      const after = connectionCost(net.params, coef, true);
      expect(after).toBeLessThanOrEqual(before + 1e-9);
      before = after;
      passes.push(swaps.length);
      if (swaps.length === 0) break;
    }
    expect(passes.at(-1)).toBe(0);
    expect(passes[0]).toBeGreaterThan(0); // the first pass really moved neurons...
    expect(before).toBeLessThan(0.99 * start); // ...and saved cost
    // Nothing to gain: by brute force (the whole cost recomputed), no swap of a top position with
    // any position of its layer lowers the cost.
    let tried = 0;
    for (let l = 0; l <= arch.widths.length - 1; l++) {
      const layer = layerName(arch, l);
      const n = swappablePositions(arch, l);
      const score = Array.from({ length: n }, (_, j) => neuronScore(net, l, j));
      const top = Array.from({ length: n }, (_, j) => j).sort((a, b) => score[b] - score[a] || a - b).slice(0, topK);
      for (const j of top) {
        for (let k = 0; k < n; k++) {
          const trial = cloneNetwork(net);
          applySwap(trial, { layer, a: j, b: k });
          expect(connectionCost(trial.params, coef, true)).toBeGreaterThanOrEqual(before - 1e-12 * before);
          tried++;
        }
      }
    }
    expect(tried).toBe(2 * 2 + 10 * 20 + 10 * 20 + 2 * 2);
  });
});

describe('swaps keep the network function', () => {
  const cases: MlpArchitecture[] = [mlp([3, 8, 6, 4]), mlp([6, 8, 5], 2), mlp([8, 10, 7], 2, { vocab: 7, dim: 4 })];
  for (const arch of cases) {
    it(`outputs unchanged to 1e-5 after random swaps in every layer (${JSON.stringify(arch)})`, () => {
      const net = randomNetwork(arch, 21);
      const rng = new Rng(4, 'swaps');
      const n = 16;
      const x = arch.embedding
        ? tf.tensor2d(Int32Array.from({ length: n * arch.inFold }, () => rng.int(arch.embedding!.vocab)), [n, arch.inFold], 'int32')
        : tf.tensor2d(Float32Array.from({ length: n * arch.widths[0] }, () => rng.range(-1, 1)), [n, arch.widths[0]]);
      const before = BioModel.fromNetwork(net);
      const y0 = before.forward(x).arraySync();
      for (let t = 0; t < 40; t++) {
        const l = rng.int(arch.widths.length);
        const m = swappablePositions(arch, l);
        applySwap(net, { layer: layerName(arch, l), a: rng.int(m), b: rng.int(m) });
      }
      const after = BioModel.fromNetwork(net);
      const y1 = after.forward(x).arraySync();
      // The swaps must really have moved weights, or the test proves nothing.
      const w0 = (m: BioModel) => m.tensors().get('linears.0.linear.weight')!.dataSync();
      expect(w0(after)).not.toEqual(w0(before));
      y1.forEach((row, i) => row.forEach((v, o) => expect(Math.abs(v - y0[i][o])).toBeLessThan(1e-5)));
      // Loading the swapped network into the first model gives the same outputs too.
      before.load(net.params, net.inPerm, net.outPerm);
      before.forward(x).arraySync().forEach((row, i) => row.forEach((v, o) => expect(Math.abs(v - y0[i][o])).toBeLessThan(1e-5)));
      before.dispose();
      after.dispose();
    });
  }
});
