/**
 * The frame the task pictures share (src/plot/figures/): a title with caption lines over the
 * content, and a single plot area with axes and a class legend.
 */
import { axesFrame, clipRect, leftRoom, X_AXIS_ROOM, type AxisScale } from '../axes.js';
import { INK, MUTED } from '../palette.js';
import { el, svgDocument, text, textWidth, translate } from '../svg.js';

/**
 * The title, and caption lines under it, over content `contentW` wide: the figure widens to a
 * longer title rather than cutting it (the run's name leads it), and the content then moves to
 * the middle by `shift`. `height` is the room the heading takes at the top.
 */
export function heading(contentW: number, title: string | undefined, caption: readonly string[] = []): { width: number; shift: number; height: number; parts: string[] } {
  if (title === undefined && caption.length === 0) return { width: contentW, shift: 0, height: 0, parts: [] };
  const lines = [...(title !== undefined ? [textWidth(title, 14)] : []), ...caption.map((c) => textWidth(c, CAPTION_FONT))];
  const width = Math.max(contentW, Math.max(...lines) + 24);
  const parts: string[] = [];
  let y = 0;
  if (title !== undefined) {
    y += 22;
    parts.push(text(title, { x: width / 2, y, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold', fill: INK }));
  }
  for (const c of caption) {
    y += CAPTION_FONT + 4;
    parts.push(text(c, { x: width / 2, y, 'text-anchor': 'middle', 'font-size': CAPTION_FONT, fill: MUTED, class: 'caption' }));
  }
  return { width, shift: (width - contentW) / 2, height: y, parts };
}

const CAPTION_FONT = 11;

/**
 * A single plot area of w x h with axes, clipped content, optional class legend to the right and
 * optional title: the frame shared by the decision-boundary and embedding pictures.
 */
export function chart(
  w: number,
  h: number,
  x: AxisScale,
  y: AxisScale,
  opts: { title?: string; caption?: readonly string[]; xLabel?: string; yLabel?: string },
  content: string[],
  legend: readonly { name: string; color: string }[],
): string {
  const left = leftRoom(y) + 6;
  const legendW = legend.length ? 24 + Math.max(...legend.map((l) => textWidth(l.name, 11))) + 12 : 0;
  const parts = [
    clipRect('clip-chart', w, h),
    el('g', { 'clip-path': 'url(#clip-chart)' }, ...content),
    axesFrame(x, y, w, h, { xLabel: opts.xLabel ?? 'x₁', yLabel: opts.yLabel ?? 'x₂' }),
  ];
  legend.forEach((l, i) => {
    parts.push(el('circle', { cx: w + 18, cy: 10 + i * 18, r: 4, fill: l.color }));
    parts.push(text(l.name, { x: w + 28, y: 14 + i * 18, 'font-size': 11, fill: INK }));
  });
  const head = heading(left + w + 16 + legendW, opts.title, opts.caption);
  const top = head.height + 12;
  return svgDocument(head.width, top + h + X_AXIS_ROOM, [translate(head.shift + left, top, ...parts), ...head.parts], opts.title);
}

/** A share as a percentage with at most one decimal: 0.875 -> "87.5%", 0.9 -> "90%". */
export function percent(x: number): string {
  return `${Number((100 * x).toFixed(1))}%`;
}
