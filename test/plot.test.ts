/**
 * Structure tests of the SVG figures (not pixels): every output is well-formed XML, the network
 * picture has one line per drawn weight with the colour of its sign and a width ordered by |w|,
 * labels follow the permutations (both folds of a folded input), curves switch to log scales,
 * and user text is escaped.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { networkGraph, type Labels } from '../src/bimt/graph.js';
import { BimtError } from '../src/errors.js';
import { initNetwork } from '../src/model/init.js';
import type { MlpArchitecture, Network } from '../src/model/network.js';
import { animatedNetworkSvg } from '../src/plot/animate.js';
import { powerLabel, shortNumber, spansDecades } from '../src/plot/axes.js';
import { curvesSvg, lambdaPhases } from '../src/plot/curves.js';
import { decisionBoundarySvg, gridCentres } from '../src/plot/figures/decision-boundary.js';
import { embeddingSvg } from '../src/plot/figures/embedding-scatter.js';
import { predictedVsTrueSvg } from '../src/plot/figures/predicted-vs-true.js';
import { networkSvg } from '../src/plot/network.js';
import { NEGATIVE, POSITIVE } from '../src/plot/palette.js';
import { pca2 } from '../src/plot/pca.js';
import { el, escapeText, fmt, text } from '../src/plot/svg.js';
import type { MetricsRow } from '../src/runs/metrics.js';
import { mlp, mlpNetwork, weightsOf } from './helpers.js';

// ---- a minimal DOM over fast-xml-parser's ordered output --------------------------------------

interface Node {
  readonly tag: string;
  readonly attrs: Record<string, string>;
  readonly children: Node[];
  readonly text: string;
  /** Tags and classes of the ancestors, outermost first, e.g. ['svg', 'g.edges']. */
  readonly path: string[];
}

type Ordered = Record<string, unknown>;

function parse(svg: string): Node {
  expect(XMLValidator.validate(svg)).toBe(true);
  const raw = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, parseAttributeValue: false, trimValues: false }).parse(svg) as Ordered[];
  const build = (o: Ordered, path: string[]): Node | undefined => {
    const tag = Object.keys(o).find((k) => k !== ':@');
    if (tag === undefined || tag === '#text' || tag === '?xml') return undefined;
    const attrs = (o[':@'] ?? {}) as Record<string, string>;
    const kids = o[tag] as Ordered[];
    const here = attrs.class !== undefined ? `${tag}.${attrs.class}` : tag;
    const children = kids.map((k) => build(k, [...path, here])).filter((n): n is Node => n !== undefined);
    const textContent = kids.map((k) => (typeof k['#text'] === 'string' || typeof k['#text'] === 'number' ? String(k['#text']) : '')).join('');
    return { tag, attrs, children, text: textContent, path };
  };
  const root = raw.map((o) => build(o, [])).find((n) => n?.tag === 'svg');
  if (!root) throw new Error('no <svg> root');
  return root;
}

function all(n: Node, pred: (m: Node) => boolean): Node[] {
  const out: Node[] = [];
  const walk = (m: Node) => {
    if (pred(m)) out.push(m);
    m.children.forEach(walk);
  };
  walk(n);
  return out;
}

