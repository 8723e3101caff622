/**
 * The paper's claims as functions of a run's own outputs (issue "bimt reproduce"): each takes
 * numbers, a pruned graph or an embedding and returns what it measured and whether the claim
 * holds. No training here, so each claim is tested on hand-made inputs (test/claims.test.ts).
 */
import type { NetworkGraph } from '../bimt/graph.js';
import { pca2 } from '../plot/pca.js';

export interface ClaimResult {
  /** The claim in words. */
  readonly claim: string;
  /** The paper's or the reference re-run's value, or the threshold. */
  readonly reference: string;
  /** What this run gives. */
  readonly measured: string;
  readonly pass: boolean;
}

/** A number as the claims print it: 3 significant digits, exponent form. */
export const sci = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

export function atMost(claim: string, value: number, limit: number, paper: string): ClaimResult {
  return { claim, reference: `<= ${sci(limit)} (paper ${paper})`, measured: sci(value), pass: value <= limit };
}

/** As atMost, for a figure whose reference value is the reference notebook re-run on this project's machine rather than the paper's. */
export function atMostRerun(claim: string, value: number, limit: number, rerun: string): ClaimResult {
  return { claim, reference: `<= ${sci(limit)} (reference notebook re-run: ${rerun})`, measured: sci(value), pass: value <= limit };
}

export function atLeast(claim: string, value: number, limit: number, paper: string): ClaimResult {
  return { claim, reference: `>= ${limit} (paper ${paper})`, measured: value.toFixed(4), pass: value >= limit };
}

/** Modules as sets of labels (inputs and outputs) with at least one output. */
function moduleSets(g: NetworkGraph): string[][] {
  return g.modules.filter((m) => m.outputs.length > 0).map((m) => [...m.inputs, ...m.outputs].sort());
}

/** The pruned graph's modules are exactly the given groups of input and output labels. */
export function modulesAre(claim: string, g: NetworkGraph, groups: readonly (readonly string[])[]): ClaimResult {
  const got = moduleSets(g);
  const want = groups.map((x) => [...x].sort());
  const key = (s: string[][]) => s.map((m) => m.join(',')).sort().join(' | ');
  return {
    claim,
    reference: want.map((m) => `{${m.join(', ')}}`).join(' '),
    measured: got.map((m) => `{${m.join(', ')}}`).join(' ') || 'no modules',
    pass: key(got) === key(want),
  };
}

/** For each input label, the output labels it reaches along the graph's edges. */
export function reachability(g: NetworkGraph): Map<string, Set<string>> {
  const L = g.layers.length - 1;
  const labelOf = (l: number, i: number) => g.layers[l].find((n) => n.index === i)?.label;
  const out = new Map<string, Set<string>>();
  for (const input of g.layers[0]) {
    let frontier = new Set([input.index]);
    for (let l = 0; l < L; l++) {
      const next = new Set<number>();
      for (const e of g.edges) if (e.layer === l && frontier.has(e.from)) next.add(e.to);
      frontier = next;
    }
    const reached = new Set([...frontier].map((i) => labelOf(L, i)!));
    const name = input.label ?? `in${input.index}`;
    out.set(name, new Set([...(out.get(name) ?? []), ...reached]));
  }
  return out;
}

/** Each input reaches exactly the given outputs. */
export function reachesExactly(claim: string, g: NetworkGraph, want: Readonly<Record<string, readonly string[]>>): ClaimResult {
  const r = reachability(g);
  const show = (m: Record<string, readonly string[]>) =>
    Object.entries(m)
      .map(([k, v]) => `${k} -> {${[...v].sort().join(', ')}}`)
      .join('; ');
  const got: Record<string, string[]> = {};
  for (const k of Object.keys(want)) got[k] = [...(r.get(k) ?? [])].sort();
  const pass = Object.entries(want).every(([k, v]) => got[k]!.join(',') === [...v].sort().join(','));
  return { claim, reference: show(want), measured: show(got), pass };
}

