// Configs whose data is not part of the repository or its npm dependencies: a system package's
// files, named by an absolute task.path (configs/fashion-mnist.yaml reads Debian's
// dataset-fashion-mnist). Loading such a config builds its task, so reads the data: the tests that
// load, plan or train every shipped config (shipped-configs*.test.ts, plan.test.ts,
// golden-metrics.test.ts) skip it, saying so, on a machine without the package; .ci/run installs
// the packages, so CI checks them all. Plain JavaScript so that fixtures/golden/plan.mjs, which
// node runs as it is, can import it; types in config-data.d.mts.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { mergeLayers, readLayers } from '../dist/config/layers.js';

/**
 * The absolute data path `file` (relative to the repository root) reads that this machine lacks,
 * or undefined. From the YAML and the files it extends alone, since loading the config would
 * read the data.
 */
export function missingData(file) {
  const task = mergeLayers(readLayers(readFileSync(file, 'utf8'), file)).task;
  const path = task?.path;
  return typeof path === 'string' && isAbsolute(path) && !existsSync(path) ? path : undefined;
}
