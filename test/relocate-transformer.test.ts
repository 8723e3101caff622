// Relocation on the BioTransformer's model graph, held to brute force: the incremental swap delta
// against the whole cost recomputed, the swap search against a search that recomputes the cost
// for every candidate, a stream swap against the tensors it must move, and a checkpoint round trip
// in the reference module's names and shapes.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relocate, swapDelta } from '../src/bimt/relocate.js';
import { applySwap, type Swap } from '../src/bimt/swap.js';
import { connectionCost, costCoefficients, type CostCoefficients, type CostSpec } from '../src/model/connection-cost.js';
import { initNetwork } from '../src/model/init.js';
import { layerOf, type ModelGraph, type TransformerArchitecture } from '../src/model/model-graph.js';
import { cloneNetwork, type Network } from '../src/model/network.js';
import { readCheckpoint, writeCheckpoint } from '../src/runs/checkpoint.js';
import { decodeSafetensors } from '../src/runs/safetensors.js';
import { Rng } from '../src/util/random.js';
import { randomNetwork } from './helpers.js';

function transformer(heads: number, layerNorm: boolean): TransformerArchitecture {
  return { kind: 'transformer', inDim: 2, outDim: 2, embed: 8, blocks: 2, heads, mlpHidden: 16, seqLen: 3, layerNorm };
}

const archs: TransformerArchitecture[] = [transformer(1, false), transformer(1, true), transformer(2, false), transformer(2, true)];
const specs: CostSpec[] = [
  { weightFactor: 1, l0: 0.2, noPenalizeLast: false, aggregate: 'sum' },
  { weightFactor: 2, l0: 0.5, noPenalizeLast: true, aggregate: 'mean' },
];
const name = (a: TransformerArchitecture) => `heads ${a.heads}, layer_norm ${a.layerNorm}`;

/** The cost after applying `swaps` to a copy of `net`, recomputed over every tensor. */
function costAfter(net: Network, coef: CostCoefficients, swaps: readonly Swap[]): number {
  const trial = cloneNetwork(net);
  for (const s of swaps) applySwap(trial, s);
  return connectionCost(trial.params, coef, true);
}

/**
 * A position's score, from its definition: |incoming| plus |outgoing| weights, each weight tensor
 * it is a slice of averaged over that tensor's folds (q, k, v at an attention layer). Biases and
 * LayerNorm parameters do not count.
 */
function positionScore(net: Network, layer: string, j: number): number {
  const g = net.graph;
  const size = layerOf(g, layer).size;
  let s = 0;
  for (const t of g.tensors) {
    if (t.kind !== 'weight') continue;
    const w = net.params.get(t.name)!;
    const [rows, cols] = t.shape;
    if (t.to === layer) {
      let part = 0;
      for (let f = 0; f < t.toFold; f++) for (let r = 0; r < rows; r++) part += Math.abs(w[r * cols + f * size + j]);
      s += part / t.toFold;
    }
    if (t.from === layer) {
      let part = 0;
      for (let f = 0; f < t.fromFold; f++) for (let o = 0; o < cols; o++) part += Math.abs(w[(f * size + j) * cols + o]);
      s += part / t.fromFold;
    }
  }
  return s;
}

/** The top_k of `units` by score, highest first, lower index first on ties. */
function top(units: number[], score: (u: number) => number, topK: number): number[] {
  const s = new Map(units.map((u) => [u, score(u)]));
  return [...units].sort((a, b) => s.get(b)! - s.get(a)! || a - b).slice(0, topK);
}

/**
 * The lowest-cost candidate, the whole cost recomputed for each; candidates are tried in order and
 * the first minimum wins. Recomputing the whole cost adds rounding noise of ~1e-16 relative:
 * candidates within that are exact ties (e.g. every output swap under no_penalize_last).
 */
function cheapest<T>(candidates: T[], cost: (c: T) => number): T {
  let best: T = candidates[0]!;
  let bestCost = cost(best);
  for (const c of candidates.slice(1)) {
    const v = cost(c);
    if (v < bestCost - 1e-12 * Math.abs(bestCost)) {
      best = c;
      bestCost = v;
    }
  }
  return best;
}

