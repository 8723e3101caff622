/**
 * Members trained per second by a population (docs/design.md, "Populations") against separate
 * runs, on the selected backend: K two-moons networks (fig4's config, seeds 0..K-1) as one batch
 * (src/train/population-engine.ts), against one network on the tfjs engine, whose time K separate
 * runs take K times. Adam steps only, each timing ending with a read of the parameters (a GPU step
 * returns before the device has run it); relocation, evaluation and checkpoints are the same host
 * work per member either way.
 */
import type { BackendChoice } from '../backend.js';
import { loadConfig } from '../config/load.js';
import { initNetwork } from '../model/init.js';
import { createEngine, engineSetup } from '../train/create-engine.js';
import type { EngineSetup } from '../train/engine.js';
import { PopulationBatch } from '../train/population-engine.js';
import { packagePath } from '../util/package-files.js';

/** Population sizes timed. */
const SIZES = [1, 8, 64] as const;
/** Seconds of steps per measurement (after warm-up). */
const SECONDS = 2;

export interface PopulationRow {
  readonly members: number;
  /** Member-steps per second of the batch. */
  readonly batchMemberSteps: number;
  /** Steps per second of one network alone on the tfjs engine: member-steps per second of separate runs. */
  readonly aloneSteps: number;
}

export interface PopulationTimes {
  readonly backend: string;
  readonly rows: readonly PopulationRow[];
}

function setups(K: number): EngineSetup[] {
  return Array.from({ length: K }, (_, k) => {
    const { config, plan } = loadConfig(packagePath('configs/paper/fig4.yaml'), [`seed=${k}`]);
    return engineSetup(plan, initNetwork(plan.arch, plan.initSeed));
  });
}

/** Steps per second of `step` (each call one update), timed for SECONDS after a warm-up, ending with `sync`. */
async function rate(step: () => Promise<void>, sync: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await step();
  await sync();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    for (let i = 0; i < 10; i++) await step();
    n += 10;
    await sync();
  }
  return n / ((performance.now() - t0) / 1000);
}

export async function measurePopulation(backend: BackendChoice): Promise<PopulationTimes> {
  const alone = await createEngine('tfjs', setups(1)[0]!, backend.name);
  const aloneSteps = await rate(() => alone.step(1e-3, true), () => alone.readParams());
  alone.dispose();
  const rows: PopulationRow[] = [];
  for (const K of SIZES) {
    process.stderr.write(`population of ${K} on ${backend.name}\n`);
    const batch = new PopulationBatch(setups(K));
    const step = () => Promise.all(Array.from({ length: K }, (_, k) => batch.step(k, 1e-3, true, undefined))).then(() => {});
    const steps = await rate(step, () => batch.state.readParams(0));
    batch.dispose();
    rows.push({ members: K, batchMemberSteps: steps * K, aloneSteps });
  }
  return { backend: backend.name, rows };
}

export function populationTable(t: PopulationTimes): string[] {
  return [
    `| two-moons population on ${t.backend} (Adam steps) | member-steps/s, one batch | member-steps/s, separate runs | batch / separate |`,
    '|---|---|---|---|',
    ...t.rows.map((r) => `| ${r.members} member(s) | ${r.batchMemberSteps.toFixed(0)} | ${r.aloneSteps.toFixed(0)} | ${(r.batchMemberSteps / r.aloneSteps).toFixed(1)} |`),
  ];
}
