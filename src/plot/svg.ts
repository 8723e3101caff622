/**
 * The one place SVG text is produced. Every figure builds its markup through `el` and `text`, so
 * attribute values and text are always escaped and numbers always short: the output is valid XML
 * whatever the labels contain (task labels such as "x1<x2 & y" included), and files stay small.
 *
 *   el('circle', { cx: 1.23456, cy: 2, r: 3 })  // '<circle cx="1.23" cy="2" r="3"/>'
 */

/** Attribute values; undefined / null / false leave the attribute out. */
export type Attrs = Readonly<Record<string, string | number | undefined | null | false>>;

/** Escape for element text: only & and < (and > for tidiness) are special there. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escape for a double-quoted attribute value. */
export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

/**
 * Number to short text: at most `digits` decimals, no trailing zeros, no "-0". Coordinates in
 * pixels need no more than 2 decimals; 15-digit floats would triple the file size.
 */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) throw new RangeError(`cannot write non-finite number ${x} into SVG`);
  const s = x.toFixed(digits);
  const t = s.includes('.') ? s.replace(/\.?0+$/, '') : s;
  return t === '-0' ? '0' : t;
}

function attrText(attrs: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    out += ` ${k}="${typeof v === 'number' ? fmt(v) : escapeAttr(v)}"`;
  }
  return out;
}

/**
 * An element. `children` are markup already built by `el`/`text` (never raw user text: pass that
 * through `text` or `escapeText`).
 */
export function el(tag: string, attrs: Attrs = {}, ...children: string[]): string {
  const inner = children.join('');
  return inner.length === 0 ? `<${tag}${attrText(attrs)}/>` : `<${tag}${attrText(attrs)}>${inner}</${tag}>`;
}

/** A <text> element with escaped content. */
export function text(content: string, attrs: Attrs = {}): string {
  return `<text${attrText(attrs)}>${escapeText(content)}</text>`;
}

/** A <g> translated to (x, y). */
export function translate(x: number, y: number, ...children: string[]): string {
  return el('g', { transform: `translate(${fmt(x)},${fmt(y)})` }, ...children);
}

export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/**
 * Width in pixels of `s` at `size` px, estimated (no font metrics without a browser). The factor
 * is on the wide side for sans-serif fonts, so reserved margins err towards too much space.
 */
export function textWidth(s: string, size: number): number {
  return [...s].length * size * 0.62;
}

/** A complete standalone SVG document of width x height pixels with a white background. */
export function svgDocument(width: number, height: number, body: readonly string[], title?: string): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    el(
      'svg',
      {
        xmlns: 'http://www.w3.org/2000/svg',
        width: w,
        height: h,
        viewBox: `0 0 ${w} ${h}`,
        'font-family': FONT,
      },
      title !== undefined ? el('title', {}, escapeText(title)) : '',
      el('rect', { width: w, height: h, fill: 'white' }),
      ...body,
    ) +
    '\n'
  );
}