/**
 * The reference's search on the model graph, by brute force: layers in `graph.relocationOrder`; at
 * a layer with several heads, first the top_k heads by mean position score each swap whole with
 * the head that lowers the cost most; then, head by head, the top_k positions of the head each
 * swap with the position of that head that lowers the cost most (lowest index on ties, itself
 * meaning no swap). Scores are taken once per pass, before its swaps.
 */
function bruteForceRelocate(net: Network, coef: CostCoefficients, topK: number, swapInputs: boolean): Swap[] {
  const swaps: Swap[] = [];
  const swap = (s: Swap) => {
    applySwap(net, s);
    swaps.push(s);
  };
  for (const layer of net.graph.relocationOrder) {
    const { size, heads, role } = layerOf(net.graph, layer);
    if (role === 'input' && !swapInputs) continue;
    const hd = size / heads;
    const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    const headSwap = (j: number, k: number): Swap[] => (j === k ? [] : range(0, hd).map((i) => ({ layer, a: j * hd + i, b: k * hd + i })));
    if (heads > 1) {
      const score = range(0, size).map((j) => positionScore(net, layer, j));
      const headScore = (h: number) => score.slice(h * hd, (h + 1) * hd).reduce((a, b) => a + b, 0) / hd;
      for (const j of top(range(0, heads), headScore, topK)) {
        const k = cheapest(range(0, heads), (k) => costAfter(net, coef, headSwap(j, k)));
        headSwap(j, k).forEach(swap);
      }
    }
    const score = range(0, size).map((j) => positionScore(net, layer, j));
    for (let h = 0; h < heads; h++) {
      for (const j of top(range(h * hd, hd), (p) => score[p]!, topK)) {
        const k = cheapest(range(h * hd, hd), (k) => costAfter(net, coef, [{ layer, a: j, b: k }]));
        if (k !== j) swap({ layer, a: j, b: k });
      }
    }
  }
  return swaps;
}

describe('transformer graph', () => {
  it('has every layer the relocation visits: input, stream, each attention and MLP layer, output', () => {
    const g = initNetwork(transformer(2, true), 0).graph;
    expect([...g.relocationOrder].sort()).toEqual(
      ['input', 'stream', 'blocks.0.attn', 'blocks.0.mlp', 'blocks.1.attn', 'blocks.1.mlp', 'output'].sort(),
    );
    expect(g.layers.map((l) => l.name).sort()).toEqual([...g.relocationOrder].sort());
    expect(layerOf(g, 'blocks.1.attn').heads).toBe(2);
  });
});

describe('swapDelta on transformers', () => {
  for (const arch of archs) {
    it(`equals the recomputed change of the cost in every layer (${name(arch)})`, () => {
      const rng = new Rng(arch.heads * 10 + Number(arch.layerNorm), 'pairs');
      let checked = 0;
      for (const spec of specs) {
        for (let seed = 0; seed < 3; seed++) {
          const net = randomNetwork(arch, 17 * seed + arch.heads);
          const coef = costCoefficients(net.graph, spec);
          const base = connectionCost(net.params, coef, true);
          for (const layer of net.graph.layers) {
            for (let t = 0; t < 12; t++) {
              const a = rng.int(layer.size);
              let b = rng.int(layer.size - 1);
              if (b >= a) b++;
              const brute = costAfter(net, coef, [{ layer: layer.name, a, b }]) - base;
              const d = swapDelta(net, coef, layer.name, a, b);
              // 1e-9 relative; the floor is the rounding of two recomputed sums of the whole cost.
              expect(Math.abs(d - brute)).toBeLessThanOrEqual(1e-9 * Math.abs(brute) + 1e-13 * base);
              checked++;
            }
          }
        }
      }
      expect(checked).toBe(2 * 3 * 7 * 12);
    });
  }

  it('is not trivially zero: the recomputed changes of the stream and attention layers are large', () => {
    const net = randomNetwork(transformer(2, true), 1);
    const coef = costCoefficients(net.graph, specs[0]);
    const base = connectionCost(net.params, coef, true);
    for (const layer of ['input', 'stream', 'blocks.0.attn', 'blocks.1.mlp']) {
      expect(Math.abs(costAfter(net, coef, [{ layer, a: 0, b: 1 }]) - base)).toBeGreaterThan(1e-6 * base);
    }
  });
});

