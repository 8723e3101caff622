// Newman's modularity Q on hand-computed graphs, and the communities the Louvain method finds
// where the best partition is known; then Q as networkGraph records it for a pruned network.
import { describe, expect, it } from 'vitest';
import { louvain, modularity, type WeightedEdge } from '../src/bimt/modularity.js';
import { pruneNetwork } from '../src/bimt/prune.js';
import { mlp, mlpNetwork } from './helpers.js';

/** Every pair of `nodes` joined by an edge of weight `w`. */
const clique = (nodes: number[], w = 1): WeightedEdge[] => nodes.flatMap((a, i) => nodes.slice(i + 1).map((b) => ({ a, b, w })));

describe('modularity', () => {
  // Two triangles joined by the edge 2-3: 2m = 14; each side has in = 6 (three edges, both
  // directions) and tot = 2 + 2 + 3 = 7, so Q = 2 (6/14 - (7/14)^2) = 5/14.
  const triangles = [...clique([0, 1, 2]), ...clique([3, 4, 5]), { a: 2, b: 3, w: 1 }];

  it('is 5/14 for two triangles joined by one edge, split into the triangles; 0 for one community', () => {
    expect(modularity(6, triangles, [0, 0, 0, 1, 1, 1])).toBeCloseTo(5 / 14, 14);
    expect(modularity(6, triangles, [0, 0, 0, 0, 0, 0])).toBeCloseTo(0, 14);
    // Each node alone: no weight inside, Q = -sum (k_i / 2m)^2 = -(4 * 4 + 2 * 9) / 196.
    expect(modularity(6, triangles, [0, 1, 2, 3, 4, 5])).toBeCloseTo(-34 / 196, 14);
  });

  it('weighs edges: a heavy bridge pulls its ends together', () => {
    const heavy = [...clique([0, 1, 2]), ...clique([3, 4, 5]), { a: 2, b: 3, w: 10 }];
    // 2m = 32: {0,1,2},{3,4,5}: in 6, tot 16 each -> 2 (6/32 - 1/4) = -1/8.
    expect(modularity(6, heavy, [0, 0, 0, 1, 1, 1])).toBeCloseTo(-1 / 8, 14);
    // {0,1},{2,3},{4,5}: in 2, 20, 2; tot 4, 24, 4 -> (2 + 20 + 2) / 32 - (16 + 576 + 16) / 1024.
    expect(modularity(6, heavy, [0, 0, 1, 1, 2, 2])).toBeCloseTo(24 / 32 - 608 / 1024, 14);
    expect(louvain(6, heavy).q).toBeGreaterThanOrEqual(24 / 32 - 608 / 1024 - 1e-12);
  });

  it('Louvain finds the two triangles, and Q = 1 - sum of squared shares for disconnected cliques', () => {
    const t = louvain(6, triangles);
    expect(Array.from(t.community)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(t.count).toBe(2);
    expect(t.q).toBeCloseTo(5 / 14, 14);

    // Cliques of 3, 4 and 5 nodes with no edge between them: shares 6/22, 12/22... of 2m = 2 * (3 + 6 + 10).
    const parts = [...clique([0, 1, 2]), ...clique([3, 4, 5, 6]), ...clique([7, 8, 9, 10, 11])];
    const d = louvain(13, parts); // node 12 has no edge
    expect(Array.from(d.community)).toEqual([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]);
    expect(d.q).toBeCloseTo(1 - (3 ** 2 + 6 ** 2 + 10 ** 2) / 19 ** 2, 14);
  });

  it('Louvain splits a ring of four 4-cliques, each joined to the next by one edge, into the cliques', () => {
    const ring = [0, 1, 2, 3].flatMap((k) => [...clique([4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3]), { a: 4 * k + 3, b: (4 * k + 4) % 16, w: 1 }]);
    const r = louvain(16, ring);
    expect(Array.from(r.community)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    // 2m = 2 * 28; each clique: in 12, tot 14 -> 4 (12/56 - (14/56)^2) = 0.6071...
    expect(r.q).toBeCloseTo(4 * (12 / 56 - (14 / 56) ** 2), 14);
  });

  it('is 0 with no weight at all', () => {
    expect(modularity(3, [], [0, 1, 2])).toBe(0);
    expect(louvain(3, [])).toEqual({ community: Int32Array.from([0, 1, 2]), count: 3, q: 0 });
  });
});

describe('the pruned graph records Q', () => {
  /** [4, 2, 2] with weight `w` on each listed [layer, from, to] and nothing else, pruned at 0.01. */
  const graph = (edges: [number, number, number, number][]) => {
    const weights = [new Float32Array(8), new Float32Array(4)];
    for (const [l, i, o, w] of edges) weights[l]![i * 2 + o] = w;
    const net = mlpNetwork(mlp([4, 2, 2]), { weights, biases: [new Float32Array(2), new Float32Array(2)] }, Int32Array.from([0, 1, 2, 3]), Int32Array.from([0, 1]));
    return pruneNetwork(net, 0.01, { inputs: ['x1', 'x2', 'x3', 'x4'], outputs: ['A', 'B'] }).graph;
  };

  it('of two modules as their components give it, weights taken as |w|', () => {
    // x1, x3 -> h0 -> A and x2, x4 -> h1 -> B: two stars of three edges; with |w| = 1, 2m = 12 and
    // each module has in = tot = 6: Q = 2 (6/12 - 1/4) = 1/2.
    const g = graph([[0, 0, 0, 1], [0, 2, 0, -1], [1, 0, 0, 1], [0, 1, 1, 1], [0, 3, 1, 1], [1, 1, 1, -1]]);
    expect(g.modules.length).toBe(2);
    expect(g.communities).toBe(2);
    expect(g.modularity).toBeCloseTo(0.5, 6);
    // A heavier module takes a larger share: weights 2 on the first, 2m = 18: (12/18 - (12/18)^2) + (6/18 - (6/18)^2).
    const h = graph([[0, 0, 0, 2], [0, 2, 0, 2], [1, 0, 0, -2], [0, 1, 1, 1], [0, 3, 1, 1], [1, 1, 1, 1]]);
    expect(h.modularity).toBeCloseTo(2 / 3 - 4 / 9 + 1 / 3 - 1 / 9, 6);
  });

  it('is 0 without edges', () => {
    const g = graph([]);
    expect([g.modularity, g.communities]).toEqual([0, 0]);
  });
});
