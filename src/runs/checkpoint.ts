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
import { inputLayer, outputLayer, type ModelGraph } from '../model/model-graph.js';
import { ARCHITECTURES, definitionForFormat, definitionOf, describeArchitecture, modelGraph, sameArchitecture } from '../model/architectures/registry.js';
import type { Architecture, Network, Params } from '../model/network.js';
import { writeFileAtomic } from './atomic.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors.js';
import { readRegularFile } from '../util/files.js';

/** Largest checkpoint bimt reads: far above any network it can train, far below what would exhaust memory. */
export const MAX_CHECKPOINT_BYTES = 2 ** 31 - 1;

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
  // The format and step first, then what the architecture's definition records
  // (docs/run-directory.md, "Checkpoints").
  const { checkpoint } = definitionOf(arch);
  const metadata: Record<string, string> = { format: checkpoint.format, step: String(c.step), ...checkpoint.metadata(arch) };
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
    const definition = definitionForFormat(md.format);
    if (!definition) {
      const formats = Object.values(ARCHITECTURES).map((d) => d.checkpoint.format);
      throw bad(`format is ${md.format ?? 'missing'}, expected ${formats.join(' or ')}`);
    }
    arch = definition.checkpoint.read(md);
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

function isPermutation(p: Int32Array): boolean {
  const seen = new Uint8Array(p.length);
  for (const v of p) {
    if (v < 0 || v >= p.length || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}
