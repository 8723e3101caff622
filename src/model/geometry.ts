/**
 * Neuron coordinates (docs/DESIGN.md, "Geometry"). Positions are fixed; swapping moves weights between
 * positions, never positions. Distances are L1, which in 1-D is |x_out - x_in| and in 2-D the
 * Manhattan distance the MNIST variant uses.
 */
export interface LayerGeometry {
  /** Coordinate dimension: 1 (a row on the unit interval) or 2 (a grid / ring). */
  readonly dims: 1 | 2;
  /** coords[n * dims + d]: coordinate d of neuron n. */
  readonly coords: Float64Array;
}

/** One LayerGeometry per neuron layer, input first. */
export type Geometry = readonly LayerGeometry[];

/**
 * 1-D layer of `size` neurons with `fold` copies: neuron n sits at ((n mod Nf) + 0.5) / Nf where
 * Nf = size / fold, so fold copies share positions.
 */
export function lineLayer(size: number, fold = 1): LayerGeometry {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`layer size must be a positive integer, got ${size}`);
  if (!Number.isInteger(fold) || fold <= 0 || size % fold !== 0) {
    throw new RangeError(`layer size ${size} is not divisible by fold ${fold}`);
  }
  const nf = size / fold;
  const coords = new Float64Array(size);
  for (let n = 0; n < size; n++) coords[n] = ((n % nf) + 0.5) / nf;
  return { dims: 1, coords };
}

/** The 1-D geometry of a BioMLP with the given widths; only the input layer is folded. */
export function lineGeometry(widths: readonly number[], inFold = 1): Geometry {
  return widths.map((w, i) => lineLayer(w, i === 0 ? inFold : 1));
}

/** L1 distance between neuron a of layer `la` and neuron b of layer `lb`. */
export function distance(la: LayerGeometry, a: number, lb: LayerGeometry, b: number): number {
  if (la.dims !== lb.dims) throw new RangeError('layers of different coordinate dimension');
  let d = 0;
  for (let k = 0; k < la.dims; k++) d += Math.abs(la.coords[a * la.dims + k] - lb.coords[b * lb.dims + k]);
  return d;
}
