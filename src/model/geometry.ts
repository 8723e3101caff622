/**
 * Neuron coordinates (docs/design.md, "Geometry"). Positions are fixed; swapping moves weights between
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

/**
 * How a layer's positions are laid out, as a config writes it (`model.geometry`):
 * `line` (1-D), `grid WxH` (2-D, row-major) or `ring` (2-D, a circle).
 */
export type LayerShape =
  | { readonly kind: 'line' }
  | { readonly kind: 'grid'; readonly width: number; readonly height: number }
  | { readonly kind: 'ring' };

/** The text form of a layer shape: "line", "grid 28x28", "ring". */
export const LAYER_SHAPE_PATTERN = /^(?:line|ring|grid ([1-9]\d{0,6})x([1-9]\d{0,6}))$/;

/** Parses "line", "ring" or "grid WxH"; undefined for anything else. */
export function parseLayerShape(text: string): LayerShape | undefined {
  const m = LAYER_SHAPE_PATTERN.exec(text);
  if (!m) return undefined;
  if (text === 'line') return { kind: 'line' };
  if (text === 'ring') return { kind: 'ring' };
  return { kind: 'grid', width: Number(m[1]), height: Number(m[2]) };
}

/** The inverse of `parseLayerShape`. */
export function describeLayerShape(s: LayerShape): string {
  return s.kind === 'grid' ? `grid ${s.width}x${s.height}` : s.kind;
}

/** Coordinate dimension of a shape. */
export function shapeDims(s: LayerShape): 1 | 2 {
  return s.kind === 'line' ? 1 : 2;
}

/** Positions a shape fixes (a grid), or undefined when it fits any size (line, ring). */
export function shapeSize(s: LayerShape): number | undefined {
  return s.kind === 'grid' ? s.width * s.height : undefined;
}

/** The geometry of `size` positions laid out as `shape`. */
export function layerGeometry(shape: LayerShape, size: number): LayerGeometry {
  switch (shape.kind) {
    case 'line':
      return lineLayer(size);
    case 'grid':
      return gridLayer(shape.width, shape.height, size);
    case 'ring':
      return ringLayer(size);
  }
}

/** 1-D layer of `size` positions: position n sits at (n + 0.5) / size. */
export function lineLayer(size: number): LayerGeometry {
  checkSize(size);
  const coords = new Float64Array(size);
  for (let n = 0; n < size; n++) coords[n] = (n + 0.5) / size;
  return { dims: 1, coords };
}

/**
 * 2-D layer of width * height positions on the unit square, row-major: position n sits at
 * x = (n mod W + 0.5) / W, y = (floor(n / W) + 0.5) / H (the reference MNIST notebook's meshgrid,
 * docs/design.md, "Geometry"). A 28x28 grid of pixels keeps the image's row-major order.
 */
export function gridLayer(width: number, height: number, size = width * height): LayerGeometry {
  checkSize(size);
  if (size !== width * height) throw new RangeError(`a ${width}x${height} grid has ${width * height} positions, not ${size}`);
  const coords = new Float64Array(2 * size);
  for (let n = 0; n < size; n++) {
    coords[2 * n] = ((n % width) + 0.5) / width;
    coords[2 * n + 1] = (Math.floor(n / width) + 0.5) / height;
  }
  return { dims: 2, coords };
}

/**
 * 2-D layer of `size` positions on a circle of radius 1/4 about (1/2, 1/2): position q at angle
 * 2 pi (q + 0.5) / size, as the reference places MNIST's ten outputs (docs/design.md, "Geometry").
 */
export function ringLayer(size: number): LayerGeometry {
  checkSize(size);
  const coords = new Float64Array(2 * size);
  for (let q = 0; q < size; q++) {
    const theta = (2 * Math.PI * (q + 0.5)) / size;
    coords[2 * q] = 0.5 + Math.cos(theta) / 4;
    coords[2 * q + 1] = 0.5 + Math.sin(theta) / 4;
  }
  return { dims: 2, coords };
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`layer size must be a positive integer, got ${size}`);
}

/** L1 distance between neuron a of layer `la` and neuron b of layer `lb`. */
export function distance(la: LayerGeometry, a: number, lb: LayerGeometry, b: number): number {
  if (la.dims !== lb.dims) throw new RangeError('layers of different coordinate dimension');
  let d = 0;
  for (let k = 0; k < la.dims; k++) d += Math.abs(la.coords[a * la.dims + k] - lb.coords[b * lb.dims + k]);
  return d;
}
