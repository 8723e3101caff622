// The training plan of every shipped config says what the config says: the cost and swap
// coefficients are those of the config's cost settings, the schedules give the values stepping
// through the config's lambda changes gives (the definition the loop used before there was a plan,
// kept here as the reference), and the batching, Adam and output settings are the config's.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { planTraining, trainingSchedule } from '../src/config/plan.js';
import type { ResolvedConfig } from '../src/config/resolve.js';
import { costCoefficients, type CostSpec } from '../src/model/connection-cost.js';
import { modelGraph } from '../src/model/architectures/registry.js';
import { buildTask } from '../src/tasks/registry.js';
import { usageErrorOf } from './config-helpers.js';
import { missingData } from './config-data.mjs';
import { isPendingConfig } from './pending-configs.mjs';

const shipped = ['configs', 'configs/paper']
  .flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.yaml')).map((f) => `${d}/${f}`))
  .filter((f) => !isPendingConfig(f));
// Planning builds the task: a config whose data a system package installs is planned where that package is.
const present = shipped.filter((f) => missingData(f) === undefined);
const absent = shipped.filter((f) => missingData(f) !== undefined).map((f) => [f, missingData(f)!] as const);

/** Lambda of the update with index `step`, stepping through the changes (the reference). */
function lambdaByStepping(cfg: ResolvedConfig, step: number): number {
  let lambda = cfg.lambda.initial;
  for (const c of cfg.lambda.changes) {
    if (c.at > step) break;
    lambda = 'set' in c ? c.set : lambda * c.multiply;
  }
  return lambda;
}

function biasByStepping(cfg: ResolvedConfig, step: number): boolean {
  const b = cfg.cost.bias;
  return typeof b === 'boolean' ? b : step >= b;
}

/** Steps where a schedule may change, and their neighbours, within the run. */
function boundaries(cfg: ResolvedConfig): number[] {
  const at = [0, cfg.train.steps - 1, cfg.train.steps, ...cfg.lambda.changes.map((c) => c.at)];
  if (typeof cfg.cost.bias === 'number') at.push(cfg.cost.bias);
  return [...new Set(at.flatMap((s) => [s - 1, s, s + 1]))].filter((s) => s >= 0 && s <= cfg.train.steps).sort((a, b) => a - b);
}

describe('the training plan of each shipped config', () => {
  it('covers them all', () => {
    expect(shipped).toContain('configs/paper/fig7.yaml');
    expect(shipped.length).toBeGreaterThanOrEqual(14);
  });

  it.skip.each(absent)('%s: skipped, its data %s is not installed', () => {});

  it.each(present)('%s', (file) => {
    const { config: cfg } = loadConfig(file);
    const task = buildTask(cfg);
    const plan = planTraining(cfg, task);
    expect(plan.task).toBe(task);
    expect(plan.graph).toEqual(modelGraph(plan.arch));
    expect(plan.initSeed).toBe(cfg.model.seed);

    const spec: CostSpec = { weightFactor: cfg.cost.weight_factor, l0: cfg.cost.l0, noPenalizeLast: cfg.cost.no_penalize_last, aggregate: cfg.cost.aggregate };
    expect(plan.cost.spec).toEqual(spec);
    expect(plan.cost.coef).toEqual(costCoefficients(plan.graph, spec));
    const o = cfg.swap.objective;
    const swapSpec = o === 'training' ? spec : { ...spec, weightFactor: o.weight_factor ?? spec.weightFactor, noPenalizeLast: o.no_penalize_last ?? spec.noPenalizeLast };
    expect(plan.swap.cost.spec).toEqual(swapSpec);
    expect(plan.swap.cost.coef).toEqual(costCoefficients(plan.graph, swapSpec));
    expect(plan.swap).toMatchObject({ every: cfg.swap.every, topK: cfg.swap.top_k, swapInputs: cfg.swap.inputs, permuteOptimizerState: cfg.swap.permute_optimizer_state });

    const t = cfg.train;
    expect(plan.adam).toEqual({ lr: t.lr, beta1: t.beta1, beta2: t.beta2, eps: t.eps, weightDecay: t.weight_decay });
    expect(plan.engine).toBe(t.engine);
    if (t.batch === 'full') {
      expect(plan.batching).toEqual({ kind: 'full' });
      expect(plan.batchRows).toBe(task.train.n);
    } else {
      expect(plan.batching).toEqual({ kind: 'mini', size: t.batch, sampling: t.sampling, seed: cfg.seed });
      expect(plan.batchRows).toBe(Math.min(t.batch, task.train.n));
    }
    expect(plan.output).toEqual({
      evalEvery: cfg.output.eval_every,
      checkpointEvery: cfg.output.checkpoint_every,
      snapshotThreshold: cfg.output.snapshot_threshold,
      pruneThreshold: cfg.output.prune_threshold,
      ...(cfg.output.eval_rows !== undefined ? { evalRows: cfg.output.eval_rows } : {}),
    });

    const { schedule } = plan;
    expect(schedule.steps).toBe(t.steps);
    for (const s of boundaries(cfg)) {
      expect(schedule.lambdaAt(s), `lambda at ${s}`).toBe(lambdaByStepping(cfg, s));
      expect(schedule.biasOn(s), `bias at ${s}`).toBe(biasByStepping(cfg, s));
    }
    expect(schedule.lambdaChanges).toEqual(cfg.lambda.changes.map((c) => ({ step: c.at, lambda: lambdaByStepping(cfg, c.at) })));
  });
});

