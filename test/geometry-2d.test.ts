// 2-D layers (docs/design.md, "Geometry"): grid and ring coordinates, their L1 distances in the
// cost, `model.geometry` in configs, checkpoints that record it, and the swap search on 2-D
// layers with frozen inputs held to the brute-force search (as test/relocate.test.ts does for
// lines), with the forward pass unchanged by swaps on tfjs and on the host.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relocate, swapDelta } from '../src/bimt/relocate.js';
import { applySwap } from '../src/bimt/swap.js';
import { parseConfig, parsePlannedConfig } from '../src/config/load.js';
import { BioModel } from '../src/model/bio-model.js';
import { connectionCost, costCoefficients, type CostSpec } from '../src/model/connection-cost.js';
import { distance, gridLayer, layerGeometry, parseLayerShape, ringLayer, type LayerShape } from '../src/model/geometry.js';
import { HostMlp } from '../src/model/host-mlp.js';
import { layerOf, type MlpArchitecture } from '../src/model/model-graph.js';
import { modelGraph } from '../src/model/architectures/registry.js';
import { cloneNetwork } from '../src/model/network.js';
import { readCheckpoint, writeCheckpoint } from '../src/runs/checkpoint.js';
import { Rng } from '../src/util/random.js';
import { usageErrorOf } from './config-helpers.js';
import { bruteForceRelocate, layerName } from './brute-force-relocate.js';
import { mlp, randomNetwork, randomTask } from './helpers.js';

const shapes = (...t: string[]): LayerShape[] => t.map((s) => parseLayerShape(s)!);
const arch2d = (widths: number[], geometry: string[]): MlpArchitecture => ({ ...mlp(widths), geometry: shapes(...geometry) });

describe('grid and ring coordinates', () => {
  it('a grid is row-major on the unit square, cell centres, as the MNIST notebook meshgrid', () => {
    const g = gridLayer(4, 2);
    expect(g.dims).toBe(2);
    expect(Array.from(g.coords)).toEqual([0.125, 0.25, 0.375, 0.25, 0.625, 0.25, 0.875, 0.25, 0.125, 0.75, 0.375, 0.75, 0.625, 0.75, 0.875, 0.75]);
    // 28x28: pixel (row 3, column 5) is position 3 * 28 + 5.
    const p = gridLayer(28, 28).coords;
    expect(p[2 * (3 * 28 + 5)]).toBeCloseTo(5.5 / 28, 15);
    expect(p[2 * (3 * 28 + 5) + 1]).toBeCloseTo(3.5 / 28, 15);
    expect(() => gridLayer(3, 3, 10)).toThrow(/3x3 grid has 9 positions, not 10/);
  });

  it('a ring is a circle of radius 1/4 about the centre, position q at angle 2 pi (q + 1/2) / N', () => {
    const r = ringLayer(10).coords;
    for (let q = 0; q < 10; q++) {
      const t = (2 * Math.PI * (q + 0.5)) / 10;
      expect(r[2 * q]).toBeCloseTo(0.5 + Math.cos(t) / 4, 15);
      expect(r[2 * q + 1]).toBeCloseTo(0.5 + Math.sin(t) / 4, 15);
      expect(Math.hypot(r[2 * q] - 0.5, r[2 * q + 1] - 0.5)).toBeCloseTo(0.25, 15);
    }
    // The first output sits at 18 degrees: (0.5 + cos(pi/10)/4, 0.5 + sin(pi/10)/4).
    expect(r[0]).toBeCloseTo(0.7377641290737884, 14);
    expect(r[1]).toBeCloseTo(0.5772542485937369, 14);
  });

  it('distances are L1 in 2-D, and the cost coefficients read them', () => {
    const a = gridLayer(2, 2);
    const b = ringLayer(4);
    // grid (0.25, 0.25) to ring q = 2 at 225 degrees: (0.5 - sqrt(2)/8, 0.5 - sqrt(2)/8).
    const c = 0.5 - Math.SQRT2 / 8;
    expect(distance(a, 0, b, 2)).toBeCloseTo(2 * Math.abs(c - 0.25), 15);
    expect(distance(a, 0, a, 3)).toBe(1);
    expect(() => distance(a, 0, layerGeometry({ kind: 'line' }, 4), 0)).toThrow(/different coordinate dimension/);
    const arch = arch2d([4, 4], ['grid 2x2', 'ring']);
    const coef = costCoefficients(modelGraph(arch), { weightFactor: 2, l0: 0.5, noPenalizeLast: false, aggregate: 'sum' });
    const w = coef.get('linears.0.linear.weight')!;
    if (w.kind !== 'entries') throw new Error('weight coefficients expected');
    expect(w.c[0 * 4 + 2]).toBeCloseTo(2 * distance(a, 0, b, 2) + 0.5, 6);
  });

  it("the model graph's layers carry the shapes; no geometry is every layer a line", () => {
    const g = modelGraph(arch2d([16, 9, 10], ['grid 4x4', 'grid 3x3', 'ring']));
    expect(layerOf(g, 'input').geometry.dims).toBe(2);
    expect(Array.from(layerOf(g, 'hidden1').geometry.coords.slice(0, 4))).toEqual([1 / 6, 1 / 6, 0.5, 1 / 6]);
    expect(layerOf(g, 'output').geometry.coords).toEqual(ringLayer(10).coords);
    const line = modelGraph(mlp([3, 4]));
    expect(layerOf(line, 'input').geometry).toEqual({ dims: 1, coords: Float64Array.from([1 / 6, 0.5, 5 / 6]) });
    expect(() => modelGraph(arch2d([4, 4], ['grid 2x2', 'line']))).toThrow(/mixes 1-D and 2-D/);
  });
});

