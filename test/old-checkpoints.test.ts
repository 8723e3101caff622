// Checkpoints written before the model graph (by commit 3202ea0, the last MLP-chain version, into
// test/fixtures/checkpoints/) still load: the same tensors as today's initialisation from the same
// seed, with the swaps that version applied, and the same function.
import { describe, expect, it } from 'vitest';
import { applySwap } from '../src/bimt/swap.js';
import { initNetwork } from '../src/model/init.js';
import type { MlpArchitecture } from '../src/model/model-graph.js';
import { readCheckpoint } from '../src/runs/checkpoint.js';

const DIR = 'test/fixtures/checkpoints';

describe('checkpoints of the MLP-chain version', () => {
  it.each([
    // file, architecture, seed, swaps made before writing (layer names for the old layer numbers)
    ['mlp-3202ea0.safetensors', { kind: 'mlp', widths: [2, 5, 3, 2], inFold: 1 }, 4, [['input', 0, 1], ['output', 0, 1]], 7],
    ['token-mlp-3202ea0.safetensors', { kind: 'mlp', widths: [6, 4, 7], inFold: 2, embedding: { vocab: 7, dim: 3 } }, 5, [['input', 0, 2]], 3],
  ] as const)('%s loads as the same network', (file, arch, seed, swaps, step) => {
    const want = initNetwork(arch as MlpArchitecture, seed);
    for (const [layer, a, b] of swaps) applySwap(want, { layer, a, b });
    const got = readCheckpoint(`${DIR}/${file}`, arch as MlpArchitecture);
    expect(got.step).toBe(step);
    expect([...got.net.params.keys()]).toEqual([...want.params.keys()]);
    for (const [name, a] of want.params) expect(Array.from(got.net.params.get(name)!), name).toEqual(Array.from(a));
    expect(Array.from(got.net.inPerm)).toEqual(Array.from(want.inPerm));
    expect(Array.from(got.net.outPerm)).toEqual(Array.from(want.outPerm));
    // The swaps moved something: an identity permutation would not tell old names from new.
    expect(Array.from(got.net.inPerm)).not.toEqual(Array.from(got.net.inPerm).sort((x, y) => x - y));
  });
});
