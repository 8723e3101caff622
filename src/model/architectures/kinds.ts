/**
 * The architectures bimt trains, as plain data: what a config's `model` section becomes once its
 * sizes are checked against the task, what a checkpoint records and what the model graph is built
 * from. Each kind has one definition in src/model/architectures/ (docs/design.md, "Architecture
 * registry"); this file holds only their types, so that the model graph can name them without
 * importing the definitions that build it.
 */
import type { LayerShape } from '../geometry.js';

/** A BioMLP: linear layers with SiLU between them, optionally fed by a token embedding. */
export interface MlpArchitecture {
  readonly kind: 'mlp';
  /** Neurons per layer, input first: [N_0, ..., N_L]. */
  readonly widths: readonly number[];
  /** Fold of the input layer: N_0 = inFold * (positions per fold). */
  readonly inFold: number;
  /** Token embedding shared by every fold: vocab rows of (N_0 / inFold) values. */
  readonly embedding?: { readonly vocab: number; readonly dim: number };
  /**
   * How each neuron layer's positions are laid out, input first (docs/design.md, "Geometry").
   * Absent: every layer a line. An architecture whose layers are all lines leaves it out, so the
   * two spellings are one architecture.
   */
  readonly geometry?: readonly LayerShape[];
}

/** The paper's BioTransformer (section 3.4): sequences of feature vectors in and out. */
export interface TransformerArchitecture {
  readonly kind: 'transformer';
  /** Features per token in and out. */
  readonly inDim: number;
  readonly outDim: number;
  /** Width of the residual stream. */
  readonly embed: number;
  readonly blocks: number;
  /** Attention heads; the attention layer swaps whole heads as well as positions within one. */
  readonly heads: number;
  /** Hidden width of each block's MLP. */
  readonly mlpHidden: number;
  /** Tokens per sequence. */
  readonly seqLen: number;
  /** Pre-norm LayerNorms applied (the reference defines them but never applies them). */
  readonly layerNorm: boolean;
}

export type Architecture = MlpArchitecture | TransformerArchitecture;

export type ArchitectureKind = Architecture['kind'];

/** The architecture type of one kind: ArchitectureOf<'mlp'> is MlpArchitecture. */
export type ArchitectureOf<K extends ArchitectureKind> = Extract<Architecture, { readonly kind: K }>;
