/**
 * How a weight is drawn in every network picture: the still ones (network.ts, network-2d.ts, the
 * animation) and `bimt view`'s page, which imports this directly, so it stays free of Node and
 * of the rest of the drawing code.
 */
import { NEGATIVE, POSITIVE } from './palette.js';
import { fmt, type Attrs } from './svg.js';

const MAX_STROKE = 3.5;

/**
 * Weights below this fraction of their layer's largest |w| are not drawn: they would be thinner
 * than a hundredth of a pixel, and only make the file large (or the page slow).
 */
export const SKIP_BELOW = 1e-3;

/**
 * How a weight is drawn, `rel` being |w| over the largest |w| of its layer: colour by sign, width
 * by rel, and fainter as well as thinner so that many weak weights do not add up to a dark mesh.
 */
export function edgeStyle(weight: number, rel: number): Attrs {
  return { stroke: weight >= 0 ? POSITIVE : NEGATIVE, 'stroke-width': Math.max(0.01, MAX_STROKE * rel), 'stroke-opacity': fmt(0.35 + 0.65 * rel) };
}
