/**
 * A model graph's tensors as tfjs variables, by name in canonical order, and their two-way copy
 * with host `Params`: what every tfjs model (BioModel, TransformerModel) holds the same way.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelGraph, Params } from './model-graph.js';

/** A variable holding a copy of each tensor of `params`, shaped as the graph says. */
export function createVariables(graph: ModelGraph, params: Params): Map<string, tf.Variable> {
  // Each made inside tidy: tf.variable shares its initial tensor's data, and that tensor itself
  // would otherwise stay registered for the process's life.
  return new Map(graph.tensors.map((t) => [t.name, tf.tidy(() => tf.variable(tf.tensor(params.get(t.name)!, [...t.shape])))]));
}

/** Copies of the variables as host arrays. */
export function readVariables(vars: ReadonlyMap<string, tf.Variable>): Params {
  return new Map([...vars].map(([name, v]) => [name, (v.dataSync() as Float32Array).slice()]));
}

/** Writes host parameters into the variables. */
export function assignVariables(vars: ReadonlyMap<string, tf.Variable>, params: Params): void {
  tf.tidy(() => {
    for (const [name, v] of vars) v.assign(tf.tensor(params.get(name)!, v.shape));
  });
}
