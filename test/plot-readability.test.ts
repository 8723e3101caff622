/**
 * The pictures read as a paper's figures should: titles name the run, linear axes for values that
 * do not need a log scale, a key for what line width and colour mean, module tint that does not
 * make weak weights look strong, training curves that end at the run's last step, turn lambda at
 * its phase line, say at which |w| weights count as kept, and show the swaps.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { networkGraph, type Labels } from '../src/bimt/graph.js';
import { loadConfig } from '../src/config/load.js';
import { identity } from '../src/model/init.js';
import type { Network } from '../src/model/network.js';
import { confusionCounts, confusionSvg } from '../src/plot/figures/confusion.js';
import { curvesSvg } from '../src/plot/curves.js';
import { embeddingSvg } from '../src/plot/figures/embedding-scatter.js';
import { predictedVsTrueSvg } from '../src/plot/figures/predicted-vs-true.js';
import { frequencyPlanes } from '../src/plot/frequency.js';
import { networkSvg } from '../src/plot/network.js';
import { NEGATIVE, POSITIVE } from '../src/plot/palette.js';
import { curvesFigure, networkFigure, taskFigures } from '../src/plot/run-plots.js';
import { textWidth } from '../src/plot/svg.js';
import type { MetricsRow } from '../src/runs/metrics.js';
import { openCheckpoint, type OpenedCheckpoint } from '../src/runs/open.js';
import { runPaths } from '../src/runs/run-dir.js';
import { runTraining } from '../src/train/run.js';
import { mlp, mlpNetwork, randomNetwork, asMlp } from './helpers.js';

// ---- reading an SVG back -------------------------------------------------------------------

/** An element with its attributes, its own text and the classes of the groups around it. */
interface SvgNode {
  readonly tag: string;
  readonly attrs: Record<string, string>;
  readonly text: string;
  readonly within: readonly string[];
  readonly kids: readonly SvgNode[];
}

function svgTree(svg: string): SvgNode {
  expect(XMLValidator.validate(svg)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, trimValues: false }).parse(svg) as Record<string, unknown>[];
  const node = (o: Record<string, unknown>, within: string[]): SvgNode[] => {
    const tag = Object.keys(o).find((k) => k !== ':@')!;
    if (tag === '#text' || tag === '?xml') return [];
    const attrs = (o[':@'] ?? {}) as Record<string, string>;
    const body = o[tag] as Record<string, unknown>[];
    const inner = attrs.class !== undefined ? [...within, attrs.class] : within;
    return [{ tag, attrs, within, text: body.map((b) => String(b['#text'] ?? '')).join(''), kids: body.flatMap((b) => node(b, inner)) }];
  };
  return doc.flatMap((o) => node(o, [])).find((n) => n.tag === 'svg')!;
}

/** Every element under `n` (itself included) that satisfies `pred`. */
function find(n: SvgNode, pred: (m: SvgNode) => boolean): SvgNode[] {
  return [...(pred(n) ? [n] : []), ...n.kids.flatMap((k) => find(k, pred))];
}

/** The figure's title as the <title> element carries it. */
const titleOf = (svg: string) => find(svgTree(svg), (m) => m.tag === 'title')[0]?.text;

/**
 * The points where an SVG path's pen stands after each command (M, L, H and V, absolute), so a
 * test can ask where a staircase turns.
 */
function penPoints(d: string): [number, number][] {
  const out: [number, number][] = [];
  let [x, y] = [0, 0];
  for (const m of d.matchAll(/([MLHV])([-\d.]+)(?:,([-\d.]+))?/g)) {
    if (m[1] === 'H') x = Number(m[2]);
    else if (m[1] === 'V') y = Number(m[2]);
    else [x, y] = [Number(m[2]), Number(m[3])];
    out.push([x, y]);
  }
  return out;
}

/** A panel of the training curves by its label. */
const panel = (root: SvgNode, label: string) => find(root, (m) => m.attrs.class === 'panel' && m.attrs['data-label'] === label)[0];
const seriesPath = (p: SvgNode, name: string) => find(p, (m) => m.tag === 'path' && m.attrs['data-name'] === name)[0].attrs.d;

// ---- a real short run ----------------------------------------------------------------------

const quiet = new Writable({ write: (_c, _e, done) => done() }) as unknown as NodeJS.WriteStream;

