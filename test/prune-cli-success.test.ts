// A successful `bimt prune` through the real CLI on a real short run: what it prints must be what it
// wrote to graph.json, and both must agree with evaluating the checkpoints it read and wrote.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NetworkGraph } from '../src/bimt/graph.js';
import { loadConfig } from '../src/config/load.js';
import { readCheckpoint } from '../src/runs/checkpoint.js';
import { readMetrics } from '../src/runs/metrics.js';
import { buildTask } from '../src/tasks/registry.js';
import { evaluateNetwork } from '../src/train/evaluate.js';
import type { Evaluation } from '../src/tasks/task.js';
import { fmt } from '../src/train/progress.js';
import { weightsOf } from './helpers.js';

const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });
const runs = mkdtempSync(join(tmpdir(), 'bimt-prune-'));
const run = join(runs, 'moons');

type GraphJson = NetworkGraph & { step: number; source: string; before: Evaluation; after: Evaluation };

/** graph.json, its snake_case record keys read back into the names the code uses. */
function readGraph(file: string): GraphJson {
  type Record = { train_loss: number; test_loss: number; train_acc: number | null; test_acc: number | null };
  const g = JSON.parse(readFileSync(file, 'utf8'));
  const ev = (e: Record): Evaluation => ({ trainLoss: e.train_loss, testLoss: e.test_loss, trainAcc: e.train_acc, testAcc: e.test_acc });
  return { ...g, weightsKept: g.weights_kept, weightsTotal: g.weights_total, modularity: g.modularity_q, before: ev(g.before), after: ev(g.after) };
}

/** The number after `label` in the printed report: the first column, or the second with `after`. */
function printed(out: string, label: string, after = false): string {
  const m = out.match(new RegExp(`^  ${label} +(\\S+) +(\\S+)$`, 'm'));
  expect(m, `a "${label}" line in:\n${out}`).not.toBeNull();
  return m![after ? 2 : 1];
}

/** Equal up to float32 rounding (BIMT_BACKEND may run this process on another backend than the CLI's). */
function expectSameEvaluation(got: Evaluation, want: Evaluation) {
  for (const key of ['trainLoss', 'testLoss', 'trainAcc', 'testAcc'] as const) expect(got[key]).toBeCloseTo(want[key]!, 6);
}

describe('bimt prune (command line)', () => {
  beforeAll(() => {
    // Long enough that the connection cost has made most weights negligible.
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=1200', '--set', 'lambda.changes.0.at=600', '--set', 'output.checkpoint_every=600', '--runs-dir', runs, '--name', 'moons');
    expect(r.status).toBe(0);
  });

  it('prunes the last checkpoint, prints what graph.json holds, and both match evaluating the checkpoints', () => {
    const r = bimt('prune', run);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    const dir = join(run, 'pruned', 'step-001200-t0.01'); // the config's output.prune_threshold
    expect(out).toContain(`pruned step 1200 at |w| <= 0.01\n`);
    expect(out).toContain(`wrote ${join(dir, 'checkpoint.safetensors')}\n      ${join(dir, 'graph.json')}\n`);

    const graph = readGraph(join(dir, 'graph.json'));
    expect(graph.step).toBe(1200);
    expect(graph.source).toBe(join(run, 'checkpoints', 'step-001200.safetensors'));
    expect(out).toMatch(new RegExp(`^  weights kept +${graph.weightsKept} / ${graph.weightsTotal}$`, 'm'));
    expect(graph.weightsTotal).toBe(2 * 20 + 20 * 20 + 20 * 2);
    expect(graph.weightsKept).toBeGreaterThan(0);
    expect(graph.weightsKept).toBeLessThan(graph.weightsTotal / 4);
    // Connected components and Louvain communities, each named and explained on its own line.
    expect(out).toMatch(new RegExp(`^  modules +${graph.modules.length}  \\(connected components: no kept weight joins two of them\\)$`, 'm'));
    expect(out).toMatch(new RegExp(`^  communities +${graph.communities}  \\(Louvain's, modularity Q ${graph.modularity.toFixed(3)}: modules split where their parts are loosely joined\\)$`, 'm'));
    expect(graph.communities).toBeGreaterThanOrEqual(graph.modules.length);
    graph.modules.forEach((m, i) => expect(out).toContain(`    ${i + 1}: {${m.inputs.join(', ')}} -> {${m.outputs.join(', ')}}  (${m.neurons.length} neurons)\n`));
    const rows: [string, keyof Evaluation][] = [['train loss', 'trainLoss'], ['test loss', 'testLoss'], ['train accuracy', 'trainAcc'], ['test accuracy', 'testAcc']];
    for (const [label, key] of rows) {
      expect(printed(out, label)).toBe(fmt(graph.before[key]!, 3));
      expect(printed(out, label, true)).toBe(fmt(graph.after[key]!, 3));
    }

    // Evaluated here, independently: the checkpoint it read gives `before` (and the run's own last
    // metrics row), the checkpoint it wrote gives `after`.
    const { config } = loadConfig(join(run, 'config.yaml'));
    const task = buildTask(config);
    const original = readCheckpoint(graph.source).net;
    const pruned = readCheckpoint(join(dir, 'checkpoint.safetensors')).net;
    expectSameEvaluation(evaluateNetwork(original, task), graph.before);
    expectSameEvaluation(evaluateNetwork(pruned, task), graph.after);
    const last = readMetrics(join(run, 'metrics.csv')).at(-1)!;
    expect(last.step).toBe(1200);
    expect(graph.before.trainLoss).toBeCloseTo(last.train_loss, 5);
    expect(graph.before.testLoss).toBeCloseTo(last.test_loss, 5);
    expect(graph.before.testAcc).toBe(last.test_acc);
    expect(graph.after.testAcc).toBeGreaterThanOrEqual(0.95); // pruning negligible weights keeps the function

    // The written network keeps exactly graph.json's weights, unchanged, and zeroes the rest.
    let kept = 0;
    const originalWeights = weightsOf(original);
    weightsOf(pruned).forEach((w, l) =>
      w.forEach((x, k) => {
        if (x === 0) return;
        kept++;
        expect(Math.abs(x)).toBeGreaterThan(0.01);
        expect(x).toBe(originalWeights[l][k]);
      }),
    );
    expect(kept).toBe(graph.weightsKept);
  });

  it('takes --threshold and --step: another checkpoint, its own directory, fewer weights at a higher threshold', () => {
    const r = bimt('prune', run, '--threshold', '0.1', '--step', '600');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('pruned step 600 at |w| <= 0.1\n');
    const graph = readGraph(join(run, 'pruned', 'step-000600-t0.1', 'graph.json'));
    expect(graph.source).toBe(join(run, 'checkpoints', 'step-000600.safetensors'));
    expect(r.stdout).toMatch(new RegExp(`^  weights kept +${graph.weightsKept} / 480$`, 'm'));
    const net = readCheckpoint(graph.source).net;
    const above = weightsOf(net).reduce((n, w) => n + w.filter((x) => Math.abs(x) > 0.1).length, 0);
    expect(graph.weightsKept).toBeGreaterThan(0);
    expect(graph.weightsKept).toBeLessThanOrEqual(above); // dead neurons' weights go too
  });
});
