/**
 * `bimt view`'s work (docs/design.md, "View"): a run directory becomes <run>/view.html; a
 * directory of runs (a sweep) becomes <dir>/view.html with the compare table, and each run with
 * checkpoints gets its own page, which the table links to.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BimtError } from '../errors.js';
import { writeOutputFile } from '../runs/atomic.js';
import { listCheckpoints, runPaths } from '../runs/run-dir.js';
import { viewHtml } from './html.js';
import { runViewData } from './run-data.js';
import { sweepRuns, sweepViewData } from './sweep-data.js';

/**
 * Writes the page(s) of `target` and returns their paths, the one asked for first; runs of a sweep
 * left out (outside it through a symbolic link) are named in one line each to `skipped`. Needs a
 * tfjs backend selected.
 */
export function writeView(target: string, skipped: (line: string) => void, outFile?: string): string[] {
  if (!existsSync(target) || !statSync(target).isDirectory()) throw new BimtError(`${target}: no such run directory or directory of runs`);
  if (existsSync(runPaths(target).meta)) {
    const file = outFile ?? join(target, 'view.html');
    writeOutputFile(file, viewHtml(runViewData(target)));
    return [file];
  }
  const runs = sweepRuns(target, skipped);
  const pages = runs.map((p) => {
    if (listCheckpoints(p).length === 0) return undefined;
    const file = join(p.root, 'view.html');
    writeOutputFile(file, viewHtml(runViewData(p.root)));
    return file;
  });
  const file = outFile ?? join(target, 'view.html');
  writeOutputFile(file, viewHtml(sweepViewData(target, runs, pages, file)));
  return [file, ...pages.filter((p): p is string => p !== undefined)];
}
