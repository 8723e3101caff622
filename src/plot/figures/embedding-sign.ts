/**
 * The sign picture of a token embedding of permutations (the permutation group, the paper's
 * Figure 6): its rows in the plane of two principal components, and along the direction from the
 * odd permutations to the even ones, coloured by sign, for the whole embedding and each group of
 * dims the pruned network combines.
 */
import { embeddingGroups } from '../../bimt/graph.js';
import { embeddingTable, type Network } from '../../model/network.js';
import { permutationSign } from '../../tasks/permutation-group.js';
import { prunedAt, type Figure, type TaskFigureInput } from '../figure.js';
import { INK, NEGATIVE, POSITIVE } from '../palette.js';
import { pca2 } from '../pca.js';
import { embeddingPanelsSvg } from './embedding-scatter.js';

/**
 * Permutation group: as modular addition, the whole embedding, then each group of dims the pruned
 * network combines before its output layer (here even a single group gets its own picture).
 */
export function embeddingSignFigures(input: TaskFigureInput): Figure[] {
  const { net, task, pruned, head, name } = input;
  const all = [...Array(task.inputLabels.length).keys()];
  const alive = pruned ? embeddingGroups(net, pruned.graph) : [];
  const groups = alive.filter((dims) => dims.length >= 2);
  // A dim that is a group on its own has no plane to draw, yet may be the one that reads the
  // sign: the caption names it, and the whole embedding's right panel shows what it adds.
  const singles = alive.filter((dims) => dims.length === 1).map(([d]) => task.inputLabels[d]);
  const whole = [`all ${all.length} embedding dims`, ...prunedAt(input)];
  if (groups.length > 0) whole.push(`${groups.length} group${groups.length > 1 ? 's' : ''} of dims alive, one picture each (${name('K')})`);
  if (singles.length > 0) whole.push(`alive on ${singles.length > 1 ? 'their' : 'its'} own: ${singles.join(', ')}`);
  const figs = [{ name: name(), svg: signFigure(net, all, task.outputLabels, [...head, pruned ? 'pruned embedding' : 'embedding'].join(' · '), [whole.join('; ')]) }];
  groups.forEach((dims, k) => {
    const names = dims.map((d) => task.inputLabels[d]);
    const caption = [`group ${k + 1}: embedding dims ${names.join(', ')} (${dims.length} of ${all.length}), linked through the hidden layers ${prunedAt(input).join('')}`];
    figs.push({ name: name(k + 1), svg: signFigure(net, dims, task.outputLabels, [...head, `group ${k + 1} of ${groups.length}`].join(' · '), caption) });
  });
  return figs;
}

/**
 * Permutation group: the embedding rows (one per permutation, named in one-line notation)
 * restricted to `dims`, in two planes: the first two principal components, and the direction
 * from the odd permutations' mean to the even ones' against the strongest principal component
 * across it. Even permutations blue, odd red (the sign colours of every picture), so an
 * embedding that encodes the sign splits into two colours along the second panel's x axis.
 */
function signFigure(net: Network, dims: readonly number[], names: readonly string[], title: string, caption: readonly string[]): string {
  const { table: emb, vocab, dim } = embeddingTable(net, 'the embedding picture');
  const sign = names.map((s) => permutationSign([...s].map(Number)));
  const rows = Array.from({ length: vocab }, (_, t) => dims.map((d) => emb[t * dim + d]));
  const colour = (t: number) => (sign[t] === 1 ? POSITIVE : NEGATIVE);
  // Permutations the plane puts on one spot (a trained embedding draws whole cosets as one
  // point) become one dot named by all of them, so no name is lost to overlapping labels.
  const panel = (xy: (t: number) => [number, number], panelTitle: string, xLabel: string, yLabel: string) => {
    const at = rows.map((_, t) => xy(t));
    const span = Math.max(1e-12, ...at.flat().map(Math.abs));
    const spots: { x: number; y: number; members: number[] }[] = [];
    at.forEach(([x, y], t) => {
      const near = spots.find((q) => Math.hypot(q.x - x, q.y - y) <= 0.08 * span);
      if (near) near.members.push(t);
      else spots.push({ x, y, members: [t] });
    });
    const points = spots.map((q) => {
      const signs = new Set(q.members.map((t) => sign[t]));
      return { x: q.x, y: q.y, label: q.members.map((t) => names[t]).join(' '), color: signs.size === 1 ? colour(q.members[0]) : INK };
    });
    return { points, title: panelTitle, xLabel, yLabel };
  };
  const panels = [];
  if (dims.length >= 2) {
    const pc = pca2(Float32Array.from(rows.flat()), vocab, dims.length).points;
    panels.push(panel((t) => [pc[2 * t], pc[2 * t + 1]], 'principal components', 'PC 1', 'PC 2'));
  }
  // The even-minus-odd direction, and the strongest direction of what is left across it.
  const mean = (s: number) => dims.map((_, j) => rows.reduce((a, r, t) => a + (sign[t] === s ? r[j] : 0), 0) / Math.max(1, sign.filter((x) => x === s).length));
  const [even, odd] = [mean(1), mean(-1)];
  const u = even.map((v, j) => v - odd[j]);
  const norm = Math.hypot(...u) || 1;
  const along = rows.map((r) => r.reduce((a, v, j) => a + (v * u[j]) / norm, 0));
  const rest = rows.map((r, t) => r.map((v, j) => v - (along[t] * u[j]) / norm));
  const across = dims.length >= 2 ? pca2(Float32Array.from(rest.flat()), vocab, dims.length).points : new Float64Array(2 * vocab);
  panels.push(panel((t) => [along[t], across[2 * t]], 'even against odd', 'towards the even mean', 'strongest direction across'));
  const how = 'blue: even permutations, red: odd (black: both on one spot); names in one-line notation (1023: 0 → 1, 1 → 0), several where they coincide';
  return embeddingPanelsSvg(panels, { title, caption: [...caption, how] });
}
