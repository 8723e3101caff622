/**
 * The architecture a config's model section describes for a given task, checked against the
 * task's input and output sizes so a mismatch is a clear config error, not a tensor shape error.
 * The errors carry the key path, so config loading names the line of the offending key.
 */
import type { MlpModelConfig, ModelConfig, TransformerModelConfig } from './schema.js';
import { ConfigValueError } from '../errors.js';
import type { TaskInstance } from '../tasks/task.js';
import type { Architecture, MlpArchitecture, TransformerArchitecture } from '../model/network.js';
import { describeLayerShape, parseLayerShape, shapeDims, shapeSize, type LayerShape } from '../model/geometry.js';

export function architectureFor(model: ModelConfig, task: TaskInstance): Architecture {
  return model.kind === 'transformer' ? transformerFor(model, task) : mlpFor(model, task);
}

function transformerFor(model: TransformerModelConfig, task: TaskInstance): TransformerArchitecture {
  const { inputs, targets } = task;
  if (inputs.kind !== 'sequence' || targets.kind !== 'sequence') {
    throw new ConfigValueError(['model', 'kind'], 'a transformer reads sequences, and this task gives single samples; use kind: mlp');
  }
  if (model.embed % model.heads !== 0) {
    throw new ConfigValueError(['model', 'heads'], `embed ${model.embed} does not split into ${model.heads} heads of equal size`);
  }
  return {
    kind: 'transformer',
    inDim: inputs.dim,
    outDim: targets.dim,
    embed: model.embed,
    blocks: model.blocks,
    heads: model.heads,
    mlpHidden: model.mlp_ratio * model.embed,
    seqLen: inputs.length,
    layerNorm: model.layer_norm,
  };
}

function mlpFor(model: MlpModelConfig, task: TaskInstance): MlpArchitecture {
  const { widths, in_fold: inFold } = model;
  const nIn = widths[0];
  const nOut = widths[widths.length - 1];
  if (task.inputs.kind === 'sequence' || task.targets.kind === 'sequence') {
    throw new ConfigValueError(['model', 'kind'], 'this task gives sequences, which an MLP does not read; use kind: transformer');
  }
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
    return { kind: 'mlp', widths, inFold, ...geometryFor(model) };
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
  return { kind: 'mlp', widths, inFold, embedding: { vocab: task.inputs.vocab, dim }, ...geometryFor(model) };
}

/**
 * `model.geometry` checked against the widths (docs/design.md, "Geometry"): one shape per neuron
 * layer, a grid of exactly the layer's positions (the input's are widths[0] / in_fold), and no
 * 1-D layer beside a 2-D one. All lines (or no key) give no `geometry` field: today's network.
 */
function geometryFor(model: MlpModelConfig): { geometry?: readonly LayerShape[] } {
  const text = model.geometry;
  if (!text) return {};
  const { widths, in_fold: inFold } = model;
  if (text.length !== widths.length) {
    throw new ConfigValueError(['model', 'geometry'], `has ${text.length} entries but model.widths has ${widths.length} neuron layers; give one shape per layer, input first`);
  }
  const shapes = text.map((t) => parseLayerShape(t)!);
  shapes.forEach((s, l) => {
    const positions = l === 0 ? widths[0] / inFold : widths[l];
    const want = shapeSize(s);
    if (want !== undefined && want !== positions) {
      const layer = l === 0 ? (inFold > 1 ? `widths[0] / in_fold = ${positions}` : `model.widths[0] = ${positions}`) : `model.widths[${l}] = ${positions}`;
      throw new ConfigValueError(['model', 'geometry', l], `${describeLayerShape(s)} has ${want} positions, but the layer has ${layer}`);
    }
  });
  const dims = shapes.map(shapeDims);
  const odd = dims.findIndex((d) => d !== dims[0]);
  if (odd >= 0) {
    throw new ConfigValueError(
      ['model', 'geometry', odd],
      `${text[odd]} is ${dims[odd]}-D but ${text[0]} is ${dims[0]}-D; distances join layers of one dimension, so use lines throughout or grids and rings throughout`,
    );
  }
  return shapes.every((s) => s.kind === 'line') ? {} : { geometry: shapes };
}