describe('pictures of a real run', () => {
  let opened: OpenedCheckpoint;

  beforeAll(async () => {
    // 1001 steps, as the paper's two-moons run has 10001: a rounded axis would run on to 1200.
    // The lambda change at 555 falls between two evaluations (500 and 600).
    const { config, plan } = loadConfig('configs/two-moons.yaml', [
      'train.steps=1001',
      'lambda.changes.0.at=555',
      'output.checkpoint_every=500',
      'output.snapshot_threshold=0.02',
    ]);
    const runsDir = mkdtempSync(join(tmpdir(), 'bimt-readable-'));
    const out = await runTraining({ config, plan, name: 'my-moons', exactName: true, backend: await selectBackend(), runsDir, progressStream: quiet });
    expect(out.status).toBe('completed');
    opened = openCheckpoint(out.paths.root);
  });

  it('titles name the run, not the config it came from', () => {
    expect(opened.config.name).toBe('two-moons');
    expect(titleOf(networkFigure(opened, undefined).svg)).toMatch(/^my-moons · step 1001/);
    expect(titleOf(curvesFigure(opened).svg)).toMatch(/^my-moons · /);
    expect(titleOf(taskFigures(opened, undefined)[0].svg)).toMatch(/^my-moons · step 1001/);
  });

  it('curves end at the last step and lambda turns on its phase line', () => {
    const root = svgTree(curvesFigure(opened).svg);
    const lambda = panel(root, 'λ');
    const frame = find(lambda, (m) => m.tag === 'rect' && m.within.includes('axes'))[0];
    const pen = penPoints(seriesPath(lambda, 'λ'));
    // The last row (step 1001) sits on the right edge of the plot area.
    expect(pen[pen.length - 1][0]).toBeCloseTo(Number(frame.attrs.width), 1);
    // The one change of lambda happens at the x of the dashed phase line.
    const turns = pen.filter((p, i) => i > 0 && p[1] !== pen[i - 1][1]);
    expect(turns).toHaveLength(1);
    const phase = find(lambda, (m) => m.tag === 'line' && m.attrs.class === 'phase');
    expect(phase).toHaveLength(1);
    expect(turns[0][0]).toBeCloseTo(Number(phase[0].attrs.x1), 1);
  });

  it('says at which |w| weights count as kept, from the run config', () => {
    const root = svgTree(curvesFigure(opened).svg);
    const kept = find(root, (m) => m.attrs.class === 'panel' && /weights/.test(m.attrs['data-label'] ?? ''));
    expect(kept).toHaveLength(1);
    expect(find(kept[0], (m) => m.tag === 'text').map((t) => t.text)).toContain('weights |w|>0.02');
  });
});

// ---- curves from hand-made rows ------------------------------------------------------------

function rows(swaps: readonly number[]): MetricsRow[] {
  return swaps.map((s, i) => ({
    step: i * 100,
    lambda: 1e-3,
    train_loss: 1 / (i + 1),
    test_loss: 1 / (i + 1),
    train_acc: null,
    test_acc: null,
    connection_cost: 10 - i,
    weights_above_threshold: 100 - i,
    swaps: s,
  }));
}

describe('curvesSvg', () => {
  it('draws the swaps as a running total from zero', () => {
    const root = svgTree(curvesSvg(rows([0, 3, 0, 4])));
    const swaps = panel(root, 'swaps, total');
    expect(swaps).toBeDefined();
    const frame = find(swaps, (m) => m.tag === 'rect' && m.within.includes('axes'))[0];
    const bottom = Number(frame.attrs.height);
    const heights = penPoints(seriesPath(swaps, 'swaps')).map(([, y]) => bottom - y);
    expect(heights[0]).toBeCloseTo(0, 1);
    // Totals 0, 3, 3, 7 on a linear axis from zero.
    expect(heights[1]).toBeCloseTo(heights[2], 1);
    expect(heights[1] / heights[3]).toBeCloseTo(3 / 7, 2);
  });
});

// ---- predicted against true ----------------------------------------------------------------

