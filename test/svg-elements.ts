// Reading an SVG the way the plot tests check it: valid XML, then its elements by tag name.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';

/** Every element named `tag` anywhere under the parsed document, with its attributes ('@_' prefix). */
export function elements(svg: string, tag: string): Record<string, unknown>[] {
  expect(XMLValidator.validate(svg)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, parseAttributeValue: false }).parse(svg) as unknown;
  const out: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith('@_')) continue;
      if (k === tag) for (const x of Array.isArray(v) ? v : [v]) out.push(typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : { '#text': x });
      walk(v);
    }
  };
  walk(doc);
  return out;
}
