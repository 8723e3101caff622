/**
 * What `bimt view` puts into a sweep's page (docs/design.md, "View"): the `bimt compare` table of
 * its runs and the compare plot against the first swept key that is not a seed, with each run's
 * own page linked from its row.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';
import { BimtError } from '../errors.js';
import { comparePlotData, comparePlotSvg, SEED_KEYS } from '../plot/compare-plot.js';
import { compareTable, differingKeys, readRunRecords } from '../runs/compare.js';
import { findRuns, type RunPaths } from '../runs/run-dir.js';
import type { SweepViewData } from './data.js';

/**
 * The runs under a directory, as `bimt compare <dir>` finds them, less those whose real path lies
 * outside it (reached through a symbolic link), each named in one line to `skipped`: bimt view
 * writes a page into every run it shows and nothing outside the directory it was given
 * (docs/cli.md, "Viewing a run").
 */
export function sweepRuns(dir: string, skipped: (line: string) => void): RunPaths[] {
  const root = realpathSync(dir);
  const runs = findRuns(dir).filter((paths) => {
    const real = realpathSync(paths.root);
    const rel = relative(root, real);
    if (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) return true;
    skipped(`${paths.root}: skipped, a symbolic link to ${real}, outside ${dir}`);
    return false;
  });
  if (runs.length === 0) throw new BimtError(`${dir}: neither a run directory nor a directory holding runs`);
  return runs;
}

/** `pages[i]` is the page written for runs[i] (absolute or relative to cwd), or undefined. */
export function sweepViewData(dir: string, runs: readonly RunPaths[], pages: readonly (string | undefined)[], pageFile: string): SweepViewData {
  const records = readRunRecords(runs.map((paths) => ({ paths, name: relative(dir, paths.root) })));
  const table = compareTable(records);
  const key = differingKeys(records).find((k) => !SEED_KEYS.includes(k));
  let plot: string | undefined;
  if (key !== undefined) {
    try {
      plot = comparePlotSvg(comparePlotData(records, key));
    } catch (e) {
      // A key the plot cannot draw (no numbers to compare yet): the table still stands.
      if (!(e instanceof BimtError)) throw e;
    }
  }
  return {
    kind: 'sweep',
    name: basename(dir.replace(/[/\\]+$/, '')),
    table,
    links: pages.map((p) => (p === undefined ? null : pageHref(pageFile, p))),
    ...(plot !== undefined ? { plot, plotKey: key } : {}),
  };
}

/**
 * The link from one page to another: the relative file path, each segment percent-encoded, after
 * "./". A run directory's name is text from the disk: raw, `javascript:alert(1)` or `a?b#c` would
 * be read as a scheme, a query or a fragment instead of a file (docs/cli.md, "Viewing a run").
 */
export function pageHref(fromPage: string, toPage: string): string {
  return `./${relative(dirname(fromPage), toPage).split(sep).map(encodeURIComponent).join('/')}`;
}
