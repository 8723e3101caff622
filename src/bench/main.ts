/**
 * `npm run bench [-- --json file] [-- --quick] [-- --backend name] [-- --only sweep|backends|population|ablation]`: speed of the paper configs on
 * this machine, and of the swap search as width grows. Not a test: numbers, no assertions.
 *
 * First the CLI's start-up (src/bench/startup.ts): `bimt --help`, and process start to the first
 * training step of `bimt train configs/two-moons.yaml`. Then each config on every engine that can
 * train it (src/train/choose-engine.ts), workers only where its batch is large enough for `auto`
 * to consider it.
 *
 *   steps/s        training steps (task loss + cost + Adam) per second, no swaps or evaluation
 *   reloc ms       one relocation pass over every layer (the config's top_k)
 *   eval ms        one metrics row (both splits)
 *   run s          the whole paper config through `bimt train`'s loop, on the engine `auto`
 *                  picks (skipped with --quick)
 *   end/start      that run's step time near its end / near its start (medians of chunks)
 *
 * Then a 32-point two-moons sweep against the same runs one after another (src/bench/sweep.ts;
 * skipped with --quick). `--only sweep` runs that alone. Last, steps/s of the tfjs engine on every
 * backend that loads, and of the host engine (src/bench/backends.ts); `--only backends` runs that alone.
 * Before it, a population of two-moons networks as one batch against separate runs on the selected
 * backend (src/bench/population.ts); `--only population` runs that alone. Before that,
 * `bimt ablate --each neuron` on MNIST's network (src/bench/ablation.ts); `--only ablation` alone.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { BACKENDS, isBackendName, selectBackend } from '../backend.js';
import { relocate } from '../bimt/relocate.js';
import { loadConfig } from '../config/load.js';
import { graphOfKind } from '../model/architectures/registry.js';
import { costCoefficients } from '../model/connection-cost.js';
import { initNetwork } from '../model/init.js';
import { chooseEngine, enginesFor, isCpuBackend, WORKERS_MIN_ROWS } from '../train/choose-engine.js';
import { createEngine, engineSetup } from '../train/create-engine.js';
import { trainLoop } from '../train/loop.js';
import { packagePath } from '../util/package-files.js';
import { ablationTable, measureAblation } from './ablation.js';
import { backendsTable, measureBackends, stepsOn } from './backends.js';
import { randomWeights } from './random-network.js';
import { benchTransformerStep } from './transformer-step.js';
import { measureStartup } from './startup.js';
import { measurePopulation, populationTable } from './population.js';
import { measureSweep, type SweepTimes } from './sweep.js';

const PAPER = ['fig3a', 'fig3b', 'fig3c', 'fig4', 'fig5', 'fig6', 'fig7', 'fig8'];

/**
 * The reference notebooks' own training loops on the development machine (PyTorch 1.13 from
 * Debian, 2 threads, as REPORT.md says), for the whole-run column: S4's 20000 steps took about
 * 423 s; in-context regression's 40000 steps about 675 s (a test batch forwarded every step: about
 * 900 s); MNIST's 40000 steps on fig8's digits about 990 s with the no-op input-layer loop of its
 * relocation left out, about 3440 s as written (docs/performance.md, "Whole runs against the notebooks").
 */
const REFERENCE_RUN_SECONDS: Readonly<Record<string, number>> = { fig6: 423, fig7: 675, fig8: 990 };

interface TaskRow {
  config: string;
  /** "host", or "tfjs <backend>" / "workers <backend>"; "(auto)" marks the one `train.engine: auto` picks. */
  engine: string;
  stepsPerSecond: number;
  relocationMs: number;
  evaluationMs: number;
  runSeconds: number | null;
  /** Step time near the run's end divided by that near its start (1 = no slowdown). */
  endToStart: number | null;
}

