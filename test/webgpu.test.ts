// The webgpu backend (src/webgpu.ts; docs/engines-and-gpu.md, "Backends") where it can run: its optional
// packages installed and a WebGPU adapter present. CI has no GPU: .ci/run unpacks Mesa 25's
// lavapipe (scripts/vulkan/lavapipe.sh) and exports its env, and the tests force `--backend
// webgpu`, as a software adapter is used only then. Elsewhere the tests that need an adapter skip,
// saying why; those of the fallback need only the packages.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend, type BackendChoice } from '../src/backend.js';
import { loadConfig } from '../src/config/load.js';
import { initNetwork } from '../src/model/init.js';
import type { Params } from '../src/model/network.js';
import { readMetrics } from '../src/runs/metrics.js';
import { readMeta, runPaths } from '../src/runs/run-dir.js';
import { createEngine, engineSetup } from '../src/train/create-engine.js';
import type { EngineName } from '../src/train/engine.js';
import { runBimt } from './cli-run.js';
import { relDiff } from './helpers.js';

/** The webgpu backend of this process, or why there is none. */
const webgpu: BackendChoice | { why: string } = await selectBackend('webgpu').catch((e: Error) => ({ why: e.message }));
const packagesMissing = ['webgpu', '@tensorflow/tfjs-backend-webgpu'].find((p) => {
  try {
    createRequire(import.meta.url).resolve(p);
    return false;
  } catch {
    return true;
  }
});

/** A two-moons run's plan (2-20-20-2, 200 rows), with `sets`. */
function moons(sets: string[] = []) {
  return loadConfig('configs/two-moons.yaml', sets).plan;
}

/**
 * `steps` Adam steps of `name` on a two-moons network at `lambda` (bias penalty on), mini-batches
 * of 50 rows on odd steps when `batches`; the parameters every 50 steps and the final state.
 */
async function train(name: EngineName, steps: number, lambda: number, batches: boolean) {
  const plan = moons();
  const engine = await createEngine(name, engineSetup(plan, initNetwork(plan.arch, plan.initSeed)), 'webgpu');
  try {
    const rows = Int32Array.from({ length: 50 }, (_, i) => 3 * i);
    const every50: Params[] = [];
    for (let s = 0; s < steps; s++) {
      await engine.step(lambda, true, batches && s % 2 === 1 ? rows : undefined);
      if ((s + 1) % 50 === 0) every50.push(await engine.readParams());
    }
    return { every50, params: await engine.readParams(), opt: await engine.readOptimizer(), evaluation: await engine.evaluate() };
  } finally {
    engine.dispose();
  }
}

/** The largest norm-wise relative difference between two parameter sets' arrays. */
function maxRel(a: Params, b: Params): number {
  return Math.max(...[...b].map(([name, x]) => relDiff(a.get(name)!, x)));
}

const NEEDS_ADAPTER = [
  'tfjs on webgpu takes the host engine\'s 300 Adam steps on two moons: parameters within 1e-5 relative every 50 steps',
  'tfjs on webgpu takes the host engine\'s 20 Adam steps with the connection cost, its bias penalty and mini-batches',
  'adds more tensors at once than a shader may bind (the gradient of a tensor used many times)',
  'bimt train --backend webgpu prints and records the adapter, and trains as the host engine does',
  'bimt train without --backend takes a hardware adapter, and passes a software one over, saying why in the backend line',
  'a webgpu backend that fails to start is removed, so the next backend is set',
];

/**
 * Run in a child node: tfjs's webgpu backend finds no adapter although the probe found one (its
 * navigator.gpu answers null), so its start fails; then the default order and a sum.
 */
const FAILED_START = `
const { globals } = await import('webgpu');
Object.assign(globalThis, globals);
globalThis.navigator = { gpu: { requestAdapter: async () => null } };
const { selectBackend, describeBackend } = await import('./dist/backend.js');
const forced = await selectBackend('webgpu').then(() => 'loaded', (e) => e.message);
const auto = await selectBackend();
const tf = await import('@tensorflow/tfjs');
const sum = (await tf.add(tf.scalar(1), 2).data())[0];
process.stdout.write(JSON.stringify({ forced, auto: describeBackend(auto), active: tf.getBackend(), sum }));
`;