describe('model.geometry in a config', () => {
  const moons = readFileSync('configs/two-moons.yaml', 'utf8');
  const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const withGeometry = (g: string) => moons.replace('widths: [2, 20, 20, 2]', `widths: [2, 20, 20, 2]\n  geometry: ${g}`);
  const errorOf = (text: string) => usageErrorOf(() => parseConfig(text, 'c.yaml', []));

  it('gives the architecture its shapes; all lines is the architecture without geometry', () => {
    const { plan } = parsePlannedConfig(withGeometry('[grid 2x1, grid 5x4, grid 4x5, ring]'), 'c.yaml', []);
    expect(plan.arch).toEqual({ kind: 'mlp', widths: [2, 20, 20, 2], inFold: 1, geometry: shapes('grid 2x1', 'grid 5x4', 'grid 4x5', 'ring') });
    expect(parsePlannedConfig(withGeometry('[line, line, line, line]'), 'c.yaml', []).plan.arch).toEqual({ kind: 'mlp', widths: [2, 20, 20, 2], inFold: 1 });
  });

  it('a grid of the wrong size names the entry, its line and both numbers', () => {
    const text = withGeometry('[grid 2x1, grid 4x4, grid 4x5, ring]');
    expect(errorOf(text)).toBe(`c.yaml:${lineOf(text, 'geometry:')}:24: model.geometry.1: grid 4x4 has 16 positions, but the layer has model.widths[1] = 20`);
  });

  it('one entry per neuron layer', () => {
    const text = withGeometry('[grid 2x1, grid 5x4, ring]');
    expect(errorOf(text)).toBe(`c.yaml:${lineOf(text, 'geometry:')}:3: model.geometry: has 3 entries but model.widths has 4 neuron layers; give one shape per layer, input first`);
  });

  it('an unknown shape, and lines beside grids', () => {
    const text = withGeometry('[grid 2x1, square, grid 4x5, ring]');
    expect(errorOf(text)).toMatch(new RegExp(`^c\\.yaml:${lineOf(text, 'geometry:')}:\\d+: model\\.geometry\\.1: .*line, ring or grid WxH`));
    const mixed = withGeometry('[line, grid 5x4, grid 4x5, ring]');
    expect(errorOf(mixed)).toMatch(new RegExp(`^c\\.yaml:${lineOf(mixed, 'geometry:')}:\\d+: model\\.geometry\\.1: grid 5x4 is 2-D but line is 1-D`));
  });

  it('train.loss takes mse-onehot for classes and is refused for values', () => {
    expect(parsePlannedConfig(moons.replace('steps:', 'loss: mse-onehot\n  steps:'), 'c.yaml', []).plan.classLoss).toBe('mse-onehot');
    const sym = readFileSync('configs/independence.yaml', 'utf8');
    const text = sym.replace('steps:', 'loss: mse-onehot\n  steps:');
    expect(errorOf(text)).toBe(`c.yaml:${lineOf(text, 'loss: mse-onehot')}:3: train.loss: mse-onehot is a loss for class targets, and this task's targets are values; leave train.loss out`);
  });
});

describe('checkpoints of 2-D networks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bimt-geometry-'));
  it('round-trip the geometry, keep "line" for all-line networks, and refuse a mismatch naming both', () => {
    const arch = arch2d([16, 9, 10], ['grid 4x4', 'grid 3x3', 'ring']);
    const net = randomNetwork(arch, 2);
    const file = join(dir, 'a.safetensors');
    writeCheckpoint(file, { step: 7, net });
    const back = readCheckpoint(file, arch);
    expect(back.net.graph.arch).toEqual(arch);
    expect(layerOf(back.net.graph, 'output').geometry.coords).toEqual(ringLayer(10).coords);
    for (const [name, a] of net.params) expect(back.net.params.get(name)).toEqual(a);
    const md = JSON.parse(Buffer.from(readFileSync(file)).subarray(8, 8 + Number(readFileSync(file).readBigUInt64LE(0))).toString()).__metadata__;
    expect(md.geometry).toBe('["grid 4x4","grid 3x3","ring"]');
    expect(() => readCheckpoint(file, mlp([16, 9, 10]))).toThrow(
      /checkpoint has widths \[16,9,10\] in_fold 1 geometry \[grid 4x4, grid 3x3, ring\], but widths \[16,9,10\] in_fold 1 was expected/,
    );
    const lines = join(dir, 'b.safetensors');
    writeCheckpoint(lines, { step: 0, net: randomNetwork(mlp([16, 9, 10]), 2) });
    const lmd = JSON.parse(Buffer.from(readFileSync(lines)).subarray(8, 8 + Number(readFileSync(lines).readBigUInt64LE(0))).toString()).__metadata__;
    expect(lmd.geometry).toBe('line');
    expect(() => readCheckpoint(lines, arch)).toThrow(/checkpoint has widths \[16,9,10\] in_fold 1, but widths \[16,9,10\] in_fold 1 geometry \[grid 4x4, grid 3x3, ring\] was expected/);
  });
});

