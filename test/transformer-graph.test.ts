// The transformer's model graph against its arithmetic: a swap of any two positions of any neuron
// layer (input, residual stream, attention, MLP hidden, output) leaves the function unchanged; the
// host gradient of the connection cost equals finite differences of the cost; pruning keeps the
// function while removing dead positions; the graph snapshot sees residual connections.
import { describe, expect, it } from 'vitest';
import { networkGraph } from '../src/bimt/graph.js';
import { pruneNetwork } from '../src/bimt/prune.js';
import { applySwap } from '../src/bimt/swap.js';
import { addCostGradient, connectionCost, costCoefficients } from '../src/model/connection-cost.js';
import { initNetwork } from '../src/model/init.js';
import { gradsFor, layerOf, type TransformerArchitecture } from '../src/model/model-graph.js';
import { cloneNetwork, type Network } from '../src/model/network.js';
import { HostTransformer } from '../src/model/transformer-host.js';
import { Rng } from '../src/util/random.js';

const arch = (o: Partial<TransformerArchitecture> = {}): TransformerArchitecture => ({
  kind: 'transformer',
  inDim: 3,
  outDim: 2,
  embed: 8,
  blocks: 2,
  heads: 1,
  mlpHidden: 12,
  seqLen: 3,
  layerNorm: false,
  ...o,
});

/** A fresh network with every tensor uniform in [-0.6, 0.6] (LayerNorm gains near 1). */
function randomNet(a: TransformerArchitecture, seed: number): Network {
  const net = initNetwork(a, seed);
  const rng = new Rng(seed, 'transformer-graph');
  for (const t of net.graph.tensors) {
    const p = net.params.get(t.name)!;
    const gain = t.kind === 'norm' && t.init === 1;
    for (let i = 0; i < p.length; i++) p[i] = gain ? 1 + rng.range(-0.3, 0.3) : rng.range(-0.6, 0.6);
  }
  return net;
}

const data = (a: TransformerArchitecture, n: number, seed: number) => {
  const rng = new Rng(seed, 'transformer-graph-data');
  return {
    n,
    x: Float32Array.from({ length: n * a.seqLen * a.inDim }, () => rng.range(-1, 1)),
    y: new Float32Array(n * a.seqLen * a.outDim),
  };
};