describe('the webgpu backend', () => {
  if ('why' in webgpu) {
    it.skip.each(NEEDS_ADAPTER)(`%s: skipped, webgpu cannot be loaded here (${webgpu.why.replace(/%/g, '%%')})`, () => {});
    return;
  }

  it(NEEDS_ADAPTER[0], async () => {
    // No connection cost: its L1 term flips weights near zero by about lr, to the side their
    // gradient's rounding picks, which no two engines can be held to (engines.test.ts).
    const [host, gpu] = [await train('host', 300, 0, false), await train('tfjs', 300, 0, false)];
    host.every50.forEach((p, k) => expect(maxRel(gpu.every50[k], p), `after ${50 * (k + 1)} steps`).toBeLessThan(1e-5));
    expect(gpu.opt.t).toBe(300);
    // The moments are smaller near a minimum, where float32 rounding weighs more.
    expect(maxRel(gpu.opt.m, host.opt.m)).toBeLessThan(1e-4);
    expect(maxRel(gpu.opt.v, host.opt.v)).toBeLessThan(1e-4);
    expect(Math.abs(gpu.evaluation.trainLoss - host.evaluation.trainLoss) / host.evaluation.trainLoss).toBeLessThan(1e-5);
    expect(gpu.evaluation.testAcc).toBeCloseTo(host.evaluation.testAcc!, 6);
  });

  it(NEEDS_ADAPTER[1], async () => {
    const [host, gpu] = [await train('host', 20, 1e-3, true), await train('tfjs', 20, 1e-3, true)];
    expect(maxRel(gpu.params, host.params)).toBeLessThan(1e-5);
    expect(maxRel(gpu.opt.m, host.opt.m)).toBeLessThan(1e-5);
    expect(maxRel(gpu.opt.v, host.opt.v)).toBeLessThan(1e-5);
  });

  it(NEEDS_ADAPTER[2], async () => {
    const xs = Array.from({ length: 21 }, (_, i) => tf.fill([3, 4], i + 1));
    const sum = tf.addN(xs);
    expect(Array.from(await sum.data())).toEqual(Array(12).fill((21 * 22) / 2));
    tf.dispose([...xs, sum]);
  });

  it(NEEDS_ADAPTER[3], async () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-webgpu-'));
    const sets = ['--set', 'train.steps=100', '--set', 'output.eval_every=20', '--set', 'swap.every=20'];
    const gpu = await runBimt(['train', 'configs/two-moons.yaml', '--backend', 'webgpu', '--set', 'train.engine=tfjs', ...sets, '--runs-dir', runs, '--name', 'gpu']);
    expect(gpu.status, gpu.stderr).toBe(0);
    const { adapter } = webgpu as BackendChoice;
    // Dawn may print warnings of its own before it; this is bimt's line.
    expect(gpu.stderr).toContain(`bimt: backend webgpu on ${adapter!.vendor}`);
    const meta = readMeta(runPaths(join(runs, 'gpu')));
    expect(meta).toMatchObject({ backend: 'webgpu', engine: 'tfjs', adapter });
    const host = await runBimt(['train', 'configs/two-moons.yaml', '--set', 'train.engine=host', ...sets, '--runs-dir', runs, '--name', 'host']);
    expect(host.status, host.stderr).toBe(0);
    const [g, h] = [readMetrics(join(runs, 'gpu', 'metrics.csv')), readMetrics(join(runs, 'host', 'metrics.csv'))];
    expect(g.map((r) => r.swaps)).toEqual(h.map((r) => r.swaps));
    g.forEach((r, i) => expect(Math.abs(r.train_loss - h[i].train_loss) / h[i].train_loss).toBeLessThan(1e-5));
  });

  it(NEEDS_ADAPTER[4], async () => {
    const { adapter } = webgpu as BackendChoice;
    const runs = mkdtempSync(join(tmpdir(), 'bimt-webgpu-'));
    const r = await runBimt(['train', 'configs/two-moons.yaml', '--set', 'train.engine=tfjs', '--set', 'train.steps=10', '--runs-dir', runs, '--name', 'auto']);
    expect(r.status, r.stderr).toBe(0);
    const meta = readMeta(runPaths(join(runs, 'auto')));
    if (adapter!.software) {
      expect(r.stderr.split('\n')[0]).toMatch(/^bimt: backend (tensorflow|wasm|cpu) \([^;]*webgpu[^;]* unavailable here; --verbose says why\)$/);
      expect(meta.backends_skipped?.webgpu).toMatch(/^only a software adapter, .*, which is used only with --backend webgpu$/);
      expect(meta.adapter).toBeUndefined();
    } else if (meta.backend === 'webgpu') {
      expect(meta.adapter).toEqual(adapter);
    } else {
      expect(meta.backend).toBe('tensorflow-gpu'); // the one backend before webgpu
    }
  });

  it(NEEDS_ADAPTER[5], async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', FAILED_START], (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout))),
    );
    const r = JSON.parse(out) as { forced: string; auto: string; active: string; sum: number };
    expect(r.forced).toMatch(/^--backend webgpu cannot be loaded: webgpu: tfjs could not initialise webgpu on .+: TypeError: /);
    expect(r.auto).toMatch(/^(tensorflow-gpu|tensorflow|wasm|cpu)\b/);
    expect(r.active).toBe(r.auto.split(' ')[0]);
    expect(r.sum).toBe(3);
  });
});

