/**
 * Training as a movie: snapshots of the network drawn by `networkBody` (the same drawing as the
 * still picture) stacked in one self-contained SVG, shown one at a time by SMIL <animate> on
 * `visibility`, looping. Viewers without SMIL (and rsvg-convert) show the last frame, the trained
 * network, since that is the base visibility.
 *
 * Frames share one layout: it depends only on the architecture and the set of label strings,
 * which permutations do not change, so the network does not jump between frames.
 */
import type { Labels, NetworkGraph } from '../bimt/graph.js';
import type { Network } from '../model/network.js';
import { networkBody } from './network.js';
import { INK } from './palette.js';
import { el, svgDocument, text, translate } from './svg.js';

export interface NetworkFrame {
  readonly step: number;
  readonly net: Network;
  /** Draw this pruned graph instead of every weight (as networkSvg's `pruned`). */
  readonly pruned?: NetworkGraph;
}

export interface AnimationOptions {
  /** Shown before the step number, e.g. "two moons". */
  readonly title?: string;
  /** Seconds each frame is shown. Default 0.4. */
  readonly secondsPerFrame?: number;
  /** Seconds the last frame stays before the loop restarts. Default 2. */
  readonly holdLast?: number;
  /**
   * Skip weights below this fraction of their layer's max |w|. Default 1e-2: coarser than the
   * still picture's, since every frame adds to the file and such lines are under 0.04 px wide.
   */
  readonly skipBelow?: number;
}

const HEADER = 30;

/** One looping SVG animation of the frames in the order given (normally by step). */
export function animatedNetworkSvg(frames: readonly NetworkFrame[], labels: Labels, opts: AnimationOptions = {}): string {
  if (frames.length === 0) throw new RangeError('animatedNetworkSvg: no frames');
  const per = opts.secondsPerFrame ?? 0.4;
  const hold = opts.holdLast ?? 2;
  const n = frames.length;
  const total = per * (n - 1) + hold;
  const bodies = frames.map((f) =>
    networkBody(f.net, labels, { pruned: f.pruned, legend: false, skipBelow: opts.skipBelow ?? 1e-2 }),
  );
  const width = Math.max(...bodies.map((b) => b.width));
  const height = Math.max(...bodies.map((b) => b.height)) + HEADER;
  const key = (i: number) => ((per * i) / total).toFixed(4);

  const groups = frames.map((f, i) => {
    const label = `${opts.title !== undefined ? `${opts.title} · ` : ''}step ${f.step}`;
    let anim = '';
    if (n > 1) {
      // Discrete keyframes: hidden until this frame's start, visible until the next frame's.
      const [values, keyTimes] =
        i === 0 ? ['visible;hidden', `0;${key(1)}`] : i === n - 1 ? ['hidden;visible', `0;${key(i)}`] : ['hidden;visible;hidden', `0;${key(i)};${key(i + 1)}`];
      anim = el('animate', { attributeName: 'visibility', values, keyTimes, dur: `${total.toFixed(3)}s`, calcMode: 'discrete', repeatCount: 'indefinite' });
    }
    return el(
      'g',
      { class: 'frame', 'data-step': f.step, visibility: i === n - 1 ? 'visible' : 'hidden' },
      anim,
      text(label, { x: width / 2, y: 22, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold', fill: INK }),
      translate(0, HEADER, bodies[i].body),
    );
  });
  return svgDocument(width, height, groups, opts.title);
}
