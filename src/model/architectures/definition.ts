/**
 * What bimt knows about one kind of architecture (docs/design.md, "Architecture registry"): its
 * model graph, its checkpoint format, its size in messages and what the engines can do with it.
 * Everything here is plain arithmetic and loads neither tfjs nor an engine; the two per-kind pieces
 * that do are tables beside the code they load (TF_MODELS in src/model/tf-model.ts,
 * HOST_GRADIENTS in src/train/create-engine.ts), and the config's `model` section has its schema
 * in src/config/schema.ts and its checks against the task in src/config/architecture.ts. The
 * compiler names each of these when a kind is added to src/model/architectures/kinds.ts.
 */
import type { ArchitectureOf, ArchitectureKind } from './kinds.js';
import type { ModelGraph } from '../model-graph.js';

export interface ArchitectureDefinition<K extends ArchitectureKind> {
  readonly kind: K;
  /** The model graph (neuron layers, tensors, incidences, stages) of an architecture of this kind. */
  graph(arch: ArchitectureOf<K>): ModelGraph<ArchitectureOf<K>>;
  /** The architecture in a line, for messages and for telling two architectures apart ("widths [2, 20, 2] in_fold 1"). */
  describe(arch: ArchitectureOf<K>): string;
  /** The memory check's names: what to call the model and how to make it smaller. */
  readonly size: (arch: ArchitectureOf<K>) => { readonly what: string; readonly fix: string };
  /** The checkpoint format tag, and the safetensors metadata that records the architecture. */
  readonly checkpoint: {
    readonly format: string;
    metadata(arch: ArchitectureOf<K>): Record<string, string>;
    /** The inverse of `metadata`; throws on anything it did not write. */
    read(md: Readonly<Record<string, string | undefined>>): ArchitectureOf<K>;
  };
  /** Rows of the network each sample runs through (a sequence's tokens; 1 for a single sample). */
  tokensPerSample(arch: ArchitectureOf<K>): number;
  /** Whether the host engine (typed arrays, src/model/ops/) has its forward and backward pass. */
  hostTrains(arch: ArchitectureOf<K>): boolean;
  /**
   * Whether `train.engine: auto` takes the host engine at every size, loading no backend; false:
   * only below src/train/choose-engine.ts HOST_MAX_FORWARD_MACS, or on a CPU backend.
   */
  readonly hostAtEverySize: boolean;
  /** Why a batched population cannot train it, or undefined when it can. */
  notBatchable(arch: ArchitectureOf<K>): string | undefined;
  /**
   * Whether pruning may fold the constant outputs of dead neurons into the next biases: only
   * where every neuron's output is an elementwise function of its own input (a LayerNorm mixes a
   * whole layer).
   */
  foldsConstants(arch: ArchitectureOf<K>): boolean;
}
