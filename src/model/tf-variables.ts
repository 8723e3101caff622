/**
 * A model graph's tensors as tfjs variables, by name in canonical order, and their two-way copy
 * with host `Params`: what every tfjs model (BioModel, TransformerModel) holds the same way.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelGraph, Params } from './model-graph.js';
import { webgpuError } from '../webgpu.js';

/** A variable holding a copy of each tensor of `params`, shaped as the graph says. */
export function createVariables(graph: ModelGraph, params: Params): Map<string, tf.Variable> {
  // Each made inside tidy: tf.variable shares its initial tensor's data, and that tensor itself
  // would otherwise stay registered for the process's life.
  return new Map(graph.tensors.map((t) => [t.name, tf.tidy(() => tf.variable(tf.tensor(params.get(t.name)!, [...t.shape])))]));
}

/**
 * Copies of float32 tensors as host arrays, read asynchronously: the webgpu backend cannot read
 * back synchronously in Node (docs/engines-and-gpu.md, "Backends"), and on the others it costs nothing.
 * Every read of a training engine's state and evaluation goes through here.
 */
export async function readTensors(xs: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const arrays = await Promise.all(xs.map((x) => x.data() as Promise<Float32Array>));
  const failed = webgpuError();
  if (failed) throw new Error(`the webgpu device refused a command, so results are wrong: ${failed}`);
  // A copy: the CPU backends hand out the array they keep.
  return arrays.map((a) => a.slice());
}

/** Copies of the variables as host arrays. */
export async function readVariables(vars: ReadonlyMap<string, tf.Variable>): Promise<Params> {
  const arrays = await readTensors([...vars.values()]);
  return new Map([...vars.keys()].map((name, i) => [name, arrays[i]]));
}

/** Writes host parameters into the variables. */
export function assignVariables(vars: ReadonlyMap<string, tf.Variable>, params: Params): void {
  tf.tidy(() => {
    for (const [name, v] of vars) v.assign(tf.tensor(params.get(name)!, v.shape));
  });
}
