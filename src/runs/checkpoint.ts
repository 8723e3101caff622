/**
 * Checkpoints: safetensors files named and laid out like the reference PyTorch modules (BioMLP,
 * BioTransformer), so a PyTorch user can `load_file` them directly (docs/run-directory.md,
 * "Checkpoints"). Every tensor of the model graph is stored under its name; weights in PyTorch's
 * [out, in] layout (the host holds [in, out]), e.g. for an MLP:
 *
 *   linears.<l>.linear.weight  F32 [N_{l+1}, N_l]
 *   linears.<l>.linear.bias    F32 [N_{l+1}]
 *   embedding                  F32 [vocab, dim]     (token tasks only)
 *   in_perm, out_perm          I64                  (as torch.long)
 *
 * Resumable checkpoints add Adam's moments under `optimizer.m.` / `optimizer.v.` + the same names,
 * and the metadata holds the step, the architecture and the generator state.
 */
import { BimtError } from '../errors.js';
import { inputLayer, modelGraph, outputLayer, type ModelGraph, type TransformerArchitecture } from '../model/model-graph.js';
import type { Architecture, Network, Params } from '../model/network.js';
import { describeLayerShape, parseLayerShape, type LayerShape } from '../model/geometry.js';
import { writeFileAtomic } from './atomic.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors.js';
import { readRegularFile } from '../util/files.js';

/** Largest checkpoint bimt reads: far above any network it can train, far below what would exhaust memory. */
export const MAX_CHECKPOINT_BYTES = 2 ** 31 - 1;

/** The format tag of each architecture's checkpoints (MLP checkpoints keep their first tag). */
export const CHECKPOINT_FORMATS = { mlp: 'bimt-biomlp-1', transformer: 'bimt-transformer-1' } as const;

/** Adam's state, laid out like the parameters. */
export interface OptimizerState {
  readonly m: Params;
  readonly v: Params;
  /** Updates made so far (Adam's bias-correction counter). */
  readonly t: number;
}

export interface Checkpoint {
  readonly step: number;
  readonly net: Network;
  readonly optimizer?: OptimizerState;
  /** JSON the training loop needs on resume (mini-batch generator, swap count). */
  readonly loopState?: unknown;
}

export function checkpointFileName(step: number): string {
  return `${stepTag(step)}.safetensors`;
}

/** "step-000300": how checkpoint files, snapshots, pruned folders and plots name a step. */
export function stepTag(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** The step a checkpoint file name encodes, or undefined for other files. */
export function stepOfFileName(name: string): number | undefined {
  const m = /^step-(\d+)\.safetensors$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const { graph } = c.net;
  const { arch } = graph;
  const tensors: Record<string, Tensor> = {
    ...paramTensors(graph, c.net.params, ''),
    in_perm: { dtype: 'I64', shape: [c.net.inPerm.length], data: BigInt64Array.from(c.net.inPerm, BigInt) },
    out_perm: { dtype: 'I64', shape: [c.net.outPerm.length], data: BigInt64Array.from(c.net.outPerm, BigInt) },
  };
  if (c.optimizer) {
    Object.assign(tensors, paramTensors(graph, c.optimizer.m, 'optimizer.m.'), paramTensors(graph, c.optimizer.v, 'optimizer.v.'));
  }
  const metadata: Record<string, string> =
    arch.kind === 'mlp'
      ? {
          format: CHECKPOINT_FORMATS.mlp,
          step: String(c.step),
          widths: JSON.stringify(arch.widths),
          in_fold: String(arch.inFold),
          embedding: JSON.stringify(arch.embedding ?? null),
          geometry: geometryMetadata(arch.geometry),
        }
      : { format: CHECKPOINT_FORMATS.transformer, step: String(c.step), architecture: JSON.stringify(arch), geometry: 'line' };
  if (c.optimizer) metadata.adam_t = String(c.optimizer.t);
  if (c.loopState !== undefined) metadata.loop_state = JSON.stringify(c.loopState);
  return encodeSafetensors({ tensors, metadata });
}

export function writeCheckpoint(path: string, c: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(c));
}

/**
 * Reads and checks a checkpoint. `expect`, when given, is the architecture the caller needs
 * (a resume or a config), and a checkpoint of another shape is refused with both shapes named.
 */
