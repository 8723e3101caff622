/**
 * What a figure of `bimt reproduce` is (src/reproduce/figures.ts lists them): one run with claims
 * on its outputs, or several runs (a comparison of variants over seeds) with claims over all of
 * them and tables for the report. Its own module so that the figures, the ablation's claims and
 * the report all import it without importing each other.
 */
import type { KnockOuts } from './knock-outs.js';
import type { NetworkGraph } from '../bimt/graph.js';
import type { Network } from '../model/network.js';
import type { TaskEvaluation } from '../train/evaluate.js';
import type { ClaimResult } from './claims.js';

/** What a trained and pruned panel gives the claims. */
export interface PanelOutputs {
  readonly trained: TaskEvaluation;
  readonly pruned: { readonly net: Network; readonly graph: NetworkGraph; readonly evaluation: TaskEvaluation };
  /** The trained network's knock-outs (`bimt ablate`'s code). */
  readonly knockOuts: KnockOuts;
}

interface FigureBase {
  readonly id: string;
  readonly title: string;
  /** The sentence of the paper the claims check. */
  readonly paper: string;
  /** What a reader of the report should know about how robust the claims are. */
  readonly note?: string;
}

/** A figure of one run: its config trained into <out>/<id>/. */
export interface PanelFigure extends FigureBase {
  /** The default kind: the figures of one run leave it out. */
  readonly kind?: 'panel';
  readonly config: string;
  readonly claims: (o: PanelOutputs) => ClaimResult[];
}

/**
 * One run of a figure made of several: a config and `--set` overrides, what `bimt train` (or a
 * sweep's point) takes, so that the list can be handed to a launcher as it is.
 */
export interface FigureRun {
  /** Its run directory inside the figure's: <out>/<figure>/<name>/. */
  readonly name: string;
  /** The training variant it belongs to (a row of the comparison). */
  readonly variant: string;
  readonly seed: number;
  /** Relative to bimt's own folder, as a PanelFigure's config. */
  readonly config: string;
  /** `--set` overrides, as the command line gives them (`seed=3`). */
  readonly sets: readonly string[];
}

export interface RunOutputs extends PanelOutputs {
  readonly run: FigureRun;
}

/**
 * A figure made of several runs (variants x seeds), each a normal run directory in <out>/<id>/,
 * with claims over all of their outputs and tables of them for the report.
 */
export interface RunsFigure extends FigureBase {
  readonly kind: 'runs';
  readonly runs: readonly FigureRun[];
  readonly claims: (o: readonly RunOutputs[]) => ClaimResult[];
  readonly tables: (o: readonly RunOutputs[]) => ReportTable[];
  /** The runs whose pruned network the report draws: a few, since a drawing takes longer than a run's pruning. */
  readonly drawn: (run: FigureRun) => boolean;
}

export type FigureSpec = PanelFigure | RunsFigure;

export function isRunsFigure(fig: FigureSpec): fig is RunsFigure {
  return fig.kind === 'runs';
}

/** A table of a figure's runs (a comparison's variants), in the report as markdown. */
export interface ReportTable {
  readonly caption: string;
  readonly header: readonly string[];
  /** Cells are markdown. */
  readonly rows: readonly (readonly string[])[];
}
