/**
 * `bimt plot` end to end, as a user runs it (the compiled CLI in a subprocess; `npm test` builds
 * dist first): usage errors are one line with exit code 2, and a real short two-moons run gives
 * well-formed SVG files with the expected content. Also the grouping of embedding dimensions
 * behind the per-group modular-addition pictures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { networkGraph } from '../src/bimt/graph.js';
import type { Network } from '../src/model/network.js';
import { embeddingGroups } from '../src/bimt/graph.js';
import { mlp, mlpNetwork } from './helpers.js';
import { elements } from './svg-elements.js';

const bimt = (...args: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...args], { encoding: 'utf8' });

/** Text content of every <text> element. */
function texts(svg: string): string[] {
  return elements(svg, 'text').map((t) => String(t['#text'] ?? ''));
}

/** The stderr of a failed command: exactly one line, starting "bimt: ". */
function oneLineError(r: ReturnType<typeof bimt>): string {
  expect(r.status).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^bimt: /);
  return lines[0];
}

describe('bimt plot (command line)', () => {
  const runs = mkdtempSync(join(tmpdir(), 'bimt-plot-'));
  const run = join(runs, 'r');

  beforeAll(() => {
    const r = bimt(
      'train', 'configs/two-moons.yaml',
      '--set', 'train.steps=300', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=100',
      '--runs-dir', runs, '--name', 'r',
    );
    expect(r.status, r.stderr).toBe(0);
  });

  it('names a missing run directory', () => {
    const missing = join(runs, 'no-such-run');
    expect(oneLineError(bimt('plot', missing))).toContain(missing);
  });

  it('lists the available steps when --step has no checkpoint', () => {
    expect(oneLineError(bimt('plot', run, '--step', '150'))).toContain('no checkpoint at step 150 (available: 0, 100, 200, 300)');
  });

  it('refuses --out with more than one kind', () => {
    const out = join(runs, 'x.svg');
    expect(oneLineError(bimt('plot', run, '--kind', 'all', '--out', out))).toMatch(/--out .*single --kind/);
    expect(oneLineError(bimt('plot', run, '--out', out))).toMatch(/--out .*single --kind/);
    expect(existsSync(out)).toBe(false);
  });

  it('reports an unwritable output path in one line', () => {
    const file = join(runs, 'a-file');
    writeFileSync(file, '');
    const target = join(file, 'curves.svg');
    // Exit 1: the disk refused a valid request, as for prune's writes.
    const r = bimt('plot', run, '--kind', 'curves', '--out', target);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`bimt: cannot write ${target}: a file is in the way of its folder`);
  });

  it('draws every kind of a real run into <run>/plots', () => {
    const r = bimt('plot', run);
    expect(r.status, r.stderr).toBe(0);
    const plots = join(run, 'plots');
    const files = ['network-step-000300.svg', 'curves.svg', 'task-step-000300.svg'].map((f) => join(plots, f));
    expect(r.stdout.trim().split('\n')).toEqual(files.map((f) => `wrote ${f}`));
    const [network, curves, task] = files.map((f) => readFileSync(f, 'utf8'));

    expect(elements(network, 'line').length).toBeGreaterThan(10);
    expect(texts(network)).toEqual(expect.arrayContaining(['x1', 'x2', 'class 0', 'class 1']));

    const panels = elements(curves, 'g').map((g) => g['@_data-label']).filter((l) => l !== undefined);
    // The run's snapshots give the modularity panels.
    expect(panels).toEqual(['loss', 'accuracy', 'connection cost', 'swaps, total', 'weights |w|>0.01', 'modularity Q', 'modules', 'λ']);

    // Two moons: the decision regions and the 200 test points, coloured by class.
    const points = elements(task, 'circle').filter((c) => /^class-[01]$/.test(String(c['@_class'])));
    expect(points).toHaveLength(200);
    expect(texts(task)).toEqual(expect.arrayContaining(['class 0', 'class 1']));
    expect(texts(task).join(' ')).toMatch(/test accuracy \d+(\.\d)?%/);
  });

  it('draws a pruned checkpoint of --step, and a checkpoint file given directly', () => {
    const r = bimt('plot', run, '--kind', 'network', '--step', '200', '--pruned');
    expect(r.status, r.stderr).toBe(0);
    const svg = readFileSync(join(run, 'plots', 'network-pruned-step-000200.svg'), 'utf8');
    expect(texts(svg).some((t) => /^module 1: /.test(t))).toBe(true);
    expect(texts(svg).join(' ')).toContain('pruned at |w| ≤ 0.01');

    const out = join(runs, 'task.svg');
    const c = bimt('plot', join(run, 'checkpoints', 'step-000100.safetensors'), '--kind', 'task', '--out', out);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout.trim()).toBe(`wrote ${out}`);
    expect(texts(readFileSync(out, 'utf8')).join(' ')).toContain('step 100');
  });

  it('animates every checkpoint of the run, one frame each', () => {
    const r = bimt('plot', run, '--animate');
    expect(r.status, r.stderr).toBe(0);
    const svg = readFileSync(join(run, 'plots', 'animation.svg'), 'utf8');
    const frames = elements(svg, 'g').filter((g) => g['@_class'] === 'frame');
    expect(frames.map((f) => f['@_data-step'])).toEqual(['0', '100', '200', '300']);
    expect(elements(svg, 'animate')).toHaveLength(4);
  });
});

describe('embeddingGroups', () => {
  it('groups the embedding dimensions combined below the output layer, both folds together', () => {
    // 2 folds x 4 positions -> 4 hidden -> 2 outputs. Positions 0, 1 feed hidden 0, 1 and
    // positions 2, 3 feed hidden 2, 3; every hidden neuron reaches both outputs, so the graph is
    // one module but two groups.
    const widths = [8, 4, 2];
    const w0 = new Float32Array(8 * 4);
    for (let n = 0; n < 8; n++) for (const h of (n % 4) < 2 ? [0, 1] : [2, 3]) w0[n * 4 + h] = 1;
    const net: Network = mlpNetwork(
      mlp(widths, 2, { vocab: 3, dim: 4 }),
      { weights: [w0, new Float32Array(4 * 2).fill(1)], biases: [new Float32Array(4), new Float32Array(2)], embedding: new Float32Array(12) },
      Int32Array.from([3, 1, 0, 2]),
      Int32Array.from([0, 1]),
    );
    const graph = networkGraph(net, { inputs: ['e0', 'e1', 'e2', 'e3'], outputs: ['0', '1'] }, 0);
    expect(graph.modules).toHaveLength(1);
    expect(embeddingGroups(net, graph)).toEqual([
      [1, 3],
      [0, 2],
    ]);
  });
});