/** No alive neuron of hidden layer 1 takes inputs from both groups. */
export function firstLayerSeparates(claim: string, g: NetworkGraph, a: readonly string[], b: readonly string[]): ClaimResult {
  const inputLabel = new Map(g.layers[0].map((n) => [n.index, n.label ?? '']));
  let mixing = 0;
  for (const n of g.layers[1]) {
    const from = g.edges.filter((e) => e.layer === 0 && e.to === n.index).map((e) => inputLabel.get(e.from)!);
    if (from.some((x) => a.includes(x)) && from.some((x) => b.includes(x))) mixing++;
  }
  return {
    claim,
    reference: `0 neurons mixing {${a.join(', ')}} with {${b.join(', ')}}`,
    measured: `${mixing} of ${g.layers[1].length} alive`,
    pass: mixing === 0,
  };
}

/** Fraction of hidden neurons alive in the pruned graph. */
export function hiddenAliveFraction(g: NetworkGraph): number {
  const hidden = g.widths.slice(1, -1).reduce((s, w) => s + w, 0);
  const alive = g.layers.slice(1, -1).reduce((s, l) => s + l.length, 0);
  return alive / hidden;
}

export interface CircleFit {
  /** The frequency k whose angles k * a * 2 pi / p fit best. */
  readonly k: number;
  /** Mean resultant length of exp(i (theta_a - 2 pi k a / p)): 1 = exactly a rotated circle. */
  readonly correlation: number;
}

/**
 * How well tokens at 2-D points lie on a circle ordered by residue times a frequency. With
 * theta_a the angle of token a around the points' centre, the fit for frequency k is
 * |mean_a exp(i (theta_a - 2 pi k a / p))|: 1 when theta_a = 2 pi k a / p + c for all a (a
 * rotation; a reflection is frequency p - k), near 0 for unrelated angles. The best k wins.
 */
export function circleFit(points: Float64Array, p: number): CircleFit {
  let cx = 0;
  let cy = 0;
  for (let a = 0; a < p; a++) {
    cx += points[2 * a] / p;
    cy += points[2 * a + 1] / p;
  }
  const theta = Array.from({ length: p }, (_, a) => Math.atan2(points[2 * a + 1] - cy, points[2 * a] - cx));
  let best: CircleFit = { k: 0, correlation: 0 };
  for (let k = 1; k < p; k++) {
    let re = 0;
    let im = 0;
    for (let a = 0; a < p; a++) {
      const d = theta[a] - (2 * Math.PI * k * a) / p;
      re += Math.cos(d);
      im += Math.sin(d);
    }
    const r = Math.hypot(re, im) / p;
    if (r > best.correlation) best = { k, correlation: r };
  }
  return best;
}

/** The embedding columns `dims` of a [vocab, dim] table, projected to 2-D (as is, or by PCA). */
export function projectDims(embedding: Float32Array, vocab: number, dim: number, dims: readonly number[]): Float64Array {
  const sub = new Float32Array(vocab * dims.length);
  for (let a = 0; a < vocab; a++) dims.forEach((d, j) => (sub[a * dims.length + j] = embedding[a * dim + d]));
  if (dims.length === 2) return Float64Array.from(sub);
  if (dims.length < 2) return new Float64Array(vocab * 2);
  return pca2(sub, vocab, dims.length).points;
}

export interface ModuleCircle {
  readonly dims: number[];
  readonly fit: CircleFit;
}

/** At least `need` embedding modules draw the residues on a circle with correlation >= `min`. */
export function circlesClaim(claim: string, modules: readonly ModuleCircle[], need: number, min: number): ClaimResult {
  const good = modules.filter((m) => m.fit.correlation >= min);
  return {
    claim,
    reference: `>= ${need} modules with correlation >= ${min}`,
    measured: `${good.length} of ${modules.length}: ${modules.map((m) => `k=${m.fit.k} r=${m.fit.correlation.toFixed(2)} (${m.dims.length} dims)`).join(', ')}`,
    pass: good.length >= need,
  };
}

/**
 * How well one direction of the embedding columns `dims` separates two classes of tokens (the
 * even and odd permutations of S4): the tokens projected on the difference of the two classes'
 * mean embeddings, and the gap between the classes along it over the spread of all projections.
 * Positive when every token of class +1 lies beyond every token of class -1 (a threshold on
 * that one projection gets all of them right), up to 1 when each class sits on one point;
 * negative when they overlap. One direction fixed by the means, not a fitted classifier: with a
 * dozen dimensions a fitted hyperplane separates most random labellings of 24 points.
 * embedding is [vocab, dim] row-major; classes[t] is +1 or -1.
 */