describe('predictedVsTrueSvg', () => {
  const tickTexts = (p: SvgNode) => find(p, (m) => m.tag === 'text' && m.within.includes('axes')).map((t) => t.text);

  it('uses linear axes for values in [0, 1], even when a few lie decades below the rest', () => {
    // x^2 of x in [-1, 1] without 0: 10⁻⁴ .. 1, most of it between 0.1 and 1.
    const x = Array.from({ length: 100 }, (_, i) => -0.99 + i * 0.02);
    const t = Float32Array.from(x, (v) => v * v);
    const root = svgTree(predictedVsTrueSvg([{ name: 'x1^2', true: t, pred: t.map((v) => v * 1.01) }]));
    const p = find(root, (m) => m.attrs.class === 'panel')[0];
    expect(p.attrs['data-scale']).toBe('linear');
    expect(tickTexts(p).some((s) => s.includes('10⁻'))).toBe(false);
    expect(tickTexts(p)).toContain('0.4');
  });

  it('keeps log axes where the values are spread over decades', () => {
    const t = Float32Array.from({ length: 100 }, (_, i) => 10 ** (-3 + (5 * i) / 99));
    const root = svgTree(predictedVsTrueSvg([{ name: 'exp', true: t, pred: t }]));
    const p = find(root, (m) => m.attrs.class === 'panel')[0];
    expect(p.attrs['data-scale']).toBe('log');
    expect(tickTexts(p)).toContain('10⁻³');
  });
});

// ---- the network picture -------------------------------------------------------------------

describe('networkSvg', () => {
  const labels: Labels = { inputs: ['a', 'b'], outputs: ['ya', 'yb'] };
  // a -> h0 -> ya strong, b -> h1 -> yb strong, and a weak a -> h1 that joins both into one module.
  const base = randomNetwork(mlp([2, 2, 2]), 0, false);
  const net: Network = {
    ...base,
    params: new Map([...base.params, ['linears.0.linear.weight', Float32Array.of(2, 0.15, 0, -2)], ['linears.1.linear.weight', Float32Array.of(1, 0, 0, -100)]]),
  };

  it('tints modules in the neurons only: a weak weight is drawn as thin as it is', () => {
    const graph = networkGraph(net, labels, 0.1);
    const root = svgTree(networkSvg(net, labels, { pruned: graph }));
    const lines = find(root, (m) => m.tag === 'line' && !m.within.includes('weight-key'));
    // Nothing but the weights themselves, each once.
    expect(lines).toHaveLength(graph.edges.length);
    expect(lines.every((m) => m.within.includes('edges'))).toBe(true);
    const widths = lines.map((m) => Number(m.attrs['stroke-width'])).sort((a, b) => a - b);
    expect(widths[0]).toBeLessThan(widths[widths.length - 1] / 10);
  });

  it('has a key for colour and width, with the largest |w| of each layer', () => {
    const root = svgTree(networkSvg(net, labels));
    const key = find(root, (m) => m.tag === 'g' && m.attrs.class === 'weight-key');
    expect(key).toHaveLength(1);
    const samples = find(key[0], (m) => m.tag === 'line');
    expect(samples.map((m) => m.attrs.stroke)).toEqual(expect.arrayContaining([POSITIVE, NEGATIVE]));
    const widths = samples.filter((m) => m.attrs.stroke === POSITIVE).map((m) => Number(m.attrs['stroke-width']));
    expect(new Set(widths).size).toBeGreaterThanOrEqual(3);
    const words = find(key[0], (m) => m.tag === 'text').map((t) => t.text).join(' ');
    expect(words).toContain('w > 0');
    expect(words).toContain('w < 0');
    expect(words).toContain('2, 100');
  });

  it('leaves the key out where legends are off (the animation frames)', () => {
    const root = svgTree(networkSvg(net, labels, { legend: false }));
    expect(find(root, (m) => m.attrs.class === 'weight-key')).toHaveLength(0);
  });
});

// ---- embedding pictures --------------------------------------------------------------------

