/**
 * Neuron coordinates (docs/DESIGN.md, "Geometry"). Positions are fixed; swapping moves weights between
 * positions, never positions. Distances are L1, which in 1-D is |x_out - x_in| and in 2-D the
 * Manhattan distance the MNIST variant uses. Each neuron layer of the model graph
 * (src/model/model-graph.ts) has one geometry for its positions; fold copies share it.
 */
export interface LayerGeometry {
  /** Coordinate dimension: 1 (a row on the unit interval) or 2 (a grid / ring). */
  readonly dims: 1 | 2;
  /** coords[n * dims + d]: coordinate d of neuron n. */
  readonly coords: Float64Array;
}

/** 1-D layer of `size` positions: position n sits at (n + 0.5) / size. */
export function lineLayer(size: number): LayerGeometry {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`layer size must be a positive integer, got ${size}`);
  const coords = new Float64Array(size);
  for (let n = 0; n < size; n++) coords[n] = (n + 0.5) / size;
  return { dims: 1, coords };
}

/** L1 distance between neuron a of layer `la` and neuron b of layer `lb`. */
export function distance(la: LayerGeometry, a: number, lb: LayerGeometry, b: number): number {
  if (la.dims !== lb.dims) throw new RangeError('layers of different coordinate dimension');
  let d = 0;
  for (let k = 0; k < la.dims; k++) d += Math.abs(la.coords[a * la.dims + k] - lb.coords[b * lb.dims + k]);
  return d;
}