describe('relocate on transformers', () => {
  for (const arch of archs) {
    it(`chooses exactly the swaps of the brute-force search (${name(arch)})`, () => {
      let total = 0;
      let headSwaps = 0;
      for (const spec of specs) {
        for (let seed = 0; seed < 3; seed++) {
          for (const [topK, swapInputs] of [
            [3, true],
            [8, false],
          ] as const) {
            const net = randomNetwork(arch, 31 * seed + 7 * arch.heads + Number(arch.layerNorm));
            const coef = costCoefficients(net.graph, spec);
            const brute = cloneNetwork(net);
            const expected = bruteForceRelocate(brute, coef, topK, swapInputs);
            const got = relocate(net, coef, { topK, swapInputs });
            expect(got).toEqual(expected);
            for (const [t, a] of net.params) expect(a).toEqual(brute.params.get(t));
            expect(net.inPerm).toEqual(brute.inPerm);
            expect(net.outPerm).toEqual(brute.outPerm);
            if (!swapInputs) expect(got.some((s) => s.layer === 'input')).toBe(false);
            total += got.length;
            // A swap across heads can only come from the head pass.
            const hd = arch.embed / arch.heads;
            headSwaps += got.filter((s) => s.layer.endsWith('.attn') && Math.floor(s.a / hd) !== Math.floor(s.b / hd)).length;
          }
        }
      }
      expect(total).toBeGreaterThan(50); // real swaps, not no-ops
      if (arch.heads > 1) expect(headSwaps).toBeGreaterThan(0); // the head pass moved whole heads
    });
  }

  it('never raises the connection cost', () => {
    for (const arch of archs) {
      const net = randomNetwork(arch, 5);
      const coef = costCoefficients(net.graph, specs[0]);
      let before = connectionCost(net.params, coef, true);
      const start = before;
      for (let pass = 0; pass < 5; pass++) {
        relocate(net, coef, { topK: 4, swapInputs: true });
        const after = connectionCost(net.params, coef, true);
        expect(after).toBeLessThanOrEqual(before + 1e-9);
        before = after;
      }
      expect(before).toBeLessThan(start);
    }
  });
});

/** Entries i and j of a vector exchanged. */
function swappedEntries(a: Float32Array, i: number, j: number): Float32Array {
  const out = a.slice();
  [out[i], out[j]] = [a[j]!, a[i]!];
  return out;
}
/** Columns i and j (plus `folds` fold copies, each `size` apart) of a [rows, cols] matrix exchanged. */
function swappedColumns(a: Float32Array, rows: number, cols: number, i: number, j: number): Float32Array {
  const out = a.slice();
  for (let r = 0; r < rows; r++) [out[r * cols + i], out[r * cols + j]] = [a[r * cols + j]!, a[r * cols + i]!];
  return out;
}
/** Rows i and j of a [rows, cols] matrix exchanged. */
function swappedRows(a: Float32Array, cols: number, i: number, j: number): Float32Array {
  const out = a.slice();
  out.set(a.subarray(j * cols, (j + 1) * cols), i * cols);
  out.set(a.subarray(i * cols, (i + 1) * cols), j * cols);
  return out;
}
function shapeOf(g: ModelGraph, t: string): readonly number[] {
  return g.tensors.find((x) => x.name === t)!.shape;
}

