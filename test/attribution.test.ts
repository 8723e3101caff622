import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { networkGraph, type EdgeScore } from '../src/bimt/graph.js';
import { stageWidth, type TransformerArchitecture } from '../src/model/model-graph.js';
import { pruneNetwork } from '../src/bimt/prune.js';
import type { Network } from '../src/model/network.js';
import { edgeScoreOf } from '../src/train/attribution.js';
import { runBimt } from './cli-run.js';
import type { Split } from '../src/tasks/task.js';
import { mlp, mlpNetwork, randomNetwork, W as weight } from './helpers.js';

const labels = { inputs: ['x1', 'x2'], outputs: ['y'] };

/**
 * [2, 1] with inPerm [1, 0]: input position 0 reads x2, position 1 reads x1. x1 barely moves
 * (±1/64, mean |x1| 0.015625) under a big weight 5; x2 varies (1, -3, 2, -2: mean |x2| 2) under
 * a small weight 0.125. Scores: |w| 5 and 0.125; attribution 5 * 0.015625 = 0.078125 and
 * 0.125 * 2 = 0.25. At threshold 0.2 weight keeps x1's edge, attribution keeps x2's.
 */
function handMade(): Network {
  const w = new Float32Array([0.125, 5]); // [in, out]: row 0 position 0 (x2), row 1 position 1 (x1)
  return mlpNetwork(mlp([2, 1]), { weights: [w], biases: [new Float32Array([0.5])] }, Int32Array.from([1, 0]), Int32Array.from([0]));
}

// Rows of the original features [x1, x2].
const x1 = 1 / 64;
const train = { n: 4, x: new Float32Array([x1, 1, -x1, -3, x1, 2, -x1, -2]), y: new Float32Array(4) };

describe('attribution scores', () => {
  const net = handMade();
  const score = edgeScoreOf('attribution', net, train);

  it("records each stage's mean |activation| over the split, the input stage in permuted order", () => {
    if (score.kind !== 'attribution') throw new Error('expected attribution');
    expect(Array.from(score.meanAbs[0]!)).toEqual([2, 0.015625]);
    // The output: mean of |0.5 + 0.125 x2 + 5 x1| over the rows: (0.703125, 0.046875, 0.828125, 0.171875).
    expect(score.meanAbs[1]![0]).toBeCloseTo((0.703125 + 0.046875 + 0.828125 + 0.171875) / 4, 12);
  });

  it('weight keeps the big weight on the constant input, attribution the small one on the moving input', () => {
    const byWeight = networkGraph(net, labels, 0.2);
    expect(byWeight.score).toBe('weight');
    expect(byWeight.edges).toEqual([{ layer: 0, from: 1, to: 0, weight: 5 }]);
    expect(byWeight.modules.map((m) => m.inputs)).toEqual([['x1']]);

    const byAttribution = networkGraph(net, labels, 0.2, score);
    expect(byAttribution.score).toBe('attribution');
    expect(byAttribution.edges).toEqual([{ layer: 0, from: 0, to: 0, weight: 0.125 }]);
    expect(byAttribution.modules.map((m) => m.inputs)).toEqual([['x2']]);
    expect(byAttribution.layers[0]!.map((n) => [n.label, n.connected])).toEqual([
      ['x2', true],
      ['x1', false],
    ]);
  });

  it('pruning zeroes the weights by their score, the biases by |b|', () => {
    expect(Array.from(weight(pruneNetwork(net, 0.2, labels).net, 0))).toEqual([0, 5]);
    const { net: pruned, graph } = pruneNetwork(net, 0.2, labels, score);
    expect(Array.from(weight(pruned, 0))).toEqual([0.125, 0]);
    expect(graph.weightsKept).toBe(1);
    // At x2's score itself nothing survives (<= threshold goes); the bias 0.5 stays.
    expect(Array.from(weight(pruneNetwork(net, 0.25, labels, score).net, 0))).toEqual([0, 0]);
  });

  it('the weight score is |w| whatever the data', () => {
    expect(edgeScoreOf('weight', net, train)).toEqual({ kind: 'weight' });
  });
});

