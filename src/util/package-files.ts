/**
 * Files that ship with bimt (the paper configs, the compiled worker script), found from bimt's own
 * location rather than the working directory, so that every command works from any directory.
 */
import { fileURLToPath } from 'node:url';

/** The package root: this module is src/util/ (under the tests) or dist/util/ (the CLI). */
const ROOT = new URL('../../', import.meta.url);

/** Absolute path of a file named relative to the package root, e.g. "configs/paper/fig4.yaml". */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(relative, ROOT));
}
