/**
 * The script of a `bimt view` page (docs/design.md, "View"), bundled by esbuild at build time
 * (scripts/build-view.mjs) and inlined into the HTML with the data (src/view/html.ts). It runs in
 * the browser: no Node modules, no network. The pruned graph at the chosen step and threshold is
 * computed by src/bimt/graph.ts, the same code as `bimt prune`, so the page cannot disagree with it.
 */
import { inputLabel, networkGraph, outputLabel, type NetworkGraph } from '../../bimt/graph.js';
import { modelGraph } from '../../model/architectures/registry.js';
import type { Network } from '../../model/network.js';
import { edgeStyle, SKIP_BELOW } from '../../plot/edge-style.js';
import { fieldsSvg, hasGridInput } from '../../plot/fields.js';
import { INK, moduleColour, MUTED, PLANE_EDGE, PLANE_FILL } from '../../plot/palette.js';
import { MAX_DRAWN, type RunViewData, type SweepViewData } from '../data.js';

const SVG = 'http://www.w3.org/2000/svg';

function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page has no #${id}`);
  return e;
}

function svgEl(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e-3 || x === 0 ? x.toPrecision(4).replace(/\.?0+$/, '') : x.toExponential(2);
}

function decode(b64: string): Float32Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/** Text of gzipped base64 bytes, by the browser's own DecompressionStream. */
async function gunzip(b64: string): Promise<string> {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
}

// ---- run page ---------------------------------------------------------------------------------

