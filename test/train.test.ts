import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { loadConfig } from '../src/config/load.js';
import { readCheckpoint } from '../src/runs/checkpoint.js';
import { readMetrics } from '../src/runs/metrics.js';
import { readMeta, runPaths } from '../src/runs/run-dir.js';
import { runTraining } from '../src/train/run.js';

/** Whether an optional package can be found from here, as bimt's own import would look for it. */
function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const quiet = new Writable({ write: (_c, _e, done) => done() }) as unknown as NodeJS.WriteStream;

/** A shortened two-moons run (the paper's settings, schedule scaled to the run) in a fresh runs dir. */
async function shortRun(steps: number, name: string) {
  const { config, plan } = loadConfig('configs/two-moons.yaml', [
    `train.steps=${steps}`,
    `lambda.changes.0.at=${Math.floor(steps / 2)}`,
    `output.checkpoint_every=${steps / 2}`,
  ]);
  const runsDir = mkdtempSync(join(tmpdir(), 'bimt-train-'));
  const backend = await selectBackend();
  return runTraining({ config, plan, name, exactName: true, backend, runsDir, progressStream: quiet });
}

describe('bimt train (in process)', () => {
  it('trains two moons to >= 95% test accuracy and writes a complete run directory', async () => {
    const out = await shortRun(1200, 'moons');
    expect(out.status).toBe('completed');
    const rows = readMetrics(out.paths.metrics);
    expect(rows.map((r) => r.step)).toEqual([...Array.from({ length: 13 }, (_, i) => i * 100)]);
    expect(rows.at(-1)!.test_acc).toBeGreaterThanOrEqual(0.95);
    expect(rows.at(-1)!.lambda).toBe(0.01);
    // Sparsification under the connection cost: fewer weights above threshold than at the start.
    expect(rows.at(-1)!.weights_above_threshold).toBeLessThan(rows[0]!.weights_above_threshold);

    const meta = readMeta(out.paths);
    expect(meta).toMatchObject({ status: 'completed', steps_done: 1200, task: 'two-moons', backend: (await selectBackend()).name });
    expect(Object.keys(meta.checkpoints).sort()).toEqual([
      'step-000000.safetensors',
      'step-000000.state.safetensors',
      'step-000600.safetensors',
      'step-000600.state.safetensors',
      'step-001200.safetensors',
      'step-001200.state.safetensors',
    ]);
    const ck = readCheckpoint(join(out.paths.checkpoints, 'step-001200.safetensors'));
    expect(ck.step).toBe(1200);
    expect(ck.net.graph.arch).toMatchObject({ kind: 'mlp', widths: [2, 20, 20, 2] });
    const snap = JSON.parse(readFileSync(join(out.paths.snapshots, 'step-001200.json'), 'utf8'));
    expect(snap.step).toBe(1200);
    expect(snap.layers[0].map((n: { label: string }) => n.label).sort()).toEqual(['x1', 'x2']);
    // Kept are the weights on input-to-output paths, the edges; metrics.csv counts every |w| above.
    expect(snap.weights_kept).toBe(snap.edges.length);
    expect(snap.weights_kept).toBeLessThanOrEqual(rows.at(-1)!.weights_above_threshold);
    expect(readFileSync(out.paths.config, 'utf8')).toContain('steps: 1200');
  });

  it('gives identical metrics.csv for the same config and backend', async () => {
    const a = await shortRun(400, 'a');
    const b = await shortRun(400, 'b');
    const csv = readFileSync(a.paths.metrics, 'utf8');
    expect(csv.split('\n').length).toBeGreaterThan(5);
    expect(readFileSync(b.paths.metrics, 'utf8')).toBe(csv);
  });
});

describe('bimt train (command line)', () => {
  const bimt = (...args: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...args], { encoding: 'utf8' });

  it('explains a bad config in one line with exit code 2', () => {
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.stepz=5');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('bimt: --set train.stepz=5: train.stepz: unknown key (allowed: steps, lr, batch, sampling, beta1, beta2, eps, weight_decay, engine, loss, population)');
    const missing = bimt('train', 'nope.yaml');
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe('bimt: nope.yaml: no such config file');
  });

  it('runs on a forced backend, says so and records it in meta.json', () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-cpu-'));
    const r = bimt('train', 'configs/two-moons.yaml', '--backend', 'cpu', '--set', 'train.steps=20', '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', 'cpu');
    expect(r.status).toBe(0);
    // wasm loads here and would be chosen without --backend, so this line proves the flag was obeyed.
    expect(r.stderr.split('\n')[0]).toBe('bimt: backend cpu');
    expect(readMeta(runPaths(join(runs, 'cpu'))).backend).toBe('cpu');
  });

  // tfjs-node(-gpu) is not installed here nor in CI: forcing it must be refused, never fall back.
  // Where a package is installed the run must happen on that backend or be refused the same way.
  it.each([
    ['tensorflow', '@tensorflow/tfjs-node'],
    ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ])('never falls back from a forced --backend %s', (backend, pkg) => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-forced-'));
    const r = bimt('train', 'configs/two-moons.yaml', '--backend', backend, '--set', 'train.steps=20', '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', 'forced');
    if (r.status === 0) {
      expect(installed(pkg)).toBe(true);
      expect(r.stderr.split('\n')[0]).toBe(`bimt: backend ${backend}`);
      expect(readMeta(runPaths(join(runs, 'forced'))).backend).toBe(backend);
    } else {
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^bimt: --backend ${backend} cannot be loaded: ${backend}: `));
      if (!installed(pkg)) expect(lines[0]).toContain(`Cannot find package '${pkg}'`);
      expect(readdirSync(runs)).toEqual([]); // refused before any run directory was made
    }
  });

  it('runs a short training, says which backend ran, and never overwrites a run', () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-cli-'));
    const args = ['train', 'configs/two-moons.yaml', '--set', 'train.steps=50', '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', 'x'];
    const r = bimt(...args);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^bimt: backend (none|tensorflow-gpu|tensorflow|wasm|cpu)/);
    expect(existsSync(join(runs, 'x', 'metrics.csv'))).toBe(true);
    const again = bimt(...args);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(readdirSync(runs)).toEqual(['x']);
  });
});

describe('training loop resources', () => {
  it('keeps the number of live tensors constant across steps (no leaks), swaps and evaluations included, and frees them all', async () => {
    const { trainLoop } = await import('../src/train/loop.js');
    const tf = await import('@tensorflow/tfjs');
    const { plan } = loadConfig('configs/modular-addition.yaml', [
      'train.steps=60', 'lambda.changes=[]', 'swap.every=10', 'output.eval_every=20', 'output.checkpoint_every=30', 'task.p=11', 'model.widths=[8, 6, 6, 11]', 'task.embedding_dim=4',
    ]);
    const counts = new Map<number, number>();
    const before = tf.memory().numTensors;
    await trainLoop(plan, {
      onMetrics: () => {},
      onCheckpoint: () => {},
      onStep: (step) => counts.set(step, tf.memory().numTensors),
    });
    expect(counts.size).toBe(60);
    expect(new Set([...counts.values()].slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before); // and nothing is left once the run is over
  });
});
