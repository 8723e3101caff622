// docs/run-directory.md, "A checkpoint in numpy": the Python code printed there, run by python3
// with numpy on checkpoints bimt writes, gives bimt's own outputs. So the documented meaning of
// in_perm and out_perm (and the weight layout) is the one the code has, for feature inputs, input
// folds and token embeddings.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BioModel } from '../src/model/bio-model.js';
import type { Network } from '../src/model/network.js';
import { writeCheckpoint } from '../src/runs/checkpoint.js';
import { Rng } from '../src/util/random.js';
import { mlp, randomNetwork } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-numpy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fenced python block of the section, as printed. */
function documentedCode(): string {
  const doc = readFileSync('docs/run-directory.md', 'utf8');
  const section = doc.slice(doc.indexOf('### A checkpoint in numpy'));
  const m = /```python\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('no python block under "A checkpoint in numpy"');
  return m[1]!;
}

/** The documented mlp_forward of the checkpoint on `x` (JSON rows), run by python3. */
function numpyOutputs(net: Network, x: number[][], name: string): number[][] {
  const ckpt = join(dir, `${name}.safetensors`);
  writeCheckpoint(ckpt, { step: 7, net });
  const script = join(dir, `${name}.py`);
  writeFileSync(
    script,
    `${documentedCode()}\nimport sys\nt, meta = load(sys.argv[1])\nx = np.array(json.loads(sys.argv[2]))\nprint(json.dumps(mlp_forward(t, meta, x).tolist()))\n`,
  );
  return JSON.parse(execFileSync('python3', [script, ckpt, JSON.stringify(x)], { encoding: 'utf8' })) as number[][];
}

function bimtOutputs(net: Network, x: number[][], tokens: boolean): number[][] {
  const model = BioModel.fromNetwork(net);
  try {
    return tf.tidy(() => model.forward(tf.tensor2d(x, undefined, tokens ? 'int32' : 'float32')).arraySync() as number[][]);
  } finally {
    model.dispose();
  }
}

function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, r) => row.forEach((v, c) => expect(Math.abs(v - want[r]![c]!), `row ${r} output ${c}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[r]![c]!)))));
}

describe('the numpy forward pass of docs/run-directory.md', () => {
  const rng = new Rng(3, 'checkpoint-numpy');
  const features = (n: number, k: number) => Array.from({ length: n }, () => Array.from({ length: k }, () => rng.range(-2, 2)));

  it('gives the outputs of a feature-input MLP with shuffled permutations', () => {
    const net = randomNetwork(mlp([3, 7, 5, 4]), 1);
    const x = features(6, 3);
    expectClose(numpyOutputs(net, x, 'features'), bimtOutputs(net, x, false));
  });

  it('reads each fold of the input through the same permutation', () => {
    const net = randomNetwork(mlp([6, 5, 2], 2), 2);
    const x = features(5, 6);
    expectClose(numpyOutputs(net, x, 'folds'), bimtOutputs(net, x, false));
  });

  it('looks tokens up in the embedding, each fold through the permutation', () => {
    const net = randomNetwork(mlp([8, 6, 5], 2, { vocab: 5, dim: 4 }), 3);
    const x = Array.from({ length: 7 }, () => [rng.int(5), rng.int(5)]);
    expectClose(numpyOutputs(net, x, 'tokens'), bimtOutputs(net, x, true));
  });
});