function runPage(data: RunViewData): void {
  const graph = modelGraph(data.arch);
  const nets = new Map<number, Network>();
  const netAt = (i: number): Network => {
    let n = nets.get(i);
    if (!n) {
      const c = data.checkpoints[i]!;
      const params = new Map(Object.entries(c.weights).map(([k, v]) => [k, decode(v)]));
      nets.set(i, (n = { graph, params, inPerm: Int32Array.from(c.inPerm), outPerm: Int32Array.from(c.outPerm) }));
    }
    return n;
  };
  const links = graph.links;
  const pos = data.positions;
  const L = pos.y.length - 1;
  const planes = pos.planes;
  // Margins for the labels: stage names at the right, input and output labels above and below.
  const [x0, y0, x1, y1] = pos.bounds;
  const PAD = 70;
  const LEFT = 20;
  const RIGHT = planes ? 190 : 120;
  const width = x1 - x0 + LEFT + RIGHT;
  const height = y1 - y0 + 2 * PAD;
  /** Page coordinates of a point of the still picture, and of neuron n of stage s. */
  const px = (x: number) => LEFT - x0 + x;
  const py = (y: number) => PAD - y0 + y;
  const X = (s: number, n: number) => px(pos.x[s]![n]!);
  const Y = (s: number, n: number) => py(pos.y[s]![n]!);

  const stepInput = $('step') as HTMLInputElement;
  const thrInput = $('threshold') as HTMLInputElement;
  const svg = $('network') as unknown as SVGSVGElement;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const tip = $('tooltip');
  stepInput.max = String(data.checkpoints.length - 1);
  stepInput.value = stepInput.max;

  // Threshold slider: 0, then 1e-3 x max|w| to max|w| on a log scale.
  const SLIDER = 1000;
  const tOf = (v: number) => (v <= 0 ? 0 : data.maxAbs * 10 ** (3 * (v / SLIDER - 1)));
  const vOf = (t: number) => (t <= 0 || data.maxAbs <= 0 ? 0 : Math.max(1, Math.min(SLIDER, Math.round(SLIDER * (1 + Math.log10(t / data.maxAbs) / 3)))));
  let threshold = data.threshold;
  thrInput.max = String(SLIDER);
  thrInput.value = String(vOf(threshold));

  let current: { g: NetworkGraph; net: Network; i: number } | undefined;
  let selected: [number, number] | undefined;

  const label = (net: Network, s: number, n: number) =>
    s === 0 ? inputLabel(net, data.labels, n) : s === L ? outputLabel(net, data.labels, n) : `${data.stageNames[s]} #${n}`;

  function draw(): void {
    const i = Number(stepInput.value);
    const c = data.checkpoints[i]!;
    const net = netAt(i);
    const g = networkGraph(net, data.labels, threshold);
    current = { g, net, i };
    const pruned = threshold > 0;
    const moduleOf = new Map<string, number>();
    g.modules.forEach((m, k) => m.neurons.forEach(([s, n]) => moduleOf.set(`${s}:${n}`, k)));

    const maxAbs = new Float64Array(links.length);
    for (const e of g.edges) maxAbs[e.layer] = Math.max(maxAbs[e.layer]!, Math.abs(e.weight));
    // As the still picture: weights too thin to see left out, strong ones on top. A young MNIST
    // network still has 89,000 visible weights, seconds of drawing at each step: only the strongest.
    const visible = g.edges.map((e, k) => ({ e, k, rel: maxAbs[e.layer]! > 0 ? Math.abs(e.weight) / maxAbs[e.layer]! : 0 })).filter((x) => x.rel >= SKIP_BELOW);
    visible.sort((a, b) => a.rel - b.rel);
    const order = visible.slice(Math.max(0, visible.length - MAX_DRAWN));

    const frag = document.createDocumentFragment();
    if (planes) {
      const back = svgEl('g', { class: 'planes' });
      for (const p of planes) back.appendChild(svgEl('polygon', { class: 'plane', points: p.corners.map(([x, y]) => `${px(x)},${py(y)}`).join(' '), fill: PLANE_FILL, stroke: PLANE_EDGE, 'stroke-width': 0.8 }));
      frag.appendChild(back);
    }
    // Residual connections as the still picture draws them: grey, bowed left so they do not hide the row they skip.
    const residuals = svgEl('g', { class: 'residuals' });
    for (const r of g.residuals) {
      const { from, to } = links[r.layer]!;
      const [ax, ay, bx, by] = [X(from, r.index), Y(from, r.index), X(to, r.index), Y(to, r.index)];
      const bow = pos.bow?.[from] ?? 0;
      residuals.appendChild(svgEl('path', { d: `M${ax},${ay} Q${ax - bow},${(ay + by) / 2} ${bx},${by}`, fill: 'none', stroke: MUTED, 'stroke-width': 0.8, 'stroke-opacity': 0.6 }));
    }
    frag.appendChild(residuals);
    const edges = svgEl('g', { class: 'edges', 'stroke-linecap': 'round' });
    for (const { e, k, rel } of order) {
      const { from, to } = links[e.layer]!;
      edges.appendChild(
        svgEl('line', {
          class: 'edge',
          'data-k': k,
          x1: X(from, e.from),
          y1: Y(from, e.from),
          x2: X(to, e.to),
          y2: Y(to, e.to),
          ...edgeStyle(e.weight, rel),
        }),
      );
    }
    frag.appendChild(edges);
    const neurons = svgEl('g', { class: 'neurons' });
    const texts = svgEl('g', { class: 'labels' });
    g.layers.forEach((list, s) => {
      const r = pos.radius[s]!;
      const spacing = (x1 - x0) / Math.max(1, pos.x[s]!.length);
      for (const nr of list) {
        // On planes, as in the still picture, unconnected inputs go (784 pixels would hide the rest).
        if (planes && !nr.connected && s !== L) continue;
        const mod = moduleOf.get(`${s}:${nr.index}`);
        const fill = !nr.connected ? 'white' : pruned && mod !== undefined ? moduleColour(mod) : INK;
        const attrs: Record<string, string | number> = {
          class: 'neuron',
          'data-s': s,
          'data-n': nr.index,
          cx: X(s, nr.index),
          cy: Y(s, nr.index),
          r,
          fill,
          stroke: nr.connected ? (pruned && mod !== undefined ? INK : 'none') : MUTED,
          'stroke-width': 0.8,
        };
        if (pruned && mod !== undefined) attrs['data-module'] = mod;
        neurons.appendChild(svgEl('circle', attrs));
        const at = pos.labels?.[s]?.[nr.index];
        if (at) {
          const t = svgEl('text', { x: px(at[0]), y: py(at[1]), 'text-anchor': 'middle', 'font-size': 11, fill: nr.connected ? INK : MUTED });
          t.textContent = label(net, s, nr.index);
          texts.appendChild(t);
        } else if (!planes && (s === 0 || s === L)) {
          const name = label(net, s, nr.index);
          const t = svgEl('text', { 'font-size': Math.min(11, Math.max(6, spacing * 0.9)), fill: nr.connected ? INK : MUTED });
          const x = X(s, nr.index);
          const y = s === 0 ? Y(s, nr.index) + r + 4 : Y(s, nr.index) - r - 4;
          if (spacing < 28) {
            t.setAttribute('transform', `translate(${x},${y}) rotate(-60)`);
            t.setAttribute('text-anchor', s === 0 ? 'end' : 'start');
            t.setAttribute('dy', '0.35em');
          } else {
            t.setAttribute('x', String(x));
            t.setAttribute('y', String(s === 0 ? y + 9 : y));
            t.setAttribute('text-anchor', 'middle');
          }
          t.textContent = name;
          texts.appendChild(t);
        }
      }
    });
    data.stageNames.forEach((name, s) => {
      const p = planes?.[s];
      const t = p
        ? svgEl('text', { class: 'stage-name', x: px(p.at[0]), y: py(p.at[1]), 'font-size': 11, fill: MUTED })
        : svgEl('text', { class: 'stage-name', x: px(x1) + 16, y: Y(s, 0) + 4, 'font-size': 11, fill: MUTED });
      t.textContent = p ? p.name : name;
      texts.appendChild(t);
    });
    frag.appendChild(neurons);
    frag.appendChild(texts);
    svg.replaceChildren(frag);
    svg.setAttribute('data-step', String(c.step));
    svg.setAttribute('data-threshold', String(threshold));
    svg.setAttribute('data-edges', String(order.length));
    svg.setAttribute('data-modules', String(pruned ? g.modules.length : 0));

    const left = [
      ...(visible.length < g.edges.length ? [`${g.edges.length - visible.length} too thin to see, under ${SKIP_BELOW} of their layer's largest |w|`] : []),
      ...(order.length < visible.length ? [`the ${visible.length - order.length} weakest left out to keep the page quick`] : []),
    ];
    $('step-label').textContent = `step ${c.step} (${i + 1} of ${data.checkpoints.length})`;
    $('threshold-label').textContent = threshold > 0 ? `|w| > ${fmt(threshold)}` : 'every weight';
    $('stats').textContent =
      `${g.weightsKept} of ${g.weightsTotal} weights kept, ${order.length} edges drawn` +
      (left.length > 0 ? ` (${left.join('; ')})` : '') +
      (pruned ? `, ${g.modules.length} module${g.modules.length === 1 ? '' : 's'} (connected components), ${g.communities} Louvain communit${g.communities === 1 ? 'y' : 'ies'} (modularity Q ${g.modularity.toFixed(3)})` : '');
    showTask(i);
    marker(c.step);
    if (selected) highlight(selected[0], selected[1]);
  }

  const tasks = new Map<number, Promise<string>>();
  function showTask(i: number): void {
    showFields(i);
    const c = data.checkpoints[i]!;
    const box = $('task');
    if (c.task === undefined) {
      box.textContent = data.checkpoints.some((x) => x.task !== undefined) ? 'no task picture kept for this checkpoint (page size budget)' : 'this task has no task picture';
      box.removeAttribute('data-step');
      return;
    }
    let p = tasks.get(i);
    if (!p) tasks.set(i, (p = gunzip(c.task)));
    void p.then((svgText) => {
      if (Number(stepInput.value) !== i) return;
      box.innerHTML = svgText;
      box.setAttribute('data-step', String(c.step));
    });
  }

  /**
   * A network on a pixel grid (MNIST): the receptive fields of the checkpoint under its task
   * picture, drawn by bimt plot's own fieldsSvg from the weights the page already holds, so they
   * cost the page no bytes. Every weight, as `bimt plot --kind fields` draws it; redrawn only when
   * the step changes, since an MNIST network's fields are some 80,000 cells.
   */
  function showFields(i: number): void {
    const net = netAt(i);
    const box = $('fields');
    const step = String(data.checkpoints[i]!.step);
    if (!hasGridInput(net) || box.getAttribute('data-step') === step) return;
    box.innerHTML = fieldsSvg(net, { title: `${data.name} · step ${step} · receptive fields` });
    box.setAttribute('data-step', step);
  }

  function marker(step: number): void {
    for (const panel of document.querySelectorAll<SVGGElement>('#curves g.panel[data-steps]')) {
      const [s0, s1, w] = panel.getAttribute('data-steps')!.split(',').map(Number) as [number, number, number];
      const x = s1 > s0 ? ((step - s0) / (s1 - s0)) * w : 0;
      let m = panel.querySelector<SVGLineElement>('line.step-marker');
      if (!m) {
        const h = panel.querySelector('clipPath rect')?.getAttribute('height') ?? '130';
        m = svgEl('line', { class: 'step-marker', y1: 0, y2: h, stroke: '#e07b00', 'stroke-width': 2 }) as SVGLineElement;
        panel.appendChild(m);
      }
      m.setAttribute('x1', String(x));
      m.setAttribute('x2', String(x));
    }
  }

  /** Every neuron and edge on a path through neuron n of stage s: what it reads from and feeds. */
  function highlight(s: number, n: number): void {
    if (!current) return;
    const { g } = current;
    const all = [
      ...g.edges.map((e, k) => ({ a: `${links[e.layer]!.from}:${e.from}`, b: `${links[e.layer]!.to}:${e.to}`, k })),
      ...g.residuals.map((r) => ({ a: `${links[r.layer]!.from}:${r.index}`, b: `${links[r.layer]!.to}:${r.index}`, k: -1 })),
    ];
    const on = new Set<string>([`${s}:${n}`]);
    const edgesOn = new Set<number>();
    const walk = (forward: boolean) => {
      const seen = new Set<string>([`${s}:${n}`]);
      let frontier = [`${s}:${n}`];
      while (frontier.length > 0) {
        const next: string[] = [];
        for (const x of all) {
          const [src, dst] = forward ? [x.a, x.b] : [x.b, x.a];
          if (!frontier.includes(src)) continue;
          if (x.k >= 0) edgesOn.add(x.k);
          if (!seen.has(dst)) seen.add(dst), next.push(dst), on.add(dst);
        }
        frontier = next;
      }
    };
    walk(true);
    walk(false);
    svg.classList.add('focus');
    for (const e of svg.querySelectorAll<SVGElement>('line.edge')) e.classList.toggle('on', edgesOn.has(Number(e.dataset.k)));
    for (const c of svg.querySelectorAll<SVGElement>('circle.neuron')) c.classList.toggle('on', on.has(`${c.dataset.s}:${c.dataset.n}`));
    svg.setAttribute('data-highlighted', String(edgesOn.size));
  }

  function clearHighlight(): void {
    selected = undefined;
    svg.classList.remove('focus');
    svg.removeAttribute('data-highlighted');
  }

  function showTip(ev: MouseEvent, lines: string[]): void {
    tip.replaceChildren(...lines.map((l, k) => Object.assign(document.createElement(k === 0 ? 'b' : 'div'), { textContent: l })));
    tip.style.display = 'block';
    tip.style.left = `${ev.pageX + 14}px`;
    tip.style.top = `${ev.pageY + 10}px`;
  }

  function neuronTip(s: number, n: number): string[] {
    const { g, net } = current!;
    const nr = g.layers[s]!.find((x) => x.index === n);
    const mod = g.modules.findIndex((m) => m.neurons.some(([a, b]) => a === s && b === n));
    const inc = g.edges.filter((e) => links[e.layer]!.to === s && e.to === n);
    const out = g.edges.filter((e) => links[e.layer]!.from === s && e.from === n);
    const list = (es: typeof inc, other: (e: (typeof inc)[number]) => string) => {
      const top = [...es].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, 6);
      return top.map((e) => `${other(e)}: ${fmt(e.weight)}`).join(', ') + (es.length > top.length ? `, … (${es.length} in all)` : '');
    };
    return [
      label(net, s, n),
      `layer: ${data.stageNames[s]} (stage ${s}), neuron ${n}`,
      `position: ${nr ? nr.coords.map((v) => fmt(v)).join(', ') : '?'}`,
      `in (${inc.length}): ${inc.length ? list(inc, (e) => label(net, links[e.layer]!.from, e.from)) : '–'}`,
      `out (${out.length}): ${out.length ? list(out, (e) => label(net, links[e.layer]!.to, e.to)) : '–'}`,
      `module: ${mod >= 0 && threshold > 0 ? `${mod + 1} of ${g.modules.length}` : threshold > 0 ? 'none' : '– (raise the threshold to find modules)'}`,
    ];
  }

  svg.addEventListener('mouseover', (ev) => {
    const t = ev.target as SVGElement;
    if (!current) return;
    if (t.classList.contains('neuron')) showTip(ev, neuronTip(Number(t.dataset.s), Number(t.dataset.n)));
    else if (t.classList.contains('edge')) {
      const e = current.g.edges[Number(t.dataset.k)]!;
      const { from, to } = links[e.layer]!;
      showTip(ev, [`weight ${fmt(e.weight)}`, `${label(current.net, from, e.from)} → ${label(current.net, to, e.to)}`, `link ${e.layer + 1} of ${links.length}`]);
    }
  });
  svg.addEventListener('mouseout', () => (tip.style.display = 'none'));
  svg.addEventListener('click', (ev) => {
    const t = ev.target as SVGElement;
    if (t.classList.contains('neuron')) {
      const sn: [number, number] = [Number(t.dataset.s), Number(t.dataset.n)];
      if (selected && selected[0] === sn[0] && selected[1] === sn[1]) clearHighlight();
      else (selected = sn), highlight(sn[0], sn[1]);
    } else clearHighlight();
  });

  stepInput.addEventListener('input', draw);
  thrInput.addEventListener('input', () => {
    threshold = tOf(Number(thrInput.value));
    draw();
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  const play = $('play') as HTMLButtonElement;
  play.addEventListener('click', () => {
    if (timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
      play.textContent = '▶ play';
      return;
    }
    if (Number(stepInput.value) >= data.checkpoints.length - 1) stepInput.value = '0';
    play.textContent = '❚❚ pause';
    draw();
    timer = setInterval(() => {
      const i = Number(stepInput.value) + 1;
      if (i >= data.checkpoints.length) {
        clearInterval(timer);
        timer = undefined;
        play.textContent = '▶ play';
        return;
      }
      stepInput.value = String(i);
      draw();
    }, 500);
  });

  $('title').textContent = `${data.name} · ${data.taskKind}`;
  if (data.skipped > 0) $('note').textContent += ` ${data.skipped} checkpoints left out to keep the page small.`;
  if (data.curves !== undefined) $('curves').innerHTML = data.curves;
  draw();
}

// ---- sweep page -------------------------------------------------------------------------------

function sweepPage(data: SweepViewData): void {
  $('title').textContent = `${data.name} · ${data.table.rows.length} runs`;
  const table = $('table') as HTMLTableElement;
  const head = document.createElement('tr');
  let sortCol = -1;
  let ascending = true;
  const rows = data.table.rows.map((cells, r) => ({ cells, link: data.links[r] }));
  const num = (s: string) => {
    const m = /^-?[\d.]+(e[-+]?\d+)?/i.exec(s);
    return m ? Number(m[0]) : NaN;
  };
  const body = document.createElement('tbody');
  const fill = () => {
    body.replaceChildren(
      ...rows.map(({ cells, link }) => {
        const tr = document.createElement('tr');
        cells.forEach((c, k) => {
          const td = document.createElement('td');
          if (k === 0 && link) td.appendChild(Object.assign(document.createElement('a'), { href: link, textContent: c }));
          else td.textContent = c;
          tr.appendChild(td);
        });
        return tr;
      }),
    );
  };
  data.table.columns.forEach((name, k) => {
    const th = document.createElement('th');
    th.textContent = name;
    th.title = 'sort by this column';
    th.addEventListener('click', () => {
      ascending = sortCol === k ? !ascending : true;
      sortCol = k;
      rows.sort((a, b) => {
        const [x, y] = [a.cells[k] ?? '', b.cells[k] ?? ''];
        const [nx, ny] = [num(x), num(y)];
        const c = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
        return ascending ? c : -c;
      });
      for (const h of head.children) h.removeAttribute('data-sort');
      th.setAttribute('data-sort', ascending ? 'asc' : 'desc');
      fill();
    });
    head.appendChild(th);
  });
  const thead = document.createElement('thead');
  thead.appendChild(head);
  table.replaceChildren(thead, body);
  fill();
  if (data.plot !== undefined) $('plot').innerHTML = data.plot;
  else $('plot').textContent = 'no compare plot: the runs differ in no config key that can be plotted';
}

const data = JSON.parse($('bimt-data').textContent ?? '{}') as RunViewData | SweepViewData;
if (data.kind === 'run') runPage(data);
else sweepPage(data);