function predict(net: Network, split: ReturnType<typeof data>): Float64Array {
  const a = net.graph.arch as TransformerArchitecture;
  return new HostTransformer(a, [[a.seqLen - 1, 0]], 64).predict(net.params, net.inPerm, net.outPerm, split);
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('transformer model graph', () => {
  for (const variant of [arch(), arch({ heads: 2, layerNorm: true })]) {
    const tag = `heads ${variant.heads}, layer_norm ${variant.layerNorm}`;

    it(`swapping two positions of any neuron layer leaves the outputs unchanged (${tag})`, () => {
      const net = randomNet(variant, 3);
      const split = data(variant, 20, 4);
      const before = predict(net, split);
      const rng = new Rng(5, 'pairs');
      for (const layer of net.graph.layers) {
        // Positions swap within a head (across heads q and k would change heads); whole heads swap too.
        const hd = layer.size / layer.heads;
        for (let trial = 0; trial < 3; trial++) {
          const swapped = cloneNetwork(net);
          const head = rng.int(layer.heads);
          const a = head * hd + rng.int(hd);
          const b = head * hd + ((a - head * hd + 1 + rng.int(hd - 1)) % hd);
          applySwap(swapped, { layer: layer.name, a, b });
          // Something moved (a swap of two equal slices would prove nothing).
          expect([...swapped.params].some(([k, v]) => v.some((x, i) => x !== net.params.get(k)![i])) || layer.role !== 'hidden', layer.name).toBe(true);
          expect(maxAbsDiff(predict(swapped, split), before), `${layer.name} ${a}<->${b}`).toBeLessThan(1e-5);
        }
        if (layer.heads > 1) {
          const swapped = cloneNetwork(net);
          for (let i = 0; i < hd; i++) applySwap(swapped, { layer: layer.name, a: i, b: hd + i });
          expect(maxAbsDiff(predict(swapped, split), before), `${layer.name}: heads 0 and 1`).toBeLessThan(1e-5);
          // A single position moved to another head does change the function: the test can tell.
          const across = cloneNetwork(net);
          applySwap(across, { layer: layer.name, a: 0, b: hd });
          expect(maxAbsDiff(predict(across, split), before)).toBeGreaterThan(1e-3);
        }
      }
      // Every layer of the paper's figure is covered.
      expect(net.graph.layers.map((l) => l.name)).toEqual(['input', 'stream', 'blocks.0.attn', 'blocks.0.mlp', 'blocks.1.attn', 'blocks.1.mlp', 'output']);
      expect(layerOf(net.graph, 'blocks.0.attn').heads).toBe(variant.heads);
    });
  }

  it('the host gradient of the connection cost equals central finite differences of the cost', () => {
    const net = randomNet(arch(), 7);
    const spec = { weightFactor: 2, l0: 0.5, noPenalizeLast: false, aggregate: 'mean' as const };
    const coef = costCoefficients(net.graph, spec);
    const grads = gradsFor(net.graph);
    addCostGradient(net.params, coef, true, 1, grads);
    const rng = new Rng(8, 'fd');
    let checked = 0;
    for (const t of net.graph.tensors) {
      const p = net.params.get(t.name)!;
      for (let k = 0; k < 3; k++) {
        const i = rng.int(p.length);
        const x = p[i];
        const h = 1e-3 * Math.max(1e-2, Math.abs(x)); // |w| is smooth away from 0 and |x| >> h here
        p[i] = x + h;
        const xUp = p[i]; // as stored in float32
        const up = connectionCost(net.params, coef, true);
        p[i] = x - h;
        const xDown = p[i];
        const down = connectionCost(net.params, coef, true);
        p[i] = x;
        const fd = (up - down) / (xUp - xDown);
        // LayerNorm parameters carry no cost: both are 0.
        expect(grads.get(t.name)![i], `${t.name}[${i}]`).toBeCloseTo(fd, 6);
        checked++;
      }
    }
    expect(checked).toBe(3 * net.graph.tensors.length);
  });

  it('pruning removes positions nothing reads and keeps the function', () => {
    const a = arch({ blocks: 1 });
    const net = randomNet(a, 11);
    // MLP hidden neuron 3 is read by nothing; stream position 5 is written by nothing and read by
    // the MLP only: a constant, whose value must be folded into the biases of what reads it.
    const w1 = net.params.get('blocks.0.mlp.linears.1.linear.weight')!;
    w1.fill(0, 3 * a.embed, 4 * a.embed);
    for (const name of ['l_i.linear.weight', 'blocks.0.attn.l_proj.linear.weight', 'blocks.0.mlp.linears.1.linear.weight', 'blocks.0.attn.l_attn.linear.weight']) {
      const w = net.params.get(name)!;
      const cols = name.includes('l_attn') ? 3 * a.embed : a.embed;
      for (let r = 0; r < w.length / cols; r++) {
        if (name.includes('l_attn')) w[5 * cols + r] = 0; // row 5: the stream position is not read by attention
        else w[r * cols + 5] = 0; // column 5: nothing writes the position
      }
    }
    const split = data(a, 16, 12);
    const before = predict(net, split);
    const labels = { inputs: ['a', 'b', 'c'], outputs: ['y', 'z'] };
    const { net: pruned, graph } = pruneNetwork(net, 0, labels);
    expect(maxAbsDiff(predict(pruned, split), before)).toBeLessThan(1e-5);
    // The dead MLP neuron's incoming weights are gone; the constant stream position is gone everywhere.
    const w0 = pruned.params.get('blocks.0.mlp.linears.0.linear.weight')!;
    for (let r = 0; r < a.embed; r++) expect(w0[r * a.mlpHidden + 3]).toBe(0);
    const mlpStage = pruned.graph.stages.findIndex((s) => s.layer === 'blocks.0.mlp');
    expect(graph.layers[mlpStage].map((n) => n.index)).not.toContain(3);
    for (let s = 0; s < pruned.graph.stages.length; s++) {
      if (pruned.graph.stages[s].layer === 'stream') expect(graph.layers[s].map((n) => n.index), `stage ${s}`).not.toContain(5);
    }
    expect(pruned.params.get('l_i.linear.bias')![5]).toBe(0);
    // Residual connections join the stream's rows in the snapshot.
    expect(graph.residuals.length).toBeGreaterThan(0);
    expect(graph.weightsTotal).toBe([...pruned.graph.tensors].filter((t) => t.kind === 'weight').reduce((n, t) => n + pruned.params.get(t.name)!.length, 0));
  });

  it('pruning folds a constant MLP neuron through GELU into the biases it feeds', () => {
    const a = arch({ blocks: 1 });
    const net = randomNet(a, 17);
    // MLP hidden neuron 7 reads nothing: its output is gelu(its bias), a constant that the next
    // layer's bias must take over when pruning removes the neuron. SiLU in its place would differ.
    const w0 = net.params.get('blocks.0.mlp.linears.0.linear.weight')!;
    for (let r = 0; r < a.embed; r++) w0[r * a.mlpHidden + 7] = 0;
    net.params.get('blocks.0.mlp.linears.0.linear.bias')![7] = 1.3;
    const split = data(a, 16, 18);
    const before = predict(net, split);
    const { net: pruned, graph } = pruneNetwork(net, 0, { inputs: ['a', 'b', 'c'], outputs: ['y', 'z'] });
    const w1 = pruned.params.get('blocks.0.mlp.linears.1.linear.weight')!;
    for (let c = 0; c < a.embed; c++) expect(w1[7 * a.embed + c]).toBe(0);
    const mlpStage = pruned.graph.stages.findIndex((s) => s.layer === 'blocks.0.mlp');
    expect(graph.layers[mlpStage].map((n) => n.index)).not.toContain(7);
    expect(maxAbsDiff(predict(pruned, split), before)).toBeLessThan(1e-5);
  });

  it('a snapshot of a fresh network has every position alive and one module', () => {
    const net = randomNet(arch(), 13);
    const g = networkGraph(net, { inputs: ['a', 'b', 'c'], outputs: ['y', 'z'] }, 0);
    expect(g.widths).toEqual([3, 8, 8, 8, 12, 8, 8, 8, 12, 8, 2]);
    expect(g.layers.map((l) => l.length)).toEqual(g.widths);
    expect(g.modules.length).toBe(1);
    expect(g.weightsKept).toBe(g.weightsTotal);
  });
});