async function main(argv: string[]): Promise<void> {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const forced = flag('--backend');
  const only = flag('--only');
  if (only === 'backends') {
    process.stdout.write(`${backendsTable(measureBackends()).join('\n')}\n`);
    return;
  }
  if (only === 'steps') {
    // The child of measureBackends: one backend (forced, so webgpu takes a software adapter too), or the host engine.
    if (forced !== 'host' && !(forced && isBackendName(forced))) throw new Error(`--only steps needs --backend host or one of ${BACKENDS.join(', ')}`);
    const choice = forced === 'host' ? undefined : await selectBackend(forced);
    process.stdout.write(`${JSON.stringify(await stepsOn(choice))}\n`);
    return;
  }
  if (only === 'ablation') {
    process.stdout.write(`${ablationTable(measureAblation()).join('\n')}\n`);
    return;
  }
  if (only !== undefined && only !== 'sweep' && only !== 'population') throw new Error(`--only takes sweep, backends, population, ablation or steps, not ${only}`);
  const backend = await selectBackend(forced && isBackendName(forced) ? forced : undefined);
  if (only === 'population') {
    process.stdout.write(`${populationTable(await measurePopulation(backend)).join('\n')}\n`);
    return;
  }
  const quick = argv.includes('--quick');
  if (only === 'sweep') {
    process.stdout.write(`${sweepTable(measureSweep()).join('\n')}\n`);
    return;
  }
  // Before anything else runs in this process, so the children have the machine to themselves.
  const startup = measureStartup();
  process.stderr.write('startup done\n');
  const rows: TaskRow[] = [];
  for (const id of PAPER) {
    const { config, plan } = loadConfig(packagePath(`configs/paper/${id}.yaml`));
    const auto = chooseEngine(plan, backend.name).name;
    // Workers only where it splits a batch big enough to gain (smaller ones: startup and sync).
    const engines = enginesFor(plan, backend.name).filter((e) => e !== 'workers' || plan.batchRows >= WORKERS_MIN_ROWS);
    // Relocation does not depend on the engine: once per config, on a fresh network.
    const net = initNetwork(plan.arch, 1);
    const { swap } = plan;
    const relocationMs = await timeIt(() => relocate(net, swap.cost.coef, { topK: swap.topK, swapInputs: swap.swapInputs }), 200);
    for (const name of engines) {
      // Training steps alone (full batch, the cost on, no swaps), on a started engine.
      const engine = await createEngine(name, engineSetup(plan, net), backend.name);
      // A mini-batch config's step on one fixed batch of its size (the full split would time another workload).
      const batch = plan.batching.kind === 'full' ? undefined : Int32Array.from({ length: plan.batchRows }, (_, i) => i);
      const stepMs = await timeIt(() => engine.step(plan.schedule.lambdaAt(0), true, batch), name === 'host' ? 2000 : 300);
      const evaluationMs = await timeIt(() => engine.evaluate(), 20);
      engine.dispose();
      let runSeconds: number | null = null;
      let endToStart: number | null = null;
      if (!quick && name === auto) {
        // The run in twenty chunks of steps: the median chunk time of the last five against that of
        // chunks 2-6 (chunk 1 holds warm-up); medians, so that one garbage collection is not a trend.
        const steps = plan.schedule.steps;
        const chunk = Math.max(1, Math.floor(steps / 20));
        const times: number[] = [];
        let mark = performance.now();
        const t1 = mark;
        const onStep = (s: number) => {
          if (s % chunk !== 0) return;
          const now = performance.now();
          times.push(now - mark);
          mark = now;
        };
        await trainLoop(plan, { onMetrics: () => {}, onCheckpoint: () => {}, onStep });
        runSeconds = (performance.now() - t1) / 1000;
        endToStart = median(times.slice(-5)) / median(times.slice(1, 6));
      }
      const label = name === 'host' ? 'host' : `${name} ${backend.name}`;
      rows.push({ config: id, engine: name === auto ? `${label} (auto)` : label, stepsPerSecond: 1000 / stepMs, relocationMs, evaluationMs, runSeconds, endToStart });
      process.stderr.write(`${id} ${label} done\n`);
    }
  }
  const scaling = [];
  for (const w of [20, 50, 200, 500]) {
    const arch = { kind: 'mlp', widths: [w, w, w, w], inFold: 1 } as const;
    const net = initNetwork(arch, 1);
    randomWeights(net, 2);
    const coef = costCoefficients(net.graph, { weightFactor: 1, l0: 0.1, noPenalizeLast: false, aggregate: 'sum' });
    scaling.push({ width: w, topK: 10, relocationMs: await timeIt(() => relocate(net, coef, { topK: 10, swapInputs: true }), w >= 500 ? 10 : w >= 200 ? 50 : 200) });
  }

  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, tfjs ${tf.version.tfjs}`;
  const out: string[] = [`machine: ${machine}`, '', '| start-up (minimum of several runs) | ms |', '|---|---|'];
  out.push(`| \`bimt --help\` | ${startup.helpMs.toFixed(0)} |`, `| process start to first training step, \`bimt train ${startup.config}\` | ${startup.firstStepMs.toFixed(0)} |`);
  out.push('', '| config | engine | steps/s | relocation ms | evaluation ms | whole run s | reference run s | end/start step time |', '|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ref = REFERENCE_RUN_SECONDS[r.config];
    out.push(`| ${r.config} | ${r.engine} | ${r.stepsPerSecond.toFixed(0)} | ${r.relocationMs.toFixed(2)} | ${r.evaluationMs.toFixed(2)} | ${r.runSeconds === null ? '-' : r.runSeconds.toFixed(1)} | ${ref === undefined || r.runSeconds === null ? '-' : ref} | ${r.endToStart === null ? '-' : r.endToStart.toFixed(2)} |`);
  }
  out.push('', '| width ([w,w,w,w], top_k 10) | relocation ms |', '|---|---|');
  for (const s of scaling) out.push(`| ${s.width} | ${s.relocationMs.toFixed(2)} |`);
  // Last: it loads each backend it times in turn.
  const fig7 = loadConfig(packagePath('configs/paper/fig7.yaml')).plan.graph;
  const transformer = await benchTransformerStep(isCpuBackend(backend.name) ? [backend.name] : [], graphOfKind(fig7, 'transformer')?.arch);
  out.push('', '| BioTransformer step (fig7 sizes, batch 64) | forward+backward ms | forward ms, 64 | forward ms, 2000 |', '|---|---|---|---|');
  for (const r of transformer) out.push(`| ${r.engine} | ${r.stepMs.toFixed(2)} | ${r.forward64Ms.toFixed(2)} | ${r.forward2000Ms.toFixed(1)} |`);
  const sweep = quick ? undefined : measureSweep();
  if (sweep) out.push('', ...sweepTable(sweep));
  const ablation = measureAblation();
  out.push('', ...ablationTable(ablation));
  const population = await measurePopulation(backend);
  out.push('', ...populationTable(population));
  const backends = measureBackends();
  out.push('', ...backendsTable(backends));
  process.stdout.write(`${out.join('\n')}\n`);
  const json = flag('--json');
  if (json) writeFileSync(json, `${JSON.stringify({ machine, startup, tasks: rows, relocationScaling: scaling, transformer, sweep, ablation, population, backends, referenceRunSeconds: REFERENCE_RUN_SECONDS }, null, 2)}\n`);
}

function sweepTable(s: SweepTimes): string[] {
  return [
    `| ${s.points} two-moons runs (4 lambdas x seeds 0-7, full schedule) | wall s | of one after another |`,
    '|---|---|---|',
    `| one after another, \`bimt train\` each | ${s.sequentialSeconds.toFixed(1)} | 1.00 |`,
    `| \`bimt sweep --jobs ${s.jobs}\` | ${s.sweepSeconds.toFixed(1)} | ${(s.sweepSeconds / s.sequentialSeconds).toFixed(2)} |`,
  ];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Mean milliseconds per call (awaited) over `reps` calls, after a tenth as many to warm up. */
async function timeIt(f: () => unknown, reps: number): Promise<number> {
  for (let i = 0; i < Math.max(3, reps / 10); i++) await f();
  const t = performance.now();
  for (let i = 0; i < reps; i++) await f();
  return (performance.now() - t) / reps;
}

await main(process.argv.slice(2));