describe('a swap of the residual stream', () => {
  for (const arch of archs) {
    it(`moves every tensor the stream touches, and only those; the cost changes by swapDelta (${name(arch)})`, () => {
      const net = randomNetwork(arch, 3);
      const before = cloneNetwork(net);
      const coef = costCoefficients(net.graph, specs[0]);
      const [a, b] = [1, 6];
      const delta = swapDelta(net, coef, 'stream', a, b);
      const cost0 = connectionCost(net.params, coef, true);
      applySwap(net, { layer: 'stream', a, b });
      const E = arch.embed;
      const p = (t: string) => net.params.get(t)!;
      const q = (t: string) => before.params.get(t)!;
      // A writer: the input projection's columns and bias entries.
      expect(p('l_i.linear.weight')).toEqual(swappedColumns(q('l_i.linear.weight'), arch.inDim, E, a, b));
      expect(p('l_i.linear.bias')).toEqual(swappedEntries(q('l_i.linear.bias'), a, b));
      // Writers inside the blocks: attention output and MLP output projections.
      expect(p('blocks.1.attn.l_proj.linear.weight')).toEqual(swappedColumns(q('blocks.1.attn.l_proj.linear.weight'), E, E, a, b));
      expect(p('blocks.0.mlp.linears.1.linear.weight')).toEqual(swappedColumns(q('blocks.0.mlp.linears.1.linear.weight'), arch.mlpHidden, E, a, b));
      // A reader: the q/k/v projection's rows (all three folds read the stream), and the output head.
      expect(p('blocks.0.attn.l_attn.linear.weight')).toEqual(swappedRows(q('blocks.0.attn.l_attn.linear.weight'), 3 * E, a, b));
      expect(p('l_f.linear.weight')).toEqual(swappedRows(q('l_f.linear.weight'), arch.outDim, a, b));
      // LayerNorm gains and biases over the stream.
      for (const t of ['blocks.0.ln_1.weight', 'blocks.1.ln_2.bias', 'ln_f.weight']) expect(p(t)).toEqual(swappedEntries(q(t), a, b));
      expect(p('blocks.0.ln_1.weight')).not.toEqual(q('blocks.0.ln_1.weight')); // random gains: the check has teeth
      // Nothing else moved: the attention and MLP layers' own slices, the output bias.
      const touched = new Set(net.graph.incidence.get('stream')!.map((i) => i.tensor));
      // l_i (weight, bias), per block 2 writers (weight, bias) and 2 readers plus 2 LayerNorms
      // (weight, bias), then ln_f (weight, bias) and l_f's weight.
      expect(touched.size).toBe(2 + arch.blocks * (4 + 2 + 4) + 3);
      for (const t of net.graph.tensors) if (!touched.has(t.name)) expect(p(t.name)).toEqual(q(t.name));
      expect(net.inPerm).toEqual(before.inPerm);
      expect(net.outPerm).toEqual(before.outPerm);
      // The cost is consistent: the swap changed it by exactly what swapDelta predicted, and
      // swapping back restores it.
      const cost1 = connectionCost(net.params, coef, true);
      expect(Math.abs(cost1 - cost0 - delta)).toBeLessThanOrEqual(1e-9 * Math.abs(delta) + 1e-13 * cost0);
      expect(Math.abs(delta)).toBeGreaterThan(0);
      expect(Math.abs(swapDelta(net, coef, 'stream', a, b) + delta)).toBeLessThanOrEqual(1e-12 * cost0);
      applySwap(net, { layer: 'stream', a, b });
      for (const [t, x] of net.params) expect(x).toEqual(q(t));
      expect(shapeOf(net.graph, 'l_i.linear.weight')).toEqual([arch.inDim, E]);
    });
  }
});