export function readCheckpoint(path: string, expect?: Architecture): Checkpoint {
  const bytes = readRegularFile(path, 'checkpoint', MAX_CHECKPOINT_BYTES);
  const file = decodeSafetensors(bytes, path);
  const md = file.metadata;
  const bad = (why: string) => new BimtError(`${path}: not a bimt checkpoint: ${why}`);
  let arch: Architecture;
  try {
    if (md.format === CHECKPOINT_FORMATS.mlp) {
      const widths = JSON.parse(md.widths ?? '') as number[];
      const embedding = JSON.parse(md.embedding ?? 'null') as { vocab: number; dim: number } | null;
      const geometry = readGeometryMetadata(md.geometry);
      arch = { kind: 'mlp', widths, inFold: Number(md.in_fold), ...(embedding ? { embedding } : {}), ...(geometry ? { geometry } : {}) };
    } else if (md.format === CHECKPOINT_FORMATS.transformer) {
      arch = { ...(JSON.parse(md.architecture ?? '') as TransformerArchitecture), kind: 'transformer' };
    } else {
      throw bad(`format is ${md.format ?? 'missing'}, expected ${Object.values(CHECKPOINT_FORMATS).join(' or ')}`);
    }
  } catch (e) {
    if (e instanceof BimtError) throw e;
    throw bad('unreadable architecture metadata');
  }
  if (expect && !sameArchitecture(arch, expect)) {
    throw new BimtError(`${path}: checkpoint has ${describeArchitecture(arch)}, but ${describeArchitecture(expect)} was expected`);
  }
  let graph: ModelGraph;
  try {
    graph = modelGraph(arch);
  } catch {
    throw bad(`impossible architecture ${describeArchitecture(arch)}`);
  }
  const f32 = (name: string, shape: number[]): Float32Array => {
    const t = file.tensors[name];
    if (!t) throw bad(`tensor ${name} is missing`);
    if (t.dtype !== 'F32' || t.shape.join(',') !== shape.join(',')) throw bad(`tensor ${name} is ${t.dtype} [${t.shape}], expected F32 [${shape}]`);
    return t.data;
  };
  const i64 = (name: string, n: number): Int32Array => {
    const t = file.tensors[name];
    if (!t || t.dtype !== 'I64' || t.shape.join(',') !== String(n)) throw bad(`tensor ${name} is missing or not I64 [${n}]`);
    const out = Int32Array.from(t.data, Number);
    if (!isPermutation(out)) throw bad(`${name} is not a permutation`);
    return out;
  };
  const readParams = (prefix: string): Params =>
    new Map(
      graph.tensors.map((t) => {
        if (t.kind !== 'weight') return [t.name, f32(prefix + t.name, [...t.shape]).slice()];
        const [rows, cols] = t.shape;
        return [t.name, transpose(f32(prefix + t.name, [cols, rows]), cols, rows)];
      }),
    );
  const net: Network = {
    graph,
    params: readParams(''),
    inPerm: i64('in_perm', inputLayer(graph).size),
    outPerm: i64('out_perm', outputLayer(graph).size),
  };
  const step = Number(md.step);
  if (!Number.isInteger(step) || step < 0) throw bad(`bad step "${md.step}"`);
  const hasOptimizer = md.adam_t !== undefined;
  return {
    step,
    net,
    ...(hasOptimizer ? { optimizer: { m: readParams('optimizer.m.'), v: readParams('optimizer.v.'), t: Number(md.adam_t) } } : {}),
    ...(md.loop_state !== undefined ? { loopState: parseLoopState(md.loop_state, bad) } : {}),
  };
}

/** A training state's loop_state metadata: JSON that bimt wrote, or a one-line refusal (an edited or damaged file). */
function parseLoopState(text: unknown, bad: (why: string) => BimtError): unknown {
  if (typeof text !== 'string') throw bad('loop_state is not a string');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bad('loop_state is not JSON');
  }
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

function paramTensors(g: ModelGraph, p: Params, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const t of g.tensors) {
    const data = p.get(t.name)!;
    if (t.kind === 'weight') {
      const [rows, cols] = t.shape;
      out[prefix + t.name] = { dtype: 'F32', shape: [cols, rows], data: transpose(data, rows, cols) };
    } else out[prefix + t.name] = { dtype: 'F32', shape: [...t.shape], data };
  }
  return out;
}

/** Row-major [rows, cols] -> [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

export function sameArchitecture(a: Architecture, b: Architecture): boolean {
  return describeArchitecture(a) === describeArchitecture(b);
}

/** The architecture in a line, for messages ("widths [2, 20, 2] in_fold 1"). */
export function describeArchitecture(a: Architecture): string {
  if (a.kind === 'mlp') {
    const geometry = geometryMetadata(a.geometry);
    return (
      `widths [${a.widths}] in_fold ${a.inFold}${a.embedding ? ` embedding ${a.embedding.vocab}x${a.embedding.dim}` : ''}` +
      (geometry === 'line' ? '' : ` geometry [${a.geometry!.map(describeLayerShape).join(', ')}]`)
    );
  }
  return (
    `a transformer ${a.inDim} -> ${a.outDim}, embed ${a.embed}, ${a.blocks} blocks, ${a.heads} heads, ` +
    `MLP hidden ${a.mlpHidden}, ${a.seqLen} tokens, layer_norm ${a.layerNorm}`
  );
}

function isPermutation(p: Int32Array): boolean {
  const seen = new Uint8Array(p.length);
  for (const v of p) {
    if (v < 0 || v >= p.length || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}
