/**
 * What a run may be called. A run's name becomes a directory under the runs directory, so one
 * rule holds wherever a name comes from (`--name`, a config's `name:`, the config file's name,
 * `bimt reproduce`'s figure ids): a single path segment of letters, digits, ".", "_" and "-" that
 * starts with a letter or digit. That excludes "", "." and "..", separators that would write
 * outside the runs directory or nest a run that `bimt ls` never finds, newlines that would break
 * its table, and spaces that shells and other tools split on.
 */
import { BimtError } from '../errors.js';

/** Longest run name; a timestamp suffix (`-YYYYMMDD-HHMMSS-NNN`) still fits a file name's 255 bytes. */
export const MAX_RUN_NAME = 100;

const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The rule in words, for messages. */
export const RUN_NAME_RULE = `letters, digits, ".", "_" and "-", starting with a letter or digit, at most ${MAX_RUN_NAME} characters`;

export function isRunName(name: string): boolean {
  return RUN_NAME.test(name) && name.length <= MAX_RUN_NAME;
}

/**
 * `name` when it is a valid run name; otherwise a usage error that names where it came from
 * (`source`, e.g. "--name") and the rule.
 */
export function checkRunName(name: string, source: string): string {
  if (!isRunName(name)) throw new BimtError(`${source} ${JSON.stringify(name)}: not a valid run name (${RUN_NAME_RULE})`);
  return name;
}

/**
 * The run name a config file's name gives when the config has no `name:` ("my formula.yaml" ->
 * "my-formula"): every run of characters the rule does not allow becomes one "-", and what cannot
 * start a name is dropped from the front. A name with nothing usable left is "run".
 */
export function runNameFromFileName(stem: string): string {
  const name = stem
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_RUN_NAME);
  return name === '' ? 'run' : name;
}
