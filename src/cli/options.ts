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
