// `npm run bench-test-start [-- test/file.test.ts]`: how long one test file waits for its first
// test, cold (dist/ deleted, as in a fresh clone: every project compiled and type-checked) and
// warm (nothing changed since the last run, and after touching one test file or one src file),
// measured one after another so that they meet the same load. Prints the machine's load average:
// other work only ever adds time. Not a test: numbers, no assertions. The setup it measures is
// test/global-setup.ts (incremental `tsc --build`, then the view page's bundle).
import { spawnSync } from 'node:child_process';
import { rmSync, utimesSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const file = process.argv[2] ?? 'test/layering.test.ts';
const VITEST = 'node_modules/vitest/vitest.mjs';

/** Seconds from spawning `vitest run file` to vitest's start, the end of the setup and the first test. */
function measure() {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [VITEST, 'run', file, '--reporter=./scripts/first-test-reporter.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vitest run ${file} failed:\n${r.stdout}\n${r.stderr}`);
  const mark = (name) => {
    const m = new RegExp(`^bench-mark ${name} (\\d+)$`, 'm').exec(r.stdout);
    if (m === null) throw new Error(`no ${name} mark in vitest's output:\n${r.stdout}`);
    return (Number(m[1]) - t0) / 1000;
  };
  return { vitest: mark('init'), setupDone: mark('module-start'), firstTest: mark('first-test') };
}

const touch = (path) => {
  const now = new Date();
  utimesSync(`${ROOT}/${path}`, now, now);
};

const cases = [
  ['cold (no dist/)', () => rmSync(`${ROOT}/dist`, { recursive: true, force: true })],
  ['warm', () => {}],
  ['warm, test file touched', () => touch(file)],
  ['warm, src file touched', () => touch('src/version.ts')],
  ['warm again', () => {}],
];

console.log(`vitest run ${file}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (1, 5, 15 min), node ${process.version}`);
console.log('case                          vitest up   setup done   first test (s from spawn)');
for (const [name, prepare] of cases) {
  prepare();
  const t = measure();
  console.log(`${name.padEnd(30)}${t.vitest.toFixed(1).padStart(9)}${t.setupDone.toFixed(1).padStart(13)}${t.firstTest.toFixed(1).padStart(13)}`);
}
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
