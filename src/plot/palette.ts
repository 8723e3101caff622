/**
 * Colours shared by every figure, so a sign, a class or a module has the same colour everywhere.
 * Blue/red for weight sign follows the BIMT paper's figures; the categorical colours are
 * Tableau 10 (distinguishable, and readable in greyscale print by lightness).
 */

export const POSITIVE = '#1f5fbf';
export const NEGATIVE = '#d62728';
export const INK = '#222222';
export const GRID = '#e6e6e6';
export const MUTED = '#9a9a9a';
/** The planes of 2-D layers (src/plot/network-2d.ts, and `bimt view`'s drawing of them). */
export const PLANE_FILL = '#f5f5f5';
export const PLANE_EDGE = '#d0d0d0';

const CATEGORICAL = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The i-th categorical colour (cycles after 10). */
export function categorical(i: number): string {
  return CATEGORICAL[((i % CATEGORICAL.length) + CATEGORICAL.length) % CATEGORICAL.length];
}

/** A colour on a hue circle: t in [0, 1) wraps, so cyclic orders (residues mod p) read as a loop. */
export function cyclic(t: number): string {
  const h = (((t % 1) + 1) % 1) * 360;
  return `hsl(${h.toFixed(1)},70%,45%)`;
}

/** Mix `hex` with white; amount 0 = hex, 1 = white. For light region tints. */
export function lighten(hex: string, amount: number): string {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  const r = mix((n >> 16) & 255);
  const g = mix((n >> 8) & 255);
  const b = mix(n & 255);
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/**
 * Colour of module k in network pictures: the categorical colours without blue and red, which
 * already mean the sign of a weight there.
 */
export function moduleColour(k: number): string {
  const pool = CATEGORICAL.filter((c) => c !== '#1f77b4' && c !== '#d62728');
  return pool[((k % pool.length) + pool.length) % pool.length];
}