describe('attribution on every architecture', () => {
  const transformer: TransformerArchitecture = { kind: 'transformer', inDim: 3, outDim: 2, embed: 8, blocks: 2, heads: 2, mlpHidden: 6, seqLen: 3, layerNorm: false };
  const features = (length: number) => Float32Array.from({ length }, (_, i) => Math.sin(i * 1.7) * 2);
  const cases: [string, Network, Split][] = [
    ['a token MLP', randomNetwork(mlp([2 * 5, 8, 3], 2, { vocab: 7, dim: 5 }), 3), { n: 30, x: Int32Array.from({ length: 60 }, (_, i) => (i * 5 + (i >> 3)) % 7), y: new Float32Array(30) }],
    ['a transformer', randomNetwork(transformer, 4), { n: 20, x: features(20 * 3 * 3), y: new Float32Array(20) }],
  ];
  for (const [name, net, split] of cases) {
    it(`${name}: a mean |activation| per neuron of every stage, and with all means 1 the weight graph`, () => {
      const score = edgeScoreOf('attribution', net, split);
      if (score.kind !== 'attribution') throw new Error('expected attribution');
      const g = net.graph;
      expect(score.meanAbs.map((m) => m.length)).toEqual(g.stages.map((_, s) => stageWidth(g, s)));
      expect(score.meanAbs.every((m) => m.every((v) => v > 0))).toBe(true);
      // Scores of |w| times 1 are |w|: the same graph, whatever the architecture's links.
      const ones: EdgeScore = { kind: 'attribution', meanAbs: score.meanAbs.map((m) => m.map(() => 1)) };
      const labels = { inputs: [], outputs: [] };
      const { score: _w, ...byWeight } = networkGraph(net, labels, 0.3);
      const { score: _a, ...byOnes } = networkGraph(net, labels, 0.3, ones);
      expect(byOnes).toEqual(byWeight);
      expect(networkGraph(net, labels, 0.3, score).weightsKept).not.toBe(byWeight.weightsKept);
    });
  }
});

describe('bimt prune --score (command line)', () => {
  const runs = mkdtempSync(join(tmpdir(), 'bimt-attr-'));
  const run = join(runs, 'moons');
  const graphJson = (dir: string) => JSON.parse(readFileSync(join(run, 'pruned', dir, 'graph.json'), 'utf8'));

  beforeAll(async () => {
    const r = await runBimt(['train', 'configs/two-moons.yaml', '--set', 'train.steps=600', '--set', 'output.checkpoint_every=600', '--runs-dir', runs, '--name', 'moons']);
    expect(r.status, r.stderr).toBe(0);
  });

  it('writes graph.json with the score it used, attribution in its own directory, keeping other edges', async () => {
    const byWeight = await runBimt(['prune', run, '--threshold', '0.05']);
    expect(byWeight.status, byWeight.stderr).toBe(0);
    const byAttribution = await runBimt(['prune', run, '--threshold', '0.05', '--score', 'attribution']);
    expect(byAttribution.status, byAttribution.stderr).toBe(0);
    expect(byAttribution.stdout).toMatch(/^pruned step 600 at attribution <= 0\.05$/m);
    const w = graphJson('step-000600-t0.05');
    const a = graphJson('step-000600-t0.05-attribution');
    expect(w.score).toBe('weight');
    expect(a.score).toBe('attribution');
    const keys = (g: { edges: { layer: number; from: number; to: number }[] }) => g.edges.map((e) => `${e.layer}:${e.from}-${e.to}`).join(' ');
    expect(keys(a)).not.toBe(keys(w));
  });

  it("bimt ablate --score finds the communities of the score's graph", async () => {
    // After the test above: both graph.json files are written.
    const rowsOf = async (score: string) => {
      const out = join(runs, `ablation-${score}.csv`);
      const r = await runBimt(['ablate', run, '--each', 'community', '--threshold', '0.05', '--score', score, '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(out, 'utf8').trim().split('\n').filter((l) => l.startsWith('community ')).length;
    };
    const [w, a] = [graphJson('step-000600-t0.05'), graphJson('step-000600-t0.05-attribution')];
    expect(w.communities).not.toBe(a.communities); // this run's two graphs split differently
    expect(await rowsOf('weight')).toBe(w.communities);
    expect(await rowsOf('attribution')).toBe(a.communities);
  });

  it("bimt plot --score attribution draws the attribution graph's edges, titled with its score", async () => {
    const out = (score: string) => join(runs, `network-${score}.svg`);
    for (const score of ['weight', 'attribution']) {
      const r = await runBimt(['plot', run, '--kind', 'network', '--pruned', '--threshold', '0.05', '--score', score, '--out', out(score)]);
      expect(r.status, r.stderr).toBe(0);
    }
    const svg = (score: string) => readFileSync(out(score), 'utf8');
    // The weights kept, as the title counts them, are bimt prune's on the same score.
    expect(svg('attribution')).toContain(`pruned at attribution ≤ 0.05, ${graphJson('step-000600-t0.05-attribution').weights_kept} of 480 weights`);
    expect(svg('weight')).toContain(`pruned at |w| ≤ 0.05, ${graphJson('step-000600-t0.05').weights_kept} of 480 weights`);
  });

  it('refuses an unknown --score in one line, exit 2', async () => {
    const r = await runBimt(['prune', run, '--score', 'gradient']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--score/);
  });
});
