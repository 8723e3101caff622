/**
 * The config file's schema: every key, its type, its default. Unknown keys are errors (strict
 * objects), so a typo never silently falls back to a default. docs/config.md, the config
 * reference, is generated from src/config/reference.ts, whose rows test/config-doc.test.ts holds to
 * this schema's keys.
 */
import { z } from 'zod';
import { isRunName, RUN_NAME_RULE } from './run-name.js';
import { taskSchema } from '../tasks/registry.js';
import { LAYER_SHAPE_PATTERN } from '../model/geometry.js';

const positiveInt = z.number().int().positive();
const finite = z.number().finite();
const nonNegative = finite.nonnegative();

/**
 * A step of the run: an integer step, or a percentage of train.steps ("25%"), the form the
 * notebooks' schedules are written in (x10 at 1/4 of the run, x0.1 at 3/4).
 */
export const stepRef = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?%$/, 'a percentage of train.steps such as "25%"'),
]);
export type StepRef = z.infer<typeof stepRef>;

/** One change of lambda: from step `at` on, lambda becomes `set`, or is multiplied by `multiply`. */
const lambdaChange = z.union([
  z.strictObject({ at: stepRef, set: nonNegative }),
  z.strictObject({ at: stepRef, multiply: nonNegative }),
]);

/**
 * Largest layer a config may ask for. Whether a network fits is the memory check's business
 * (src/train/memory.ts); this bound only keeps absurd widths (1e8, 1e300) out of its arithmetic.
 */
export const MAX_WIDTH = 1_000_000;

/** A BioMLP (the default when `kind` is left out, so configs written before transformers stay valid). */
export const mlpModelSchema = z.strictObject({
  kind: z.literal('mlp').optional(),
  /** Neurons per layer, input first. With an embedding, widths[0] = in_fold * embedding dim. */
  widths: z.array(positiveInt.max(MAX_WIDTH, `at most ${MAX_WIDTH} neurons per layer`)).min(2),
  /** Copies of the input positions (2 when the input is two concatenated token embeddings). */
  in_fold: positiveInt.default(1),
  activation: z.enum(['silu']).default('silu'),
  /**
   * How each neuron layer's positions are laid out, one entry per width, input first:
   * `line` (1-D), `grid WxH` (2-D, row-major, W * H positions) or `ring` (2-D, a circle), e.g.
   * [grid 28x28, grid 10x10, grid 10x10, ring]. Left out: every layer a line
   * (docs/design.md, "Geometry").
   */
  geometry: z.array(z.string().regex(LAYER_SHAPE_PATTERN, 'line, ring or grid WxH (such as grid 28x28)')).min(2).optional(),
  /** Seed of the initialisation; defaults to the top-level seed. */
  seed: z.number().int().nonnegative().optional(),
});

/** The paper's BioTransformer (section 3.4); input and output sizes come from the task. */
export const transformerModelSchema = z.strictObject({
  kind: z.literal('transformer'),
  /** Width of the residual stream. */
  embed: positiveInt.max(MAX_WIDTH, `at most ${MAX_WIDTH} neurons per layer`).default(32),
  /** Transformer blocks (attention then MLP, each with a residual connection). */
  blocks: positiveInt.max(1000).default(2),
  /** Attention heads; embed must divide into them. Several heads are also swapped whole. */
  heads: positiveInt.default(1),
  /** Each block's MLP has mlp_ratio * embed hidden neurons. */
  mlp_ratio: positiveInt.max(MAX_WIDTH).default(4),
  /** Apply pre-norm LayerNorms (the reference defines them but never applies them). */
  layer_norm: z.boolean().default(false),
  /** Seed of the initialisation; defaults to the top-level seed. */
  seed: z.number().int().nonnegative().optional(),
});

export const modelSchema = z.discriminatedUnion('kind', [mlpModelSchema, transformerModelSchema]);

export const costSchema = z.strictObject({
  /** A in A * distance + l0: the weight of the distance term. 0 gives plain L1. */
  weight_factor: nonNegative.default(1),
  /** Constant cost per unit |w|, standing in for the layer-to-layer distance. */
  l0: nonNegative.default(0.1),
  /** Penalise biases by l0 * |b|: always (true), never (false), or from a step on. */
  bias: z.union([z.boolean(), stepRef]).default(true),
  /** Drop the last weight layer's distance term (its l0 term stays). */
  no_penalize_last: z.boolean().default(false),
  /** sum over all entries, or mean per tensor (the notebooks differ; docs/design.md, "Connection cost"). */
  aggregate: z.enum(['sum', 'mean']).default('sum'),
});

export const lambdaSchema = z.strictObject({
  initial: nonNegative,
  changes: z.array(lambdaChange).default([]),
});