// ---- the swap search on 2-D layers (against the MLP brute force of brute-force-relocate.ts) ----

const cases: { arch: MlpArchitecture; topK: number }[] = [
  { arch: arch2d([64, 16, 10], ['grid 8x8', 'grid 4x4', 'ring']), topK: 5 },
  { arch: arch2d([12, 9, 6, 10], ['grid 4x3', 'grid 3x3', 'grid 2x3', 'ring']), topK: 4 },
  { arch: arch2d([9, 7, 5], ['grid 3x3', 'ring', 'ring']), topK: 7 },
];
const specs: CostSpec[] = [
  { weightFactor: 1, l0: 0.2, noPenalizeLast: false, aggregate: 'sum' },
  { weightFactor: 2, l0: 0.5, noPenalizeLast: true, aggregate: 'mean' },
];

describe('the swap search on 2-D layers', () => {
  it('swapDelta equals the recomputed cost change for every pair of every layer', () => {
    for (const { arch } of cases) {
      const net = randomNetwork(arch, 11);
      const coef = costCoefficients(net.graph, specs[0]);
      const base = connectionCost(net.params, coef, true);
      for (let l = 0; l < arch.widths.length; l++) {
        const n = arch.widths[l];
        for (let j = 0; j < n; j += 3) {
          for (let k = 0; k < n; k++) {
            const trial = cloneNetwork(net);
            applySwap(trial, { layer: layerName(arch, l), a: j, b: k });
            expect(swapDelta(net, coef, layerName(arch, l), j, k)).toBeCloseTo(connectionCost(trial.params, coef, true) - base, 9);
          }
        }
      }
    }
  });

  it('relocate chooses exactly the brute-force swaps, with input swaps off and on', () => {
    let total = 0;
    for (const { arch, topK } of cases) {
      for (const spec of specs) {
        for (let seed = 0; seed < 3; seed++) {
          for (const swapInputs of [false, true]) {
            const net = randomNetwork(arch, 50 * seed + arch.widths.length);
            const coef = costCoefficients(net.graph, spec);
            const brute = cloneNetwork(net);
            const expected = bruteForceRelocate(brute, coef, topK, swapInputs);
            const inPerm = net.inPerm.slice();
            const got = relocate(net, coef, { topK, swapInputs });
            expect(got).toEqual(expected);
            for (const [name, a] of net.params) expect(a).toEqual(brute.params.get(name));
            expect(net.outPerm).toEqual(brute.outPerm);
            if (!swapInputs) {
              expect(got.some((s) => s.layer === 'input')).toBe(false);
              expect(net.inPerm).toEqual(inPerm); // pixels keep their places
            }
            total += got.length;
          }
        }
      }
    }
    expect(total).toBeGreaterThan(30);
  });

  it('swaps keep the forward pass of BioModel and HostMlp', () => {
    const arch = arch2d([16, 9, 10], ['grid 4x4', 'grid 3x3', 'ring']);
    const net = randomNetwork(arch, 21);
    const task = randomTask(arch, { kind: 'classes', count: 10 }, 12, 3);
    const x = tf.tensor2d(task.train.x, [12, 16]);
    const host = new HostMlp(arch, task.targets, 12, 'mse-onehot');
    const before = BioModel.fromNetwork(net);
    const y0 = before.forward(x).arraySync();
    const loss0 = host.run(net.params, net.inPerm, net.outPerm, task.train, undefined).loss;
    const rng = new Rng(4, 'swaps-2d');
    for (let t = 0; t < 40; t++) {
      const l = rng.int(arch.widths.length);
      applySwap(net, { layer: layerName(arch, l), a: rng.int(arch.widths[l]), b: rng.int(arch.widths[l]) });
    }
    const after = BioModel.fromNetwork(net);
    const y1 = after.forward(x).arraySync();
    y1.forEach((row, i) => row.forEach((v, o) => expect(Math.abs(v - y0[i][o])).toBeLessThan(1e-5)));
    expect(host.run(net.params, net.inPerm, net.outPerm, task.train, undefined).loss).toBeCloseTo(loss0, 10);
    before.dispose();
    after.dispose();
    x.dispose();
  });
});