describe('falling back from webgpu without an adapter', () => {
  // The Vulkan loader reads only the driver files VK_ICD_FILENAMES names: here none exist.
  const noDriver = { VK_ICD_FILENAMES: join(tmpdir(), 'bimt-no-such-driver', 'icd.json') };
  const names = [
    'without --backend, training falls back with one calm line naming the backend, and why in meta.json and under --verbose; Dawn\'s own warnings stay out of sight',
    '--backend webgpu is refused in one line, before any run directory is made',
  ];
  const why = packagesMissing ? `the optional package ${packagesMissing} is not installed` : process.platform !== 'linux' ? 'Vulkan is Linux\'s WebGPU driver interface only' : undefined;
  if (why) {
    it.skip.each(names)(`%s: skipped, ${why}`, () => {});
    return;
  }

  it(names[0], async () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-nogpu-'));
    const r = await runBimt(['train', 'configs/two-moons.yaml', '--set', 'train.engine=tfjs', '--set', 'train.steps=10', '--runs-dir', runs, '--name', 'x'], noDriver);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    // Calm: which backend runs and which were passed over, not Dawn's "Couldn't load Vulkan".
    expect(lines[0]).toMatch(/^bimt: backend (tensorflow|wasm|cpu) \([^;]*webgpu[^;]* unavailable here; --verbose says why\)$/);
    expect(lines[1]).toMatch(/^bimt: engine tfjs /);
    expect(r.stderr).not.toMatch(/Dawn|Vulkan|adapter/);
    expect(r.stderr).not.toMatch(/^Warning: /m); // Dawn's, from the child process that looked for an adapter
    const meta = readMeta(runPaths(join(runs, 'x')));
    expect(meta.backend).not.toBe('webgpu');
    expect(meta.adapter).toBeUndefined();
    expect(meta.backends_skipped?.webgpu).toMatch(/^no WebGPU adapter \(Dawn: .+\)$/);

    const verbose = await runBimt(['train', 'configs/two-moons.yaml', '--set', 'train.engine=tfjs', '--set', 'train.steps=10', '--runs-dir', runs, '--name', 'y', '--verbose'], noDriver);
    expect(verbose.status, verbose.stderr).toBe(0);
    const vlines = verbose.stderr.trim().split('\n');
    expect(vlines[0]).toMatch(/^bimt: backend (tensorflow|wasm|cpu) \([^;]*webgpu[^;]* unavailable here\)$/);
    expect(vlines).toContainEqual(`bimt:   skipped webgpu: ${meta.backends_skipped!.webgpu}`);
  });

  it(names[1], async () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-nogpu-'));
    const r = await runBimt(['train', 'configs/two-moons.yaml', '--backend', 'webgpu', '--set', 'train.steps=10', '--runs-dir', runs, '--name', 'x'], noDriver);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^bimt: --backend webgpu cannot be loaded: webgpu: no WebGPU adapter \(Dawn: .+\)$/)]);
    expect(readdirSync(runs)).toEqual([]);
  });
});

describe('commands that read results back synchronously', () => {
  it.each(['prune', 'plot'])('bimt %s does not offer --backend webgpu', async (command) => {
    const r = await runBimt([command, 'runs/none', '--backend', 'webgpu']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/argument 'webgpu' is invalid\. Allowed choices are tensorflow-gpu, tensorflow, wasm, cpu/);
    expect(existsSync('runs/none')).toBe(false);
  });
});
