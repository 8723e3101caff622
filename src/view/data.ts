/**
 * The data a `bimt view` page carries (docs/design.md, "View"), shared by the Node side that
 * writes it (run-data.ts, sweep-data.ts) and the page script that reads it (page/main.ts): types
 * and one limit, importing nothing that needs Node.
 */
import type { Labels } from '../bimt/graph.js';
import type { Architecture } from '../model/model-graph.js';

/** The most edges the page draws at once (the strongest): more take seconds to draw in a browser. */
export const MAX_DRAWN = 15_000;

export interface ViewCheckpoint {
  readonly step: number;
  /** Weight tensor name -> base64 of its float32 bytes (little-endian, as the platform's). */
  readonly weights: Record<string, string>;
  readonly inPerm: number[];
  readonly outPerm: number[];
  /** The task picture of this checkpoint (SVG, gzipped, base64), where the task has one and the budget allows. */
  readonly task?: string;
}

/**
 * Where the page draws the network, as `bimt plot` does (src/plot/network.ts `neuronPositions`
 * for rows, src/plot/network-2d.ts `planePositions` for the stacked planes of 2-D layers).
 */
export interface ViewPositions {
  /** Position of neuron n of stage s: x[s][n], y[s][n]. */
  readonly x: number[][];
  readonly y: number[][];
  readonly radius: number[];
  /** Extent of the neurons (and planes) before margins: x0, y0, x1, y1. */
  readonly bounds: [number, number, number, number];
  /** Rows only: how far left the residual connections leaving each stage bow. */
  readonly bow?: number[];
  /** 2-D layers only: each stage's plane, drawn behind its neurons, with its name and where that goes. */
  readonly planes?: { readonly corners: [number, number][]; readonly name: string; readonly at: [number, number] }[];
  /** 2-D layers only: per stage, where each neuron's label is centred, or null where the still picture labels none. */
  readonly labels?: ([number, number][] | null)[];
}

export interface RunViewData {
  readonly kind: 'run';
  readonly name: string;
  readonly taskKind: string;
  readonly arch: Architecture;
  readonly labels: Labels;
  readonly positions: ViewPositions;
  /** Name of each stage, for rows beside the network ("hidden 1", "attention 1"). */
  readonly stageNames: string[];
  /** The threshold the slider starts at: the run's output.prune_threshold. */
  readonly threshold: number;
  /** Largest |w| over every checkpoint: the slider's top. */
  readonly maxAbs: number;
  readonly checkpoints: ViewCheckpoint[];
  /** curves.svg of the run (lambda phases marked), when metrics.csv has rows. */
  readonly curves?: string;
  /** Checkpoints left out to keep the page under its size budget (every k-th kept), else 0. */
  readonly skipped: number;
}

export interface SweepViewData {
  readonly kind: 'sweep';
  readonly name: string;
  /** The `bimt compare` table (src/runs/compare.ts). */
  readonly table: { readonly columns: readonly string[]; readonly rows: readonly (readonly string[])[] };
  /** Per row, the run's page relative to the sweep's page ("./" and percent-encoded segments, sweep-data.ts pageHref), or null where the run has none. */
  readonly links: (string | null)[];
  /** The compare plot (SVG), when some swept key can be plotted. */
  readonly plot?: string;
  readonly plotKey?: string;
}