describe('embeddingSvg', () => {
  it('leaves out labels that would overlap, says so, and shows its caption', () => {
    // 20 points in a clump the size of a label, and one far away.
    const pts = Array.from({ length: 20 }, (_, i) => ({ x: 0.001 * (i % 5), y: 0.001 * Math.floor(i / 5), label: `r${i}` }));
    pts.push({ x: 1, y: 1, label: 'far' });
    const root = svgTree(embeddingSvg(pts, { title: 'run · group 1 of 2', caption: ['embedding dims e1, e2'] }));
    const labels = find(root, (m) => m.tag === 'text' && m.within.includes('labels'));
    expect(labels.length).toBeLessThan(pts.length);
    expect(labels.map((t) => t.text)).toContain('far');
    const caption = find(root, (m) => m.attrs.class === 'caption').map((t) => t.text);
    expect(caption).toEqual(['embedding dims e1, e2', `${pts.length - labels.length} of ${pts.length} labels left out where they would overlap`]);
    // Every point is still drawn.
    expect(find(root, (m) => m.tag === 'circle' && m.within.includes('points'))).toHaveLength(pts.length);
  });

  it('widens to a long title instead of cutting it', () => {
    const title = 'a-run-name-with-its-timestamp-20261125-153245 · step 20000 · pruned embedding';
    const root = svgTree(embeddingSvg([{ x: 0, y: 0, label: '0' }, { x: 1, y: 1, label: '1' }], { title }));
    expect(Number(root.attrs.width)).toBeGreaterThanOrEqual(textWidth(title, 14));
  });
});

// ---- modular addition: frequencies and groups ----------------------------------------------

/** An embedding [p, dim] with a circle of frequency k_i and radius r_i in dims (2i, 2i+1). */
function circles(p: number, dim: number, rings: readonly { k: number; radius: number; at: number }[]): Float32Array {
  const e = new Float32Array(p * dim);
  for (const { k, radius, at } of rings) {
    for (let r = 0; r < p; r++) {
      e[r * dim + at] = radius * Math.cos((2 * Math.PI * k * r) / p);
      e[r * dim + at + 1] = radius * Math.sin((2 * Math.PI * k * r) / p);
    }
  }
  return e;
}

