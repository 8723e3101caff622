/** Option parsers shared by the commands, so a bad number reads the same everywhere. */
import { InvalidArgumentError, Option } from 'commander';
import { BACKENDS } from '../backend.js';

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

export function backendOption(): Option {
  return new Option('--backend <name>', 'force a tfjs backend (default: the fastest that loads)').choices(BACKENDS);
}

/** What `bimt prune` and `bimt plot` accept as <target> (src/runs/open.ts). */
export const TARGET_HELP =
  'a run directory (its last checkpoint, or that of --step), or a checkpoint file anywhere inside a run directory, ' +
  'under any name (checkpoints/step-NNNNNN.safetensors, pruned/<...>/checkpoint.safetensors, a copy); ' +
  'a checkpoint copied out of its run cannot be used, since the task is in the run\'s config.yaml';
