/**
 * The architecture registry (docs/design.md, "Architecture registry"): one definition per kind,
 * and the one place code finds the definition of an architecture or narrows a graph to its kind.
 * Nothing else in src/ branches on an architecture's kind.
 */
import type { ModelGraph } from '../model-graph.js';
import type { ArchitectureDefinition } from './definition.js';
import type { Architecture, ArchitectureKind, ArchitectureOf } from './kinds.js';
import { MLP } from './mlp.js';
import { TRANSFORMER } from './transformer.js';

export const ARCHITECTURES: { readonly [K in ArchitectureKind]: ArchitectureDefinition<K> } = {
  mlp: MLP,
  transformer: TRANSFORMER,
};

/**
 * The definition of an architecture's kind, typed for any architecture: each definition's
 * functions take the architecture of its own kind, which `arch.kind` guarantees here.
 */
export function definitionOf(arch: Architecture): ArchitectureDefinition<ArchitectureKind> {
  return ARCHITECTURES[arch.kind] as unknown as ArchitectureDefinition<ArchitectureKind>;
}

/** Builds (and caches per architecture object) the model graph of an architecture. */
export function modelGraph<A extends Architecture>(arch: A): ModelGraph<A> {
  let g = cache.get(arch);
  if (!g) cache.set(arch, (g = definitionOf(arch).graph(arch as never)));
  return g as ModelGraph<A>;
}
const cache = new WeakMap<Architecture, ModelGraph>();

/** The architecture in a line, for messages ("widths [2, 20, 2] in_fold 1"). */
export function describeArchitecture(a: Architecture): string {
  return definitionOf(a).describe(a as never);
}

export function sameArchitecture(a: Architecture, b: Architecture): boolean {
  return describeArchitecture(a) === describeArchitecture(b);
}

/** One entry per kind, each taking the graph narrowed to its kind; the compiler holds it complete. */
export type PerKind<R> = { readonly [K in ArchitectureKind]: (graph: ModelGraph<ArchitectureOf<K>>) => R };

/** The entry of `table` for the graph's kind, called with the graph narrowed to that kind. */
export function forGraph<R>(graph: ModelGraph, table: PerKind<R>): R {
  return (table[graph.arch.kind] as (g: ModelGraph) => R)(graph);
}

/** The graph narrowed to `kind`, or undefined when it is of another kind. */
export function graphOfKind<K extends ArchitectureKind>(graph: ModelGraph, kind: K): ModelGraph<ArchitectureOf<K>> | undefined {
  return graph.arch.kind === kind ? (graph as ModelGraph<ArchitectureOf<K>>) : undefined;
}

/** The definition whose checkpoints carry format tag `format`, or undefined. */
export function definitionForFormat(format: string | undefined): ArchitectureDefinition<ArchitectureKind> | undefined {
  return Object.values(ARCHITECTURES).find((d) => d.checkpoint.format === format) as ArchitectureDefinition<ArchitectureKind> | undefined;
}