const inGroup = (cls: string) => (m: Node) => m.path.includes(`g.${cls}`);
const edgeLines = (root: Node) => all(root, (m) => m.tag === 'line' && inGroup('edges')(m));
/** x of a label, whether placed by x= or by transform="translate(x,y) rotate(..)". */
const labelX = (m: Node) => Number(m.attrs.x ?? /translate\(([-\d.]+)/.exec(m.attrs.transform ?? '')?.[1]);
const labelTexts = (root: Node) => all(root, (m) => m.tag === 'text' && inGroup('labels')(m));

/** A network with given weights on the 1-D line geometry and identity permutations. */
function handNetwork(arch: MlpArchitecture, weights: number[][]): Network {
  return mlpNetwork(arch, { weights: weights.map((w) => Float32Array.from(w)), biases: arch.widths.slice(1).map((n) => new Float32Array(n)) });
}

// ---- svg builder ---------------------------------------------------------------------------

describe('svg builder', () => {
  it('escapes text and attributes and writes short numbers', () => {
    expect(escapeText('a<b & c>d')).toBe('a&lt;b &amp; c&gt;d');
    expect(el('circle', { cx: 1.23456, cy: -0.0001, r: 3, title: 'say "hi" & <bye>', skip: undefined })).toBe(
      '<circle cx="1.23" cy="0" r="3" title="say &quot;hi&quot; &amp; &lt;bye&gt;"/>',
    );
    expect(text('x<1 & y', { x: 2 })).toBe('<text x="2">x&lt;1 &amp; y</text>');
    expect(fmt(2.5)).toBe('2.5');
    expect(fmt(100)).toBe('100');
    expect(() => fmt(NaN)).toThrow(RangeError);
  });

  it('labels powers of ten and short numbers as papers do', () => {
    expect(powerLabel(-3)).toBe('10⁻³');
    expect(powerLabel(0)).toBe('1');
    expect(shortNumber(1e-3)).toBe('10⁻³');
    expect(shortNumber(3e-4)).toBe('3·10⁻⁴');
    expect(shortNumber(0.5)).toBe('0.5');
    expect(spansDecades([1, 100])).toBe(true);
    expect(spansDecades([1, 20])).toBe(false);
    expect(spansDecades([0, 100])).toBe(false);
  });
});

// ---- network picture -----------------------------------------------------------------------

describe('networkSvg', () => {
  const labels: Labels = { inputs: ['a', 'b'], outputs: ['y'] };

  it('draws one line per weight above the skip level, coloured by sign, width by |w| per layer', () => {
    // Layer 0: [2, 2] row-major [in, out]; one exact zero and one below 1e-3 of the layer max.
    // Layer 1: 100x larger weights, so equal widths prove the per-layer normalisation.
    const net = handNetwork(mlp([2, 2, 1]), [
      [1, -0.5, 0, 1e-5],
      [100, -50],
    ]);
    const root = parse(networkSvg(net, labels));
    const lines = edgeLines(root);
    expect(lines).toHaveLength(4);
    const width = (m: Node) => Number(m.attrs['stroke-width']);
    const bySign = (stroke: string) => lines.filter((m) => m.attrs.stroke === stroke).map(width).sort((a, b) => a - b);
    const pos = bySign(POSITIVE);
    const neg = bySign(NEGATIVE);
    expect(pos).toHaveLength(2);
    expect(neg).toHaveLength(2);
    // Per layer the max |w| gets the max width, half of it half the width.
    expect(pos[0]).toBeCloseTo(pos[1], 5);
    expect(neg[0]).toBeCloseTo(neg[1], 5);
    expect(neg[0]).toBeCloseTo(pos[0] / 2, 2);
  });

  it('draws every weight of an initialised network once, thicker for larger |w|', () => {
    const net = initNetwork(mlp([2, 20, 20, 2]), 3);
    const root = parse(networkSvg(net, { inputs: ['x', 'y'], outputs: ['0', '1'] }, { title: 'init' }));
    const lines = edgeLines(root);
    let expected = 0;
    for (const w of weightsOf(net)) {
      const max = Math.max(...Array.from(w, Math.abs));
      expected += Array.from(w).filter((v) => Math.abs(v) >= 1e-3 * max).length;
    }
    expect(lines).toHaveLength(expected);
    // Lines are drawn thin first, so strong weights end up on top.
    const widths = lines.map((m) => Number(m.attrs['stroke-width']));
    for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeGreaterThanOrEqual(widths[i - 1]);
    expect(widths[widths.length - 1]).toBeGreaterThan(widths[0]);
    expect(all(root, (m) => m.tag === 'circle').length).toBe(44);
  });

  it('writes input and output labels in permuted order', () => {
    const net = initNetwork(mlp([3, 4, 2]), 1);
    const permuted: Network = { ...net, inPerm: Int32Array.of(2, 0, 1), outPerm: Int32Array.of(1, 0) };
    const root = parse(networkSvg(permuted, { inputs: ['x1', 'x2', 'x3'], outputs: ['(x1+x3)^3', 'x2^2'] }));
    const inOrder = (names: string[]) =>
      labelTexts(root)
        .filter((m) => names.includes(m.text))
        .sort((p, q) => labelX(p) - labelX(q))
        .map((m) => m.text);
    expect(inOrder(['x1', 'x2', 'x3'])).toEqual(['x3', 'x1', 'x2']);
    expect(inOrder(['(x1+x3)^3', 'x2^2'])).toEqual(['x2^2', '(x1+x3)^3']);
  });

  it('draws both folds of a folded input, each with its own labels', () => {
    const net = initNetwork(mlp([64, 50, 50, 59], 2), 4);
    const names = Array.from({ length: 32 }, (_, i) => `e${i}`);
    const root = parse(networkSvg(net, { inputs: names, outputs: Array.from({ length: 59 }, (_, i) => String(i)) }));
    const texts = labelTexts(root).map((m) => m.text);
    for (const n of names) {
      expect(texts).toContain(`${n}·1`);
      expect(texts).toContain(`${n}·2`);
    }
    // The fold copies of a position sit side by side, fold 1 left, in the geometry's order.
    const order = labelTexts(root)
      .filter((m) => m.text.startsWith('e'))
      .sort((p, q) => labelX(p) - labelX(q))
      .map((m) => m.text);
    expect(order.slice(0, 4)).toEqual(['e0·1', 'e0·2', 'e1·1', 'e1·2']);
    expect(all(root, (m) => m.attrs.class === 'fold-note')).toHaveLength(1);
    // 64 inputs are crowded: their labels are turned.
    expect(labelTexts(root).some((m) => (m.attrs.transform ?? '').includes('rotate(-60)'))).toBe(true);
  });

  it('with a pruned graph draws only its edges and alive neurons, tinted per module', () => {
    // Two disjoint paths a -> h0 -> y0 and b -> h1 -> y1, plus weak cross weights.
    const net = handNetwork(mlp([2, 2, 2]), [
      [1, 0.01, 0.01, -1],
      [1, 0.01, 0.01, 1],
    ]);
    const lab: Labels = { inputs: ['a', 'b'], outputs: ['ya', 'yb'] };
    const graph = networkGraph(net, lab, 0.1);
    expect(graph.modules).toHaveLength(2);
    const root = parse(networkSvg(net, lab, { pruned: graph }));
    expect(edgeLines(root)).toHaveLength(graph.edges.length);
    const fills = new Set(all(root, (m) => m.tag === 'circle').map((m) => m.attrs.fill));
    expect(fills.size).toBe(2);
    // Modules are tinted in the neurons only: no band under the edges.
    expect(all(root, (m) => m.tag === 'line' && inGroup('halos')(m))).toHaveLength(0);
    expect(all(root, (m) => m.tag === 'text' && inGroup('legend')(m))).toHaveLength(2);
  });

  it('escapes < and & in labels and titles', () => {
    const net = initNetwork(mlp([2, 3, 1]), 2);
    const svg = networkSvg(net, { inputs: ['x<1', 'a & b'], outputs: ['"y" > 0'] }, { title: 'A<B & C' });
    const root = parse(svg);
    const texts = all(root, (m) => m.tag === 'text').map((m) => m.text);
    expect(svg).toContain('x&lt;1');
    expect(svg).toContain('a &amp; b');
    // The parser decodes entities: the text reads back exactly as given.
    expect(texts).toContain('A<B & C');
    expect(texts).toContain('"y" > 0');
  });
});

// ---- curves --------------------------------------------------------------------------------

function rows(classify: boolean): MetricsRow[] {
  const out: MetricsRow[] = [];
  for (let step = 0; step <= 10000; step += 500) {
    out.push({
      step,
      lambda: step < 5000 ? 1e-3 : 1e-2,
      train_loss: step === 1500 ? NaN : Math.exp(-step / 800),
      test_loss: Math.exp(-step / 900),
      train_acc: classify ? Math.min(1, 0.5 + step / 4000) : null,
      test_acc: classify ? Math.min(1, 0.5 + step / 5000) : null,
      connection_cost: 50 - step / 1000,
      weights_above_threshold: 400 - step / 50,
      swaps: 0,
    });
  }
  return out;
}

describe('curvesSvg', () => {
  const panel = (root: Node, label: string) => all(root, (m) => m.tag === 'g' && m.attrs.class === 'panel' && m.attrs['data-label'] === label)[0];

  it('uses a log axis for values spanning decades and linear otherwise', () => {
    const root = parse(curvesSvg(rows(true), { title: 'moons <test>' }));
    expect(panel(root, 'loss').attrs['data-y-scale']).toBe('log');
    expect(panel(root, 'connection cost').attrs['data-y-scale']).toBe('linear');
    expect(panel(root, 'accuracy')).toBeDefined();
    // Log ticks labelled as powers of ten.
    expect(all(panel(root, 'loss'), (m) => m.tag === 'text').some((m) => m.text === '10⁻³')).toBe(true);
  });

  it('leaves out accuracy for regression runs and breaks lines at non-finite values', () => {
    const root = parse(curvesSvg(rows(false)));
    expect(panel(root, 'accuracy')).toBeUndefined();
    const train = all(panel(root, 'loss'), (m) => m.tag === 'path' && m.attrs['data-name'] === 'train')[0];
    expect(train.attrs.d.match(/M/g)).toHaveLength(2);
    expect(train.attrs.d).not.toMatch(/NaN|Infinity/);
  });

  it('marks lambda phases found in the rows, or the phases given', () => {
    expect(lambdaPhases(rows(true))).toEqual([{ step: 5000, label: 'λ = 10⁻²' }]);
    const root = parse(curvesSvg(rows(true)));
    const nPanels = all(root, (m) => m.attrs.class === 'panel').length;
    expect(all(root, (m) => m.tag === 'line' && m.attrs.class === 'phase')).toHaveLength(nPanels);
    const given = parse(curvesSvg(rows(true), { phases: [{ step: 2000, label: 'a' }, { step: 8000, label: 'b & c' }] }));
    expect(all(given, (m) => m.attrs.class === 'phase-label').map((m) => m.text)).toEqual(['a', 'b & c']);
  });

  it('rejects an empty metrics file', () => {
    expect(() => curvesSvg([])).toThrow(BimtError);
  });

  it('draws modularity Q and the module counts at the snapshots steps, and no such panels without snapshots', () => {
    const modularity = [
      { step: 0, modules: 1, q: 0.1, communities: 5 },
      { step: 5000, modules: 2, q: 0.55, communities: 3 },
      { step: 10000, modules: 2, q: 0.6, communities: 4 },
    ];
    const root = parse(curvesSvg(rows(true), { modularity }));
    const q = all(panel(root, 'modularity Q'), (m) => m.tag === 'path' && m.attrs['data-name'] === 'Q')[0];
    expect(q.attrs.d.match(/[ML]/g)).toHaveLength(3);
    const names = all(panel(root, 'modules'), (m) => m.tag === 'path').map((m) => m.attrs['data-name']);
    expect(names).toEqual(expect.arrayContaining(['connected modules', 'communities (Q)']));
    expect(panel(parse(curvesSvg(rows(true))), 'modularity Q')).toBeUndefined();
  });
});

// ---- task pictures -------------------------------------------------------------------------

describe('task pictures', () => {
  it('decision regions, boundary and points', () => {
    const grid = { x0: -1, x1: 1, y0: -1, y1: 1, nx: 20, ny: 10 };
    const centres = gridCentres(grid);
    const classOf = Int32Array.from({ length: 200 }, (_, k) => (centres[2 * k] > 0 ? 1 : 0));
    const points = { x: Float32Array.of(-0.5, 0, 0.5, 0, NaN, 0), y: Int32Array.of(0, 1, 1) };
    const root = parse(decisionBoundarySvg({ grid: { ...grid, classOf }, points }, { classNames: ['a<b', 'c&d'] }));
    // Each row is two runs of one colour: 2 rectangles per row.
    expect(all(root, (m) => m.tag === 'rect' && inGroup('regions')(m))).toHaveLength(20);
    expect(all(root, (m) => m.tag === 'path' && m.attrs.class === 'boundary')).toHaveLength(1);
    expect(all(root, (m) => m.tag === 'circle' && inGroup('points')(m))).toHaveLength(2);
    const prob = Float32Array.from(classOf, (c) => (c ? 0.9 : 0.1));
    parse(decisionBoundarySvg({ grid: { ...grid, prob }, points }));
    expect(() => decisionBoundarySvg({ grid: { ...grid, classOf: new Int32Array(3) }, points })).toThrow(RangeError);
  });

  it('embedding scatter with escaped labels', () => {
    const pts = Array.from({ length: 59 }, (_, a) => ({ x: Math.cos((2 * Math.PI * a) / 59), y: Math.sin((2 * Math.PI * a) / 59), label: a === 0 ? '<0>' : String(a) }));
    const root = parse(embeddingSvg(pts, { title: 'embedding' }));
    expect(all(root, (m) => m.tag === 'circle' && inGroup('points')(m))).toHaveLength(59);
    expect(all(root, (m) => m.tag === 'text' && inGroup('labels')(m)).map((m) => m.text)).toContain('<0>');
  });

  it('predicted vs true: one panel per output with a diagonal', () => {
    const t = Float32Array.from({ length: 50 }, (_, i) => i / 10);
    const root = parse(predictedVsTrueSvg([{ name: 'x^2 & y', true: t, pred: t.map((v) => v + 0.1) }, { name: 'b', true: t, pred: t }]));
    expect(all(root, (m) => m.attrs.class === 'panel')).toHaveLength(2);
    expect(all(root, (m) => m.attrs.class === 'diagonal')).toHaveLength(2);
  });
});

describe('pca2', () => {
  it('finds the plane of the data, largest variance first', () => {
    // Points a*u + b*v + offset with a, b uncorrelated over a full period, var(a) > var(b), u and
    // v orthonormal in 4-D: the components are exactly u and v.
    const u = [0.5, 0.5, 0.5, 0.5];
    const v = [0.5, -0.5, 0.5, -0.5];
    const rowsN = 40;
    const data = new Float32Array(rowsN * 4);
    for (let r = 0; r < rowsN; r++) {
      const a = 3 * Math.cos((2 * Math.PI * r) / rowsN);
      const b = Math.sin((2 * Math.PI * r) / rowsN);
      for (let c = 0; c < 4; c++) data[r * 4 + c] = a * u[c] + b * v[c] + c;
    }
    const { components, variance, points } = pca2(data, rowsN, 4);
    expect(Math.abs(components[0].reduce((s, x, i) => s + x * u[i], 0))).toBeCloseTo(1, 4);
    expect(Math.abs(components[1].reduce((s, x, i) => s + x * v[i], 0))).toBeCloseTo(1, 4);
    expect(variance[0]).toBeGreaterThan(variance[1]);
    expect(variance[0]).toBeCloseTo(4.5 * (rowsN / (rowsN - 1)), 3);
    // Projections are the coordinates a, b up to sign.
    expect(Math.abs(points[2])).toBeCloseTo(3 * Math.cos((2 * Math.PI) / rowsN), 4);
    expect(Math.abs(points[3])).toBeCloseTo(Math.sin((2 * Math.PI) / rowsN), 4);
  });

  it('handles a circle (two equal eigenvalues)', () => {
    const p = 59;
    const data = new Float32Array(p * 3);
    for (let a = 0; a < p; a++) {
      data[a * 3] = Math.cos((2 * Math.PI * 7 * a) / p);
      data[a * 3 + 1] = Math.sin((2 * Math.PI * 7 * a) / p);
      data[a * 3 + 2] = 0.01 * Math.cos(a);
    }
    const { points, variance } = pca2(data, p, 3);
    expect(variance[0]).toBeCloseTo(variance[1], 4);
    for (let a = 0; a < p; a++) expect(Math.hypot(points[2 * a], points[2 * a + 1])).toBeCloseTo(1, 2);
  });
});

describe('animatedNetworkSvg', () => {
  it('one frame group per snapshot, SMIL-stepped, last frame visible without animation', () => {
    const lab: Labels = { inputs: ['x', 'y'], outputs: ['c0', 'c1'] };
    const frames = [0, 100, 200].map((step, k) => ({ step, net: initNetwork(mlp([2, 6, 2]), k) }));
    const root = parse(animatedNetworkSvg(frames, lab, { title: 'moons' }));
    const groups = all(root, (m) => m.tag === 'g' && m.attrs.class === 'frame');
    expect(groups.map((g) => g.attrs['data-step'])).toEqual(['0', '100', '200']);
    expect(groups.map((g) => g.attrs.visibility)).toEqual(['hidden', 'hidden', 'visible']);
    for (const g of groups) {
      const anim = all(g, (m) => m.tag === 'animate');
      expect(anim).toHaveLength(1);
      const keys = anim[0].attrs.keyTimes.split(';').map(Number);
      expect(keys).toEqual([...keys].sort((a, b) => a - b));
      expect(anim[0].attrs.values.split(';')).toHaveLength(keys.length);
    }
    expect(all(root, (m) => m.tag === 'text' && m.text.endsWith('step 200'))).toHaveLength(1);
  });
});
