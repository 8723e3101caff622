/**
 * Every task bimt knows, by the `task.kind` a config names. Adding a task: one file in
 * src/tasks/ exporting a TaskDefinition, and one line here.
 */
import { z } from 'zod';
import { BimtError } from '../errors.js';
import { inContext } from './in-context.js';
import { mnist } from './mnist.js';
import { modularAddition } from './modular-addition.js';
import { permutationGroup } from './permutation-group.js';
import { symbolic } from './symbolic.js';
import { table } from './table.js';
import type { TaskDefinition, TaskInstance } from './task.js';
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

/** The data of a config's task, from its seed (task.seed, else the master seed). */
export function buildTask(config: { readonly task: TaskConfig; readonly seed: number }): TaskInstance {
  return taskDefinition(config.task.kind).build(config.task, config.seed);
}
