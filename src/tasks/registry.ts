/**
 * Every task bimt knows, by the `task.kind` a config names. Adding a task: one file in
 * src/tasks/ exporting a TaskDefinition, and one line here.
 */
import { z } from 'zod';
import { BimtError, ConfigValueError } from '../errors.js';
import { inContext } from './in-context.js';
import { mnist } from './mnist.js';
import { modularAddition } from './modular-addition.js';
import { permutationGroup } from './permutation-group.js';
import { symbolic } from './symbolic.js';
import { table } from './table.js';
import type { BuildLimits, TaskDefinition, TaskInstance } from './task.js';
import { twoMoons } from './two-moons.js';

export const TASKS = [twoMoons, symbolic, modularAddition, permutationGroup, inContext, table, mnist] as const;

/** The `task:` section of a config: one schema per task, chosen by `kind`. */
export const taskSchema = z.discriminatedUnion('kind', [twoMoons.schema, symbolic.schema, modularAddition.schema, permutationGroup.schema, inContext.schema, table.schema, mnist.schema]);
export type TaskConfig = z.infer<typeof taskSchema>;

export function taskDefinition(kind: string): TaskDefinition {
  const def = TASKS.find((t) => t.kind === kind);
  if (!def) throw new BimtError(`unknown task "${kind}"; known tasks: ${TASKS.map((t) => t.kind).join(', ')}`);
  return def as TaskDefinition;
}

/**
 * The data of a config's task, from its seed (task.seed, else the master seed). A split without
 * rows is refused here, for every task and before a run directory is made: an empty training set
 * trained on the connection cost alone, and an empty test set has no accuracy.
 */
export function buildTask(config: { readonly task: TaskConfig; readonly seed: number }, limits?: BuildLimits): TaskInstance {
  const task = taskDefinition(config.task.kind).build(config.task, config.seed, limits);
  for (const [name, split] of [['training', task.train], ['test', task.test]] as const) {
    if (split.n === 0) throw new ConfigValueError(['task'], `the ${config.task.kind} task's ${name} set has no rows; there is nothing to ${name === 'training' ? 'train on' : 'test on'}`);
  }
  return task;
}
