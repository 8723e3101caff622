/**
 * Newman's modularity of a weighted undirected graph (docs/design.md, "Pruning, graph and
 * modules"), and the partition that makes it large, found by the Louvain method (Blondel et al.
 * 2008). For a partition into communities c,
 *
 *     Q = sum_c [ in_c / 2m - (tot_c / 2m)^2 ]
 *
 * with 2m the sum of all entries of the symmetric weight matrix A, in_c the sum of A over pairs
 * inside c and tot_c the sum of the degrees (row sums of A) of c's nodes: the weight inside
 * communities beyond what a random graph with the same degrees would put there. 0 for one
 * community; up to 1 - 1/k for k equal disconnected ones.
 *
 *     modularity(4, [{ a: 0, b: 1, w: 1 }, { a: 2, b: 3, w: 1 }], [0, 0, 1, 1])  // 0.5
 *
 * Connected components never gain from being merged, so the communities refine the graph's modules
 * (connected components): a network of several modules has Q > 0 from its modules alone, and a
 * single module can still score, for parts that are only loosely joined.
 */

export interface WeightedEdge {
  readonly a: number;
  readonly b: number;
  /** Non-negative weight (bimt uses |w|). */
  readonly w: number;
}

/** Q of the partition `community` (community[i] of node i) of the graph on `nodes` nodes; 0 for a graph without weight. */
export function modularity(nodes: number, edges: readonly WeightedEdge[], community: ArrayLike<number>): number {
  const inside = new Map<number, number>();
  const total = new Map<number, number>();
  let m2 = 0;
  for (const { a, b, w } of edges) {
    m2 += 2 * w;
    total.set(community[a]!, (total.get(community[a]!) ?? 0) + w);
    total.set(community[b]!, (total.get(community[b]!) ?? 0) + w);
    if (community[a] === community[b]) inside.set(community[a]!, (inside.get(community[a]!) ?? 0) + 2 * w);
  }
  if (m2 === 0 || nodes === 0) return 0;
  let q = 0;
  for (const [c, tot] of total) q += (inside.get(c) ?? 0) / m2 - (tot / m2) ** 2;
  return q;
}

export interface Communities {
  /** community[i]: the community of node i, numbered 0, 1, ... by first node. */
  readonly community: Int32Array;
  readonly count: number;
  /** modularity() of that partition. */
  readonly q: number;
}

/**
 * A level's graph as compressed rows: node i's neighbours are nbr[start[i] .. start[i + 1]) with
 * weights w[...] (both directions of every edge; a self-loop holds the weight inside a merged node,
 * both directions, so each row sums to the node's degree). Typed arrays rather than maps: a dense
 * snapshot graph has millions of edges.
 */
interface Rows {
  readonly start: Int32Array;
  readonly nbr: Int32Array;
  readonly w: Float64Array;
}

/** Rows of `n` nodes from entries (a, b, w), each added once as given (callers add both directions). */
function rowsOf(n: number, count: number, each: (add: (a: number, b: number, w: number) => void) => void): Rows {
  const start = new Int32Array(n + 1);
  each((a) => start[a + 1]++);
  for (let i = 0; i < n; i++) start[i + 1] += start[i]!;
  const fill = start.slice(0, n);
  const nbr = new Int32Array(count);
  const w = new Float64Array(count);
  each((a, b, x) => {
    const k = fill[a]++;
    nbr[k] = b;
    w[k] = x;
  });
  return { start, nbr, w };
}

/**
 * The Louvain method: move each node, in index order, to the neighbouring community that raises Q
 * most (staying on ties) until no move helps, then merge each community into one node and repeat
 * on that smaller graph while it shrinks. Deterministic: the same graph gives the same partition.
 * Nodes without edges stay alone.
 */
export function louvain(nodes: number, edges: readonly WeightedEdge[]): Communities {
  const positive = edges.filter((e) => e.w > 0);
  let rows = rowsOf(nodes, 2 * positive.length, (add) => {
    for (const { a, b, w } of positive) {
      add(a, b, w);
      add(b, a, w);
    }
  });
  // Which level-node each original node is in.
  let of = Int32Array.from({ length: nodes }, (_, i) => i);
  for (;;) {
    const n = rows.start.length - 1;
    const { start, nbr, w } = rows;
    const degree = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = start[i]!; k < start[i + 1]!; k++) degree[i] += w[k]!;
    const m2 = degree.reduce((s, k) => s + k, 0);
    if (m2 === 0) break;
    const comm = Int32Array.from({ length: n }, (_, i) => i);
    const tot = Float64Array.from(degree);
    let moved = false;
    for (let improved = true; improved; ) {
      improved = false;
      for (let i = 0; i < n; i++) {
        const ki = degree[i]!;
        const home = comm[i]!;
        // Weight from i to each neighbouring community, i itself left out.
        const toComm = new Map<number, number>();
        for (let k = start[i]!; k < start[i + 1]!; k++) if (nbr[k] !== i) toComm.set(comm[nbr[k]!]!, (toComm.get(comm[nbr[k]!]!) ?? 0) + w[k]!);
        tot[home] -= ki;
        // Gain of joining c, up to a positive factor: weight to c minus what degrees predict.
        const gain = (c: number) => (toComm.get(c) ?? 0) - (tot[c]! * ki) / m2;
        let best = home;
        let bestGain = gain(home);
        for (const c of toComm.keys()) {
          const g = gain(c);
          if (g > bestGain + 1e-12 * m2) {
            best = c;
            bestGain = g;
          }
        }
        tot[best] += ki;
        if (best !== home) {
          comm[i] = best;
          improved = moved = true;
        }
      }
    }
    if (!moved) break;
    // Renumber the communities 0, 1, ... and merge each into one node: summed rows, self-loops kept.
    const index = new Map<number, number>();
    for (let i = 0; i < n; i++) if (!index.has(comm[i]!)) index.set(comm[i]!, index.size);
    const merged: Map<number, number>[] = Array.from({ length: index.size }, () => new Map());
    for (let i = 0; i < n; i++) {
      const row = merged[index.get(comm[i]!)!]!;
      for (let k = start[i]!; k < start[i + 1]!; k++) {
        const cj = index.get(comm[nbr[k]!]!)!;
        row.set(cj, (row.get(cj) ?? 0) + w[k]!);
      }
    }
    rows = rowsOf(index.size, merged.reduce((s, r) => s + r.size, 0), (add) => merged.forEach((r, c) => r.forEach((x, j) => add(c, j, x))));
    of = of.map((v) => index.get(comm[v]!)!);
  }
  // Number communities by their first node.
  const index = new Map<number, number>();
  const community = of.map((v) => {
    if (!index.has(v)) index.set(v, index.size);
    return index.get(v)!;
  });
  return { community, count: index.size, q: modularity(nodes, edges, community) };
}
