/**
 * A validated config made concrete for one run: step references ("25%") become step numbers and
 * checked against the run's length. What training makes of it (the schedules' values, the cost
 * coefficients, ...) is the plan's (plan.ts).
 */
import { stringify } from 'yaml';
import type { Config, CostConfig, StepRef } from './schema.js';

export type LambdaChange = { readonly at: number; readonly set: number } | { readonly at: number; readonly multiply: number };

export type ResolvedConfig = Omit<Config, 'lambda' | 'cost' | 'name' | 'task' | 'model'> & {
  /** Run name prefix: the config's `name`, or its file name. */
  readonly name: string;
  /**
   * The seeds actually used, written out: the master seed where the config gives none. A run's
   * config.yaml then shows a pinned sub-seed that a changed master seed does not reach.
   */
  readonly task: Config['task'] & { readonly seed: number };
  readonly model: Config['model'] & { readonly seed: number };
  readonly lambda: { readonly initial: number; readonly changes: readonly LambdaChange[] };
  /** bias: true/false, or the first step from which biases are penalised. */
  readonly cost: Omit<CostConfig, 'bias'> & { readonly bias: boolean | number };
};

/** A problem with a resolved value: the key path and what is wrong (load.ts adds file and line). */
export interface ResolveIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

export function resolveConfig(cfg: Config, fallbackName: string): ResolvedConfig | ResolveIssue {
  const { steps } = cfg.train;
  const step = (ref: StepRef, path: (string | number)[]): number | ResolveIssue => {
    // Rounded down, so a percentage never lands after the step it names: "50%" of the two-moons
    // notebook's 10001 steps is its step 5000. The epsilon keeps 2000 * 16.15% (322.99999999999994 in floats) from losing a step
    // to float error.
    const s = typeof ref === 'number' ? ref : Math.floor((steps * Number(ref.slice(0, -1))) / 100 + 1e-9);
    if (s > steps) return { path, message: `step ${ref} is beyond train.steps (${steps})` };
    return s;
  };
  const changes: LambdaChange[] = [];
  for (const [i, c] of cfg.lambda.changes.entries()) {
    const at = step(c.at, ['lambda', 'changes', i, 'at']);
    if (typeof at !== 'number') return at;
    if (changes.length > 0 && at < changes[changes.length - 1]!.at) {
      return { path: ['lambda', 'changes', i, 'at'], message: `step ${at} comes before the previous change (changes must be in step order)` };
    }
    changes.push('set' in c ? { at, set: c.set } : { at, multiply: c.multiply });
  }
  let bias: boolean | number;
  if (typeof cfg.cost.bias === 'boolean') bias = cfg.cost.bias;
  else {
    const at = step(cfg.cost.bias, ['cost', 'bias']);
    if (typeof at !== 'number') return at;
    bias = at;
  }
  const { name, ...rest } = cfg;
  return {
    ...rest,
    name: name ?? fallbackName,
    task: { ...cfg.task, seed: cfg.task.seed ?? cfg.seed },
    model: { ...cfg.model, seed: cfg.model.seed ?? cfg.seed },
    lambda: { initial: cfg.lambda.initial, changes },
    cost: { ...cfg.cost, bias },
  };
}

export function isResolveIssue(r: ResolvedConfig | ResolveIssue): r is ResolveIssue {
  return 'message' in r && 'path' in r && !('train' in r);
}

/** The resolved config as written to a run's config.yaml; it loads back to the same config. */
export function configToYaml(cfg: ResolvedConfig): string {
  return `# Resolved config of this run (defaults filled in, overrides applied, steps resolved).\n${stringify(cfg)}`;
}
