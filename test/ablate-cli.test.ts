// `bimt ablate` through the real CLI on real runs (docs/cli.md, "bimt ablate"): the `none` row is
// the run's own evaluation, a zero-ablated hidden neuron is the network with its outgoing weights
// zeroed (evaluated independently, on tfjs), fig3a's modules each knock out their own output, the
// CSV reads back with Python's csv module, and every bad target is one line with exit 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { networkGraph } from '../src/bimt/graph.js';
import { loadConfig } from '../src/config/load.js';
import { cloneNetwork, embeddingTable } from '../src/model/network.js';
import { readCheckpoint } from '../src/runs/checkpoint.js';
import { readMetrics } from '../src/runs/metrics.js';
import { evaluateNetwork } from '../src/train/evaluate.js';
import { W } from './helpers.js';

const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });
const runs = mkdtempSync(join(tmpdir(), 'bimt-ablate-'));
const fig3a = join(runs, 'fig3a');
const moons = join(runs, 'moons');
const tokens = join(runs, 'tokens');

/** A CSV file as rows of {column: cell}, read by Python's csv module (what pandas' reader agrees with on quoting). */
function readCsv(file: string): Record<string, string>[] {
  const py = 'import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline="")))))';
  const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('bimt ablate (command line)', () => {
  beforeAll(() => {
    // The paper's full fig3a run takes a few seconds on the host engine and separates its two modules.
    for (const [config, name, sets] of [
      ['configs/paper/fig3a.yaml', 'fig3a', []],
      ['configs/two-moons.yaml', 'moons', ['--set', 'train.steps=600', '--set', 'lambda.changes.0.at=300', '--set', 'output.checkpoint_every=600']],
      ['configs/modular-addition.yaml', 'tokens', ['--set', 'train.steps=20', '--set', 'output.checkpoint_every=20']],
    ] as const) {
      const r = bimt('train', config, ...sets, '--runs-dir', runs, '--name', name);
      expect(r.status, r.stderr).toBe(0);
    }
  }, 120_000);

  it('fig3a --each module: none is the run\'s evaluation, and each module knocks out its own output only', () => {
    const r = bimt('ablate', fig3a, '--each', 'module');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(fig3a, 'ablation.csv')}\n`);
    const rows = readCsv(join(fig3a, 'ablation.csv'));
    expect(Object.keys(rows[0]!)).toEqual(['target', 'mode', 'inputs', 'outputs', 'test_loss', 'test_acc', 'test_loss_1', 'test_loss_2']);
    expect(rows.map((x) => x.target)).toEqual(['none', 'module 1', 'module 2']);
    expect(rows[1]!.mode).toBe('mean');
    const last = readMetrics(join(fig3a, 'metrics.csv')).at(-1)!;
    expect(rel(Number(rows[0]!.test_loss), last.test_loss)).toBeLessThan(1e-4);
    expect(rel(Number(rows[0]!.test_loss_1), last.output_losses!.test[0]!)).toBeLessThan(1e-4);
    expect(rows[0]!.test_acc).toBe('');
    // Each module's outputs name which output it computes (its `outputs` cell, as prune lists it).
    const { outputLabels } = loadConfig(join(fig3a, 'config.yaml')).plan.task;
    for (const row of rows.slice(1)) {
      const own = outputLabels.indexOf(row.outputs);
      expect(own).toBeGreaterThanOrEqual(0);
      const ratio = (k: number) => Number(row[`test_loss_${k + 1}`]) / Number(rows[0]![`test_loss_${k + 1}`]);
      expect(ratio(own)).toBeGreaterThan(10);
      expect(ratio(1 - own)).toBeLessThan(1.5);
      expect(ratio(1 - own)).toBeGreaterThan(1 / 1.5);
    }
    expect(r.stdout).toMatch(/^ablated step 20000 \(mean ablation; modules at \|w\| > 0\.05\), test split$/m);
  });

  it('fig3a --keep-only of a module keeps its own output and loses the other; --together ablates both modules in one row', () => {
    const out = join(runs, 'fig3a-keep.csv');
    const r = bimt('ablate', fig3a, '--module', '1', '--keep-only', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const [none, kept] = readCsv(out);
    expect(kept!.target).toBe('keep-only module 1');
    const { outputLabels } = loadConfig(join(fig3a, 'config.yaml')).plan.task;
    const own = outputLabels.indexOf(kept!.outputs);
    const ratio = (k: number) => Number(kept![`test_loss_${k + 1}`]) / Number(none![`test_loss_${k + 1}`]);
    expect(ratio(own)).toBeLessThan(1.5);
    expect(ratio(1 - own)).toBeGreaterThan(10);

    const both = join(runs, 'fig3a-both.csv');
    expect(bimt('ablate', fig3a, '--module', '1', '--module', '2', '--together', '--out', both).status).toBe(0);
    const rows = readCsv(both);
    expect(rows.map((x) => x.target)).toEqual(['none', 'module 1 + module 2']);
    expect(rows[1]!.outputs.split(';').sort()).toEqual([...outputLabels].sort());
    for (const k of [1, 2]) expect(Number(rows[1]![`test_loss_${k}`]) / Number(rows[0]![`test_loss_${k}`])).toBeGreaterThan(10);
  });

  it('zero-ablating a hidden neuron equals evaluating the network with its outgoing weights zeroed', () => {
    const { task, arch } = loadConfig(join(moons, 'config.yaml')).plan;
    const net = readCheckpoint(join(moons, 'checkpoints', 'step-000600.safetensors'), arch).net;
    // An alive neuron of each hidden layer (a dead one would change nothing).
    const graph = networkGraph(net, { inputs: task.inputLabels, outputs: task.outputLabels }, 0.01);
    const [a, b] = [graph.layers[1]![0]!.index, graph.layers[2]![0]!.index];
    const out = join(runs, 'moons-zero.csv');
    const r = bimt('ablate', moons, '--neuron', `hidden1:${a}`, '--neuron', `2:${b}`, '--mode', 'zero', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = readCsv(out);
    expect(Object.keys(rows[0]!)).toEqual(['target', 'mode', 'inputs', 'outputs', 'test_loss', 'test_acc', 'test_acc_0', 'test_acc_1']);
    expect(rows.map((x) => x.target)).toEqual(['none', `neuron hidden1:${a}`, `neuron 2:${b}`]);
    const none = evaluateNetwork(net, task);
    expect(rel(Number(rows[0]!.test_loss), none.testLoss)).toBeLessThan(1e-5);
    expect(Number(rows[0]!.test_acc)).toBeCloseTo(none.testAcc!, 6);
    const width = (l: number) => (arch.kind === 'mlp' ? arch.widths[l]! : 0);
    for (const [row, layer, n] of [[rows[1]!, 1, a], [rows[2]!, 2, b]] as const) {
      const copy = cloneNetwork(net);
      W(copy, layer).fill(0, n * width(layer + 1), (n + 1) * width(layer + 1)); // row n of [N_l, N_{l+1}]: its outgoing weights
      const e = evaluateNetwork(copy, task);
      expect(rel(Number(row.test_loss), e.testLoss)).toBeLessThan(1e-5);
      expect(Number(row.test_acc)).toBeCloseTo(e.testAcc!, 6);
      expect(Number(row.test_loss)).not.toBeCloseTo(none.testLoss, 6);
    }
    // Per-class accuracies average to the accuracy, weighted by each class's test rows.
    const counts = [0, 1].map((c) => Array.from(task.test.y).filter((y) => y === c).length);
    const weighted = (counts[0]! * Number(rows[0]!.test_acc_0) + counts[1]! * Number(rows[0]!.test_acc_1)) / task.test.n;
    expect(weighted).toBeCloseTo(Number(rows[0]!.test_acc), 12);
  });

  it('token inputs: zero-ablating embedding dimension d equals zeroing its embedding column; keeping every dimension changes nothing', () => {
    const { task, arch } = loadConfig(join(tokens, 'config.yaml')).plan;
    const net = readCheckpoint(join(tokens, 'checkpoints', 'step-000020.safetensors'), arch).net;
    const d = 5;
    const out = join(runs, 'tokens.csv');
    const r = bimt('ablate', tokens, '--embedding-dim', String(d), '--mode', 'zero', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const rows = readCsv(out);
    expect(rows[1]!.target).toBe(`embedding-dim ${d}`);
    const copy = cloneNetwork(net);
    const { table, vocab, dim: width } = embeddingTable(copy, 'the test');
    for (let v = 0; v < vocab; v++) table[v * width + d] = 0; // column d of [vocab, dim]
    const [zeroed, untouched] = [evaluateNetwork(copy, task).testLoss, evaluateNetwork(net, task).testLoss];
    expect(rel(Number(rows[1]!.test_loss), zeroed)).toBeLessThan(1e-5);
    expect(rel(Number(rows[0]!.test_loss), untouched)).toBeLessThan(1e-5);
    // After 20 steps one dimension moves the loss by about 1e-4: the change itself must agree (both tokens' copies ablated).
    const change = Number(rows[1]!.test_loss) - Number(rows[0]!.test_loss);
    expect(Math.abs(zeroed - untouched)).toBeGreaterThan(1e-5);
    expect(Math.abs(change - (zeroed - untouched))).toBeLessThan(0.1 * Math.abs(zeroed - untouched));

    const all = Array.from({ length: width }, (_, k) => ['--embedding-dim', String(k)]).flat();
    const keep = bimt('ablate', tokens, ...all, '--keep-only', '--out', out);
    expect(keep.status, keep.stderr).toBe(0);
    const [none, kept] = readCsv(out);
    expect(kept!.target).toMatch(/^keep-only embedding-dim 0 \+ embedding-dim 1 \+ /);
    expect(kept!.test_loss).toBe(none!.test_loss);
  });

  it('refuses every bad target in one line, exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['--neuron', 'hidden9:0'], /^bimt: --neuron hidden9:0: no layer hidden9 \(layers: input, hidden1, hidden2, output; or a stage 0\.\.3\)$/],
      [['--neuron', 'hidden1:999'], /^bimt: --neuron hidden1:999: index out of range \(hidden1 has neurons 0\.\.19\)$/],
      [['--neuron', 'input:x7'], /^bimt: --neuron input:x7: no neuron of input is labelled x7$/],
      [['--neuron', 'hidden1'], /^bimt: --neuron hidden1: expected <layer>:<index or label>/],
      [['--module', '99'], /^bimt: --module 99: the pruned graph \(threshold 0\.01\) has \d+ modules? \(1\.\.\d+\)$/],
      [['--community', '99'], /^bimt: --community 99: the pruned graph \(threshold 0\.01\) has \d+ communit/],
      [['--head', '0:0'], /^bimt: --head 0:0: this network has no attention layer/],
      [['--embedding-dim', '0'], /^bimt: --embedding-dim 0: this network reads features, not tokens/],
      [[], /^bimt: no target to ablate: name one \(--neuron, --module, --community, --embedding-dim, --head\) or give --each neuron\|module\|community$/],
    ];
    for (const [args, message] of cases) {
      const r = bimt('ablate', moons, ...args, '--out', join(runs, 'never.csv'));
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(() => readFileSync(join(runs, 'never.csv'))).toThrow();
  });
});
