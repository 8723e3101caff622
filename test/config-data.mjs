// Configs whose data is not part of the repository or its npm dependencies: a system package's
// files, named by an absolute task.path (configs/fashion-mnist.yaml reads Debian's
// dataset-fashion-mnist). The tests that train every shipped config (shipped-configs.test.ts,
// golden-metrics.test.ts) skip such a config, saying so, on a machine without its data; .ci/run
// installs the packages, so CI trains them all. Plain JavaScript so that fixtures/golden/plan.mjs,
// which node runs as it is, can import it; types in config-data.d.mts.
import { existsSync } from 'node:fs';
import { loadConfig } from '../dist/config/load.js';

/** The data path `file` (relative to the repository root) reads that this machine lacks, or undefined. */
export function missingData(file) {
  const task = loadConfig(file).config.task;
  const path = 'path' in task ? task.path : undefined;
  return path !== undefined && !existsSync(path) ? path : undefined;
}
