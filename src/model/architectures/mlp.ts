/**
 * The BioMLP (paper section 2): linear layers with SiLU between them, optionally fed by a token
 * embedding that every fold of the input shares.
 */
import { describeLayerShape, parseLayerShape, shapeDims, type LayerShape } from '../geometry.js';
import { GraphBuilder, type Link, type ModelGraph } from '../model-graph.js';
import type { ArchitectureDefinition } from './definition.js';
import type { MlpArchitecture } from './kinds.js';

const LINE: LayerShape = { kind: 'line' };

export const MLP: ArchitectureDefinition<'mlp'> = {
  kind: 'mlp',
  graph: mlpGraph,
  describe(a) {
    const geometry = geometryMetadata(a.geometry);
    return (
      `widths [${a.widths}] in_fold ${a.inFold}${a.embedding ? ` embedding ${a.embedding.vocab}x${a.embedding.dim}` : ''}` +
      (geometry === 'line' ? '' : ` geometry [${a.geometry!.map(describeLayerShape).join(', ')}]`)
    );
  },
  size: (a) => ({ what: `model.widths [${a.widths.join(', ')}]`, fix: 'lower the widths' }),
  checkpoint: {
    // MLP checkpoints keep their first tag, so every checkpoint bimt ever wrote still loads.
    format: 'bimt-biomlp-1',
    metadata: (a) => ({
      widths: JSON.stringify(a.widths),
      in_fold: String(a.inFold),
      embedding: JSON.stringify(a.embedding ?? null),
      geometry: geometryMetadata(a.geometry),
    }),
    read(md) {
      const widths = JSON.parse(md.widths ?? '') as number[];
      const embedding = JSON.parse(md.embedding ?? 'null') as { vocab: number; dim: number } | null;
      const geometry = readGeometryMetadata(md.geometry);
      return { kind: 'mlp', widths, inFold: Number(md.in_fold), ...(embedding ? { embedding } : {}), ...(geometry ? { geometry } : {}) };
    },
  },
  tokensPerSample: () => 1,
  hostTrains: (a) => !a.embedding,
  hostAtEverySize: false,
  notBatchable: (a) => (a.embedding ? 'token inputs (an embedding) have no batched forward pass' : undefined),
  foldsConstants: () => true,
};

/**
 * A BioMLP: layers `input`, `hidden1` ... `hidden<L-1>`, `output`; tensors
 * `linears.<l>.linear.weight` / `.bias` (the reference module's names), then `embedding`.
 */
function mlpGraph(arch: MlpArchitecture): ModelGraph<MlpArchitecture> {
  const { widths, inFold } = arch;
  const L = widths.length - 1;
  const b = new GraphBuilder();
  const shapes = arch.geometry ?? widths.map(() => LINE);
  if (shapes.length !== widths.length) throw new RangeError(`${shapes.length} layer shapes for ${widths.length} neuron layers`);
  if (new Set(shapes.map(shapeDims)).size > 1) throw new RangeError('a network mixes 1-D and 2-D layers, which have no distance between them');
  const names = widths.map((w, l) => {
    if (l === 0) return b.layer('input', 'input', w / inFold, 'identity', 1, shapes[l]);
    if (l === L) return b.layer('output', 'output', w, 'identity', 1, shapes[l]);
    return b.layer(`hidden${l}`, 'hidden', w, 'silu', 1, shapes[l]);
  });
  const links: Link[] = [];
  for (let l = 0; l < L; l++) {
    const linear = b.linear(`linears.${l}.linear`, names[l]!, names[l + 1]!, l === 0 ? inFold : 1);
    links.push({ from: l, to: l + 1, weight: linear.weight });
  }
  if (arch.embedding) b.tensors.push({ kind: 'embedding', name: 'embedding', shape: [arch.embedding.vocab, arch.embedding.dim] });
  return b.build(arch, names, names.map((layer, l) => ({ layer, folds: l === 0 ? inFold : 1 })), links);
}

/**
 * The `geometry` metadata of an MLP: `line` when every layer is a line (what every checkpoint
 * before 2-D layers says, so they still load), else a JSON list of the layers' shapes,
 * ["grid 28x28","grid 10x10","grid 10x10","ring"] (docs/run-directory.md, "Checkpoints").
 */
function geometryMetadata(shapes: readonly LayerShape[] | undefined): string {
  return !shapes || shapes.every((s) => s.kind === 'line') ? 'line' : JSON.stringify(shapes.map(describeLayerShape));
}

/** The inverse of `geometryMetadata`; undefined for all lines. Throws on anything else. */
function readGeometryMetadata(text: string | undefined): LayerShape[] | undefined {
  if (text === undefined || text === 'line') return undefined;
  const list = JSON.parse(text) as unknown;
  if (!Array.isArray(list)) throw new Error('geometry is not a list');
  return list.map((t) => {
    const shape = typeof t === 'string' ? parseLayerShape(t) : undefined;
    if (!shape) throw new Error(`bad layer shape ${String(t)}`);
    return shape;
  });
}
