/**
 * The frequency picture of a token embedding of residues mod p (modular addition, the paper's
 * Figure 5): one plane per Fourier frequency the embedding holds, in which that frequency's
 * residues lie on a circle, for the whole embedding and each group of dims the pruned network
 * combines.
 */
import { embeddingGroups } from '../../bimt/graph.js';
import { embeddingTable, type Network } from '../../model/network.js';
import { prunedAt, type Figure, type TaskFigureInput } from '../figure.js';
import { frequencyPlanes } from '../frequency.js';
import { embeddingPanelsSvg } from './embedding-scatter.js';

/**
 * Modular addition: the whole embedding, then one picture per group of embedding dimensions that
 * the pruned network combines before its output layer, when there are two groups or more: BIMT's
 * groups each hold a circle of their own frequency (paper Fig. 5). Not the graph's modules: the
 * output layer reads every group, which joins them all into one.
 */
export function embeddingFrequencyFigures(input: TaskFigureInput): Figure[] {
  const { net, task, pruned, head, name } = input;
  const all = [...Array(task.inputLabels.length).keys()];
  const groups = pruned ? embeddingGroups(net, pruned.graph).filter((dims) => dims.length >= 2) : [];
  const shown = groups.length >= 2 ? groups : [];
  const whole = [`all ${all.length} embedding dims`, ...prunedAt(input)];
  if (shown.length > 0) whole.push(`${shown.length} groups, one picture each (${name('K')})`);
  const figs = [{ name: name(), svg: embeddingFigure(net, all, [...head, pruned ? 'pruned embedding' : 'embedding'].join(' · '), [whole.join('; ')]) }];
  shown.forEach((dims, k) => {
    const names = dims.map((d) => task.inputLabels[d]);
    const list = names.length <= 10 ? names.join(', ') : `${names.slice(0, 9).join(', ')}, …`;
    const caption = [
      `group ${k + 1}: embedding dims ${list} (${dims.length} of ${all.length}), the dims linked`,
      `through the hidden layers of the network ${prunedAt(input).join('')} (output layer left out)`,
    ];
    figs.push({ name: name(k + 1), svg: embeddingFigure(net, dims, [...head, `group ${k + 1} of ${shown.length}`].join(' · '), caption) });
  });
  return figs;
}

/**
 * Modular addition: the embedding rows (one per residue) restricted to `dims`, a panel per
 * frequency k they hold (the strongest, and up to two more with a fair share of the variance),
 * each the plane in which that frequency is a circle, residues coloured in the order k·r mod p so
 * a circle reads as one smooth rainbow. A trained embedding holds several circles of similar
 * power; its top two principal components mix them into an unreadable scatter.
 */
function embeddingFigure(net: Network, dims: readonly number[], title: string, caption: readonly string[]): string {
  const { table: emb, vocab: p, dim } = embeddingTable(net, 'the embedding picture');
  const sub = new Float32Array(p * dims.length);
  for (let r = 0; r < p; r++) dims.forEach((d, j) => (sub[r * dims.length + j] = emb[r * dim + d]));
  const planes = frequencyPlanes(sub, p, dims.length).filter((pl, i) => i === 0 || pl.share >= MIN_SHARE).slice(0, MAX_PANELS);
  const panels = planes.map((pl) => {
    const order = [...Array(p).keys()].sort((a, b) => ((pl.k * a) % p) - ((pl.k * b) % p) || a - b);
    return {
      points: order.map((r) => ({ x: pl.points[2 * r], y: pl.points[2 * r + 1], label: String(r) })),
      title: `frequency ${pl.k}: ${Math.round(100 * pl.share)}% of the variance`,
      xLabel: `cos part · colour: ${pl.k === 1 ? 'r' : `${pl.k}·r mod ${p}`}`,
      yLabel: 'sin part',
    };
  });
  const how = `each panel: the plane where frequency k is a circle, residue r at angle 2π·k·r/${p}`;
  return embeddingPanelsSvg(panels, { title, caption: [...caption, how] });
}

/** Frequencies drawn besides the strongest: those with at least this share, at most 3 panels. */
const MIN_SHARE = 0.15;
const MAX_PANELS = 3;