export const swapSchema = z.strictObject({
  /** Relocate every this many steps; 0 turns swapping off. */
  every: z.number().int().nonnegative().default(200),
  top_k: positiveInt.default(10),
  /**
   * Cost the swap search minimises: "training" uses the cost section above; the object form
   * overrides parts of it, as the reference does when it calls get_cc with its defaults.
   */
  objective: z
    .union([
      z.literal('training'),
      z.strictObject({
        weight_factor: nonNegative.optional(),
        no_penalize_last: z.boolean().optional(),
      }),
    ])
    .default('training'),
  /** Move Adam's moments with the swapped weights (the reference does not). */
  permute_optimizer_state: z.boolean().default(true),
  /** Swap input positions too (MNIST keeps pixels in place). */
  inputs: z.boolean().default(true),
});

export const trainSchema = z.strictObject({
  steps: positiveInt,
  lr: finite.positive(),
  /** "full" for full-batch training, or a mini-batch size. */
  batch: z.union([z.literal('full'), positiveInt]).default('full'),
  /**
   * How mini-batches are drawn: shuffled epochs, or each batch independently with replacement
   * (the transformer notebook's np.random.choice(n, batch, replace=True)).
   */
  sampling: z.enum(['epochs', 'replacement']).default('epochs'),
  beta1: finite.min(0).lt(1).default(0.9),
  beta2: finite.min(0).lt(1).default(0.999),
  eps: finite.positive().default(1e-8),
  /** AdamW's decoupled weight decay (the reference's AdamW uses 0, i.e. Adam). */
  weight_decay: nonNegative.default(0),
  /**
   * Where the arithmetic runs (src/train/choose-engine.ts): "tfjs" on the selected backend, "host" in
   * plain loops over typed arrays (feature inputs only), "workers" tfjs on worker threads (full
   * batch, wasm or cpu backend), "auto" the fastest for the network's size and the backend.
   */
  engine: z.enum(['auto', 'host', 'tfjs', 'workers']).default('auto'),
  /**
   * The loss of a classification task: mean softmax cross-entropy (when left out), or
   * `mse-onehot`, the mean squared error against one-hot targets that the MNIST notebook trains
   * with (docs/design.md, "Model"). Accuracy is reported either way.
   */
  loss: z.enum(['cross-entropy', 'mse-onehot']).optional(),
  /**
   * Train this many networks, seeds seed, seed + 1, ..., each a run of its own in one directory
   * (docs/design.md, "Populations"): on a GPU backend as one batched computation, on a CPU one
   * one by one. Left out: one network.
   */
  population: z.number().int().min(1).max(4096).optional(),
});

export const outputSchema = z.strictObject({
  /** Where run directories are created. */
  runs_dir: z.string().min(1).default('runs'),
  /** A metrics row every this many steps (and at the last step). */
  eval_every: positiveInt.default(100),
  /** A checkpoint and graph snapshot every this many steps (and at the last step). */
  checkpoint_every: positiveInt.default(1000),
  /** |w| at or below this counts as zero in snapshots and in the metrics' weight count. */
  snapshot_threshold: nonNegative.default(1e-2),
  /**
   * Default threshold of `bimt prune`, `bimt plot --pruned` and `bimt reproduce`. Weights far
   * below the largest ones are invisible in the paper's drawings; a config may prune them.
   */
  prune_threshold: nonNegative.default(1e-2),
  /**
   * Metrics rows evaluate a fixed random subset of at most this many rows of each split (drawn
   * once from the seed); absent: every row. For data sets whose full evaluation costs more than
   * the steps between rows.
   */
  eval_rows: positiveInt.optional(),
});

export const configSchema = z.strictObject({
  /** Prefix of run directory names; defaults to the config file's name. */
  name: z.string().refine(isRunName, `not a valid run name (${RUN_NAME_RULE})`).optional(),
  /** Master seed: drives data, initialisation and batching unless task.seed / model.seed say otherwise. */
  seed: z.number().int().nonnegative().default(0),
  task: taskSchema,
  model: modelSchema,
  cost: costSchema.prefault({}),
  lambda: lambdaSchema,
  swap: swapSchema.prefault({}),
  train: trainSchema,
  output: outputSchema.prefault({}),
});

/** A config as written (defaults filled in), before step references are resolved. */
export type Config = z.infer<typeof configSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type MlpModelConfig = z.infer<typeof mlpModelSchema>;
export type TransformerModelConfig = z.infer<typeof transformerModelSchema>;
export type CostConfig = z.infer<typeof costSchema>;
export type SwapConfig = z.infer<typeof swapSchema>;
export type TrainConfig = z.infer<typeof trainSchema>;
export type LambdaConfig = z.infer<typeof lambdaSchema>;
