/** Option parsers shared by the commands, so a bad number reads the same everywhere. */
import { InvalidArgumentError, Option } from 'commander';
import { backendsFor, type BackendNeeds } from '../backend.js';
import type { ScoreKind } from '../bimt/graph.js';

export function parseStep(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a step number (0, 1, 2, ...)');
  return Number(value);
}

export function parseNonNegative(name: string): (value: string) => number {
  return (value) => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError(`${name} must be a finite number`);
    if (x < 0) throw new InvalidArgumentError(`${name} must be >= 0`);
    return x;
  };
}

/**
 * What `bimt prune`, `plot` and `reproduce` need of their backend: they evaluate and draw
 * networks with synchronous reads (evaluateNetwork, plotRun, pruneAndSave are synchronous).
 */
export const SYNC_READS: BackendNeeds = { syncReads: true };

/** `--backend`, offering the backends a command with these needs can use (src/backend.ts). */
export function backendOption(needs: BackendNeeds = {}): Option {
  const note = needs.syncReads ? '; not webgpu, which cannot read results back synchronously' : '';
  return new Option('--backend <name>', `force a tfjs backend (default: the fastest that loads${note})`).choices(backendsFor(needs));
}

/** What `bimt prune` and `bimt plot` accept as <target> (src/runs/open.ts). */
/**
 * `--score weight|attribution`: what an edge's strength is against the threshold (docs/cli.md,
 * "bimt prune"; docs/design.md, "Attribution"); weight, the default, is |w| as always.
 */
export function scoreOption(): Option {
  const kinds = ['weight', 'attribution'] satisfies ScoreKind[];
  return new Option('--score <score>', "an edge's strength against the threshold: |w|, or |w| times its input's mean |activation| on the training split").choices(kinds).default('weight');
}

export const TARGET_HELP =
  'a run directory (its last checkpoint, or that of --step), or a checkpoint file anywhere inside a run directory, ' +
  'under any name (checkpoints/step-NNNNNN.safetensors, pruned/<...>/checkpoint.safetensors, a copy); ' +
  'a checkpoint copied out of its run cannot be used, since the task is in the run\'s config.yaml';