describe('schedules', () => {
  const minimal = (lambda: string, bias = 'true') =>
    `task: { kind: two-moons }\nmodel: { widths: [2, 4, 2] }\nlambda: ${lambda}\ntrain: { steps: 100, lr: 0.01 }\ncost: { bias: ${bias} }\n`;

  it('several changes at one step apply in order, the last giving the value from that step on', () => {
    const cfg = parseConfig(minimal('{ initial: 0.5, changes: [{ at: 0, multiply: 3 }, { at: 10, set: 2 }, { at: 10, multiply: 0.1 }, { at: 40, multiply: 7 }]}'), 'c.yaml');
    const s = trainingSchedule(cfg);
    for (let step = 0; step <= 100; step++) expect(s.lambdaAt(step)).toBe(lambdaByStepping(cfg, step));
    expect(s.lambdaAt(0)).toBe(1.5);
    expect(s.lambdaAt(10)).toBe(2 * 0.1);
    expect(s.lambdaChanges.map((c) => c.step)).toEqual([0, 10, 10, 40]);
  });

  it('the bias penalty: always, never, or from a step on', () => {
    for (const [bias, want] of [['true', [true, true]], ['false', [false, false]], ['"50%"', [false, true]]] as const) {
      const s = trainingSchedule(parseConfig(minimal('{ initial: 0.1 }', bias), 'c.yaml'));
      expect([s.biasOn(49), s.biasOn(50)]).toEqual(want);
    }
  });
});

describe('planning', () => {
  it('computes no cost coefficient until one is read (a config too large to train is planned, then refused)', () => {
    const { plan } = loadConfig('configs/two-moons.yaml', ['model.widths=[2, 1000000, 1000000, 2]']);
    expect(plan.batchRows).toBe(plan.task.train.n);
  });

  it('shares the coefficients of the training cost with the swap search when it minimises that cost', () => {
    const { config, plan } = loadConfig('configs/two-moons.yaml');
    expect(config.swap.objective).toBe('training');
    expect(plan.swap.cost.coef).toBe(plan.cost.coef);
  });

  it('a width that does not fit the task is still a config error naming the key and its line', () => {
    const text = 'task: { kind: two-moons }\nmodel:\n  widths: [3, 4, 2]\nlambda: { initial: 0.1 }\ntrain: { steps: 10, lr: 0.01 }\n';
    expect(usageErrorOf(() => parseConfig(text, 'c.yaml'))).toBe('c.yaml:3:3: model.widths: the task has 2 inputs but the first width is 3');
    // The key's line, and the override of an entry inside it that had a hand in the error.
    expect(usageErrorOf(() => parseConfig(text.replace('[3, 4, 2]', '[2, 4, 2]'), 'c.yaml', ['model.widths.2=5']))).toBe(
      'c.yaml:3:3 (with --set model.widths.2=5): model.widths: the task has 2 outputs but the last width is 5',
    );
  });
});