export function classSeparation(embedding: Float32Array, vocab: number, dim: number, dims: readonly number[], classes: readonly number[]): number {
  if (dims.length === 0) return -1;
  const mean = (c: number) => {
    const m = new Float64Array(dims.length);
    let count = 0;
    for (let t = 0; t < vocab; t++) {
      if (classes[t] !== c) continue;
      count++;
      dims.forEach((d, j) => (m[j] += embedding[t * dim + d]));
    }
    return m.map((v) => v / Math.max(1, count));
  };
  const plus = mean(1);
  const minus = mean(-1);
  const w = plus.map((v, j) => v - minus[j]);
  const score = Array.from({ length: vocab }, (_, t) => dims.reduce((s, d, j) => s + w[j] * embedding[t * dim + d], 0));
  const lowestPlus = Math.min(...score.filter((_, t) => classes[t] === 1));
  const highestMinus = Math.max(...score.filter((_, t) => classes[t] === -1));
  const spread = Math.max(...score) - Math.min(...score);
  return spread > 0 ? (lowestPlus - highestMinus) / spread : -1;
}

export interface GroupSeparation {
  readonly dims: readonly number[];
  /** classSeparation of the group's dims. */
  readonly separation: number;
}

/** Some group of embedding dims separates the two classes (classSeparation > 0). */
export function separatesClaim(claim: string, groups: readonly GroupSeparation[], reference: string): ClaimResult {
  const best = groups.reduce<GroupSeparation | undefined>((b, g) => (b === undefined || g.separation > b.separation ? g : b), undefined);
  const each = groups.map((g) => `${g.separation.toFixed(2)} (${g.dims.length} dims)`).join(', ');
  return {
    claim,
    reference,
    measured: best ? `best gap ${best.separation.toFixed(2)} of ${groups.length} groups: ${each}` : 'no embedding dims alive',
    pass: best !== undefined && best.separation > 0,
  };
}

export interface EdgeLocality {
  /** Surviving edges of the weight layer. */
  readonly edges: number;
  /** Their mean L1 length (docs/design.md, "Geometry"). */
  readonly mean: number;
  /**
   * The mean length the same number of edges would have between the same neurons wired at
   * random: every edge's source paired with every edge's target, so each neuron keeps its share
   * of the edges. Below 1 for mean / shuffled means the wiring prefers near neighbours beyond
   * where the alive neurons happen to sit (a digit's pixels crowd the image's centre).
   */
  readonly shuffled: number;
}

/**
 * How local the surviving edges of an MLP's weight layer `layer` (stage layer to layer + 1) are:
 * their mean length against the same ends paired at random (EdgeLocality). Exact, not sampled:
 * the random pairing's mean is the degree-weighted mean over every (source, target) pair.
 */
export function edgeLocality(g: NetworkGraph, layer: number): EdgeLocality {
  const edges = g.edges.filter((e) => e.layer === layer);
  const coords = (stage: number) => new Map(g.layers[stage].map((n) => [n.index, n.coords]));
  const from = coords(layer);
  const to = coords(layer + 1);
  const length = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, k) => s + Math.abs(x - b[k]), 0);
  const degrees = (ends: number[]) => {
    const d = new Map<number, number>();
    for (const n of ends) d.set(n, (d.get(n) ?? 0) + 1);
    return [...d];
  };
  const m = edges.length;
  if (m === 0) return { edges: 0, mean: NaN, shuffled: NaN };
  const mean = edges.reduce((s, e) => s + length(from.get(e.from)!, to.get(e.to)!), 0) / m;
  let shuffled = 0;
  for (const [i, di] of degrees(edges.map((e) => e.from))) {
    for (const [o, dout] of degrees(edges.map((e) => e.to))) shuffled += di * dout * length(from.get(i)!, to.get(o)!);
  }
  return { edges: m, mean, shuffled: shuffled / (m * m) };
}

/** The surviving edges are local: mean length at most `maxRatio` times that of the same ends wired at random. */
export function localityClaim(claim: string, loc: EdgeLocality, maxRatio: number, reference: string): ClaimResult {
  const ratio = loc.mean / loc.shuffled;
  return {
    claim,
    reference: `<= ${maxRatio} (${reference})`,
    measured: loc.edges === 0 ? 'no edges survive' : `${ratio.toFixed(2)} (${loc.edges} edges, mean length ${loc.mean.toFixed(3)} against ${loc.shuffled.toFixed(3)})`,
    pass: loc.edges > 0 && ratio <= maxRatio,
  };
}