describe('transformer checkpoints', () => {
  for (const arch of archs) {
    it(`round-trip exactly, under the reference module's names and shapes (${name(arch)})`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'bimt-transformer-'));
      const E = arch.embed;
      const rng = new Rng(arch.heads, 'perms');
      for (const [label, net] of [
        ['fresh', initNetwork(arch, 4)],
        ['random', randomNetwork(arch, 4)],
      ] as const) {
        if (label === 'fresh') {
          rng.shuffle(net.inPerm);
          rng.shuffle(net.outPerm);
        }
        const path = join(dir, `${label}.safetensors`);
        writeCheckpoint(path, { step: 40, net });
        const back = readCheckpoint(path, arch);
        expect(back.step).toBe(40);
        expect(back.net.graph.arch).toEqual(arch);
        expect(back.net.params).toEqual(net.params);
        expect([...back.net.params.keys()]).toEqual([...net.params.keys()]);
        expect(back.net.inPerm).toEqual(net.inPerm);
        expect(back.net.outPerm).toEqual(net.outPerm);

        const file = decodeSafetensors(readFileSync(path), path);
        const t = (n: string) => {
          const x = file.tensors[n];
          if (!x) throw new Error(`no tensor ${n} in the file`);
          return x;
        };
        expect(t('l_i.linear.weight')).toMatchObject({ dtype: 'F32', shape: [E, arch.inDim] });
        expect(t('l_i.linear.bias')).toMatchObject({ dtype: 'F32', shape: [E] });
        for (let k = 0; k < arch.blocks; k++) {
          expect(t(`blocks.${k}.attn.l_attn.linear.weight`)).toMatchObject({ dtype: 'F32', shape: [3 * E, E] });
          expect(t(`blocks.${k}.attn.l_attn.linear.bias`)).toMatchObject({ dtype: 'F32', shape: [3 * E] });
          expect(t(`blocks.${k}.attn.l_proj.linear.weight`)).toMatchObject({ dtype: 'F32', shape: [E, E] });
          expect(t(`blocks.${k}.mlp.linears.0.linear.weight`)).toMatchObject({ dtype: 'F32', shape: [arch.mlpHidden, E] });
          expect(t(`blocks.${k}.mlp.linears.1.linear.weight`)).toMatchObject({ dtype: 'F32', shape: [E, arch.mlpHidden] });
          for (const ln of ['ln_1', 'ln_2']) {
            expect(t(`blocks.${k}.${ln}.weight`)).toMatchObject({ dtype: 'F32', shape: [E] });
            expect(t(`blocks.${k}.${ln}.bias`)).toMatchObject({ dtype: 'F32', shape: [E] });
          }
        }
        expect(t('ln_f.weight')).toMatchObject({ dtype: 'F32', shape: [E] });
        expect(t('l_f.linear.weight')).toMatchObject({ dtype: 'F32', shape: [arch.outDim, E] });
        expect(t('l_f.linear.bias')).toMatchObject({ dtype: 'F32', shape: [arch.outDim] });
        expect(t('in_perm')).toMatchObject({ dtype: 'I64', shape: [arch.inDim] });
        expect(t('out_perm')).toMatchObject({ dtype: 'I64', shape: [arch.outDim] });
        expect(Array.from(t('in_perm').data as BigInt64Array, Number)).toEqual(Array.from(net.inPerm));
        expect(Array.from(t('out_perm').data as BigInt64Array, Number)).toEqual(Array.from(net.outPerm));
        // Every tensor is there and nothing else: the module's state dict plus the permutations.
        expect(Object.keys(file.tensors).sort()).toEqual([...net.graph.tensors.map((x) => x.name), 'in_perm', 'out_perm'].sort());
        // PyTorch's [out, in]: the file holds W[i, o] at o * N_in + i.
        const wi = t('l_i.linear.weight').data as Float32Array;
        const host = net.params.get('l_i.linear.weight')!;
        for (let i = 0; i < arch.inDim; i++) for (let o = 0; o < E; o++) expect(wi[o * arch.inDim + i]).toBe(host[i * E + o]);
        if (label === 'fresh') {
          // A fresh network's LayerNorms: gains 1, biases 0.
          for (const n of Object.keys(file.tensors).filter((n) => /(^|\.)ln_(1|2|f)\./.test(n))) {
            const want = n.endsWith('.weight') ? 1 : 0;
            expect(Array.from(t(n).data as Float32Array).every((x) => x === want)).toBe(true);
          }
          expect(Object.keys(file.tensors).filter((n) => /ln_/.test(n))).toHaveLength(2 * (2 * arch.blocks + 1));
        }
      }
    });
  }
});
