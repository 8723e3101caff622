/**
 * The pruned graph's own numbers: the weights it keeps are exactly its edges (a weight above the
 * threshold into or out of a dead neuron is not kept), and a pruned graph records the threshold
 * it was pruned at.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkGraph } from '../src/bimt/graph.js';
import { pruneNetwork } from '../src/bimt/prune.js';
import type { Network } from '../src/model/network.js';
import { readModularity } from '../src/runs/graph-record.js';
import { openCheckpoint } from '../src/runs/open.js';
import { listCheckpoints, runPaths } from '../src/runs/run-dir.js';
import { mlp, mlpNetwork } from './helpers.js';

const labels = { inputs: ['a', 'b'], outputs: ['A', 'B'] };

/**
 * [2, 3, 2]: in0 -> h[0] -> out0 alive; in1 -> h[1] with no way out (a dead end, weight 0.8);
 * h[2] with no input feeding out1 (a constant, weight 0.9). Both dead weights are far above 0.01.
 */
function withDeadEnds(): Network {
  const widths = [2, 3, 2];
  const w0 = new Float32Array(2 * 3);
  const w1 = new Float32Array(3 * 2);
  w0[0 * 3 + 0] = 1.5;
  w1[0 * 2 + 0] = 1.2;
  w0[1 * 3 + 1] = 0.8;
  w1[2 * 2 + 1] = 0.9;
  return mlpNetwork(
    mlp(widths),
    { weights: [w0, w1], biases: [new Float32Array([0.1, 0.2, 0.3]), new Float32Array([0, 0])] },
    Int32Array.from([0, 1]),
    Int32Array.from([0, 1]),
  );
}

describe('networkGraph', () => {
  it('keeps the weights of its edges only, and lists every layer width', () => {
    const g = networkGraph(withDeadEnds(), labels, 0.01);
    expect(g.edges.map((e) => [e.layer, e.from, e.to])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
    ]);
    expect(g.weightsKept).toBe(2);
    expect(g.weightsTotal).toBe(12);
    expect(g.widths).toEqual([2, 3, 2]);
    expect(g.layers[1].map((n) => n.index)).toEqual([0]);
  });

  it('of a pruned network records the threshold it was pruned at, and agrees with the unpruned graph', () => {
    const net = withDeadEnds();
    const { graph } = pruneNetwork(net, 0.05, labels);
    expect(graph.threshold).toBe(0.05);
    const unpruned = networkGraph(net, labels, 0.05);
    expect(graph.weightsKept).toBe(unpruned.weightsKept);
    expect(graph.edges).toEqual(unpruned.edges);
  });
});

describe('snapshots', () => {
  it("record each checkpoint's modules and modularity Q, which readModularity reads back in step order", () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-snapshots-'));
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', 'configs/independence.yaml', '--set', 'train.steps=600', '--set', 'output.checkpoint_every=200', '--runs-dir', runs, '--name', 'ind'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const paths = runPaths(join(runs, 'ind'));
    const points = readModularity(paths);
    expect(points.map((p) => p.step)).toEqual(listCheckpoints(paths));
    expect(points.map((p) => p.step)).toEqual([0, 200, 400, 600]);
    for (const p of points) {
      // The snapshot's graph is the checkpoint's at output.snapshot_threshold.
      const opened = openCheckpoint(paths.root, p.step);
      const g = networkGraph(opened.checkpoint.net, opened.labels, opened.plan.output.snapshotThreshold);
      expect(p).toEqual({ step: p.step, modules: g.modules.length, q: g.modularity, communities: g.communities });
    }
    // Training makes the network more modular than its dense initialisation.
    expect(points.at(-1)!.q).toBeGreaterThan(points[0]!.q);
  });
});
