/**
 * The architecture a config's model section describes for a given task, checked against the
 * task's input and output sizes so a mismatch is a clear config error, not a tensor shape error.
 * The errors carry the key path, so config loading names the line of the offending key.
 */
import type { ModelConfig } from './schema.js';
import { ConfigValueError } from '../errors.js';
import type { TaskInstance } from '../tasks/task.js';
import type { MlpArchitecture } from '../model/network.js';

export function architectureFor(model: ModelConfig, task: TaskInstance): MlpArchitecture {
  const { widths, in_fold: inFold } = model;
  const nIn = widths[0];
  const nOut = widths[widths.length - 1];
  if (nIn % inFold !== 0) {
    throw new ConfigValueError(['model', 'widths'], `input width ${nIn} is not divisible by model.in_fold ${inFold}`);
  }
  const wantOut = task.targets.kind === 'classes' ? task.targets.count : task.targets.dim;
  if (nOut !== wantOut) {
    throw new ConfigValueError(['model', 'widths'], `the task has ${wantOut} outputs but the last width is ${nOut}`);
  }
  if (task.inputs.kind === 'features') {
    if (nIn !== task.inputs.dim) {
      throw new ConfigValueError(['model', 'widths'], `the task has ${task.inputs.dim} inputs but the first width is ${nIn}`);
    }
    return { kind: 'mlp', widths, inFold };
  }
  // Token inputs: one fold per token, each fold one embedding vector.
  if (inFold !== task.inputs.count) {
    throw new ConfigValueError(['model', 'in_fold'], `the task gives ${task.inputs.count} tokens per sample, so in_fold must be ${task.inputs.count}`);
  }
  // For token inputs the task's input labels name the embedding dimensions (TaskInstance), so
  // their count is the embedding size the task was configured with.
  const dim = nIn / inFold;
  if (task.inputLabels.length !== dim) {
    throw new ConfigValueError(
      ['model', 'widths'],
      `the task embeds each token in ${task.inputLabels.length} dimensions, so the first width must be ` +
        `in_fold * ${task.inputLabels.length} = ${inFold * task.inputLabels.length}, not ${nIn}`,
    );
  }
  return { kind: 'mlp', widths, inFold, embedding: { vocab: task.inputs.vocab, dim } };
}