describe('confusionSvg', () => {
  it('keeps long class names apart under narrow columns, and every count in its cell', () => {
    const k = 30;
    const names = Array.from({ length: k }, (_, i) => `species-${i}-long-name`);
    const truth = Int32Array.from({ length: 300 }, (_, i) => i % k);
    const scores = new Float32Array(300 * k);
    truth.forEach((t, i) => (scores[i * k + (i % 7 === 0 ? (t + 1) % k : t)] = 1));
    const counts = confusionCounts(truth, scores, k);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
    const svg = confusionSvg(counts, names);
    expect(XMLValidator.validate(svg)).toBe(true);
    // Column names are turned (they are wider than a cell): neighbours' lines must stay a font
    // size apart across their slant, or they print over each other.
    const turned = [...svg.matchAll(/<text x="0" y="0" transform="translate\(([-\d.]+),[-\d.]+\) rotate\((\d+)\)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(turned).toHaveLength(k);
    const gap = turned[1]![0]! - turned[0]![0]!;
    expect(gap * Math.sin((turned[0]![1]! * Math.PI) / 180)).toBeGreaterThanOrEqual(11);
    expect([...svg.matchAll(/data-count="(\d+)"/g)].map((m) => Number(m[1]))).toEqual(Array.from(counts));
  });
});

describe('frequencyPlanes', () => {
  it('finds each circle of an embedding in its own plane, with its share of the variance', () => {
    const planes = frequencyPlanes(circles(59, 4, [{ k: 17, radius: 1, at: 0 }, { k: 5, radius: 0.75, at: 2 }]), 59, 4);
    expect(planes.slice(0, 2).map((pl) => pl.k)).toEqual([17, 5]);
    expect(planes[0].share).toBeCloseTo(1 / (1 + 0.75 ** 2), 5);
    expect(planes[1].share).toBeCloseTo(0.75 ** 2 / (1 + 0.75 ** 2), 5);
    expect(planes.reduce((s, pl) => s + pl.share, 0)).toBeCloseTo(1, 5);
    // Residue r at angle 2 pi k r / p on a circle of the ring's radius.
    for (const [pl, radius] of [[planes[0], 1], [planes[1], 0.75]] as const) {
      for (let r = 0; r < 59; r++) {
        expect(Math.hypot(pl.points[2 * r], pl.points[2 * r + 1])).toBeCloseTo(radius, 4);
        const angle = Math.atan2(pl.points[2 * r + 1], pl.points[2 * r]);
        const want = (2 * Math.PI * ((pl.k * r) % 59)) / 59;
        expect(Math.cos(angle - want)).toBeCloseTo(1, 4);
      }
    }
  });
});

describe('modular-addition group pictures', () => {
  it('draw each frequency of a group on its own plane and say which dims they show and why', () => {
    const { config, plan } = loadConfig('configs/modular-addition.yaml');
    const { task } = plan;
    const arch = asMlp(plan.arch);
    const [w0, w1, w2, w3] = arch.widths; // 64 = 2 folds x 32 dims, 50, 50, 59
    const nf = w0 / arch.inFold;
    // Dims 0, 1 feed hidden 0; dims 2-5 feed hidden 1; each hidden neuron one of the next layer;
    // those two reach every output. Two groups below the output layer.
    const l0 = new Float32Array(w0 * w1);
    for (let fold = 0; fold < arch.inFold; fold++) for (let d = 0; d < 6; d++) l0[(fold * nf + d) * w1 + (d < 2 ? 0 : 1)] = 1;
    const l1 = new Float32Array(w1 * w2);
    l1[0 * w2 + 0] = 1;
    l1[1 * w2 + 1] = 1;
    const l2 = new Float32Array(w2 * w3);
    for (let o = 0; o < w3; o++) l2[0 * w3 + o] = l2[1 * w3 + o] = 1;
    const net: Network = mlpNetwork(
      arch,
      {
        weights: [l0, l1, l2],
        biases: arch.widths.slice(1).map((n) => new Float32Array(n)),
        embedding: circles(59, 32, [{ k: 2, radius: 1, at: 0 }, { k: 17, radius: 1, at: 2 }, { k: 5, radius: 0.7, at: 4 }]),
      },
      identity(nf),
      identity(w3),
    );
    const labels: Labels = { inputs: task.inputLabels, outputs: task.outputLabels };
    const graph = networkGraph(net, labels, 0.01);
    // Hand-made: only the fields the task pictures read.
    const opened = { paths: runPaths('/runs/my-addition'), config, plan, labels, checkpoint: { step: 700, net }, tag: 'step-000700', chosen: false } as unknown as OpenedCheckpoint;
    const figs = taskFigures(opened, { net, graph, threshold: 0.01 });
    expect(figs.map((f) => f.name)).toEqual(['task-pruned-step-000700.svg', 'task-pruned-step-000700-group-1.svg', 'task-pruned-step-000700-group-2.svg']);

    const whole = svgTree(figs[0].svg);
    expect(find(whole, (m) => m.attrs.class === 'caption').map((t) => t.text).join(' ')).toContain('2 groups');
    // The whole embedding: all three circles, each in its own panel.
    const wholeTitles = find(whole, (m) => m.attrs.class === 'panel-title').map((t) => Number(/frequency (\d+)/.exec(t.text)?.[1]));
    expect(wholeTitles.sort((a, b) => a - b)).toEqual([2, 5, 17]);

    const group2 = svgTree(figs[2].svg);
    expect(titleOf(figs[2].svg)).toBe('my-addition · step 700 · group 2 of 2');
    const caption = find(group2, (m) => m.attrs.class === 'caption').map((t) => t.text).join(' ');
    expect(caption).toContain('embedding dims e2, e3, e4, e5 (4 of 32)');
    expect(caption).toContain('hidden layers');
    const panels = find(group2, (m) => m.attrs.class === 'embedding-panel');
    expect(panels.map((p) => find(p, (m) => m.attrs.class === 'panel-title')[0].text)).toEqual([
      'frequency 17: 67% of the variance',
      'frequency 5: 33% of the variance',
    ]);
    // Each panel is a clean circle: every dot as far from the dots' centre as the others.
    for (const p of panels) {
      const dots = find(p, (m) => m.tag === 'circle').map((c) => [Number(c.attrs.cx), Number(c.attrs.cy)]);
      expect(dots).toHaveLength(59);
      const cx = dots.reduce((s, d) => s + d[0], 0) / dots.length;
      const cy = dots.reduce((s, d) => s + d[1], 0) / dots.length;
      const radii = dots.map(([x, y]) => Math.hypot(x - cx, y - cy));
      expect(Math.max(...radii) - Math.min(...radii)).toBeLessThan(1);
    }
  });
});
