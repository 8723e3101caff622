/** Shared by the config tests: the one-line usage error a bad config or formula produces. */
import { expect } from 'vitest';
import { BimtError } from '../src/errors.js';

/** Runs `load`, which must throw a BimtError (exit code 2, one line); returns its message. */
export function usageErrorOf(load: () => unknown): string {
  try {
    load();
  } catch (e) {
    expect(e).toBeInstanceOf(BimtError);
    expect((e as BimtError).exitCode).toBe(2);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('the input was accepted');
}
