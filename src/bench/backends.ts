/**
 * Training steps per second of the tfjs engine on every backend that loads here, against the host
 * engine (docs/design.md, "Engines" and "Backends"): what a GPU buys for BIMT's networks. Each backend
 * runs in a child process of its own (`--only steps --backend name`), since tfjs keeps one backend
 * registry per process and a backend that fails to start must not disturb the next; webgpu is
 * forced there, so a software adapter (lavapipe) is measured too and labelled as such.
 *
 * A step is queued on a GPU and returns before the device has run it, so each timing ends with a
 * read of the parameters: steps/s counts finished steps.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BACKENDS, type BackendChoice } from '../backend.js';
import { loadConfig } from '../config/load.js';
import { initNetwork } from '../model/init.js';
import { createEngine, engineSetup } from '../train/create-engine.js';
import { enginesFor } from '../train/choose-engine.js';
import type { EngineName } from '../train/engine.js';
import { packagePath } from '../util/package-files.js';
import { adapterLine } from '../webgpu.js';

/** The paper's configs timed: two moons, modular addition (token inputs), MNIST, the transformer. */
const CONFIGS = ['fig4', 'fig5', 'fig8', 'fig7'] as const;
/** Seconds of steps per measurement (after warm-up). */
const SECONDS = 1.5;

export interface StepsRow {
  readonly config: string;
  readonly engine: EngineName;
  readonly stepsPerSecond: number;
}

export type BackendSteps =
  | { readonly backend: string; readonly adapter?: string; readonly rows: readonly StepsRow[] }
  | { readonly backend: string; readonly why: string };

/** Every backend, each in a child process, then the host engine in a child of its own. */
export function measureBackends(): BackendSteps[] {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const results: BackendSteps[] = [];
  for (const backend of [...BACKENDS, 'host']) {
    process.stderr.write(`steps on ${backend}\n`);
    const child = spawnSync(process.execPath, [main, '--only', 'steps', '--backend', backend], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status === 0 && line.startsWith('{')) results.push(JSON.parse(line) as BackendSteps);
    else results.push({ backend, why: errorMessage(child.stderr) || `exit ${child.status}` });
  }
  return results;
}

/** In the child: the tfjs engine on `choice`'s backend, or (choice undefined) the host engine. */
export async function stepsOn(choice: BackendChoice | undefined): Promise<BackendSteps> {
  const engine: EngineName = choice ? 'tfjs' : 'host';
  const rows: StepsRow[] = [];
  for (const id of CONFIGS) {
    const { config, plan } = loadConfig(packagePath(`configs/paper/${id}.yaml`));
    if (!enginesFor(plan, choice?.name ?? 'cpu').includes(engine)) continue; // the host engine: feature inputs and transformers
    const e = await createEngine(engine, engineSetup(plan, initNetwork(plan.arch, 1)), choice?.name ?? 'cpu');
    try {
      // A mini-batch config's step on one fixed batch of its size.
      const batch = plan.batching.kind === 'full' ? undefined : Int32Array.from({ length: plan.batchRows }, (_, i) => i);
      const lambda = plan.schedule.lambdaAt(0);
      for (let i = 0; i < 3; i++) await e.step(lambda, true, batch);
      await e.readParams();
      let steps = 0;
      const t = performance.now();
      while (performance.now() - t < SECONDS * 1000) {
        for (let i = 0; i < 10; i++) await e.step(lambda, true, batch);
        steps += 10;
        await e.readParams(); // the device has finished every step counted
      }
      rows.push({ config: id, engine, stepsPerSecond: (steps * 1000) / (performance.now() - t) });
    } finally {
      e.dispose();
    }
  }
  return { backend: choice?.name ?? 'host', ...(choice?.adapter ? { adapter: adapterLine(choice.adapter) } : {}), rows };
}

export function backendsTable(results: readonly BackendSteps[]): string[] {
  const out = [`| steps/s (a parameter read every 10 steps) | ${CONFIGS.join(' | ')} |`, `|---|${CONFIGS.map(() => '---').join('|')}|`];
  for (const r of results) {
    if ('why' in r) continue;
    const label = r.backend === 'host' ? 'host engine' : `tfjs on ${r.backend}${r.adapter ? ` (${r.adapter})` : ''}`;
    out.push(`| ${label} | ${CONFIGS.map((c) => r.rows.find((x) => x.config === c)?.stepsPerSecond.toFixed(0) ?? '-').join(' | ')} |`);
  }
  const missing = results.filter((r): r is Extract<BackendSteps, { why: string }> => 'why' in r);
  if (missing.length) out.push('', ...missing.map((r) => `${r.backend}: not measured (${r.why})`));
  return out;
}

/** The message of the error a child died of (its stack trace's first line). */
function errorMessage(stderr: string): string | undefined {
  return stderr.match(/^\w*Error: (.*)$/m)?.[1];
}
