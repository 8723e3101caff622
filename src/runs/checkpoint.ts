/**
 * Checkpoints: safetensors files named and laid out like the reference PyTorch BioMLP, so a
 * PyTorch user can `load_file` them directly (docs/DESIGN.md, "Checkpoint format"):
 *
 *   linears.<l>.linear.weight  F32 [N_{l+1}, N_l]   (PyTorch's [out, in]; tfjs holds [in, out])
 *   linears.<l>.linear.bias    F32 [N_{l+1}]
 *   embedding                  F32 [vocab, dim]     (token tasks only)
 *   in_perm, out_perm          I64                  (as torch.long)
 *
 * Resumable checkpoints add Adam's moments under `optimizer.m.` / `optimizer.v.` + the same names,
 * and the metadata holds the step, the architecture and the generator state.
 */
import { BimtError } from '../errors.js';
import { lineGeometry } from '../model/geometry.js';
import { inputPositions, numWeightLayers, type Architecture, type Network, type Params } from '../model/network.js';
import { writeFileAtomic } from './atomic.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors.js';
import { readRegularFile } from '../util/files.js';

/** Largest checkpoint bimt reads: far above any network it can train, far below what would exhaust memory. */
const MAX_CHECKPOINT_BYTES = 2 ** 31 - 1;

export const CHECKPOINT_FORMAT = 'bimt-biomlp-1';

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
  const { arch } = c.net;
  const tensors: Record<string, Tensor> = {
    ...paramTensors(arch, c.net.params, ''),
    in_perm: { dtype: 'I64', shape: [c.net.inPerm.length], data: BigInt64Array.from(c.net.inPerm, BigInt) },
    out_perm: { dtype: 'I64', shape: [c.net.outPerm.length], data: BigInt64Array.from(c.net.outPerm, BigInt) },
  };
  if (c.optimizer) {
    Object.assign(tensors, paramTensors(arch, c.optimizer.m, 'optimizer.m.'), paramTensors(arch, c.optimizer.v, 'optimizer.v.'));
  }
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    step: String(c.step),
    widths: JSON.stringify(arch.widths),
    in_fold: String(arch.inFold),
    embedding: JSON.stringify(arch.embedding ?? null),
    geometry: 'line',
  };
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
  if (md.format !== CHECKPOINT_FORMAT) throw bad(`format is ${md.format ?? 'missing'}, expected ${CHECKPOINT_FORMAT}`);
  let arch: Architecture;
  try {
    const widths = JSON.parse(md.widths ?? '') as number[];
    const embedding = JSON.parse(md.embedding ?? 'null') as Architecture['embedding'] | null;
    arch = { widths, inFold: Number(md.in_fold), ...(embedding ? { embedding } : {}) };
  } catch {
    throw bad('unreadable architecture metadata');
  }
  if (expect && !sameArchitecture(arch, expect)) {
    throw new BimtError(`${path}: checkpoint has widths [${arch.widths}] in_fold ${arch.inFold}, but [${expect.widths}] in_fold ${expect.inFold} was expected`);
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
  const readParams = (prefix: string): Params => {
    const weights: Float32Array[] = [];
    const biases: Float32Array[] = [];
    for (let l = 0; l < numWeightLayers(arch); l++) {
      const [nIn, nOut] = [arch.widths[l]!, arch.widths[l + 1]!];
      weights.push(transpose(f32(`${prefix}linears.${l}.linear.weight`, [nOut, nIn]), nOut, nIn));
      biases.push(f32(`${prefix}linears.${l}.linear.bias`, [nOut]).slice());
    }
    const e = arch.embedding;
    return { weights, biases, ...(e ? { embedding: f32(`${prefix}embedding`, [e.vocab, e.dim]).slice() } : {}) };
  };
  const net: Network = {
    arch,
    geometry: lineGeometry(arch.widths, arch.inFold),
    params: readParams(''),
    inPerm: i64('in_perm', inputPositions(arch)),
    outPerm: i64('out_perm', arch.widths[arch.widths.length - 1]!),
  };
  const step = Number(md.step);
  if (!Number.isInteger(step) || step < 0) throw bad(`bad step "${md.step}"`);
  const hasOptimizer = md.adam_t !== undefined;
  return {
    step,
    net,
    ...(hasOptimizer ? { optimizer: { m: readParams('optimizer.m.'), v: readParams('optimizer.v.'), t: Number(md.adam_t) } } : {}),
    ...(md.loop_state !== undefined ? { loopState: JSON.parse(md.loop_state) as unknown } : {}),
  };
}

function paramTensors(arch: Architecture, p: Params, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (let l = 0; l < numWeightLayers(arch); l++) {
    const [nIn, nOut] = [arch.widths[l]!, arch.widths[l + 1]!];
    out[`${prefix}linears.${l}.linear.weight`] = { dtype: 'F32', shape: [nOut, nIn], data: transpose(p.weights[l]!, nIn, nOut) };
    out[`${prefix}linears.${l}.linear.bias`] = { dtype: 'F32', shape: [nOut], data: p.biases[l]! };
  }
  if (arch.embedding && p.embedding) {
    out[`${prefix}embedding`] = { dtype: 'F32', shape: [arch.embedding.vocab, arch.embedding.dim], data: p.embedding };
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
  return (
    a.widths.join(',') === b.widths.join(',') &&
    a.inFold === b.inFold &&
    JSON.stringify(a.embedding ?? null) === JSON.stringify(b.embedding ?? null)
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
