// Configs shipped ahead of the code that loads them: the tests that load, train or record every
// shipped config (shipped-configs*.test.ts, fixtures/golden/plan.mjs) skip these. Plain
// JavaScript so that plan.mjs, which node runs as it is, can import it; types in
// pending-configs.d.mts. Remove an entry as soon as its config loads (in-context-task.test.ts
// fails then, to say so).

/** Paths relative to the repository root, forward slashes. */
export const PENDING_CONFIGS = [];

/** Whether `file` (relative to the repository root, either slash) is pending. */
export function isPendingConfig(file) {
  return PENDING_CONFIGS.includes(file.split('\\').join('/'));
}
